"""The contract page's Payments card (回款): plan, receipts, invoices and progress."""

import rules
from django import template

from hetong.contracts.models import Status
from hetong.contracts.selectors import money as money_text

from ..models import RECEIVABLE_STATES, Installment
from ..selectors import contract_payments

register = template.Library()

STATUS_COLOURS = {
    Installment.Status.OPEN: "secondary",
    Installment.Status.PARTLY_PAID: "yellow",
    Installment.Status.PAID: "green",
    Installment.Status.CANCELLED: "dark",
}


@register.inclusion_tag("payments/_card.html", takes_context=True)
def contract_payments_card(context, contract):
    """Four queries, however many installments, receipts and invoices."""
    user = context["request"].user
    data = contract_payments(contract)
    for installment in data["installments"]:
        installment.colour = "red" if installment.overdue else STATUS_COLOURS[installment.status]
    posted = context.get("posted") or {}
    receivable = contract.status in RECEIVABLE_STATES
    return {
        **data,
        "contract": contract,
        "can_plan": contract.status != Status.CANCELLED and rules.has_perm("payments.change_plan", user, contract),
        "can_receive": receivable and rules.has_perm("payments.record_receipt", user, contract),
        "can_reverse": rules.has_perm("payments.reverse_receipt", user, contract),
        "can_invoice": receivable and rules.has_perm("payments.record_invoice", user, contract),
        "Status": Installment.Status,
        "reverse_open": posted.get("receipt") if posted.get("action") == "payments_reverse" else None,
        "reverse_reason": posted.get("reason", ""),
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def bucket(buckets: dict, key: str):
    """An aging bucket's amount: {{ row.buckets|bucket:key }}."""
    return buckets.get(key)


@register.filter
def money(amount):
    """1234567.5 -> "1,234,567.50", as the contract page shows amounts."""
    return money_text(amount)
