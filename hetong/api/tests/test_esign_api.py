import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hetong.audit.models import AuditEvent
from hetong.esign import pades, pki
from hetong.esign.tests.test_verify_views import plain_pdf, sign, tamper  # noqa: F401 - plain_pdf is a fixture

pytestmark = pytest.mark.django_db

URL = "/api/v1/signatures/verify"


@pytest.fixture
def signed_pdf(plain_pdf):  # noqa: F811
    return sign(plain_pdf)


def _post_pdf(client, data: bytes, content_type="application/pdf"):
    return client.generic("POST", URL, data, content_type=content_type)


def test_verify_takes_the_raw_pdf_body_and_returns_the_report(api_as, viewer, signed_pdf):
    response = _post_pdf(api_as(viewer), signed_pdf)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["document_sha256"] == pades.verify_pdf(signed_pdf).document_sha256
    assert body["all_valid"] is True and "intact and trusted" in body["verdict"]
    (sig,) = body["signatures"]
    assert sig["signer_name"] == "王经理" and sig["signer_email"] == "wang@example.com"
    assert sig["intact"] is True and sig["valid"] is True and sig["trusted"] is True
    assert sig["covers_whole_document"] is True and sig["modified_after_signing"] is False
    assert sig["modification"] == "none" and sig["reason"] == "同意"
    assert isinstance(sig["signing_time"], str) and isinstance(sig["timestamp_time"], str)


def test_verify_accepts_a_multipart_file(api_as, viewer, signed_pdf):
    response = api_as(viewer).post(URL, {"file": SimpleUploadedFile("c.pdf", signed_pdf)})
    assert response.status_code == 200
    assert response.json()["signatures"][0]["intact"] is True


def test_a_tampered_pdf_reports_intact_false(api_as, viewer, signed_pdf):
    response = _post_pdf(api_as(viewer), tamper(signed_pdf))
    assert response.status_code == 200
    body = response.json()
    assert body["signatures"][0]["intact"] is False and body["all_valid"] is False
    assert "broken" in body["verdict"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"PK\x03\x04 a zip, not a pdf", "not_pdf"),
        (b"%PDF-1.7\nnot really\n", "damaged_pdf"),
        (b"", "empty"),
    ],
)
def test_bad_bodies_are_400_with_a_code(api_as, viewer, data, code):
    response = _post_pdf(api_as(viewer), data)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and body["detail"]


def test_an_unsigned_pdf_is_400_no_signatures(api_as, viewer, plain_pdf):  # noqa: F811
    response = _post_pdf(api_as(viewer), plain_pdf)
    assert response.status_code == 400 and response.json()["code"] == "no_signatures"


def test_multipart_without_a_file_is_400(api_as, viewer):
    response = api_as(viewer).post(URL, {"other": "x"})
    assert response.status_code == 400 and response.json()["code"] == "empty"


def test_a_body_over_20_mb_is_400_too_large(api_as, viewer):
    big = b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024)
    response = _post_pdf(api_as(viewer), big)
    assert response.status_code == 400 and response.json()["code"] == "too_large"
    response = api_as(viewer).post(URL, {"file": SimpleUploadedFile("big.pdf", big)})
    assert response.status_code == 400 and response.json()["code"] == "too_large"


def test_a_pdf_just_over_the_memory_limit_is_still_verified(api_as, viewer, signed_pdf, settings):
    # The raw body is read from the stream, so DATA_UPLOAD_MAX_MEMORY_SIZE does not cap it below 20 MB.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = _post_pdf(api_as(viewer), signed_pdf)
    assert response.status_code == 200


def test_verify_stores_nothing(api_as, viewer, signed_pdf):
    client = api_as(viewer)
    before = AuditEvent.objects.count()
    assert _post_pdf(client, signed_pdf).status_code == 200
    assert AuditEvent.objects.count() == before


def test_anonymous_callers_get_401(db, signed_pdf):
    assert _post_pdf(Client(), signed_pdf).status_code == 401
    assert Client().get("/api/v1/signatures/ca-certificate").status_code == 401


def test_ca_certificate_is_pem_for_trust_stores(api_as, viewer):
    response = api_as(viewer).get("/api/v1/signatures/ca-certificate")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-pem-file"
    assert response.content.decode() == pki.ca_certificate_pem()
