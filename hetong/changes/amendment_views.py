"""Pages of amendments (补充协议): draft one from the terms in force, its page with the diff and what can be done
next (edit, make the document, submit, decide by hand, send for signature, record the signed copy, cancel), and
the terms in force on a chosen day. The rules are in changes.amendments; a refusal is shown on the page."""

import datetime as dt

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hetong.approvals import services as approvals
from hetong.contracts.models import IN_FORCE_STATES, Contract
from hetong.contracts.views import _contract
from hetong.core.dates import company_today, parse_date
from hetong.core.errors import DomainError
from hetong.core.forms import add_domain_error
from hetong.esign.models import SignatureRequest

from . import amendments
from .forms import AmendmentForm, AmendmentSignForm
from .models import Amendment

OPEN_REQUESTS = (SignatureRequest.Status.DRAFT, SignatureRequest.Status.SENT)


def _amendment(request, pk) -> Amendment:
    """An amendment of a contract the user may see; any other id is a 404."""
    return get_object_or_404(
        Amendment.objects.select_related("contract__customer", "contract__entity", "document", "signed_file",
                                         "created_by", "submitted_by"),
        pk=pk, contract__in=Contract.objects.visible_to(request.user),
    )


def _allowed(user, perm: str, contract) -> None:
    if not rules.has_perm(perm, user, contract):
        raise PermissionDenied


def _page(request, amendment: Amendment, *, error=None, sign_form=None):
    contract, user = amendment.contract, request.user
    may_amend = rules.has_perm("changes.amend_contract", user, contract)
    running = approvals.running_for(amendment)
    open_request = amendment.signature_requests.filter(status__in=OPEN_REQUESTS).first()
    status = amendment.status
    context = {
        "amendment": amendment, "contract": contract, "rows": amendments.diff(amendment), "error": error,
        "running": running, "open_request": open_request,
        "requests": amendment.signature_requests.defer("signed_pdf", "certificate_pdf").order_by("-id"),
        "can_edit": may_amend and status == Amendment.Status.DRAFT,
        "can_submit": may_amend and status == Amendment.Status.DRAFT,
        "can_withdraw": may_amend and status == Amendment.Status.IN_REVIEW and (
            running is None or running.submitted_by_id == user.pk),
        "can_decide": status == Amendment.Status.IN_REVIEW and running is None
        and amendment.submitted_by_id != user.pk and rules.has_perm("changes.approve_amendment", user, contract),
        "can_generate": may_amend and status in (Amendment.Status.DRAFT, Amendment.Status.IN_REVIEW),
        "can_send": status in (Amendment.Status.APPROVED, Amendment.Status.SIGNING) and open_request is None
        and amendment.document_id is not None and contract.status in IN_FORCE_STATES
        and rules.has_perm("contracts.send_for_signing_contract", user, contract),
        "can_sign": status in (Amendment.Status.APPROVED, Amendment.Status.SIGNING) and open_request is None
        and rules.has_perm("contracts.sign_contract", user, contract),
        "can_cancel": may_amend and status not in (Amendment.Status.SIGNED, Amendment.Status.CANCELLED),
        "sign_form": sign_form or AmendmentSignForm(initial={"signed_date": company_today()}),
    }
    return render(request, "changes/amendment.html", context, status=error.status if error else 200)


@login_required
def amendment_detail(request, pk):
    return _page(request, _amendment(request, pk))


def _form_page(request, form, contract, amendment=None):
    return render(request, "changes/amendment_form.html", {"form": form, "contract": contract, "amendment": amendment},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def amendment_create(request, pk):
    contract = _contract(request, pk)
    _allowed(request.user, "changes.amend_contract", contract)
    start = max(company_today(), contract.effective_date or company_today())
    initial = AmendmentForm.initial_for(amendments.terms_on(contract, start).terms)
    form = AmendmentForm(request.POST or None, initial={**initial, "effective_date": start})
    if request.method == "POST" and form.is_valid():
        try:
            amendment = amendments.create_amendment(contract, by=request.user, data=form.service_data())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Amendment %(label)s was saved as a draft.") % {"label": amendment.label})
            return redirect("changes:amendment", pk=amendment.pk)
    return _form_page(request, form, contract)


@login_required
@require_http_methods(["GET", "POST"])
def amendment_edit(request, pk):
    amendment = _amendment(request, pk)
    _allowed(request.user, "changes.amend_contract", amendment.contract)
    terms = amendments.terms_on(amendment.contract, amendment.effective_date).terms
    form = AmendmentForm(request.POST or None, initial=AmendmentForm.initial_for(terms, amendment))
    if request.method == "POST" and form.is_valid():
        try:
            amendments.update_amendment(amendment, by=request.user, version=request.POST.get("version"),
                                        data=form.service_data())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Amendment %(label)s was saved.") % {"label": amendment.label})
            return redirect("changes:amendment", pk=amendment.pk)
    return _form_page(request, form, amendment.contract, amendment)


ACTIONS = {
    "submit": (lambda a, user, post: amendments.submit(a, by=user), _("Amendment %(label)s was submitted for review.")),
    "withdraw": (lambda a, user, post: amendments.withdraw(a, by=user), _("Amendment %(label)s is a draft again.")),
    "approve": (lambda a, user, post: amendments.decide(a, by=user, approve=True, note=post.get("note", "")),
                _("Amendment %(label)s was approved.")),
    "reject": (lambda a, user, post: amendments.decide(a, by=user, approve=False, note=post.get("note", "")),
               _("Amendment %(label)s was rejected and is a draft again.")),
    "cancel": (lambda a, user, post: amendments.cancel(a, by=user, note=post.get("note", "")),
               _("Amendment %(label)s was cancelled.")),
    "generate": (lambda a, user, post: amendments.generate_document(a, by=user),
                 _("The document of amendment %(label)s was generated.")),
}


@login_required
@require_POST
def amendment_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    amendment = _amendment(request, pk)
    perform, done = ACTIONS[action]
    try:
        perform(amendment, request.user, request.POST)
    except DomainError as exc:
        return _page(request, _amendment(request, pk), error=exc)
    messages.success(request, str(done) % {"label": amendment.label})
    return redirect("changes:amendment", pk=amendment.pk)


@login_required
@require_POST
def amendment_sign(request, pk):
    amendment = _amendment(request, pk)
    form = AmendmentSignForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            amendments.sign(amendment, by=request.user, signed_date=form.cleaned_data["signed_date"],
                            signed_file=form.cleaned_data["signed_file"])
        except DomainError as exc:
            add_domain_error(form, exc)
            return _page(request, _amendment(request, pk), error=exc, sign_form=form)
        messages.success(request, _("Amendment %(label)s is signed and part of the contract.") % {"label": amendment.label})
        return redirect("changes:amendment", pk=amendment.pk)
    return _page(request, amendment, sign_form=form, error=None)


@login_required
def terms_on_day(request, pk):
    """The contract's terms in force on a chosen day (today by default), and which amendment made them so."""
    contract = _contract(request, pk)
    error = None
    try:
        day = parse_date(request.GET.get("on")) or company_today()
    except (ValueError, TypeError):
        day, error = company_today(), _("Enter a valid date (YYYY-MM-DD).")
    day = min(max(day, dt.date(1900, 1, 1)), dt.date(9999, 12, 30))
    found = amendments.terms_on(contract, day)
    rows = [{"label": amendments.term_label(name), "value": amendments.display(name, value, contract)}
            for name, value in found.terms.items()]
    return render(request, "changes/terms_on.html", {
        "contract": contract, "day": day, "found": found, "rows": rows, "error": error,
        "amendments": contract.amendments.order_by("sequence"),
    }, status=400 if error else 200)
