"""Pages: renew a contract, terminate it, send a non-renewal or change notice, record a delivery, download its
proof, and renew a filtered list at once. The rules are in services; a refusal is shown on the form."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from hetong.contracts import selectors as contract_selectors
from hetong.contracts.filters import ContractFilter
from hetong.contracts.models import Contract
from hetong.contracts.views import _contract, _detail
from hetong.core.errors import Conflict, DomainError
from hetong.core.files import attachment
from hetong.core.forms import add_domain_error

from . import services
from .forms import BatchRenewForm, DeliveryForm, NoticeForm, RenewForm, TerminateForm
from .models import Notice, NoticeDelivery

BATCH_SHOWN = 200  # a batch renews at most this many contracts; narrow the filters for more


def _card_url(pk: int) -> str:
    return reverse("contracts:detail", args=[pk]) + "#changes"


def _allowed(user, perm: str, contract) -> None:
    if not rules.has_perm(perm, user, contract):
        raise PermissionDenied


def _form_page(request, form, contract, *, title: str, submit: str, danger: bool = False):
    return render(
        request,
        "changes/form.html",
        {"form": form, "contract": contract, "title": title, "submit": submit, "danger": danger},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def renew(request, pk):
    contract = _contract(request, pk)
    _allowed(request.user, "contracts.renew_contract", contract)
    initial = {}
    if contract.end_date:
        start = services.batch_term(contract, term=1, unit="years")
        initial = {"start": start[0], "end": start[1]}
    form = RenewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            renewal = services.renew(contract, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Contract %(old)s was renewed by the new draft %(new)s.")
                % {"old": contract.number, "new": renewal.successor.number},
            )
            return redirect("contracts:detail", renewal.successor_id)
    return _form_page(request, form, contract, title=_("Renew contract"), submit=_("Renew"))


@login_required
@require_http_methods(["GET", "POST"])
def terminate(request, pk):
    contract = _contract(request, pk)
    _allowed(request.user, "contracts.terminate_contract", contract)
    form = TerminateForm(
        request.POST or None, templates=services.notice_templates(contract, Notice.Kind.TERMINATION)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.terminate(
                contract,
                by=request.user,
                reason=data["reason"],
                effective_on=data["effective_on"],
                note=data["note"],
                notice_template=data["template"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The contract was terminated and its termination notice generated."))
            return redirect(_card_url(contract.pk))
    return _form_page(
        request, form, contract, title=_("Terminate contract"), submit=_("Terminate"), danger=True
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_create(request, pk):
    contract = _contract(request, pk)
    _allowed(request.user, "changes.send_notice", contract)
    kind = request.POST.get("kind") or request.GET.get("kind") or Notice.Kind.NON_RENEWAL
    if kind not in (Notice.Kind.NON_RENEWAL, Notice.Kind.CHANGE):
        kind = Notice.Kind.NON_RENEWAL
    form = NoticeForm(
        request.POST or None,
        initial={"kind": kind, "effective_on": contract.end_date},
        templates=services.notice_templates(contract, kind),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.send_notice(
                contract,
                by=request.user,
                kind=data["kind"],
                effective_on=data["effective_on"],
                note=data["note"],
                template=data["template"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The notice was generated. Record its delivery once it is sent."))
            return redirect(_card_url(contract.pk))
    return _form_page(request, form, contract, title=_("Send a notice"), submit=_("Generate notice"))


def _notice(request, pk) -> Notice:
    return get_object_or_404(
        Notice.objects.select_related("contract"),
        pk=pk,
        contract__in=Contract.objects.visible_to(request.user),
    )


@login_required
@require_http_methods(["GET", "POST"])
def delivery_create(request, pk):
    notice = _notice(request, pk)
    contract = _contract(request, notice.contract_id)
    _allowed(request.user, "changes.record_delivery", contract)
    form = DeliveryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_delivery(notice, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The delivery was recorded."))
            return redirect(_card_url(contract.pk))
    return _form_page(
        request,
        form,
        contract,
        title=_("Record delivery of %(notice)s") % {"notice": notice.get_kind_display()},
        submit=_("Record delivery"),
    )


@login_required
@require_safe
def proof_download(request, pk):
    delivery = get_object_or_404(
        NoticeDelivery.objects.select_related("notice__contract"),
        pk=pk,
        notice__contract__in=Contract.objects.visible_to(request.user),
    )
    if not delivery.proof:
        raise PermissionDenied
    try:
        services.proof_checked(delivery, by=request.user)
    except Conflict as exc:
        return _detail(request, _contract(request, delivery.notice.contract_id), error=exc)
    return attachment(delivery.proof, filename=delivery.proof_name or "proof",
                      content_type=delivery.proof_content_type, sha256=delivery.proof_sha256)


@login_required
@require_http_methods(["GET", "POST"])
def batch_renew(request):
    if not rules.has_perm("changes.renew_many", request.user):
        raise PermissionDenied
    filterset = ContractFilter(
        request.GET, queryset=contract_selectors.list_queryset(request.user), request=request
    )
    contracts = (
        filterset.qs.select_related("customer").order_by("pk")[:BATCH_SHOWN] if filterset.is_valid() else []
    )
    contracts = list(contracts)
    form = BatchRenewForm(request.POST or None)
    report = None
    if request.method == "POST" and form.is_valid():
        chosen = Contract.objects.visible_to(request.user).filter(pk__in=[c.pk for c in contracts])
        try:
            report = services.renew_many(chosen, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
    return render(
        request,
        "changes/batch.html",
        {
            "form": form,
            "contracts": contracts,
            "report": report,
            "query": request.GET.urlencode(),
            "filter_errors": filterset.errors,
            "limit": BATCH_SHOWN,
        },
        status=400 if form.errors else 200,
    )
