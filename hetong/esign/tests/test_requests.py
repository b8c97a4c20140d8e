"""Signature requests: our signatory and the customer's contact sign in turn by emailed link and one-time code."""

import datetime as dt
import io
import re

import pypdf
import pytest
from django.utils import timezone

from hetong.audit.models import AuditEvent
from hetong.contracts.models import Contract, ContractFile
from hetong.core.errors import Conflict, InvalidInput, PermissionDenied
from hetong.customers.services import add_contact
from hetong.documents.models import GeneratedDocument
from hetong.esign import pades, services
from hetong.esign.models import SignatureRequest, Signer
from hetong.esign.services import Gone, LinkUnknown, TooManyRequests

from .flow import DEADLINE, code_of, confirm, last_mail, make_request, sign_as, token_of


def test_two_signers_in_turn_then_certificate_and_signed_contract(setup, sales_owner):
    request = make_request(setup, sales_owner)
    contract = Contract.objects.get(pk=setup["contract"].pk)
    assert contract.status == Contract.Status.SIGNING and request.status == "sent"
    ours, theirs = request.signers.order_by("position")
    assert ours.status == "pending" and theirs.status == "waiting" and last_mail(theirs.email) is None
    assert len(token_of(ours)) >= 40 and ours.token_hash != token_of(ours)  # only the hash is stored

    sign_as(ours, "session-ours")
    theirs.refresh_from_db()
    assert theirs.status == "pending" and last_mail(theirs.email) is not None  # next in turn got the link
    after_first = SignatureRequest.objects.get(pk=request.pk)
    first_report = pades.verify_pdf(bytes(after_first.signed_pdf))
    assert len(first_report.signatures) == 1 and first_report.all_valid

    sign_as(theirs, "session-theirs", typed_name="李总")
    request.refresh_from_db()
    assert request.status == "completed" and request.completed_at is not None
    final = bytes(request.signed_pdf)
    report = pades.verify_pdf(final)
    assert len(report.signatures) == 2
    first, second = report.signatures
    assert all(s.intact and s.valid and s.trusted for s in report.signatures)
    assert first.signer_email == "manager@example.com" and second.signer_email == "li@example.cn"
    assert second.covers_whole_document and not first.modified_after_signing  # the first is still valid

    contract.refresh_from_db()
    assert contract.status in (Contract.Status.SIGNED, Contract.Status.ACTIVE)
    stored = contract.files.get(kind=ContractFile.Kind.SIGNED)
    assert stored.versions.get().sha256 == request.signed_sha256

    # The certificate of completion states what the audit events recorded.
    events = {(e.verb, e.data.get("signer")): e for e in AuditEvent.objects.filter(verb__startswith="esign.")}
    completed = events[("esign.completed", None)]
    assert completed.data["certificate_sha256"] == request.certificate_sha256
    assert completed.data["document_sha256"] == request.document_sha256 == setup["document"].pdf_sha256
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(bytes(request.certificate_pdf))).pages)
    text = re.sub(r"\s+", "", text)
    for signer in request.signers.all():
        signed = events[("esign.signed", signer.pk)]
        assert signed.data["ip"] == signer.ip == "203.0.113.7"
        at = dt.datetime.fromisoformat(signed.data["signed_at"])
        assert f"{at.astimezone(dt.UTC):%Y-%m-%d%H:%M:%S}UTC" in text
        assert f"{at.astimezone(services.SHANGHAI):%Y-%m-%d%H:%M:%S}Asia/Shanghai" in text
        assert re.sub(r"\s+", "", signer.email) in text and "emaillink+one-timecode" in text
        assert ("esign.viewed", signer.pk) in events and ("esign.code_confirmed", signer.pk) in events
    assert request.document_sha256 in text and request.signed_sha256 in text
    assert events[("esign.signed", theirs.pk)].data["sha256_before"] == events[("esign.signed", ours.pk)].data["sha256_after"]


def test_parallel_sends_every_link_at_once(setup, sales_owner):
    request = make_request(setup, sales_owner, order="parallel")
    assert set(request.signers.values_list("status", flat=True)) == {"pending"}
    ours, theirs = request.signers.order_by("position")
    sign_as(theirs, "s2")
    sign_as(ours, "s1")
    request.refresh_from_db()
    assert request.status == "completed" and len(pades.verify_pdf(bytes(request.signed_pdf)).signatures) == 2


def test_link_from_another_session_after_confirmation_is_refused(setup, sales_owner):
    request = make_request(setup, sales_owner)
    ours = request.signers.get(position=1)
    token = token_of(ours)
    confirm(ours, "browser-a")
    with pytest.raises(PermissionDenied) as exc:
        services.open_link(token, "browser-b")
    assert exc.value.code == "session_mismatch"
    with pytest.raises(PermissionDenied):
        services.sign(ours, session_key="browser-b", ip="198.51.100.1", user_agent="other")
    assert services.open_link(token, "browser-a").pk == ours.pk


def test_replay_after_signing_is_gone(setup, sales_owner):
    request = make_request(setup, sales_owner)
    ours = request.signers.get(position=1)
    token = token_of(ours)
    sign_as(ours, "s1")
    with pytest.raises(Gone) as exc:
        services.open_link(token, "s1")
    assert exc.value.status == 410 and exc.value.code == "already_signed"
    with pytest.raises(Gone):
        services.sign(ours, session_key="s1", ip="203.0.113.7", user_agent="again")
    assert len(pades.verify_pdf(bytes(SignatureRequest.objects.get(pk=request.pk).signed_pdf)).signatures) == 1


def test_unknown_expired_and_resent_links(setup, sales_owner):
    request = make_request(setup, sales_owner)
    ours = request.signers.get(position=1)
    with pytest.raises(LinkUnknown):
        services.open_link("not-a-token", "s1")
    old = token_of(ours)
    services.resend(ours, by=sales_owner)
    with pytest.raises(LinkUnknown):
        services.open_link(old, "s1")  # the old link is dead
    new = token_of(ours)
    assert new != old and services.open_link(new, "s1").pk == ours.pk
    Signer.objects.filter(pk=ours.pk).update(token_expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(Gone) as exc:
        services.open_link(new, "s1")
    assert exc.value.code == "link_expired"


def test_document_changed_since_sending_is_refused(setup, sales_owner):
    request = make_request(setup, sales_owner)
    ours = request.signers.get(position=1)
    token = token_of(ours)
    data = bytes(GeneratedDocument.objects.get(pk=setup["document"].pk).pdf)
    GeneratedDocument.objects.filter(pk=setup["document"].pk).update(pdf=data + b"\n%tampered\n")
    with pytest.raises(Conflict) as exc:
        services.open_link(token, "s1")
    assert exc.value.code == "document_changed"


def test_code_throttling_and_wrong_code_lockout(setup, sales_owner):
    request = make_request(setup, sales_owner)
    ours = services.open_link(token_of(request.signers.get(position=1)), "s1")
    services.send_code(ours, "s1")
    assert Signer.objects.get(pk=ours.pk).otp_hash != code_of(ours)  # stored hashed
    with pytest.raises(TooManyRequests):
        services.send_code(ours, "s1")  # within a minute
    for _ in range(4):  # the minute passes each time; the fifth code in the hour is still allowed
        Signer.objects.filter(pk=ours.pk).update(otp_last_sent_at=timezone.now() - dt.timedelta(seconds=61))
        services.send_code(ours, "s1")
    Signer.objects.filter(pk=ours.pk).update(otp_last_sent_at=timezone.now() - dt.timedelta(seconds=61))
    with pytest.raises(TooManyRequests):
        services.send_code(ours, "s1")  # a sixth within the hour
    right = code_of(ours)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _n in range(4):
        with pytest.raises(InvalidInput) as exc:
            services.confirm_code(ours, wrong, "s1")
        assert exc.value.code == "otp_wrong"
    with pytest.raises(PermissionDenied) as exc:
        services.confirm_code(ours, wrong, "s1")
    assert exc.value.code == "otp_locked" and Signer.objects.get(pk=ours.pk).otp_attempts == 5
    with pytest.raises(PermissionDenied):
        services.confirm_code(ours, right, "s1")  # locked: even the right code no longer works
    assert AuditEvent.objects.filter(verb="esign.code_failed").count() == 5
    Signer.objects.filter(pk=ours.pk).update(otp_expires_at=timezone.now() - dt.timedelta(seconds=1), otp_attempts=0)
    with pytest.raises(InvalidInput) as exc:
        services.confirm_code(ours, right, "s1")
    assert exc.value.code == "otp_expired"


def test_voided_and_expired_requests_refuse_their_links(setup, sales_owner):
    request = make_request(setup, sales_owner)
    ours = request.signers.get(position=1)
    token = token_of(ours)
    with pytest.raises(InvalidInput):
        services.void(request, by=sales_owner, reason=" ")
    services.void(request, by=sales_owner, reason="条款需修改")
    with pytest.raises(Gone) as exc:
        services.open_link(token, "s1")
    assert exc.value.code == "request_voided"
    assert AuditEvent.objects.filter(verb="esign.voided").count() == 1

    # A new request can go out for the contract still in signing; past its deadline it expires.
    second = make_request(setup, sales_owner)
    token = token_of(second.signers.get(position=1))
    assert services.expire_due(timezone.now()) == 0
    assert services.expire_due(timezone.now() + dt.timedelta(days=12)) == 1
    second.refresh_from_db()
    assert second.status == "expired"
    with pytest.raises(Gone) as exc:
        services.open_link(token, "s1")
    assert exc.value.code == "request_expired"


def test_staff_cannot_sign_as_the_customer(setup, sales_owner, admin):
    request = make_request(setup, sales_owner, order="parallel")
    theirs = request.signers.get(position=2)
    services.open_link(token_of(theirs), "customer-browser")
    for session in ("", "admin-session"):
        with pytest.raises(PermissionDenied):
            services.sign(theirs, session_key=session, ip="10.0.0.1", user_agent="admin")
    assert Signer.objects.get(pk=theirs.pk).status == "viewed"
    assert SignatureRequest.objects.get(pk=request.pk).signed_pdf is None


def test_creating_a_request_is_checked(setup, sales_owner, viewer, other_sales, make_customer):
    contract, contact = setup["contract"], setup["contact"]
    with pytest.raises(PermissionDenied):
        services.create_request(contract, by=viewer, signers=[contact], deadline=DEADLINE)
    with pytest.raises(InvalidInput):
        services.create_request(contract, by=sales_owner, signers=[], deadline=DEADLINE)
    with pytest.raises(InvalidInput):
        services.create_request(contract, by=sales_owner, signers=[viewer], deadline=DEADLINE)  # not authorised
    stranger = add_contact(make_customer(other_sales), by=other_sales, data={"name": "王五", "email": "w@example.cn",
                                                                             "is_signatory": True})
    with pytest.raises(InvalidInput):
        services.create_request(contract, by=sales_owner, signers=[stranger], deadline=DEADLINE)
    with pytest.raises(InvalidInput):
        services.create_request(contract, by=sales_owner, signers=[contact], deadline=dt.date(2020, 1, 1))
    request = services.create_request(contract, by=sales_owner, signers=[contact], deadline=DEADLINE)
    assert request.document_id == setup["document"].pk and request.status == "draft"
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.APPROVED  # nothing sent yet
    with pytest.raises(Conflict):
        services.create_request(contract, by=sales_owner, signers=[contact], deadline=DEADLINE)
