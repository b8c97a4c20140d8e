"""Pages of a contract's payments (the plan form, a receipt, a reversal, an invoice, a due date) and the
receivables aging report. The rules are in services; a refusal is shown on the form or on the contract page."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hetong.contracts.models import Contract
from hetong.contracts.selectors import money
from hetong.contracts.views import _contract, _detail
from hetong.core.dates import parse_date
from hetong.core.errors import DomainError
from hetong.core.exports import export_response
from hetong.core.forms import add_domain_error

from . import selectors, services
from .forms import InvoiceForm, PlanFormSet, ReceiptForm
from .models import Installment, Receipt


def _card_url(contract_pk: int) -> str:
    return reverse("contracts:detail", args=[contract_pk]) + "#payments"


def _allowed(request, perm: str, contract) -> None:
    if not rules.has_perm(perm, request.user, contract):
        raise PermissionDenied


def _plan_initial(plan) -> list[dict]:
    return [{"id": i.pk, "kind": i.kind, "label": i.label, "due_date": i.due_date,
             "amount": "" if i.percent else i.amount, "percent": i.percent or ""} for i in plan.installments]


def _show_plan_errors(formset, rows_of_forms, exc: DomainError) -> None:
    """Field errors "rows.N.field" go on the form that row came from; the rest above the formset."""
    general = [exc.message]
    for key, errors in exc.errors.items():
        parts = key.split(".")
        if parts[0] == "rows" and len(parts) == 3 and int(parts[1]) < len(rows_of_forms):
            form = rows_of_forms[int(parts[1])]
            for error in errors:
                form.add_error(parts[2] if parts[2] in form.fields else None, error)
        else:
            general.extend(errors)
    formset.plan_errors = general


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, contract_pk):
    contract = _contract(request, contract_pk)
    _allowed(request, "payments.change_plan", contract)
    plan = services.plan_of(contract)
    formset = PlanFormSet(request.POST or None, initial=_plan_initial(plan), prefix="rows")
    if request.method == "POST" and formset.is_valid():
        forms_used = [f for f in formset.forms if not f.is_blank() and not (formset.can_delete and f.cleaned_data.get("DELETE"))]
        try:
            plan = services.save_plan(contract, by=request.user, rows=[f.row() for f in forms_used])
        except DomainError as exc:
            _show_plan_errors(formset, forms_used, exc)
        else:
            if plan.adds_up:
                messages.success(request, _("The payment plan was saved; it adds up to the contract amount."))
            else:
                messages.warning(request, _("The payment plan was saved, but it totals %(total)s against a contract "
                                            "amount of %(amount)s: a difference of %(difference)s.")
                                 % {"total": money(plan.total), "amount": money(contract.amount), "difference": money(plan.difference)})
            return redirect(_card_url(contract.pk))
    failed = request.method == "POST"
    return render(request, "payments/plan_form.html", {"formset": formset, "contract": contract, "plan": plan},
                  status=400 if failed else 200)


def _allocation_field(key: str, allocations: list) -> str:
    """The service names a manual allocation by its place in the list; the form by the installment."""
    parts = key.split(".")
    if parts[0] == "allocations" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(allocations):
        return f"alloc_{allocations[int(parts[1])][0].pk}"
    return key


@login_required
@require_http_methods(["GET", "POST"])
def receipt_create(request, contract_pk):
    contract = _contract(request, contract_pk)
    _allowed(request, "payments.record_receipt", contract)
    plan = services.plan_of(contract)
    form = ReceiptForm(request.POST or None, installments=plan.installments)
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        try:
            services.record_receipt(contract, by=request.user, **kwargs)
        except DomainError as exc:
            exc.errors = {_allocation_field(key, kwargs["allocations"]): v for key, v in exc.errors.items()}
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The receipt was recorded."))
            return redirect(_card_url(contract.pk))
    return render(request, "payments/receipt_form.html", {"form": form, "contract": contract, "plan": plan},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def receipt_reverse(request, pk):
    receipt = get_object_or_404(Receipt.objects.select_related("contract"), pk=pk,
                                contract__in=Contract.objects.visible_to(request.user))
    _allowed(request, "payments.reverse_receipt", receipt.contract)
    reason = request.POST.get("reason", "")
    try:
        services.reverse_receipt(receipt, by=request.user, reason=reason)
    except DomainError as exc:
        posted = {"action": "payments_reverse", "receipt": receipt.pk, "reason": reason}
        return _detail(request, _contract(request, receipt.contract_id), error=exc, posted=posted)
    messages.success(request, _("The receipt was reversed (红冲); its amount is outstanding again."))
    return redirect(_card_url(receipt.contract_id))


@login_required
@require_POST
def due_date_set(request, pk):
    installment = get_object_or_404(Installment.objects.select_related("contract"), pk=pk,
                                    contract__in=Contract.objects.visible_to(request.user))
    _allowed(request, "payments.change_plan", installment.contract)
    try:
        services.set_due_date(installment, by=request.user, due_date=request.POST.get("due_date", ""))
    except DomainError as exc:
        return _detail(request, _contract(request, installment.contract_id), error=exc)
    messages.success(request, _("The due date was saved."))
    return redirect(_card_url(installment.contract_id))


@login_required
@require_http_methods(["GET", "POST"])
def invoice_create(request, contract_pk):
    contract = _contract(request, contract_pk)
    _allowed(request, "payments.record_invoice", contract)
    form = InvoiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_invoice(contract, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The invoice was recorded."))
            return redirect(_card_url(contract.pk))
    return render(request, "payments/invoice_form.html", {"form": form, "contract": contract},
                  status=400 if form.errors else 200)


@login_required
@require_safe
def aging_report(request):
    try:
        on = parse_date(request.GET.get("on"))
        error = None
    except ValueError:
        on, error = None, _("Enter a valid date (YYYY-MM-DD).")
    report = selectors.aging(request.user, on)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx") and not error:
        columns = [(_("Customer"), lambda r: r.customer_name), (_("Contracts"), lambda r: len(r.contracts)),
                   (_("Not yet due"), lambda r: r.not_due)]
        columns += [(str(label), lambda r, key=key: r.buckets[key]) for key, label, *_rest in selectors.BUCKETS]
        columns += [(_("Overdue"), lambda r: r.overdue), (_("Outstanding"), lambda r: r.outstanding)]
        return export_response(fmt, columns, report["customers"], f"receivables-aging-{report['on']:%Y%m%d}")
    return render(request, "payments/aging.html", {"report": report, "date_error": error,
                                                   "export_query": request.GET.urlencode()},
                  status=400 if error else 200)
