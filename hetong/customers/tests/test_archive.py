"""A customer's archive page and dossier export: every file of the customer's contracts in the ZIP, each listed in
SHA256SUMS and the index PDF with the digest recorded when it was stored; a changed file refuses the export."""

import datetime as dt
import hashlib
import io
import zipfile

import pypdf
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hetong.audit.models import AuditEvent
from hetong.contracts.models import FileVersion
from hetong.contracts.services import upload_file
from hetong.customers.services import log_interaction
from hetong.documents.models import GeneratedDocument
from hetong.esign.models import SignatureRequest
from hetong.esign.tests.flow import make_request, sign_as
from hetong.notifications.models import Notification

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _plain_http(settings):
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def signed(setup, sales_owner, make_contract):
    """The signing flow's customer with one contract signed online (document, signed copy, certificate), a second
    contract with an attachment in two versions, and an interaction."""
    make_request(setup, sales_owner)
    request = SignatureRequest.objects.get()
    ours, theirs = request.signers.order_by("position")
    sign_as(ours, "a")
    sign_as(theirs, "b")
    customer = setup["contract"].customer
    other = make_contract(sales_owner, customer, title="仓储服务合同", amount="5000.00")
    first = upload_file(other, by=sales_owner, upload=SimpleUploadedFile("报价单.pdf", PDF, "application/pdf"))
    upload_file(other, by=sales_owner, upload=SimpleUploadedFile("报价单.pdf", PDF + b"% v2\n", "application/pdf"),
                file=first.file)
    log_interaction(customer, by=sales_owner, kind="call", text="电话确认续约意向", date=dt.date(2026, 11, 20))
    return customer


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_dossier_holds_every_file_with_its_recorded_sha256(signed, sales_owner):
    client = Client()
    client.force_login(sales_owner)
    response = client.get(reverse("customers:dossier", args=[signed.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    files = unzip(b"".join(response.streaming_content))

    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"}
    for path, digest in sums.items():
        assert hashlib.sha256(files[path]).hexdigest() == digest, path
    recorded = {v.sha256 for v in FileVersion.objects.filter(file__contract__customer=signed)}
    recorded |= {d.pdf_sha256 for d in GeneratedDocument.objects.filter(contract__customer=signed)}
    recorded |= set(SignatureRequest.objects.values_list("certificate_sha256", flat=True))
    assert len(recorded) >= 5 and recorded <= set(sums.values())  # signed copy, certificate, document, 2 versions
    index = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(files["index.pdf"])).pages)
    flat = "".join(index.split())
    for path, digest in sums.items():
        if path != "index.pdf":
            assert digest in flat, path
    assert "电话确认续约意向" in flat and signed.name in flat
    (event,) = AuditEvent.objects.filter(verb="customer.dossier_export")
    assert event.data["files"] == len(sums) - 1


def test_the_archive_page_lists_everything_in_order_and_only_for_who_may_see_it(signed, sales_owner, other_sales):
    client = Client()
    client.force_login(sales_owner)
    page = client.get(reverse("customers:archive", args=[signed.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("电话确认续约意向", "报价单.pdf", "仓储服务合同", "华运物流年度运输服务合同"):
        assert text in html
    days = [entry.on for entry in page.context["entries"]]
    assert days == sorted(days, reverse=True)
    client.force_login(other_sales)
    assert client.get(reverse("customers:archive", args=[signed.pk])).status_code == 404
    assert client.get(reverse("customers:dossier", args=[signed.pk])).status_code == 404


def test_a_changed_file_refuses_the_export_and_alerts_the_admins(signed, sales_owner, admin, token_for):
    version = FileVersion.objects.filter(file__contract__customer=signed).order_by("pk").first()
    with default_storage.open(version.blob.name, "wb") as handle:
        handle.write(b"changed")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(sales_owner)}")
    response = api.get(f"/api/v1/customers/{signed.pk}/dossier")
    assert response.status_code == 409 and response.json()["code"] == "file_changed"
    assert Notification.objects.filter(user=admin, kind="system").count() == 1
    assert not AuditEvent.objects.filter(verb="customer.dossier_export").exists()
    page = Client()
    page.force_login(sales_owner)
    refused = page.get(reverse("customers:dossier", args=[signed.pk]), follow=True)
    assert refused.redirect_chain
    assert "has changed" in refused.content.decode() or "已被改动" in refused.content.decode()


def test_the_api_serves_the_dossier_to_who_may_see_the_customer(signed, sales_owner, other_sales, token_for):
    ok = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(sales_owner)}").get(f"/api/v1/customers/{signed.pk}/dossier")
    assert ok.status_code == 200 and "index.pdf" in unzip(b"".join(ok.streaming_content))
    hidden = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(other_sales)}").get(f"/api/v1/customers/{signed.pk}/dossier")
    assert hidden.status_code == 404


def test_a_demo_customers_dossier_holds_every_file_of_its_contracts(db, settings):
    import io as _io

    from django.core.management import call_command
    from django.db.models import Count

    from hetong.accounts.models import User
    from hetong.changes.models import NoticeDelivery
    from hetong.customers.models import Customer
    from hetong.obligations.models import EvidenceFile

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--customers", "6", "--contracts", "30", stdout=_io.StringIO())
    customer = (Customer.objects.annotate(n=Count("contracts__files__versions")).order_by("-n", "pk").first())
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    response = client.get(reverse("customers:dossier", args=[customer.pk]))
    assert response.status_code == 200
    files = unzip(b"".join(response.streaming_content))
    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    for path, digest in sums.items():
        assert hashlib.sha256(files[path]).hexdigest() == digest, path
    expected = {v.sha256 for v in FileVersion.objects.filter(file__contract__customer=customer)}
    expected |= {d.pdf_sha256 for d in GeneratedDocument.objects.filter(contract__customer=customer) if d.pdf_sha256}
    expected |= {d.docx_sha256 for d in GeneratedDocument.objects.filter(contract__customer=customer) if d.docx_sha256}
    expected |= {e.sha256 for e in EvidenceFile.objects.filter(obligation__contract__customer=customer)}
    expected |= {d.proof_sha256 for d in NoticeDelivery.objects.filter(notice__contract__customer=customer)
                 if d.proof_sha256}
    expected |= set(SignatureRequest.objects.filter(contract__customer=customer, status="completed")
                    .values_list("certificate_sha256", flat=True))
    assert expected and expected <= set(sums.values())
    index = "".join("".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(files["index.pdf"])).pages)
    assert all(digest in index for path, digest in sums.items() if path != "index.pdf")
