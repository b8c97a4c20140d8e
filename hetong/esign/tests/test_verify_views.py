import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from hetong.audit.models import AuditEvent
from hetong.contracts.models import LegalEntity
from hetong.documents.pdf import html_to_pdf, wrap_html
from hetong.esign import pades, pki

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def plain_pdf():
    return html_to_pdf(wrap_html("<h1>采购合同</h1><p>甲方与乙方就办公设备采购达成如下协议。</p>"))


def sign(data: bytes) -> bytes:
    identity = pki.issue_identity("王经理", "wang@example.com")
    return pades.sign_pdf(data, identity, field_name="Sig1", stamp_lines=["签署人：王经理"], reason="同意")


def tamper(data: bytes) -> bytes:
    # The second line of a PDF is a binary comment: changing it keeps the file readable but breaks the digest.
    at = data.index(b"\n") + 2
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


@pytest.fixture
def signed_pdf(plain_pdf):
    return sign(plain_pdf)


def png(size=(60, 60), colour=(200, 0, 0, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, format="PNG")
    return out.getvalue()


def _verify(client, data: bytes, name="contract.pdf"):
    return client.post("/esign/verify/", {"file": SimpleUploadedFile(name, data, content_type="application/pdf")})


# --- verification page --------------------------------------------------------------------------------------------


def test_verify_page_needs_a_signed_in_user(client):
    response = client.get("/esign/verify/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_any_signed_in_user_sees_the_upload_form_and_the_ca_link(client, viewer):
    client.force_login(viewer)
    response = client.get("/esign/verify/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html and "/esign/ca-certificate.pem" in html
    for attributes in re.findall(r"<script([^>]*)>", html):
        assert "src=" in attributes  # no inline script (CSP)
    assert "/esign/seals/" not in html  # the seal link is for administrators


def test_a_signed_pdf_shows_signer_times_and_a_good_verdict(client, sales_owner, signed_pdf):
    client.force_login(sales_owner)
    response = _verify(client, signed_pdf)
    html = response.content.decode()
    assert response.status_code == 200
    report = pades.verify_pdf(signed_pdf)
    assert report.document_sha256 in html
    assert "王经理" in html and "wang@example.com" in html
    assert "UTC" in html and "Asia/Shanghai" in html
    assert html.count("✓") == 2 and "✗" not in html
    assert "The whole document" in html
    assert "All signatures are intact and trusted" in html and "alert-success" in html


def test_a_tampered_pdf_shows_intact_cross_and_a_warning_verdict(client, sales_owner, signed_pdf):
    client.force_login(sales_owner)
    response = _verify(client, tamper(signed_pdf))
    html = response.content.decode()
    assert response.status_code == 200
    intact = html.split('class="col-12 col-sm-7 intact"', 1)[1].split("</dd>", 1)[0]
    assert "✗" in intact and "✓" not in intact
    assert "At least one signature is broken" in html and "alert-danger" in html


def test_a_pdf_without_signatures_gives_the_translated_message(client, sales_owner, plain_pdf):
    client.force_login(sales_owner)
    response = _verify(client, plain_pdf)
    assert response.status_code == 400
    assert "This PDF has no digital signatures." in response.content.decode()


@pytest.mark.parametrize("data", [b"PK\x03\x04 not a pdf", b"<html>%PDF-1.7</html>", b"%PDF-1.7\ngarbage\n"])
def test_a_file_that_is_not_a_readable_pdf_is_refused_with_a_message(client, sales_owner, data):
    client.force_login(sales_owner)
    response = _verify(client, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "This file is not a PDF document." in html or "This PDF is damaged or incomplete" in html


def test_an_empty_upload_is_refused(client, sales_owner):
    client.force_login(sales_owner)
    response = _verify(client, b"")
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


def test_a_pdf_over_20_mb_is_refused_before_it_is_read(client, sales_owner):
    client.force_login(sales_owner)
    response = _verify(client, b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024))
    assert response.status_code == 400
    assert "The PDF is larger than 20 MB." in response.content.decode()


def test_verification_stores_nothing(client, sales_owner, signed_pdf):
    client.force_login(sales_owner)
    before = AuditEvent.objects.count()
    _verify(client, tamper(signed_pdf))
    assert AuditEvent.objects.count() == before


def test_ca_certificate_downloads_as_an_attachment(client, viewer):
    client.force_login(viewer)
    response = client.get("/esign/ca-certificate.pem")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-pem-file"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.decode() == pki.ca_certificate_pem()
    assert response.content.startswith(b"-----BEGIN CERTIFICATE-----")


# --- company seals ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["legal", "finance", "manager", "sales_owner", "viewer"])
def test_only_administrators_reach_the_seal_pages(client, request, persona, entity):
    entity.seal, entity.seal_sha256 = png(), "x" * 64
    entity.save()
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/esign/seals/").status_code == 403
    assert client.get(f"/esign/seals/{entity.pk}/seal.png").status_code == 403
    response = client.post(f"/esign/seals/{entity.pk}/", {"seal": SimpleUploadedFile("s.png", png())})
    assert response.status_code == 403
    entity.refresh_from_db()
    assert entity.seal_sha256 == "x" * 64


def test_admin_uploads_a_seal_which_is_re_encoded_previewed_and_audited(client, admin, entity):
    client.force_login(admin)
    page = client.get("/esign/seals/")
    assert page.status_code == 200 and entity.name in page.content.decode()
    assert "No seal uploaded." in page.content.decode()
    # A PNG with text metadata and bytes after its end: only the pixels survive.
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-metadata")
    out = io.BytesIO()
    Image.new("RGBA", (80, 80), (200, 0, 0, 255)).save(out, format="PNG", pnginfo=info)
    original = out.getvalue() + b"<script>alert(1)</script>"

    response = client.post(f"/esign/seals/{entity.pk}/", {"seal": SimpleUploadedFile("seal.png", original)})
    assert response.status_code == 302 and response["Location"] == "/esign/seals/"
    entity.refresh_from_db()
    stored = bytes(entity.seal)
    assert stored.startswith(b"\x89PNG") and b"secret-metadata" not in stored and b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).size == (80, 80)
    event = AuditEvent.objects.get(verb="esign.seal_uploaded")
    assert event.actor == admin and event.target_id == str(entity.pk) and event.data["sha256"] == entity.seal_sha256

    page = client.get("/esign/seals/").content.decode()
    assert f"/esign/seals/{entity.pk}/seal.png" in page and entity.seal_sha256 in page
    image = client.get(f"/esign/seals/{entity.pk}/seal.png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert image.content == stored


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\x00" * 40, "The seal must be a PNG image."),
        (b"\x89PNG\r\n\x1a\n" + b"broken" * 10, "The seal image could not be read."),
        (b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024), "The seal image is larger than 2 MB."),
    ],
)
def test_a_bad_seal_is_refused_and_nothing_changes(client, admin, entity, data, message):
    client.force_login(admin)
    response = client.post(f"/esign/seals/{entity.pk}/", {"seal": SimpleUploadedFile("seal.png", data)})
    assert response.status_code == 400
    assert message in response.content.decode()
    entity.refresh_from_db()
    assert entity.seal is None and entity.seal_sha256 == ""
    assert not AuditEvent.objects.filter(verb="esign.seal_uploaded").exists()


def test_a_large_seal_is_scaled_down_to_a_stamp_sized_image(admin, entity):
    from hetong.esign import seals

    seals.upload_seal(entity, data=png(size=(1600, 1200)), by=admin)
    entity.refresh_from_db()
    assert Image.open(io.BytesIO(bytes(entity.seal))).size == (800, 600)


def test_the_seal_service_refuses_a_non_administrator(legal, entity):
    from hetong.core.errors import PermissionDenied
    from hetong.esign import seals

    with pytest.raises(PermissionDenied):
        seals.upload_seal(entity, data=png(), by=legal)


def test_a_jpeg_renamed_to_png_is_refused(client, admin, entity):
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="JPEG")
    client.force_login(admin)
    response = client.post(f"/esign/seals/{entity.pk}/", {"seal": SimpleUploadedFile("seal.png", out.getvalue())})
    assert response.status_code == 400
    assert LegalEntity.objects.get(pk=entity.pk).seal is None


def test_seal_image_of_an_entity_without_a_seal_is_not_found(client, admin, entity):
    client.force_login(admin)
    assert client.get(f"/esign/seals/{entity.pk}/seal.png").status_code == 404
    assert client.get("/esign/seals/999999/seal.png").status_code == 404
