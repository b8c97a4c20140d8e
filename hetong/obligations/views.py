"""Obligation pages: the user's open obligations across the contracts they see, the add and edit forms, and the
actions of the contract page's Obligations card. A refusal is shown on the contract page (or on the form) with its
status; the rules are in services."""

import datetime as dt

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hetong.contracts.views import _contract, _detail
from hetong.core.dates import company_today
from hetong.core.errors import DomainError, InvalidInput
from hetong.core.exports import export_response
from hetong.core.forms import add_domain_error
from hetong.core.pagination import Sort, paginate

from . import selectors, services
from .forms import CompleteForm, ListFilterForm, ObligationForm
from .models import EvidenceFile, Obligation

SOONEST_FIRST = Sort("due_date", kind=dt.date)


def _card_url(contract_pk: int) -> str:
    return reverse("contracts:detail", args=[contract_pk]) + "#obligations"


def _obligation(request, pk) -> Obligation:
    """An obligation of a contract the user may see; any other id is a 404."""
    return get_object_or_404(Obligation.objects.visible_to(request.user).select_related("contract"), pk=pk)


@login_required
@require_safe
def obligation_list(request):
    form = ListFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cursor, page, error = request.GET.get("cursor") or None, None, None
    if form.is_bound and form.errors:
        error = _("Please correct the errors below.")
    else:
        qs = selectors.for_user(request.user, mine=filters.get("mine", False), overdue=filters.get("overdue", False),
                                within=filters.get("within"))
        fmt = request.GET.get("format")
        if fmt in ("csv", "xlsx"):
            return export_response(fmt, _export_columns(), qs.order_by("due_date", "pk").iterator(chunk_size=1000),
                                   f"obligations-{company_today():%Y%m%d}")
        try:
            page = paginate(qs, SOONEST_FIRST, cursor=cursor, size=settings.PAGE_SIZE)
        except DomainError as exc:
            error = exc.message
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {"form": form, "page": page, "error": error, "cursor": cursor, "query": query.urlencode()}
    return render(request, "obligations/list.html", context, status=400 if error else 200)


def _export_columns():
    statuses, parties = dict(Obligation.Status.choices), dict(Obligation.Party.choices)
    return [
        (_("Contract"), lambda o: o.contract.number), (_("Customer"), lambda o: o.contract.customer.name),
        (_("Title"), lambda o: o.title), (_("Responsible party"), lambda o: str(parties.get(o.party, o.party))),
        (_("Owner"), lambda o: str(o.owner) if o.owner_id else ""), (_("Due date"), lambda o: o.due_date),
        (_("Status"), lambda o: str(statuses.get(o.status, o.status))), (_("Done on"), lambda o: o.done_on),
    ]


def _form_page(request, contract, form, obligation=None, error=None):
    status = error.status if error else 400 if form.errors else 200
    return render(request, "obligations/form.html", {"form": form, "contract": contract, "obligation": obligation},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def obligation_add(request, contract_pk):
    contract = _contract(request, contract_pk)
    if not rules.has_perm("obligations.manage_obligation", request.user, Obligation(contract=contract)):
        raise PermissionDenied
    form, error = ObligationForm(request.POST or None), None
    if request.method == "POST" and form.is_valid():
        try:
            services.add_obligation(contract, by=request.user, data=form.service_data())
        except DomainError as exc:
            add_domain_error(form, exc)
            error = exc
        else:
            messages.success(request, _("The obligation was added."))
            return redirect(_card_url(contract.pk))
    return _form_page(request, contract, form, error=error)


@login_required
@require_http_methods(["GET", "POST"])
def obligation_edit(request, pk):
    obligation = _obligation(request, pk)
    if not rules.has_perm("obligations.manage_obligation", request.user, obligation):
        raise PermissionDenied
    form, error = ObligationForm(request.POST or None, obligation=obligation), None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_obligation(obligation, by=request.user, version=form.cleaned_data["version"] or 0,
                                       data=form.service_data())
        except DomainError as exc:
            add_domain_error(form, exc)
            error = exc
        else:
            messages.success(request, _("The obligation was saved."))
            return redirect(_card_url(obligation.contract_id))
    return _form_page(request, obligation.contract, form, obligation, error=error)


def _refused(request, obligation, exc, posted=None):
    return _detail(request, _contract(request, obligation.contract_id), error=exc,
                   posted={"obligation": obligation.pk, **(posted or {})})


@login_required
@require_POST
def obligation_complete(request, pk):
    obligation = _obligation(request, pk)
    form = CompleteForm(request.POST, request.FILES)
    data = form.cleaned_data if form.is_valid() else {}
    try:
        if form.errors:
            raise InvalidInput(errors=form.errors)
        services.complete_obligation(obligation, by=request.user, done_on=data.get("done_on"),
                                     note=data.get("note", ""), evidence=data.get("file"))
    except DomainError as exc:
        return _refused(request, obligation, exc, {"action": "obligation_complete",
                                                   "done_on": request.POST.get("done_on", ""),
                                                   "note": request.POST.get("note", "")})
    messages.success(request, _("The obligation was marked done."))
    return redirect(_card_url(obligation.contract_id))


@login_required
@require_POST
def obligation_waive(request, pk):
    obligation = _obligation(request, pk)
    reason = request.POST.get("reason", "")
    try:
        services.waive_obligation(obligation, by=request.user, reason=reason)
    except DomainError as exc:
        return _refused(request, obligation, exc, {"action": "obligation_waive", "reason": reason})
    messages.success(request, _("The obligation was waived."))
    return redirect(_card_url(obligation.contract_id))


@login_required
@require_POST
def obligation_reopen(request, pk):
    obligation = _obligation(request, pk)
    try:
        services.reopen_obligation(obligation, by=request.user)
    except DomainError as exc:
        return _refused(request, obligation, exc)
    messages.success(request, _("The obligation is open again."))
    return redirect(_card_url(obligation.contract_id))


@login_required
@require_POST
def evidence_upload(request, pk):
    obligation = _obligation(request, pk)
    try:
        services.add_evidence(obligation, by=request.user, upload=request.FILES.get("file"))
    except DomainError as exc:
        return _refused(request, obligation, exc, {"action": "obligation_evidence"})
    messages.success(request, _("The evidence file was added."))
    return redirect(_card_url(obligation.contract_id))


@login_required
@require_safe
def evidence_download(request, pk, file_pk):
    obligation = _obligation(request, pk)
    evidence = get_object_or_404(EvidenceFile.objects.select_related("obligation__contract"), pk=file_pk,
                                 obligation=obligation)
    if not evidence.intact():
        # Never hand out bytes that are not the ones uploaded: administrators are alerted instead.
        return _refused(request, obligation, services.evidence_changed(evidence, by=request.user))
    return evidence.response()
