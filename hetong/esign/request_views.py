"""Staff pages of a contract's signature requests: the form that creates and sends one, send a draft, void, a new
link for a signer, and the certificate of completion. The rules are in services; a refusal is shown on the contract
page (or on the form) with its status."""

import hashlib

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hetong.contracts import services as contracts
from hetong.contracts.models import Contract
from hetong.contracts.views import _contract, _detail
from hetong.core.errors import DomainError, IllegalTransition
from hetong.core.forms import add_domain_error

from . import services
from .forms import SignatureRequestForm
from .models import SignatureRequest, Signer

OPEN = (SignatureRequest.Status.DRAFT, SignatureRequest.Status.SENT)


def may_start(contract: Contract, user, *, open_request: bool) -> bool:
    """Whether to offer "Send for signature": the states create_request accepts, and the right to send."""
    return (contract.status in (Contract.Status.APPROVED, Contract.Status.SIGNING) and not open_request
            and rules.has_perm("contracts.send_for_signing_contract", user, contract))


def _card_url(contract_pk: int) -> str:
    return reverse("contracts:detail", args=[contract_pk]) + "#signature"


def _signature_request(request, pk) -> SignatureRequest:
    """A request of a contract the user may see; any other id is a 404. The PDFs stay in the database."""
    return get_object_or_404(
        SignatureRequest.objects.select_related("contract").defer("signed_pdf", "certificate_pdf"),
        pk=pk, contract__in=Contract.objects.visible_to(request.user),
    )


def _amendment_of(request, contract):
    """The amendment named by ?amendment= (or the posted field), of this contract; none for the contract itself."""
    from hetong.changes.models import Amendment

    raw = request.POST.get("amendment") or request.GET.get("amendment")
    if not raw:
        return None
    try:
        return Amendment.objects.select_related("document").get(pk=int(raw), contract=contract)
    except (ValueError, Amendment.DoesNotExist):
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request, contract_pk):
    contract = _contract(request, contract_pk)
    if not rules.has_perm("contracts.send_for_signing_contract", request.user, contract):
        raise PermissionDenied
    amendment = _amendment_of(request, contract)
    if request.method == "GET":
        open_request = contract.signature_requests.filter(status__in=OPEN, amendment=amendment).exists()
        if amendment is not None:
            if amendment.status not in ("approved", "signing") or open_request or amendment.document_id is None:
                messages.error(request, _("This amendment cannot be sent for signature now: it must be approved, "
                                          "with its document and no request in progress."))
                return redirect("changes:amendment", pk=amendment.pk)
        elif not may_start(contract, request.user, open_request=open_request):
            return _detail(request, contract, error=IllegalTransition(
                _("This contract cannot be sent for signature now: it must be approved, with no request in progress.")))
    form = SignatureRequestForm(request.POST or None, contract=contract, user=request.user, amendment=amendment)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.create_request(contract, by=request.user, amendment=amendment, **form.service_kwargs())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _send(request, draft, success=_("The contract was sent for signature."), just_created=True)
    return render(request, "esign/request_form.html", {"form": form, "contract": contract, "amendment": amendment},
                  status=400 if form.errors else 200)


def _send(request, draft: SignatureRequest, *, success: str, just_created: bool = False):
    try:
        services.send(draft, by=request.user)
    except DomainError as exc:
        error = exc
        if just_created:
            # The draft stays: the card offers to send it again once the cause is fixed.
            error = DomainError(_("The signature request was saved as a draft but not sent: %(reason)s")
                                % {"reason": exc.message}, code=exc.code, errors=exc.errors)
            error.status = exc.status
        if draft.amendment_id:
            messages.error(request, error.message)
            return redirect("changes:amendment", pk=draft.amendment_id)
        return _detail(request, _contract(request, draft.contract_id), error=error)
    messages.success(request, success)
    if draft.amendment_id:
        return redirect("changes:amendment", pk=draft.amendment_id)
    return redirect(_card_url(draft.contract_id))


@login_required
@require_POST
def request_send(request, pk):
    return _send(request, _signature_request(request, pk), success=_("The signature request was sent."))


@login_required
@require_POST
def request_void(request, pk):
    signature_request = _signature_request(request, pk)
    reason = request.POST.get("reason", "")
    try:
        services.void(signature_request, by=request.user, reason=reason)
    except DomainError as exc:
        posted = {"action": "esign_void", "request": signature_request.pk, "reason": reason}
        return _detail(request, _contract(request, signature_request.contract_id), error=exc, posted=posted)
    messages.success(request, _("The signature request was voided; its links no longer work."))
    return redirect(_card_url(signature_request.contract_id))


@login_required
@require_POST
def signer_resend(request, pk, signer_pk):
    signature_request = _signature_request(request, pk)
    signer = get_object_or_404(Signer.objects.select_related("user"), pk=signer_pk, request=signature_request)
    signer.request = signature_request
    try:
        services.resend(signer, by=request.user)
    except DomainError as exc:
        return _detail(request, _contract(request, signature_request.contract_id), error=exc)
    messages.success(request, _("A new link was sent to %(email)s; the previous one no longer works.")
                     % {"email": signer.email})
    return redirect(_card_url(signature_request.contract_id))


@login_required
@require_safe
def request_certificate(request, pk):
    signature_request = get_object_or_404(
        SignatureRequest.objects.select_related("contract").only(
            "status", "certificate_pdf", "certificate_sha256", "contract__number"),
        pk=pk, contract__in=Contract.objects.visible_to(request.user),
    )
    if signature_request.status != SignatureRequest.Status.COMPLETED or signature_request.certificate_pdf is None:
        raise Http404
    data = bytes(signature_request.certificate_pdf)
    if hashlib.sha256(data).hexdigest() != signature_request.certificate_sha256:
        # Never hand out a certificate that is not the one issued: administrators are alerted instead.
        contract = _contract(request, signature_request.contract_id)
        error = contracts.stored_file_changed(contract, what=_("certificate of completion"),
                                              expected_sha256=signature_request.certificate_sha256, by=request.user)
        return _detail(request, contract, error=error)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{signature_request.contract.number}-certificate.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
