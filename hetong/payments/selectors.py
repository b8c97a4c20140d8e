"""Reads that build pages and reports: the contract page's card, receivables aging, progress per contract.
Each one runs a fixed number of queries however many rows there are."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Sum
from django.utils.translation import gettext_lazy as _

from hetong.contracts.models import Contract
from hetong.core.dates import company_today
from hetong.core.money import rate

from .models import RECEIVABLE_STATES, ZERO, Allocation, Installment, Invoice, Receipt

CENT = Decimal("0.01")
# (key, label, first day overdue, last day overdue)
BUCKETS = [
    ("d0_30", _("0–30 days"), 1, 30),
    ("d31_60", _("31–60 days"), 31, 60),
    ("d61_90", _("61–90 days"), 61, 90),
    ("d91_180", _("91–180 days"), 91, 180),
    ("d181_365", _("181–365 days"), 181, 365),
    ("over_365", _("Over 365 days"), 366, None),
]
BUCKET_KEYS = [key for key, *_rest in BUCKETS]


def bucket_of(days_overdue: int) -> str | None:
    for key, _label, first, last in BUCKETS:
        if days_overdue >= first and (last is None or days_overdue <= last):
            return key
    return None


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _empty_buckets() -> dict:
    return {key: ZERO for key in BUCKET_KEYS}


@dataclass
class AgingRow:
    customer_id: int
    customer_name: str
    buckets: dict = field(default_factory=_empty_buckets)
    not_due: Decimal = ZERO
    contracts: set = field(default_factory=set)

    @property
    def overdue(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def outstanding(self) -> Decimal:
        return self.overdue + self.not_due


def aging(user, today: dt.date | None = None, *, contracts=None) -> dict:
    """Receivables of the contracts `user` may see (or of `contracts`, already scoped), by days overdue of each
    installment's due date: totals and per customer, in CNY (other currencies at core.money.rate). Installments
    without a due date, or not yet due, are outstanding but not overdue. One query."""
    today = today or company_today()
    contracts = Contract.objects.visible_to(user) if contracts is None else contracts
    rows = (
        Installment.objects.filter(contract__in=contracts.filter(status__in=RECEIVABLE_STATES).values("pk"))
        .with_paid().unpaid()
        .select_related("contract__customer")
        .only("amount", "due_date", "cancelled_at", "contract__id", "contract__currency", "contract__customer__id",
              "contract__customer__name")
    )
    customers: dict[int, AgingRow] = {}
    totals = AgingRow(customer_id=0, customer_name="")
    for installment in rows:
        customer = installment.contract.customer
        row = customers.setdefault(customer.pk, AgingRow(customer_id=customer.pk, customer_name=customer.name))
        row.contracts.add(installment.contract_id)
        owed = (installment.amount - installment.paid) * rate(installment.contract.currency)
        days = (today - installment.due_date).days if installment.due_date else 0
        key = bucket_of(days)
        for target in (row, totals):
            if key:
                target.buckets[key] += owed
            else:
                target.not_due += owed
    for row in (*customers.values(), totals):  # to the cent once summed
        row.buckets = {key: value.quantize(CENT, rounding=ROUND_HALF_UP) for key, value in row.buckets.items()}
        row.not_due = row.not_due.quantize(CENT, rounding=ROUND_HALF_UP)
    ordered = sorted(customers.values(), key=lambda r: (-r.overdue, -r.outstanding, r.customer_name))
    return {"on": today, "buckets": BUCKETS, "totals": totals, "customers": ordered}


def progress_for(contract_ids, today: dt.date | None = None) -> dict:
    """{contract id: {collected_pct, invoiced_pct, collected, invoiced, outstanding, overdue}} in four queries.
    Percentages are of the contract amount (None when it is zero); reversed receipts do not count."""
    today = today or company_today()
    ids = list(contract_ids)
    amounts = dict(Contract.objects.filter(pk__in=ids).values_list("pk", "amount"))
    collected = dict(Receipt.objects.filter(contract__in=ids, reversed_at__isnull=True).order_by()
                     .values("contract").annotate(s=Sum("amount")).values_list("contract", "s"))
    invoiced = dict(Invoice.objects.filter(contract__in=ids).order_by()
                    .values("contract").annotate(s=Sum("amount")).values_list("contract", "s"))
    outstanding: dict = {}
    overdue: dict = {}
    for contract_id, amount, paid, due in (Installment.objects.filter(contract__in=ids).with_paid().unpaid()
                                           .values_list("contract", "amount", "paid", "due_date")):
        owed = amount - paid
        outstanding[contract_id] = outstanding.get(contract_id, ZERO) + owed
        if due and due < today:
            overdue[contract_id] = overdue.get(contract_id, ZERO) + owed
    result = {}
    for pk, amount in amounts.items():
        got, billed = collected.get(pk) or ZERO, invoiced.get(pk) or ZERO
        result[pk] = {
            "collected_pct": percent(got, amount), "invoiced_pct": percent(billed, amount),
            "collected": got, "invoiced": billed,
            "outstanding": outstanding.get(pk, ZERO), "overdue": overdue.get(pk, ZERO),
        }
    return result


def contract_payments(contract: Contract, today: dt.date | None = None) -> dict:
    """Everything the contract page's Payments card shows, in four queries."""
    today = today or company_today()
    installments = list(Installment.objects.filter(contract=contract).with_paid().in_plan_order())
    allocations = Allocation.objects.select_related("installment").only(
        "receipt", "amount", "installment__label", "installment__kind", "installment__position")
    receipts = list(
        Receipt.objects.filter(contract=contract).select_related("created_by", "reversed_by")
        .prefetch_related(Prefetch("allocations", queryset=allocations.order_by("installment__position")))
        .order_by("-received_on", "-id")
    )
    invoices = list(Invoice.objects.filter(contract=contract).order_by("-issued_on", "-id"))
    live = [i for i in installments if not i.cancelled_at]
    planned = sum((i.amount for i in live), ZERO)
    collected = sum((r.amount for r in receipts if not r.reversed_at), ZERO)
    invoiced = sum((i.amount for i in invoices), ZERO)
    for installment in installments:
        installment.overdue = installment.is_overdue(today)
        installment.overdue_days = installment.days_overdue(today)
    return {
        "installments": installments,
        "receipts": receipts,
        "invoices": invoices,
        "planned": planned,
        "difference": contract.amount - planned,
        "collected": collected,
        "invoiced": invoiced,
        "outstanding": sum((i.outstanding for i in live), ZERO),
        "overdue": sum((i.outstanding for i in live if i.overdue), ZERO),
        "collected_pct": percent(collected, contract.amount),
        "invoiced_pct": percent(invoiced, contract.amount),
        "not_invoiced": contract.amount - invoiced,
        "today": today,
    }

