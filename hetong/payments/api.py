"""API v1 of payments (tag "payments"): a contract's plan, receipts with allocation and reversal (红冲), invoices,
and receivables aging. The rules are the services' own; mounted by hetong/api/urls.py."""

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus

from hetong.api.errors import errors
from hetong.api.schemas import BodySchema, InputSchema, Money
from hetong.contracts.models import Contract
from hetong.core.dates import company_today, parse_date
from hetong.core.errors import InvalidInput

from . import selectors, services
from .models import Allocation, Installment, Invoice, Receipt
from .services import CENT

router = Router(tags=["payments"])


def _text(value) -> str | None:
    return None if value is None else format(Decimal(value).quantize(CENT), "f")


# --- schemas -------------------------------------------------------------------------------------------------------


class InstallmentIn(BodySchema):
    id: int | None = Field(None, description="An installment of the current plan to keep (and change); omit for a new one.")
    kind: Installment.Kind = Installment.Kind.OTHER
    label: str = Field("", max_length=100)
    amount: Money | None = Field(None, description="Give an amount or a percentage, not both.")
    percent: Money | None = Field(None, description="Percentage of the contract amount (0 < p ≤ 100); the amount is computed.")
    due_date: dt.date | None = Field(None, description="Empty while the installment waits for an event (delivery, acceptance...).")


class PlanIn(BodySchema):
    installments: list[InstallmentIn]


class InstallmentOut(Schema):
    id: int
    position: int
    kind: Installment.Kind
    label: str
    amount: str
    percent: str | None
    due_date: dt.date | None
    status: Installment.Status
    paid: str
    outstanding: str
    overdue: bool
    days_overdue: int

    @staticmethod
    def resolve_amount(obj):
        return _text(obj.amount)

    @staticmethod
    def resolve_percent(obj):
        return None if obj.percent is None else format(obj.percent.normalize(), "f")

    @staticmethod
    def resolve_paid(obj):
        return _text(obj.paid)

    @staticmethod
    def resolve_outstanding(obj):
        return _text(obj.outstanding)

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue()

    @staticmethod
    def resolve_days_overdue(obj):
        return obj.days_overdue()


class PlanOut(Schema):
    contract: int
    contract_amount: str
    total: str
    difference: str = Field(description="Contract amount minus the plan: positive when short, negative when over.")
    adds_up: bool
    installments: list[InstallmentOut]


class DueDateIn(BodySchema):
    due_date: dt.date | None


class AllocationIn(BodySchema):
    installment: int
    amount: Money


class ReceiptIn(BodySchema):
    received_on: dt.date
    amount: Money
    method: Receipt.Method = Receipt.Method.BANK_TRANSFER
    payer: str = Field("", max_length=200)
    reference: str = Field("", max_length=100)
    allocations: list[AllocationIn] | None = Field(
        None, description="Allocated first; the rest goes to the oldest due installments. Omit for oldest first.")


class AllocationOut(Schema):
    installment: int
    amount: str

    @staticmethod
    def resolve_installment(obj):
        return obj.installment_id

    @staticmethod
    def resolve_amount(obj):
        return _text(obj.amount)


class ReceiptOut(Schema):
    id: int
    contract: int
    received_on: dt.date
    amount: str
    method: Receipt.Method
    payer: str
    reference: str
    created_by: int
    created_at: dt.datetime
    reversed: bool
    reversed_at: dt.datetime | None
    reversed_by: int | None
    reversal_reason: str
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_contract(obj):
        return obj.contract_id

    @staticmethod
    def resolve_amount(obj):
        return _text(obj.amount)

    @staticmethod
    def resolve_created_by(obj):
        return obj.created_by_id

    @staticmethod
    def resolve_reversed(obj):
        return obj.is_reversed

    @staticmethod
    def resolve_reversed_by(obj):
        return obj.reversed_by_id

    @staticmethod
    def resolve_allocations(obj):
        return obj.allocations.all()


class ReverseIn(BodySchema):
    reason: str = Field(max_length=500)


class InvoiceIn(BodySchema):
    number: str = Field(max_length=30, description="8 digits (paper) or 20 digits (数电票); unique per type.")
    kind: Invoice.Kind = Invoice.Kind.SPECIAL
    amount: Money = Field(description="Including tax.")
    tax_amount: Money
    issued_on: dt.date


class InvoiceOut(Schema):
    id: int
    contract: int
    number: str
    kind: Invoice.Kind
    amount: str
    tax_amount: str
    issued_on: dt.date
    created_by: int
    created_at: dt.datetime

    @staticmethod
    def resolve_contract(obj):
        return obj.contract_id

    @staticmethod
    def resolve_amount(obj):
        return _text(obj.amount)

    @staticmethod
    def resolve_tax_amount(obj):
        return _text(obj.tax_amount)

    @staticmethod
    def resolve_created_by(obj):
        return obj.created_by_id


class AgingQuery(InputSchema):
    on: str | None = Field(None, description="The day to age on (YYYY-MM-DD); default today.")


class AgingBuckets(Schema):
    not_due: str
    d0_30: str
    d31_60: str
    d61_90: str
    d91_180: str
    d181_365: str
    over_365: str
    overdue: str
    outstanding: str


class AgingCustomer(AgingBuckets):
    customer: int
    name: str


class AgingOut(Schema):
    on: dt.date
    totals: AgingBuckets
    customers: list[AgingCustomer]


# --- helpers -------------------------------------------------------------------------------------------------------


def _contract(request, contract_id: int) -> Contract:
    return Contract.objects.visible_to(request.auth).get(pk=contract_id)


def _plan(plan: services.Plan) -> dict:
    return {"contract": plan.contract.pk, "contract_amount": _text(plan.contract.amount), "total": _text(plan.total),
            "difference": _text(plan.difference), "adds_up": plan.adds_up, "installments": plan.installments}


def _receipts(request):
    return (Receipt.objects.filter(contract__in=Contract.objects.visible_to(request.auth))
            .prefetch_related(Prefetch("allocations", queryset=Allocation.objects.order_by("id"))))


def _buckets(row: selectors.AgingRow) -> dict:
    data = {key: _text(value) for key, value in row.buckets.items()}
    return {**data, "not_due": _text(row.not_due), "overdue": _text(row.overdue), "outstanding": _text(row.outstanding)}


# --- endpoints -----------------------------------------------------------------------------------------------------


@router.get("/contracts/{int:contract_id}/installments", response={200: PlanOut, **errors(401, 404)},
            description="The contract's payment plan (cancelled installments left out) and how far it is from the "
            "contract amount.")
def get_plan(request, contract_id: int):
    return _plan(services.plan_of(_contract(request, contract_id)))


@router.put("/contracts/{int:contract_id}/installments", response={200: PlanOut, **errors(400, 401, 403, 404, 409)},
            description="Replace the plan. Installments given with `id` are kept and changed; the others are "
            "removed, unless money was allocated to them (400). A plan that does not add up is saved; "
            "`difference` says by how much.")
def put_plan(request, contract_id: int, payload: PlanIn):
    contract = _contract(request, contract_id)
    rows = [item.model_dump(exclude_unset=True) for item in payload.installments]
    return _plan(services.save_plan(contract, by=request.auth, rows=rows))


@router.post("/installments/{int:installment_id}/due-date", response={200: InstallmentOut, **errors(400, 401, 403, 404, 409)},
             description="Set (or clear) an installment's due date, e.g. when delivery or acceptance happens.")
def set_due_date(request, installment_id: int, payload: DueDateIn):
    installment = Installment.objects.select_related("contract").get(
        pk=installment_id, contract__in=Contract.objects.visible_to(request.auth))
    services.set_due_date(installment, by=request.auth, due_date=payload.due_date)
    return Installment.objects.with_paid().get(pk=installment_id)


@router.get("/contracts/{int:contract_id}/receipts", response={200: list[ReceiptOut], **errors(401, 404)},
            description="The contract's receipts, newest first, reversed ones included.")
def list_receipts(request, contract_id: int):
    return _receipts(request).filter(contract=_contract(request, contract_id)).order_by("-received_on", "-id")


@router.post("/contracts/{int:contract_id}/receipts", response={201: ReceiptOut, **errors(400, 401, 403, 404, 409)},
             description="Record money received. 400 `exceeds_outstanding` when it is more than what is outstanding "
             "on the contract; an installment of another contract, or more than an installment's outstanding "
             "amount, is a 400 with field errors. Nothing is saved on a refusal.")
def create_receipt(request, contract_id: int, payload: ReceiptIn):
    contract = _contract(request, contract_id)
    allocations = None
    if payload.allocations is not None:
        allocations = [(item.installment, item.amount) for item in payload.allocations]
    receipt = services.record_receipt(
        contract, by=request.auth, received_on=payload.received_on, amount=payload.amount, method=payload.method,
        payer=payload.payer, reference=payload.reference, allocations=allocations)
    return HttpStatus(201, _receipts(request).get(pk=receipt.pk))


@router.post("/receipts/{int:receipt_id}/reverse", response={200: ReceiptOut, **errors(400, 401, 403, 404, 409)},
             description="Reverse (红冲) a receipt: it stays on record, its allocations stop counting. A reason is "
             "required; 409 `already_reversed` the second time.")
def reverse_receipt(request, receipt_id: int, payload: ReverseIn):
    receipt = _receipts(request).select_related("contract").get(pk=receipt_id)
    services.reverse_receipt(receipt, by=request.auth, reason=payload.reason)
    return _receipts(request).get(pk=receipt_id)


@router.get("/contracts/{int:contract_id}/invoices", response={200: list[InvoiceOut], **errors(401, 404)},
            description="The invoices issued on the contract, newest first.")
def list_invoices(request, contract_id: int):
    return Invoice.objects.filter(contract=_contract(request, contract_id)).order_by("-issued_on", "-id")


@router.post("/contracts/{int:contract_id}/invoices", response={201: InvoiceOut, **errors(400, 401, 403, 404, 409)},
             description="Record an invoice issued to the customer. Its number is unique per type; together the "
             "invoices cannot exceed the contract amount.")
def create_invoice(request, contract_id: int, payload: InvoiceIn):
    contract = _contract(request, contract_id)
    invoice = services.record_invoice(contract, by=request.auth, **payload.model_dump())
    return HttpStatus(201, invoice)


@router.get("/payments/aging", response={200: AgingOut, **errors(400, 401)},
            description="Receivables aging of the contracts you can see: outstanding amounts by days past each "
            "installment's due date (0–30, 31–60, 61–90, 91–180, 181–365, over 365), in total and per customer; in "
            "CNY, other currencies at the configured rates.")
def aging(request, filters: Query[AgingQuery]):
    try:
        on = parse_date(filters.on) or company_today()
    except ValueError:
        raise InvalidInput(errors={"on": [_("Enter a valid date (YYYY-MM-DD).")]}) from None
    report = selectors.aging(request.auth, on)
    return {
        "on": on, "totals": _buckets(report["totals"]),
        "customers": [{**_buckets(row), "customer": row.customer_id, "name": row.customer_name}
                      for row in report["customers"]],
    }
