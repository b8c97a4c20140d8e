"""Contract files through the pages: upload, new versions, checked downloads."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hetong.contracts import services
from hetong.contracts.models import ContractFile, FileVersion

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF_V2 = b"%PDF-1.4\n% second draft\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def upload(client, contract, content, name="合同正文.pdf", kind="draft"):
    return client.post(
        reverse("contracts:file_upload", args=[contract.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )


def download(client, contract, version):
    return client.get(reverse("contracts:file_download", args=[contract.pk, version.pk]))


def test_upload_a_pdf_then_a_new_version_and_download_both(client, sales_owner, ca1):
    client.force_login(sales_owner)
    response = upload(client, ca1, PDF)
    assert response.status_code == 302
    file = ContractFile.objects.get(contract=ca1)
    first = file.versions.get()
    assert (first.number, first.size, first.sha256) == (1, len(PDF), hashlib.sha256(PDF).hexdigest())
    assert first.content_type == "application/pdf"

    response = client.post(
        reverse("contracts:file_version_upload", args=[ca1.pk, file.pk]),
        {"file": SimpleUploadedFile("合同正文 v2.pdf", PDF_V2)},
    )
    assert response.status_code == 302
    second = file.versions.get(number=2)
    assert second.sha256 == hashlib.sha256(PDF_V2).hexdigest() and second.size == len(PDF_V2)

    for version, content in ((first, PDF), (second, PDF_V2)):
        response = download(client, ca1, version)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == content
    page = client.get(reverse("contracts:detail", args=[ca1.pk])).content.decode()
    assert second.sha256[:12] in page and "v2" in page


def test_html_renamed_pdf_is_refused(client, sales_owner, ca1):
    client.force_login(sales_owner)
    response = upload(client, ca1, b"<html><script>alert(1)</script></html>", name="invoice.pdf")
    assert response.status_code == 400
    assert "does not match" in response.content.decode()
    assert not FileVersion.objects.exists()


def test_oversize_upload_is_refused(client, sales_owner, ca1, settings):
    settings.MAX_UPLOAD_MB = 1
    client.force_login(sales_owner)
    response = upload(client, ca1, PDF + b"0" * (1024 * 1024))
    assert response.status_code == 400
    assert "larger than the limit of 1 MB" in response.content.decode()
    assert not ContractFile.objects.exists()


def test_upload_without_a_file_is_400(client, sales_owner, ca1):
    client.force_login(sales_owner)
    response = client.post(reverse("contracts:file_upload", args=[ca1.pk]), {"kind": "draft"})
    assert response.status_code == 400


def test_draft_text_cannot_be_added_after_submission(client, sales_owner, ca1):
    services.submit_contract(ca1, by=sales_owner)
    client.force_login(sales_owner)
    assert upload(client, ca1, PDF, kind="draft").status_code == 409
    assert upload(client, ca1, PDF, kind="attachment").status_code == 302


def test_tampered_stored_file_is_not_served(client, sales_owner, admin, ca1, caplog):
    from hetong.notifications.models import Delivery, Notification

    client.force_login(sales_owner)
    upload(client, ca1, PDF)
    version = FileVersion.objects.get()
    with open(version.blob.path, "r+b") as handle:
        handle.seek(5)
        handle.write(b"X")
    response = download(client, ca1, version)
    assert response.status_code == 409
    assert "stored file has changed or is missing" in response.content.decode()
    assert any(record.levelname == "ERROR" for record in caplog.records)
    assert Notification.objects.filter(user=admin, kind="system", contract=ca1).count() == 1
    assert Delivery.objects.filter(kind="email", user=admin).exists()  # and by email


def test_missing_stored_file_is_not_served(client, sales_owner, ca1):
    client.force_login(sales_owner)
    upload(client, ca1, PDF)
    version = FileVersion.objects.get()
    version.blob.storage.delete(version.blob.name)
    assert download(client, ca1, version).status_code == 409


def test_foreign_files_are_404(client, sales_owner, other_sales, ca1, cb1):
    client.force_login(other_sales)
    upload(client, cb1, PDF)
    theirs = FileVersion.objects.get()
    client.force_login(sales_owner)
    assert download(client, cb1, theirs).status_code == 404
    # A version of another contract under one's own contract id is just as unknown.
    assert download(client, ca1, theirs).status_code == 404
    assert upload(client, cb1, PDF).status_code == 404
    other_file = theirs.file
    response = client.post(
        reverse("contracts:file_version_upload", args=[ca1.pk, other_file.pk]),
        {"file": SimpleUploadedFile("x.pdf", PDF)},
    )
    assert response.status_code == 404
    assert FileVersion.objects.count() == 1


def test_viewer_cannot_upload(client, viewer, ca1):
    client.force_login(viewer)
    assert client.get(reverse("contracts:detail", args=[ca1.pk])).context["can_upload"] is False
    assert upload(client, ca1, PDF).status_code == 403
    assert not ContractFile.objects.exists()
