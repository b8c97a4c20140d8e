"""The whole of online signing, end to end: our signatory applies the company seal and the customer draws a
signature, each through their emailed link in their own browser; then poppler's pdfsig (with Hetong's CA as its
only trust anchor) checks the result, one changed byte is caught everywhere, and the certificate of completion
states what the audit chain recorded."""

import datetime as dt
import io
import re

import pypdf
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from hetong.audit.models import AuditEvent
from hetong.contracts.models import Contract, ContractFile
from hetong.esign import pades, seals, services
from hetong.esign.models import SignatureRequest
from hetong.notifications.models import Notification

from .flow import flip_in_first_revision, make_request
from .test_pades import _seal_png
from .test_signer_pages import confirm, data_url, drawing, url


def _sign_everything(setup, sales_owner, admin) -> SignatureRequest:
    seals.upload_seal(setup["contract"].entity, data=_seal_png(), by=admin)
    request = make_request(setup, sales_owner)
    ours, theirs = request.signers.order_by("position")
    ours_browser, customer_browser = Client(HTTP_USER_AGENT="Mozilla/5.0 (Ours)"), Client(
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone; Customer)")
    token = confirm(ours_browser, ours)
    assert ours_browser.post(url("sign", token), {"method": "seal", "consent": "on"}).status_code == 302
    token = confirm(customer_browser, theirs)
    response = customer_browser.post(url("sign", token), {"method": "draw", "drawn": data_url(drawing()),
                                                          "consent": "on"})
    assert response.status_code == 302
    return SignatureRequest.objects.get(pk=request.pk)


def test_a_two_signer_contract_verifies_in_pdfsig_and_a_changed_byte_is_refused_everywhere(
        setup, sales_owner, admin, pdfsig, token_for):
    request = _sign_everything(setup, sales_owner, admin)
    assert request.status == SignatureRequest.Status.COMPLETED
    signed = bytes(request.signed_pdf)

    # pdfsig: both signatures valid and trusted, the last one over the total document.
    out = pdfsig(signed)
    assert out.count("Signature is Valid.") == 2 and out.count("Certificate is Trusted.") == 2, out
    assert "Total document signed" in out.split("Signature #2")[1], out
    # The first still validates after the second (Hetong's own check agrees, and the second changed nothing else).
    first, second = pades.verify_pdf(signed).signatures
    assert first.intact and first.valid and first.trusted and not first.modified_after_signing
    assert not first.covers_whole_document and second.covers_whole_document
    assert first.signer_email == setup["ours"].email and second.signer_email == setup["contact"].email

    # The contract keeps exactly these bytes as its signed copy.
    contract = Contract.objects.get(pk=setup["contract"].pk)
    version = contract.files.get(kind=ContractFile.Kind.SIGNED).versions.get()
    assert version.sha256 == request.signed_sha256
    with default_storage.open(version.blob.name, "rb") as handle:
        assert handle.read() == signed

    # One byte changes in the stored file.
    tampered = flip_in_first_revision(signed)
    with default_storage.open(version.blob.name, "wb") as handle:
        handle.write(tampered)
    out = pdfsig(tampered)
    assert "Digest Mismatch" in out or "Signature is Invalid" in out, out
    report = pades.verify_pdf(tampered)
    assert not report.signatures[0].intact and not report.all_valid
    staff = Client()
    staff.force_login(sales_owner)
    page = staff.post(reverse("esign:verify"), {"file": _upload(tampered)})
    assert page.status_code == 200 and page.context["report"].all_valid is False
    assert page.context["report"].signatures[0].intact is False
    download = staff.get(reverse("contracts:file_download", args=[contract.pk, version.pk]))
    assert download.status_code == 409
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(sales_owner)}")
    refused = api.get(f"/api/v1/contracts/{contract.pk}/signed-document", secure=True)
    assert refused.status_code == 409 and refused.json()["code"] == "file_changed"
    assert Notification.objects.filter(user=admin, kind="system", contract=contract).count() == 1


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("signed.pdf", data, content_type="application/pdf")


def test_the_certificate_of_completion_states_what_the_audit_chain_recorded(setup, sales_owner, admin):
    request = _sign_everything(setup, sales_owner, admin)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(bytes(request.certificate_pdf))).pages)
    text = re.sub(r"\s+", "", text)
    events = AuditEvent.objects.filter(verb__startswith="esign.").order_by("seq")
    completed = events.get(verb="esign.completed")
    assert completed.data["certificate_sha256"] == request.certificate_sha256
    assert completed.data["signed_sha256"] == request.signed_sha256 and request.signed_sha256 in text
    assert completed.data["document_sha256"] == request.document_sha256 and request.document_sha256 in text

    def shown(iso: str) -> bool:
        at = dt.datetime.fromisoformat(iso)
        return (f"{at.astimezone(dt.UTC):%Y-%m-%d%H:%M:%S}UTC" in text
                and f"{at.astimezone(services.SHANGHAI):%Y-%m-%d%H:%M:%S}Asia/Shanghai" in text)

    for signer in request.signers.all():
        mine = events.filter(data__signer=signer.pk)
        sent = mine.filter(verb="esign.link_sent").first()
        viewed = mine.get(verb="esign.viewed")
        signed = mine.get(verb="esign.signed")
        assert shown(sent.data["sent_at"]) and shown(viewed.data["viewed_at"]) and shown(signed.data["signed_at"])
        assert signed.data["ip"] == "127.0.0.1" and "127.0.0.1" in text
        assert re.sub(r"\s+", "", signed.data["user_agent"]) in text
        assert signed.data["method"] == services.IDENTIFICATION and "emaillink+one-timecode" in text
        assert re.sub(r"\s+", "", signer.email) in text
        assert mine.filter(verb="esign.code_confirmed").exists()
    ours, theirs = request.signers.order_by("position")
    assert events.get(verb="esign.signed", data__signer=ours.pk).data["seal"] is True
    assert events.get(verb="esign.signed", data__signer=theirs.pk).data["drawn"] is True
