"""Every change to a payment plan, a receipt or an invoice, one function per business action.

Each one checks the actor's right, locks the contract row (so two people recording money on one contract take
turns), re-reads what it decides on, writes, records one audit event and brings the contract's key dates in step,
all in one transaction: a refusal leaves nothing half-saved.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import rules
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from hetong.audit.services import record
from hetong.contracts.models import Contract, Status
from hetong.contracts.services.terms import sync_key_dates
from hetong.core.dates import company_today, parse_date
from hetong.core.errors import Frozen, IllegalTransition, InvalidInput, PermissionDenied
from hetong.core.money import parse_amount
from hetong.core.text import clean_text

from .models import RECEIVABLE_STATES, ZERO, Allocation, Installment, Invoice, Receipt

CENT = Decimal("0.01")
PLAN_ROW_FIELDS = ("id", "label", "kind", "amount", "percent", "due_date")
INVOICE_NUMBER = re.compile(r"^[0-9]{8,20}$")  # 8 digits on paper invoices, 20 on fully digital ones (数电票)


def _require(user, perm: str, contract: Contract) -> None:
    if not rules.has_perm(perm, user, contract):
        raise PermissionDenied()


def _lock(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


def _amount(value, errors: dict, key: str) -> Decimal | None:
    try:
        amount = parse_amount(value)
    except ValidationError as exc:
        errors[key] = exc.messages
        return None
    if amount <= 0:
        errors[key] = [_("The amount must be greater than zero.")]
        return None
    return amount


def _date(value, errors: dict, key: str, *, required: bool = True, not_future: bool = False) -> dt.date | None:
    try:
        day = parse_date(value)
    except (ValueError, TypeError):
        errors[key] = [_("Enter a valid date (YYYY-MM-DD).")]
        return None
    if day is None and required:
        errors[key] = [_("This field is required.")]
    elif day is not None and not_future and day > company_today():
        errors[key] = [_("The date cannot be in the future.")]
    return day


def _text(value, errors: dict, key: str, *, max_length: int) -> str:
    try:
        text = clean_text(str(value or ""))
    except ValidationError as exc:
        errors[key] = exc.messages
        return ""
    if len(text) > max_length:
        errors[key] = [_("Use at most %(n)s characters.") % {"n": max_length}]
    return text


# --- the plan --------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """A contract's live installments (with `paid`) and how far they are from the contract amount."""

    contract: Contract
    installments: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.installments), ZERO)

    @property
    def difference(self) -> Decimal:
        """Contract amount minus the plan: positive when the plan is short, negative when it is over."""
        return self.contract.amount - self.total

    @property
    def adds_up(self) -> bool:
        return self.difference == 0


def plan_of(contract: Contract) -> Plan:
    rows = Installment.objects.filter(contract=contract).live().with_paid().in_plan_order()
    return Plan(contract=contract, installments=list(rows))


def percent_amount(contract_amount: Decimal, percent: Decimal) -> Decimal:
    return (contract_amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _percent(value, errors: dict, key: str) -> Decimal | None:
    try:
        percent = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        errors[key] = [_("Enter a percentage such as 30 or 12.5.")]
        return None
    if not percent.is_finite() or percent <= 0 or percent > 100 or percent != percent.quantize(CENT):
        errors[key] = [_("Enter a percentage greater than 0 and at most 100, with at most two decimals.")]
        return None
    return percent


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def save_plan(contract: Contract, *, by, rows: list[dict]) -> Plan:
    """Replace the contract's plan by `rows` (in order). A row with `id` changes that installment; installments
    not listed are removed, unless money was allocated to them. Each row has an amount or a percentage of the
    contract amount, not both. A plan that does not add up is saved: Plan.difference says by how much."""
    _require(by, "payments.change_plan", contract)
    if not isinstance(rows, list | tuple) or any(not isinstance(row, dict) for row in rows):
        raise InvalidInput(errors={"rows": [_("Send the installments as a list.")]})
    errors: dict = {}
    with transaction.atomic():
        contract = _lock(contract)
        if contract.status == Status.CANCELLED:
            raise Frozen(_("The contract is cancelled: its payment plan can no longer change."))
        existing = {i.pk: i for i in plan_of(contract).installments}
        seen: set = set()
        cleaned = []
        for n, row in enumerate(rows):
            key = f"rows.{n}."
            unknown = set(row) - set(PLAN_ROW_FIELDS)
            for name in unknown:
                errors[key + name] = [_("This field cannot be changed here.")]
            current = None
            if not _blank(row.get("id")):
                try:
                    current = existing.get(int(row["id"]))
                except (TypeError, ValueError):
                    current = None
                if current is None or current.pk in seen:
                    errors[key + "id"] = [_("This is not an installment of this contract's plan.")]
                else:
                    seen.add(current.pk)
            kind = row.get("kind") or Installment.Kind.OTHER
            if kind not in Installment.Kind.values:
                errors[key + "kind"] = [_("Select a valid choice; that one does not exist.")]
            label = _text(row.get("label"), errors, key + "label", max_length=100)
            due_date = _date(row.get("due_date"), errors, key + "due_date", required=False)
            has_amount, has_percent = not _blank(row.get("amount")), not _blank(row.get("percent"))
            amount = percent = None
            if has_amount and has_percent:
                errors[key + "percent"] = [_("Give an amount or a percentage, not both.")]
            elif has_percent:
                percent = _percent(row["percent"], errors, key + "percent")
                if percent is not None:
                    amount = percent_amount(contract.amount, percent)
                    if amount <= 0:
                        errors[key + "percent"] = [_("This percentage of the contract amount is zero.")]
            elif has_amount:
                amount = _amount(row["amount"], errors, key + "amount")
            else:
                errors[key + "amount"] = [_("Give an amount or a percentage.")]
            if current is not None and amount is not None and amount < current.paid:
                errors[key + "amount"] = [
                    _("%(paid)s has already been received for this installment: the amount cannot be less.")
                    % {"paid": current.paid}
                ]
            cleaned.append((current, {"label": label, "kind": kind, "amount": amount, "percent": percent,
                                      "due_date": due_date}))
        removed = [pk for pk in existing if pk not in seen]
        if removed:
            used = set(Allocation.objects.filter(installment__in=removed).values_list("installment", flat=True))
            for pk in used:
                errors[f"installment.{pk}"] = [
                    _("“%(label)s” has receipts allocated to it and cannot be removed.") % {"label": existing[pk]}
                ]
        if errors:
            raise InvalidInput(_("The payment plan was not saved: please correct the errors."), errors=errors)
        before = [_audit_row(i) for i in existing.values()]
        Installment.objects.filter(pk__in=removed).delete()
        offset = Installment.objects.filter(contract=contract).count()  # cancelled ones keep their places
        for position, (current, values) in enumerate(cleaned, start=offset):
            if current is None:
                Installment.objects.create(contract=contract, position=position, **values)
            else:
                Installment.objects.filter(pk=current.pk).update(position=position, **values)
        plan = plan_of(contract)
        sync_key_dates(contract)
        record(actor=by, verb="payments.plan_save", target=contract, data={
            "before": before, "after": [_audit_row(i) for i in plan.installments],
            "total": str(plan.total), "difference": str(plan.difference),
        })
    return plan


def _audit_row(installment: Installment) -> dict:
    return {"id": installment.pk, "kind": installment.kind, "label": installment.label,
            "amount": str(installment.amount), "percent": str(installment.percent or ""),
            "due_date": installment.due_date.isoformat() if installment.due_date else None}


def set_due_date(installment: Installment, *, by, due_date) -> Installment:
    """Fix the due date of an installment that waited for an event (delivery, acceptance...), or move it."""
    contract = installment.contract
    _require(by, "payments.change_plan", contract)
    errors: dict = {}
    day = _date(due_date, errors, "due_date", required=False)
    if errors:
        raise InvalidInput(errors=errors)
    with transaction.atomic():
        contract = _lock(contract)
        current = Installment.objects.select_for_update().get(pk=installment.pk, contract=contract)
        if current.cancelled_at or contract.status == Status.CANCELLED:
            raise IllegalTransition(_("This installment is cancelled: its due date can no longer change."))
        before = current.due_date
        current.due_date = day
        current.save(update_fields=["due_date"])
        sync_key_dates(contract)
        record(actor=by, verb="payments.due_date_set", target=contract, data={
            "installment": current.pk, "before": before.isoformat() if before else None,
            "after": day.isoformat() if day else None,
        })
    return current


def payment_key_dates(contract: Contract) -> dict:
    """The reminder date of kind "payment": the earliest due date still unpaid (contracts.services.terms)."""
    if contract.status not in (Status.SIGNED, Status.ACTIVE) or not contract.pk:
        return {}
    day = (Installment.objects.filter(contract=contract, due_date__isnull=False).with_paid().unpaid()
           .order_by("due_date").values_list("due_date", flat=True).first())
    return {"payment": day} if day else {}


def cancel_future_installments(contract: Contract, *, on: dt.date, by=None, reason: str = "") -> list[int]:
    """After a termination effective `on`: installments not fully paid that fall due after it (or wait for an
    event) are cancelled; what fell due before stays owed."""
    with transaction.atomic():
        contract = _lock(contract)
        rows = [i for i in plan_of(contract).installments
                if i.paid < i.amount and (i.due_date is None or i.due_date > on)]
        if rows:
            note = _("Contract terminated with effect from %(date)s.") % {"date": on.isoformat()}
            Installment.objects.filter(pk__in=[i.pk for i in rows]).update(
                cancelled_at=timezone.now(), cancel_reason=f"{note} {reason}".strip()[:500])
            record(actor=by, verb="payments.installments_cancel", target=contract, data={
                "installments": [i.pk for i in rows], "on": on.isoformat(), "reason": reason,
                "outstanding": str(sum((i.amount - i.paid for i in rows), ZERO)),
            })
        sync_key_dates(contract)
    return [i.pk for i in rows]


# --- receipts --------------------------------------------------------------------------------------------------


def _oldest_first(installment: Installment):
    return (installment.due_date is None, installment.due_date or dt.date.max, installment.position, installment.pk)


def record_receipt(contract: Contract, *, by, received_on, amount, method=Receipt.Method.BANK_TRANSFER,
                   payer: str = "", reference: str = "", allocations=None) -> Receipt:
    """Money received on the contract, allocated to its installments: first as given in `allocations`
    ([(installment or id, amount)]), the rest to the oldest due first (no due date last, then plan order).
    A receipt larger than what is outstanding on the contract is refused."""
    _require(by, "payments.record_receipt", contract)
    errors: dict = {}
    day = _date(received_on, errors, "received_on", not_future=True)
    total = _amount(amount, errors, "amount")
    if method not in Receipt.Method.values:
        errors["method"] = [_("Select a valid choice; that one does not exist.")]
    payer = _text(payer, errors, "payer", max_length=200)
    reference = _text(reference, errors, "reference", max_length=100)
    with transaction.atomic():
        contract = _lock(contract)
        if contract.status not in RECEIVABLE_STATES:
            raise IllegalTransition(_("Receipts can be recorded only for a signed contract."), code="not_signed")
        plan = {i.pk: i for i in plan_of(contract).installments}
        left = {pk: i.amount - i.paid for pk, i in plan.items()}
        outstanding = sum(left.values(), ZERO)
        if total is not None and total > outstanding:
            errors["amount"] = [
                _("Only %(outstanding)s is outstanding on this contract: a receipt cannot be larger.")
                % {"outstanding": outstanding}
            ]
        given: dict = {}
        for n, pair in enumerate(allocations or []):
            try:
                target, value = pair
            except (TypeError, ValueError):
                errors[f"allocations.{n}"] = [_("Give an installment and an amount.")]
                continue
            pk = getattr(target, "pk", target)
            try:
                pk = int(pk)
            except (TypeError, ValueError):
                pk = None
            if pk not in plan:
                errors[f"allocations.{n}.installment"] = [_("This is not an open installment of this contract.")]
                continue
            share = _amount(value, errors, f"allocations.{n}.amount")
            if share is None:
                continue
            given[pk] = given.get(pk, ZERO) + share
            if given[pk] > left[pk]:
                errors[f"allocations.{n}.amount"] = [
                    _("Only %(left)s is outstanding on “%(label)s”.") % {"left": left[pk], "label": plan[pk]}
                ]
        if total is not None and sum(given.values(), ZERO) > total:
            errors["allocations"] = [_("The allocations add up to more than the receipt.")]
        if errors:
            raise InvalidInput(_("The receipt was not recorded: please correct the errors."), errors=errors,
                               code="exceeds_outstanding" if "amount" in errors and total else "invalid")
        shares = dict(given)
        rest = total - sum(given.values(), ZERO)
        for installment in sorted(plan.values(), key=_oldest_first):
            if rest <= 0:
                break
            room = left[installment.pk] - shares.get(installment.pk, ZERO)
            if room > 0:
                take = min(room, rest)
                shares[installment.pk] = shares.get(installment.pk, ZERO) + take
                rest -= take
        receipt = Receipt.objects.create(contract=contract, received_on=day, amount=total, method=method,
                                         payer=payer, reference=reference, created_by=by)
        Allocation.objects.bulk_create(
            [Allocation(receipt=receipt, installment_id=pk, amount=value) for pk, value in shares.items() if value > 0]
        )
        sync_key_dates(contract)
        record(actor=by, verb="payments.receipt_record", target=contract, data={
            "receipt": receipt.pk, "received_on": day.isoformat(), "amount": str(total), "method": method,
            "payer": payer, "reference": reference,
            "allocations": {str(pk): str(value) for pk, value in shares.items() if value > 0},
        })
    return receipt


def reverse_receipt(receipt: Receipt, *, by, reason: str) -> Receipt:
    """红冲: the receipt stays on record, marked reversed, and its allocations stop counting."""
    _require(by, "payments.reverse_receipt", receipt.contract)
    errors: dict = {}
    reason = _text(reason, errors, "reason", max_length=500)
    if not reason and not errors:
        errors["reason"] = [_("Give the reason for the reversal.")]
    if errors:
        raise InvalidInput(errors=errors)
    with transaction.atomic():
        contract = _lock(receipt.contract)
        current = Receipt.objects.select_for_update().get(pk=receipt.pk, contract=contract)
        if current.reversed_at:
            raise IllegalTransition(_("This receipt has already been reversed."), code="already_reversed")
        current.reversed_at, current.reversed_by, current.reversal_reason = timezone.now(), by, reason
        current.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
        sync_key_dates(contract)
        record(actor=by, verb="payments.receipt_reverse", target=contract, data={
            "receipt": current.pk, "amount": str(current.amount), "reason": reason,
        })
    return current


# --- invoices --------------------------------------------------------------------------------------------------


def record_invoice(contract: Contract, *, by, number, kind, amount, tax_amount, issued_on) -> Invoice:
    """An invoice issued to the customer (开票). Its number is unique per invoice type; together the contract's
    invoices cannot exceed the contract amount."""
    _require(by, "payments.record_invoice", contract)
    errors: dict = {}
    number = _text(number, errors, "number", max_length=30)
    if "number" not in errors and not INVOICE_NUMBER.match(number):
        errors["number"] = [_("An invoice number has 8 or 20 digits.")]
    if kind not in Invoice.Kind.values:
        errors["kind"] = [_("Select a valid choice; that one does not exist.")]
    total = _amount(amount, errors, "amount")
    try:
        tax = parse_amount(tax_amount if not _blank(tax_amount) else "0")
    except ValidationError as exc:
        errors["tax_amount"], tax = exc.messages, None
    if total is not None and tax is not None and tax >= total:
        errors["tax_amount"] = [_("The tax must be less than the amount including tax.")]
    day = _date(issued_on, errors, "issued_on", not_future=True)
    with transaction.atomic():
        contract = _lock(contract)
        if contract.status not in RECEIVABLE_STATES:
            raise IllegalTransition(_("Invoices can be recorded only for a signed contract."), code="not_signed")
        if "number" not in errors and Invoice.objects.filter(kind=kind, number=number).exists():
            errors["number"] = [_("Invoice number %(number)s of this type is already recorded.") % {"number": number}]
        invoiced = Invoice.objects.filter(contract=contract).aggregate(s=Sum("amount"))["s"] or ZERO
        if total is not None and invoiced + total > contract.amount:
            errors["amount"] = [
                _("Only %(left)s of the contract amount is not invoiced yet.") % {"left": contract.amount - invoiced}
            ]
        if errors:
            raise InvalidInput(_("The invoice was not recorded: please correct the errors."), errors=errors)
        try:
            with transaction.atomic():
                invoice = Invoice.objects.create(contract=contract, number=number, kind=kind, amount=total,
                                                 tax_amount=tax, issued_on=day, created_by=by)
        except IntegrityError:  # recorded by someone else a moment ago
            raise InvalidInput(errors={"number": [
                _("Invoice number %(number)s of this type is already recorded.") % {"number": number}]}) from None
        record(actor=by, verb="payments.invoice_record", target=contract, data={
            "invoice": invoice.pk, "number": number, "kind": kind, "amount": str(total), "tax_amount": str(tax),
            "issued_on": day.isoformat(),
        })
    return invoice
