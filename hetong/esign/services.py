"""Signature requests: a contract's generated PDF sent to our signatory and the customer's, each reached by an
emailed single-use link and a one-time code, signed in turn (PAdES, incremental), then a certificate of completion.

The raw link token and the one-time code exist only in the email; the database keeps their SHA-256. A signer's
link is bound to the browser session that confirmed the code: the same link in another browser (or a staff user
in their own session) cannot sign.
"""

import datetime as dt
import hashlib
import hmac
import html
import secrets
from zoneinfo import ZoneInfo

import rules
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hetong.audit.services import record
from hetong.contracts.models import Contract
from hetong.contracts.services import send_contract_for_signing, sign_contract
from hetong.contracts.services.terms import require
from hetong.core.dates import company_today
from hetong.core.errors import Conflict, DomainError, IllegalTransition, InvalidInput, PermissionDenied
from hetong.customers.models import Contact
from hetong.documents.models import GeneratedDocument
from hetong.notifications.services import queue_email

from . import pki
from .models import SignatureRequest, Signer
from .providers import provider

LINK_DAYS = 14  # a link lasts this long, and never past the request's deadline
OTP_MINUTES = 10
OTP_GAP = dt.timedelta(seconds=60)
OTP_PER_HOUR = 5
OTP_MAX_ATTEMPTS = 5
IDENTIFICATION = "email link + one-time code"
SHANGHAI = ZoneInfo("Asia/Shanghai")


class Gone(DomainError):
    code = "gone"
    status = 410
    default_message = gettext_lazy("This signing link can no longer be used.")


class LinkUnknown(DomainError):
    code = "link_unknown"
    status = 404
    default_message = gettext_lazy("This signing link is not valid. Use the latest link you were sent by email.")


class TooManyRequests(DomainError):
    code = "throttled"
    status = 429
    default_message = gettext_lazy("Too many codes were requested. Wait a moment and try again.")


# --- helpers ------------------------------------------------------------------------------------------------------

def _sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def _otp_hash(signer: Signer, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"esign-otp:{signer.pk}:{code}".encode(), hashlib.sha256).hexdigest()


def link_path(token: str) -> str:
    try:
        return reverse("esign:open", args=[token])
    except NoReverseMatch:  # the signing pages are not wired in yet
        return f"/sign/{token}/"


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _language(signer: Signer) -> str:
    return (signer.user.language if signer.user_id and signer.user.language else "") or settings.LANGUAGE_CODE


def _event(verb: str, request: SignatureRequest, *, by=None, signer: Signer | None = None, **data) -> None:
    facts = {"request": request.pk}
    if signer is not None:
        facts.update(signer=signer.pk, signer_name=signer.name, signer_email=signer.email, side=signer.side)
    record(actor=by, verb=f"esign.{verb}", target=request.contract, data={**facts, **data})


def _locked(request: SignatureRequest) -> SignatureRequest:
    return SignatureRequest.objects.select_for_update(of=("self",)).select_related("contract").get(pk=request.pk)


def _locked_signer(signer: Signer) -> Signer:
    return Signer.objects.select_for_update(of=("self",)).select_related("request__contract", "user").get(pk=signer.pk)


def _document_pdf(document: GeneratedDocument) -> bytes:
    row = GeneratedDocument.objects.only("pdf", "pdf_sha256", "pdf_status").get(pk=document.pk)
    if row.pdf_status != GeneratedDocument.PdfStatus.READY or row.pdf is None:
        raise Conflict(_("The document's PDF is not ready yet."), code="pdf_not_ready")
    return bytes(row.pdf)


def pdf_to_sign(request: SignatureRequest) -> bytes:
    """The PDF the next signer reads and signs: the partly signed one once someone has signed, else the document.
    Refused when it no longer hashes to what was recorded (the document at sending, each signature's result)."""
    if request.signed_pdf is not None:
        data, expected = bytes(request.signed_pdf), request.signed_sha256
    else:
        data, expected = _document_pdf(request.document), request.document_sha256
    if _sha256(data) != expected:
        raise Conflict(_("The document was changed after it was sent for signature; it can no longer be signed."),
                       code="document_changed")
    return data


def link_expires_early(signer: Signer) -> bool:
    """Whether the signer's link stops working before the request's deadline day ends (a late resend, say)."""
    return signer.token_expires_at is not None and signer.token_expires_at < _end_of(signer.request.deadline)


def _can_send(by, contract) -> None:
    if not rules.has_perm("contracts.send_for_signing_contract", by, contract):
        raise PermissionDenied()


# --- creating and sending -----------------------------------------------------------------------------------------

def _signer_rows(contract: Contract, signers) -> list[dict]:
    from hetong.accounts.models import User

    rows, seen = [], set()
    if not signers:
        raise InvalidInput(_("Add at least one signer."), code="no_signers", errors={"signers": [_("Required.")]})
    for who in signers:
        if isinstance(who, User):
            if not who.is_active or not who.email or not rules.has_perm("contracts.sign_contract", who, contract):
                raise InvalidInput(_("%(name)s is not authorised to sign this contract or has no email address.")
                                   % {"name": str(who)}, code="signer_not_authorised")
            row = {"side": Signer.Side.OURS, "user": who, "name": str(who),
                   "email": who.email}
        elif isinstance(who, Contact):
            if who.customer_id != contract.customer_id or not who.is_signatory or not who.email:
                raise InvalidInput(_("%(name)s is not an authorised signatory of the customer with an email address.")
                                   % {"name": who.name}, code="signer_not_authorised")
            row = {"side": Signer.Side.CUSTOMER, "contact": who, "name": who.name, "email": who.email}
        else:
            raise InvalidInput(_("A signer must be one of our users or a contact of the customer."), code="bad_signer")
        key = row["email"].lower()
        if key in seen:
            raise InvalidInput(_("%(email)s is listed twice.") % {"email": row["email"]}, code="duplicate_signer")
        seen.add(key)
        rows.append(row)
    return rows


def create_request(contract: Contract, *, by, document: GeneratedDocument | None = None, signers=(),
                   order: str = SignatureRequest.Order.SEQUENTIAL, deadline: dt.date | None = None,
                   message: str = "", amendment=None) -> SignatureRequest:
    """A draft request for the contract's newest generated document with a ready PDF (or the one given); for an
    amendment (补充协议) of a contract in force, the amendment's own document."""
    contract = Contract.objects.get(pk=contract.pk)
    require(by, "contracts.send_for_signing_contract", contract)
    open_request = SignatureRequest.objects.filter(
        contract=contract, amendment=amendment,
        status__in=[SignatureRequest.Status.DRAFT, SignatureRequest.Status.SENT]).exists()
    if amendment is not None:
        amendment.refresh_from_db()
        if amendment.contract_id != contract.pk:
            raise InvalidInput(_("That amendment belongs to another contract."), code="bad_amendment")
        state = amendment.status
        if state != "approved" and not (state == "signing" and not open_request):
            raise IllegalTransition(_("Only an approved amendment can be sent for signature."), code="not_approved")
        if contract.status not in (Contract.Status.SIGNED, Contract.Status.ACTIVE):
            raise IllegalTransition(_("Only an amendment of a contract in force can be signed."), code="not_in_force")
    elif contract.status != Contract.Status.APPROVED and not (contract.status == Contract.Status.SIGNING and not open_request):
        raise IllegalTransition(_("Only an approved contract can be sent for signature."), code="not_approved")
    if open_request:
        raise Conflict(_("This contract already has a signature request in progress."), code="request_open")
    if amendment is not None:
        document = document or amendment.document
        if document is None or document.pk != amendment.document_id or document.pdf_status != GeneratedDocument.PdfStatus.READY:
            raise InvalidInput(_("Generate the amendment's document first: there is no PDF to sign."), code="no_document")
    elif document is None:
        document = (GeneratedDocument.objects.filter(contract=contract, pdf_status=GeneratedDocument.PdfStatus.READY)
                    .defer("docx", "pdf", "text").order_by("-number").first())
        if document is None:
            raise InvalidInput(_("Generate the contract document first: there is no PDF to sign."), code="no_document")
    elif document.contract_id != contract.pk or document.pdf_status != GeneratedDocument.PdfStatus.READY:
        raise InvalidInput(_("Choose a generated document of this contract whose PDF is ready."), code="bad_document")
    if order not in SignatureRequest.Order.values:
        raise InvalidInput(errors={"order": [_("Choose one after another or all at once.")]})
    if deadline is None or deadline < company_today():
        raise InvalidInput(_("Give a deadline that is not in the past."), code="bad_deadline",
                           errors={"deadline": [_("Required, today or later.")]})
    rows = _signer_rows(contract, signers)
    with transaction.atomic():
        request = SignatureRequest.objects.create(contract=contract, amendment=amendment, document=document, order=order,
                                                  deadline=deadline, message=message[:2000], created_by=by)
        Signer.objects.bulk_create(Signer(request=request, position=n, **row) for n, row in enumerate(rows, 1))
        _event("created", request, by=by, document=document.pk, order=order, deadline=deadline.isoformat(),
               signers=[row["email"] for row in rows])
    return request


def _issue_link(signer: Signer, request: SignatureRequest, *, now, reminder: bool = False) -> str:
    """A new single-use token for the signer (any earlier one dies), and the email carrying it. `sent_at` stays the
    first invitation's time; a signer who has opened the document stays "viewed"."""
    token = secrets.token_urlsafe(32)
    signer.token_hash = _sha256(token)
    signer.token_expires_at = min(now + dt.timedelta(days=LINK_DAYS), _end_of(request.deadline))
    signer.token_used_at = None
    signer.session_key_bound = signer.otp_hash = ""
    signer.otp_expires_at = None
    signer.otp_attempts = 0
    signer.status = Signer.Status.VIEWED if signer.viewed_at else Signer.Status.PENDING
    signer.sent_at = signer.sent_at or now
    signer.link_sent_at = now
    signer.save()
    url = f"{settings.HETONG_BASE_URL}{link_path(token)}"
    number, title = subject_of(request)
    with translation.override(_language(signer)):
        heading = _("Please sign %(number)s %(title)s") % {"number": number, "title": title}
        if reminder:
            heading = _("Reminder: %(subject)s (by %(deadline)s)") % {"subject": heading,
                                                                     "deadline": request.deadline.isoformat()}
        lines = [
            _("Dear %(name)s,") % {"name": signer.name}, "",
            _("You are asked to sign contract %(number)s %(title)s online.") % {"number": number, "title": title},
        ]
        if request.message:
            lines += ["", request.message]
        lines += ["", _("Open this link to read and sign it (it works once, until %(until)s):")
                  % {"until": timezone.localtime(signer.token_expires_at).strftime("%Y-%m-%d %H:%M")}, url, "",
                  _("You will be sent a one-time code by email to confirm it is you.")]
        if reminder:
            lines += ["", _("Links sent to you earlier for this contract no longer work.")]
        text = "\n".join(str(line) for line in lines)
        body = "".join(f"<p>{html.escape(line)}</p>" if line != url else f'<p><a href="{html.escape(url)}">'
                       f"{html.escape(url)}</a></p>" for line in lines if line)
    queue_email(signer.user, to=signer.email, subject=heading, text=text, html=body)
    return token


def send(request: SignatureRequest, *, by) -> SignatureRequest:
    """Send a draft: the contract moves to signing and the first signer (or every one, in parallel) gets a link."""
    _can_send(by, request.contract)
    with transaction.atomic():
        request = _locked(request)
        if request.status != SignatureRequest.Status.DRAFT:
            raise IllegalTransition(_("This signature request has already been sent."), code="request_not_draft")
        if request.deadline < company_today():
            raise InvalidInput(_("The deadline has passed; give a new one."), code="bad_deadline")
        data = _document_pdf(request.document)
        if _sha256(data) != request.document.pdf_sha256:
            raise Conflict(_("The stored file no longer matches its recorded SHA-256; it is not served."),
                           code="document_changed")
        if request.amendment_id:
            if request.amendment.status == "approved":
                from hetong.changes import amendments

                amendments.transition(request.amendment, "send_for_signing", by=by)
        elif request.contract.status == Contract.Status.APPROVED:
            send_contract_for_signing(request.contract, by=by)
        now = timezone.now()
        request.status, request.sent_at, request.document_sha256 = SignatureRequest.Status.SENT, now, _sha256(data)
        request.save(update_fields=["status", "sent_at", "document_sha256"])
        signers = list(request.signers.select_related("user").order_by("position"))
        first = signers if request.order == SignatureRequest.Order.PARALLEL else signers[:1]
        _event("sent", request, by=by, document_sha256=request.document_sha256, order=request.order)
        for signer in first:
            _issue_link(signer, request, now=now)
            _event("link_sent", request, by=by, signer=signer, sent_at=now.isoformat())
    return request


def void(request: SignatureRequest, *, by, reason: str) -> SignatureRequest:
    _can_send(by, request.contract)
    if not (reason or "").strip():
        raise InvalidInput(_("Give a reason for voiding the request."), code="reason_required",
                           errors={"reason": [_("Required.")]})
    with transaction.atomic():
        request = _locked(request)
        if request.status not in (SignatureRequest.Status.DRAFT, SignatureRequest.Status.SENT):
            raise IllegalTransition(_("Only a request that is not finished can be voided."), code="request_closed")
        request.status, request.voided_reason = SignatureRequest.Status.VOIDED, reason.strip()[:500]
        request.save(update_fields=["status", "voided_reason"])
        _event("voided", request, by=by, reason=request.voided_reason)
    return request


def resend(signer: Signer, *, by) -> Signer:
    """A new link for a signer whose turn it is; the old link stops working."""
    _can_send(by, signer.request.contract)
    with transaction.atomic():
        request = _locked(signer.request)
        signer = _locked_signer(signer)
        if request.status != SignatureRequest.Status.SENT:
            raise IllegalTransition(_("This signature request is not out for signature."), code="request_not_sent")
        if signer.status in (Signer.Status.SIGNED, Signer.Status.WAITING, Signer.Status.DECLINED):
            raise IllegalTransition(_("This signer cannot be sent a new link now."), code="signer_not_pending")
        now = timezone.now()
        _issue_link(signer, request, now=now)
        _event("link_resent", request, by=by, signer=signer, sent_at=now.isoformat())
    return signer


# --- the signer's side ----------------------------------------------------------------------------------------------

def _refuse_closed(request: SignatureRequest) -> None:
    if request.status == SignatureRequest.Status.VOIDED:
        raise Gone(_("This signature request was withdrawn by the sender."), code="request_voided")
    if request.status == SignatureRequest.Status.EXPIRED:
        raise Gone(_("This signature request has expired."), code="request_expired")
    if request.status == SignatureRequest.Status.COMPLETED:
        raise Gone(_("This document has already been signed."), code="already_signed")
    if request.status != SignatureRequest.Status.SENT:
        raise LinkUnknown()


def _check_signer(signer: Signer, session_key: str, *, now) -> None:
    _refuse_closed(signer.request)
    if signer.status == Signer.Status.SIGNED or signer.token_used_at is not None:
        raise Gone(_("You have already signed this document; the link cannot be used again."), code="already_signed")
    if signer.status not in (Signer.Status.PENDING, Signer.Status.VIEWED):
        raise LinkUnknown()
    if signer.token_expires_at is None or signer.token_expires_at <= now:
        raise Gone(_("This signing link has expired. Ask the sender for a new one."), code="link_expired")
    if signer.session_key_bound and signer.session_key_bound != session_key:
        raise PermissionDenied(_("This link was confirmed in another browser. Continue there, or ask the sender "
                                 "for a new link."), code="session_mismatch")
    pdf_to_sign(signer.request)


def open_link(token: str, session_key: str) -> Signer:
    """The signer a link belongs to, if it may still be used from this browser session."""
    if not token:
        raise LinkUnknown()
    signer = Signer.objects.select_related("request__contract", "request__document", "user").filter(
        token_hash=_sha256(token)).first()
    if signer is None:
        raise LinkUnknown()
    now = timezone.now()
    _check_signer(signer, session_key, now=now)
    if signer.viewed_at is None:
        with transaction.atomic():
            if Signer.objects.filter(pk=signer.pk, viewed_at__isnull=True).update(
                    viewed_at=now, status=Signer.Status.VIEWED):
                signer.viewed_at, signer.status = now, Signer.Status.VIEWED
                _event("viewed", signer.request, signer=signer, viewed_at=now.isoformat())
    return signer


def send_code(signer: Signer, session_key: str) -> None:
    """Email a 6-digit one-time code: at most one a minute and five an hour."""
    now = timezone.now()
    with transaction.atomic():
        signer = _locked_signer(signer)
        _check_signer(signer, session_key, now=now)
        if signer.otp_attempts >= OTP_MAX_ATTEMPTS:
            raise PermissionDenied(_("Too many wrong codes. Ask the sender for a new link."), code="otp_locked")
        if signer.otp_last_sent_at and now - signer.otp_last_sent_at < OTP_GAP:
            raise TooManyRequests(_("A code was sent less than a minute ago. Wait a moment before asking again."))
        if signer.otp_window_started_at is None or now - signer.otp_window_started_at >= dt.timedelta(hours=1):
            signer.otp_window_started_at, signer.otp_sent_count = now, 0
        if signer.otp_sent_count >= OTP_PER_HOUR:
            raise TooManyRequests(_("Too many codes were requested this hour. Try again later."))
        code = f"{secrets.randbelow(10**6):06d}"
        signer.otp_hash = _otp_hash(signer, code)
        signer.otp_expires_at = now + dt.timedelta(minutes=OTP_MINUTES)
        signer.otp_sent_count += 1
        signer.otp_last_sent_at = now
        signer.save(update_fields=["otp_hash", "otp_expires_at", "otp_sent_count", "otp_last_sent_at",
                                   "otp_window_started_at"])
        with translation.override(_language(signer)):
            subject = _("Your signing code: %(code)s") % {"code": code}
            text = _("Your one-time code to sign %(number)s is %(code)s. It is valid for %(minutes)d minutes. "
                     "If you did not ask for it, ignore this email.") % {
                "number": subject_of(signer.request)[0], "code": code, "minutes": OTP_MINUTES}
        queue_email(signer.user, to=signer.email, subject=subject, text=text, html=f"<p>{html.escape(text)}</p>")
        _event("code_sent", signer.request, signer=signer)


def confirm_code(signer: Signer, code: str, session_key: str) -> Signer:
    """Check the one-time code; a right one binds the link to this browser session. Five wrong ones lock it."""
    now = timezone.now()
    if not session_key:
        raise PermissionDenied(_("Your browser session could not be identified. Enable cookies and try again."),
                               code="no_session")
    with transaction.atomic():
        signer = _locked_signer(signer)
        _check_signer(signer, session_key, now=now)
        if signer.otp_attempts >= OTP_MAX_ATTEMPTS:
            raise PermissionDenied(_("Too many wrong codes. Ask the sender for a new link."), code="otp_locked")
        if not signer.otp_hash or signer.otp_expires_at is None or signer.otp_expires_at <= now:
            raise InvalidInput(_("The code has expired. Ask for a new one."), code="otp_expired",
                               errors={"code": [_("Ask for a new code.")]})
        right = hmac.compare_digest(signer.otp_hash, _otp_hash(signer, (code or "").strip()))
        if right:
            signer.session_key_bound, signer.otp_hash, signer.otp_expires_at = session_key, "", None
            signer.save(update_fields=["session_key_bound", "otp_hash", "otp_expires_at"])
            _event("code_confirmed", signer.request, signer=signer)
            return signer
        # A wrong code is counted (and audited) in its own committed transaction before refusing.
        Signer.objects.filter(pk=signer.pk).update(otp_attempts=F("otp_attempts") + 1)
        _event("code_failed", signer.request, signer=signer, attempts=signer.otp_attempts + 1)
    left = OTP_MAX_ATTEMPTS - signer.otp_attempts - 1
    if left <= 0:
        raise PermissionDenied(_("Too many wrong codes. Ask the sender for a new link."), code="otp_locked")
    raise InvalidInput(_("The code is not right."), code="otp_wrong", errors={"code": [_("Check the code and try again.")]})


def _stamp_lines(signer: Signer, request: SignatureRequest, typed_name: str | None) -> list[str]:
    contract = request.contract
    party = contract.entity.name if signer.side == Signer.Side.OURS else (
        contract.customer.name if contract.customer_id else "")
    lines = [typed_name.strip() if typed_name and typed_name.strip() else signer.name]
    if party:
        lines.append(party)
    return lines


def company_seal(contract: Contract) -> bytes | None:
    """Our signing entity's seal image (PNG), if one was uploaded."""
    data = getattr(contract.entity, "seal", None)
    return bytes(data) if data else None


def sign(signer: Signer, *, session_key: str, ip: str | None, user_agent: str, drawn_png: bytes | None = None,
         typed_name: str | None = None, use_seal: bool = False) -> Signer:
    """The signer signs the current PDF (the document's, or the previous signer's result) from the browser session
    that confirmed their code; in turn, the next signer is sent their link; after the last, the request completes."""
    now = timezone.now()
    if not session_key:
        raise PermissionDenied(_("Confirm the one-time code first."), code="not_confirmed")
    with transaction.atomic():
        request = _locked(signer.request)
        signer = _locked_signer(signer)
        signer.request = request
        _check_signer(signer, session_key, now=now)
        if signer.session_key_bound != session_key:
            raise PermissionDenied(_("Confirm the one-time code first."), code="not_confirmed")
        if typed_name is not None and not typed_name.strip():
            raise InvalidInput(errors={"typed_name": [_("Type your name.")]})
        image = drawn_png
        if use_seal:
            if signer.side != Signer.Side.OURS:
                raise InvalidInput(_("Only our side signs with the company seal."), code="seal_not_allowed")
            image = company_seal(request.contract)
            if image is None:
                raise InvalidInput(_("No company seal is on file."), code="no_seal")
        before = pdf_to_sign(request)
        index = request.signers.filter(status=Signer.Status.SIGNED).count()
        identity = pki.issue_identity(signer.name, signer.email, user=signer.user, contact=signer.contact)
        signed = provider().sign(before, identity, stamp={
            "field_name": f"Signer{signer.position}", "stamp_lines": _stamp_lines(signer, request, typed_name),
            "stamp_image": image, "reason": _("Signed online (%(method)s)") % {"method": IDENTIFICATION},
            "index": index,
        })
        signer.status, signer.signed_at, signer.token_used_at = Signer.Status.SIGNED, now, now
        signer.ip, signer.user_agent, signer.identity = ip or None, (user_agent or "")[:300], identity
        signer.save(update_fields=["status", "signed_at", "token_used_at", "ip", "user_agent", "identity"])
        request.signed_pdf, request.signed_sha256 = signed, _sha256(signed)
        request.save(update_fields=["signed_pdf", "signed_sha256"])
        _event("signed", request, signer=signer, identity_serial=identity.serial, sha256_before=_sha256(before),
               sha256_after=request.signed_sha256, ip=signer.ip or "", user_agent=signer.user_agent,
               signed_at=now.isoformat(), method=IDENTIFICATION, seal=bool(use_seal), drawn=drawn_png is not None)
        remaining = list(request.signers.exclude(status=Signer.Status.SIGNED).select_related("user").order_by("position"))
        if not remaining:
            _complete(request, now=now)
        elif request.order == SignatureRequest.Order.SEQUENTIAL and remaining[0].status == Signer.Status.WAITING:
            _issue_link(remaining[0], request, now=now)
            _event("link_sent", request, signer=remaining[0], sent_at=now.isoformat())
    signer.request = request
    return signer


# --- completion -----------------------------------------------------------------------------------------------------

def _times(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    return (f"{value.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC / "
            f"{value.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S} Asia/Shanghai")


def certificate_html(request: SignatureRequest) -> str:
    """The certificate of completion: who signed, how they were identified, when, from where, and the hashes."""
    e = html.escape
    rows = []
    for signer in request.signers.order_by("position"):
        rows.append(
            f"<h2>{signer.position}. {e(signer.name)} &lt;{e(signer.email)}&gt;</h2><table>"
            f"<tr><th>{e(_('Side'))}</th><td>{e(str(signer.get_side_display()))}</td></tr>"
            f"<tr><th>{e(_('Identification'))}</th><td>{e(IDENTIFICATION)}</td></tr>"
            f"<tr><th>{e(_('Link sent'))}</th><td>{_times(signer.sent_at)}</td></tr>"
            f"<tr><th>{e(_('Viewed'))}</th><td>{_times(signer.viewed_at)}</td></tr>"
            f"<tr><th>{e(_('Signed'))}</th><td>{_times(signer.signed_at)}</td></tr>"
            f"<tr><th>{e(_('IP address'))}</th><td>{e(signer.ip or '—')}</td></tr>"
            f"<tr><th>{e(_('User agent'))}</th><td>{e(signer.user_agent or '—')}</td></tr>"
            f"<tr><th>{e(_('Certificate serial'))}</th><td>{e(signer.identity.serial if signer.identity_id else '—')}"
            f"</td></tr></table>"
        )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
        "body{font-size:10pt} th{text-align:left;padding-right:1em;white-space:nowrap} td{word-break:break-all}"
        "</style></head><body>"
        f"<h1>{e(_('Certificate of completion'))}</h1>"
        f"<p>{e(' '.join(subject_of(request)))}</p><table>"
        f"<tr><th>{e(_('Request'))}</th><td>{request.pk}</td></tr>"
        f"<tr><th>{e(_('Sent'))}</th><td>{_times(request.sent_at)}</td></tr>"
        f"<tr><th>{e(_('Completed'))}</th><td>{_times(request.completed_at)}</td></tr>"
        f"<tr><th>{e(_('Document SHA-256 before signing'))}</th><td>{request.document_sha256}</td></tr>"
        f"<tr><th>{e(_('Document SHA-256 after signing'))}</th><td>{request.signed_sha256}</td></tr>"
        "</table>" + "".join(rows) + "</body></html>"
    )


def _complete(request: SignatureRequest, *, now) -> None:
    from hetong.documents.pdf import html_to_pdf

    request.status, request.completed_at = SignatureRequest.Status.COMPLETED, now
    with translation.override(settings.LANGUAGE_CODE):
        source = certificate_html(request)
    certificate = html_to_pdf(source)
    request.certificate_pdf, request.certificate_sha256 = certificate, _sha256(certificate)
    request.save(update_fields=["status", "completed_at", "certificate_pdf", "certificate_sha256"])
    _event("completed", request, document_sha256=request.document_sha256, signed_sha256=request.signed_sha256,
           certificate_sha256=request.certificate_sha256)
    number, title = subject_of(request)
    upload = SimpleUploadedFile(f"{number}-signed.pdf", bytes(request.signed_pdf), content_type="application/pdf")
    if request.amendment_id:
        from hetong.changes import amendments

        amendments.sign(request.amendment, by=request.created_by, signed_date=timezone.localdate(now),
                        signed_file=upload, note=_("Signed online"))
    else:
        sign_contract(request.contract, by=request.created_by, signed_date=timezone.localdate(now),
                      signed_file=upload, note=_("Signed online"))
    _tell_sender(request, gettext_lazy("%(number)s is signed by everyone") % {"number": number},
                 gettext_lazy("Every signer has signed %(number)s %(title)s. The signed PDF and the certificate of "
                              "completion are on the contract page.") % {"number": number, "title": title})


def subject_of(request: SignatureRequest) -> tuple[str, str]:
    """The number and title of what is signed: the contract's, or its amendment's (HT-…-B1)."""
    if request.amendment_id:
        return str(request.amendment), request.amendment.title
    return request.contract.number, request.contract.title


REMIND_EVERY = dt.timedelta(days=2)  # 催签: a signer who has not signed hears again this long after the last email
REMIND_MAX = 3  # ... this many times, plus once on the day before the deadline


def _reminder_due(signer: Signer, request: SignatureRequest, *, now, today: dt.date) -> bool:
    last = signer.link_sent_at
    if last is None:
        return False
    if signer.reminder_count < REMIND_MAX and now - last >= REMIND_EVERY:
        return True
    eve = request.deadline - dt.timedelta(days=1)
    return today >= eve and timezone.localtime(last).date() < eve


def remind_pending(now: dt.datetime | None = None) -> int:
    """催签: email every signer whose turn it is and who has not signed a new link, two days after the last email
    (three times at most) and on the day before the deadline. Each signer is checked under a lock, so two
    scheduler rounds at once send one reminder."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    candidates = Signer.objects.filter(
        request__status=SignatureRequest.Status.SENT, request__deadline__gte=today,
        status__in=[Signer.Status.PENDING, Signer.Status.VIEWED],
    ).values_list("pk", flat=True)
    sent = 0
    for pk in candidates:
        with transaction.atomic():
            signer = Signer.objects.select_for_update(of=("self",)).select_related(
                "request__contract", "user").get(pk=pk)
            request = _locked(signer.request)
            if (request.status != SignatureRequest.Status.SENT
                    or signer.status not in (Signer.Status.PENDING, Signer.Status.VIEWED)
                    or not _reminder_due(signer, request, now=now, today=today)):
                continue
            signer.reminder_count += 1
            _issue_link(signer, request, now=now, reminder=True)
            _event("reminded", request, signer=signer, count=signer.reminder_count, sent_at=now.isoformat())
            sent += 1
    return sent


def _tell_sender(request: SignatureRequest, title, body) -> None:
    from hetong.notifications.models import Notification
    from hetong.notifications.services import notify

    notify(request.created_by, kind=Notification.Kind.SYSTEM, title=title, body=body,
           url=reverse("contracts:detail", args=[request.contract_id]), contract=request.contract)


def expire_due(now: dt.datetime | None = None) -> int:
    """Close the requests whose deadline has passed; their links stop working."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    expired = 0
    for pk in SignatureRequest.objects.filter(status=SignatureRequest.Status.SENT, deadline__lt=today).values_list(
            "pk", flat=True):
        with transaction.atomic():
            request = SignatureRequest.objects.select_for_update(of=("self",)).select_related("contract").get(pk=pk)
            if request.status != SignatureRequest.Status.SENT:
                continue
            request.status = SignatureRequest.Status.EXPIRED
            request.save(update_fields=["status"])
            _event("expired", request, deadline=request.deadline.isoformat())
            unsigned = ", ".join(request.signers.exclude(status=Signer.Status.SIGNED).values_list("name", flat=True))
            _tell_sender(request, gettext_lazy("Signature request for %(number)s expired") % {
                "number": subject_of(request)[0]},
                gettext_lazy("The deadline %(deadline)s passed before everyone signed (not signed: %(names)s). "
                             "Its links no longer work; send a new request from the contract page.") % {
                "deadline": request.deadline.isoformat(), "names": unsigned})
            expired += 1
    return expired
