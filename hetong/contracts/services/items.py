"""The price catalogue, and a contract's line items, whose totals drive its amount.

Prices include tax (含税). A line's total is quantity x unit price x (1 - discount %), rounded half up to the
cent; the contract's amount is the sum of its lines' totals while it is a draft with at least one line. An
amount typed in by hand later is kept, and items_summary() says how far it is from the lines.
"""

import decimal
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import rules
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hetong.audit.services import changes, record
from hetong.core import amounts
from hetong.core.errors import (
    Conflict,
    Frozen,
    InvalidInput,
    StaleVersion,
    errors_from_validation,
    refuse_unknown_fields,
)
from hetong.core.money import MAX_AMOUNT, parse_amount, validate_currency
from hetong.core.text import clean_text
from hetong.core.versioning import save_versioned
from hetong.documents.variables import line_totals

from ..models import Contract, LineItem, Product
from .parties import _row_id
from .terms import require

PRODUCT_FIELDS = ("code", "name", "specification", "unit", "list_price", "currency", "tax_rate", "is_active")
# What a line copies from its product when the input does not say otherwise.
COPIED_FIELDS = ("name", "specification", "unit", "tax_rate")
LINE_FIELDS = ("product", "name", "specification", "unit", "quantity", "unit_price", "discount", "tax_rate")
LINE_UPDATE_FIELDS = tuple(f for f in LINE_FIELDS if f != "product")
LINE_FACTS = ("name", "specification", "unit", "quantity", "unit_price", "discount", "tax_rate", "total")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# quantity is DECIMAL(14, 3): below 10^11.
MAX_QUANTITY = Decimal("99999999999.999")
# A contract holds at most this many lines (position is a small integer, and a page shows them all).
MAX_LINES = 500


# --- reading the input -----------------------------------------------------------------------------------


def _number(value) -> Decimal:
    """A finite Decimal from a string, int or Decimal (a float through its repr, never its binary value)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


def parse_quantity(value) -> Decimal:
    try:
        number = _number(value)
    except ValueError:
        raise ValidationError(_("Enter a quantity such as 12 or 2.5.")) from None
    if number <= 0:
        raise ValidationError(_("The quantity must be more than zero."))
    if number > MAX_QUANTITY:
        raise ValidationError(_("The quantity is too large."))
    if number != number.quantize(Decimal("0.001")):
        raise ValidationError(_("Use at most three decimal places."))
    return number.quantize(Decimal("0.001"))


def parse_discount(value) -> Decimal:
    if value in (None, ""):
        return Decimal("0.00")
    try:
        number = _number(value)
    except ValueError:
        raise ValidationError(_("Enter a discount in per cent, from 0 to 100.")) from None
    if not 0 <= number <= HUNDRED:
        raise ValidationError(_("Enter a discount in per cent, from 0 to 100."))
    if number != number.quantize(CENT):
        raise ValidationError(_("Use at most two decimal places."))
    return number.quantize(CENT)


def parse_tax_rate(value) -> Decimal:
    try:
        number = _number(value)
    except ValueError:
        raise ValidationError(_("Enter a tax rate in per cent, such as 6, 9 or 13.")) from None
    if not 0 <= number < HUNDRED:
        raise ValidationError(_("The tax rate must be at least 0 and below 100 per cent."))
    if number != number.quantize(CENT):
        raise ValidationError(_("Use at most two decimal places."))
    return number.quantize(CENT)


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else None
    if text in {"1", "true", "on", "yes"}:
        return True
    if text in {"0", "false", "off", "no", ""}:
        return False
    raise ValidationError(_("Enter true or false."))


PARSERS = {
    "list_price": parse_amount,
    "unit_price": parse_amount,
    "quantity": parse_quantity,
    "discount": parse_discount,
    "tax_rate": parse_tax_rate,
}


def _clean_input(data: dict, allowed: tuple) -> dict:
    """The input as Python values, or InvalidInput naming every field that could not be read."""
    refuse_unknown_fields(data, allowed)
    cleaned, errors = {}, {}
    for name, value in data.items():
        try:
            if name == "product":
                cleaned[name] = None if value in (None, "") else getattr(value, "pk", value)
            elif name == "is_active":
                cleaned[name] = _boolean(value)
            elif name in PARSERS:
                if value in (None, "") and name in {"unit_price", "tax_rate"}:
                    continue  # taken from the product, or reported as required below
                cleaned[name] = PARSERS[name](value)
            else:
                cleaned[name] = clean_text("" if value is None else str(value))
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise InvalidInput(errors=errors)
    return cleaned


def line_total(quantity: Decimal, unit_price: Decimal, discount: Decimal) -> Decimal:
    """quantity x unit price x (1 - discount %), rounded half up to the cent."""
    # Enough digits for the largest quantity times the largest price, so nothing rounds before the cent.
    with decimal.localcontext(prec=60):
        return (quantity * unit_price * (HUNDRED - discount) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


# --- the catalogue ---------------------------------------------------------------------------------------


def products_for(user):
    """The products a user may pick or look up: everyone signed in sees the active ones, the people who keep
    the catalogue see all."""
    qs = Product.objects.all()
    if not rules.has_perm("contracts.manage_products", user):
        qs = qs.filter(is_active=True)
    return qs


def _product_facts(product: Product) -> dict:
    return {name: getattr(product, name) for name in PRODUCT_FIELDS}


def _validate_product(product: Product) -> None:
    errors = {}
    if product.list_price is None:
        errors["list_price"] = [_("This field is required.")]
    try:
        product.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = {**errors_from_validation(exc), **errors}
    if (
        product.code
        and "code" not in errors
        and Product.objects.filter(code__iexact=product.code).exclude(pk=product.pk).exists()
    ):
        errors["code"] = [_("Another product already has the code %(code)s.") % {"code": product.code}]
    if errors:
        raise InvalidInput(errors=errors)


def save_product(*, by, data: dict, product: Product | None = None, version: int | None = None) -> Product:
    """Create a catalogue entry, or (with `product` and the `version` the caller read) change one; only the
    fields given change. Deactivate with is_active false: the lines that use it keep it."""
    require(by, "contracts.manage_products")
    data = _clean_input(dict(data), PRODUCT_FIELDS)
    if "currency" in data:
        try:
            validate_currency(data["currency"])
        except ValidationError as exc:
            raise InvalidInput(errors={"currency": exc.messages}) from None
    with transaction.atomic():
        if product is None:
            current = Product(**data)
            before = None
        else:
            if version is None:
                raise InvalidInput(
                    _("The record version is missing; reload and try again."), code="version_required"
                )
            current = Product.objects.select_for_update().get(pk=product.pk)
            if current.version != int(version):
                raise StaleVersion()
            before = _product_facts(current)
            for name, value in data.items():
                setattr(current, name, value)
        _validate_product(current)
        try:
            with transaction.atomic():
                if before is None:
                    current.save(force_insert=True)
                else:
                    save_versioned(current, {name: getattr(current, name) for name in PRODUCT_FIELDS})
        except IntegrityError:  # a concurrent save took the code after our check
            raise InvalidInput(
                errors={
                    "code": [_("Another product already has the code %(code)s.") % {"code": current.code}]
                }
            ) from None
        if before is None:
            record(
                actor=by,
                verb="product.saved",
                target=current,
                data={"created": True, "after": _product_facts(current)},
            )
        else:
            diff = changes(before, _product_facts(current))
            record(
                actor=by,
                verb="product.saved",
                target=current,
                data={"created": False, "changes": diff, "version": current.version + 1},
            )
    current.refresh_from_db()
    return current


# --- line items ------------------------------------------------------------------------------------------


def _line_facts(item: LineItem) -> dict:
    return {"item": item.pk, "product": item.product_id, **{name: getattr(item, name) for name in LINE_FACTS}}


def _fill_line(item: LineItem, data: dict, *, contract: Contract, product: Product | None) -> None:
    """Set the input on the line, take what is missing from its product, check it and work out its total."""
    for name in LINE_UPDATE_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    if product is not None:
        for name in COPIED_FIELDS:
            if name not in data or data[name] in ("", None):
                setattr(item, name, getattr(product, name))
        if "unit_price" not in data:
            if product.currency != contract.currency:
                message = _(
                    "%(product)s is priced in %(currency)s but the contract is in %(contract_currency)s: "
                    "enter the unit price."
                )
                facts = {
                    "product": product.name,
                    "currency": product.currency,
                    "contract_currency": contract.currency,
                }
                raise InvalidInput(errors={"unit_price": [message % facts]})
            item.unit_price = product.list_price
    errors = {}
    if not item.name:
        errors["name"] = [_("Enter a name or choose a product.")]
    if item.unit_price is None:
        errors["unit_price"] = [_("Enter the unit price of a line without a product.")]
    if item.quantity is None:
        errors["quantity"] = [_("This field is required.")]
    if item.tax_rate is None:
        item.tax_rate = Decimal("13.00")
    if errors:
        raise InvalidInput(errors=errors)
    item.discount = item.discount if item.discount is not None else Decimal("0.00")
    item.total = line_total(item.quantity, item.unit_price, item.discount)
    if item.total > MAX_AMOUNT:
        raise InvalidInput(errors={"quantity": [_("The line total is too large.")]})
    try:
        item.full_clean(exclude=["contract", "product", "position"], validate_constraints=False)
    except ValidationError as exc:
        raise InvalidInput(errors=errors_from_validation(exc)) from None


def _products_for_lines(values, *, by) -> dict:
    """The products the lines name, by the id as given, read in one query; a product the actor cannot pick
    is an error on the line that names it."""
    ids = {value: _row_id(value) for value in values}
    found = {p.pk: p for p in products_for(by).filter(pk__in=[pk for pk in ids.values() if pk])}
    return {value: found.get(pk) for value, pk in ids.items()}


def _check_product(product: Product | None) -> None:
    if product is None:
        raise InvalidInput(errors={"product": [_("Select a valid choice; that one does not exist.")]})
    if not product.is_active:
        message = _("%(name)s is no longer offered; choose another product.") % {"name": product.name}
        raise InvalidInput(errors={"product": [message]})


def _line_of(contract: Contract, pk) -> LineItem:
    item = LineItem.objects.filter(contract=contract, pk=pk).first()
    if item is None:  # removed by someone else since the caller read it
        raise Conflict(_("This line is no longer on the contract. Reload the page."), code="line_item_gone")
    return item


def _drive_amount(contract: Contract) -> dict | None:
    """Make the draft's amount the sum of its lines (if it has any), bumping its version. Returns the change
    of amount for the audit event, if any. The amount is not in the search text, so no re-index."""
    # Summed here, not with SUM(): SQLite would add the cents as doubles.
    totals = list(LineItem.objects.filter(contract=contract).values_list("total", flat=True))
    if not totals:
        return None
    total = sum(totals, Decimal(0))
    if total > MAX_AMOUNT:
        raise InvalidInput(
            _("The lines add up to more than a contract amount can hold."), code="amount_too_large"
        )
    if not Contract.objects.filter(pk=contract.pk, version=contract.version).update(
        amount=total, version=F("version") + 1, updated_at=timezone.now()
    ):
        raise StaleVersion()
    before, contract.amount = contract.amount, total
    contract.version += 1
    return {"amount": [str(before), str(total)]} if before != total else {}


def add_line_item(contract: Contract, *, by, data: dict) -> LineItem:
    """Add a line to a draft: from a `product` of the catalogue (its name, specification, unit, list price
    and tax rate fill what is not given) or a free line with its own name and unit price."""
    return add_line_items(contract, by=by, lines=[data])[0]


def _on_line(exc: InvalidInput, index: int, count: int) -> InvalidInput:
    """A field error of one of several lines names the line: lines.2.quantity."""
    if count == 1:
        return exc
    return InvalidInput(
        exc.message, code=exc.code, errors={f"lines.{index}.{k}": v for k, v in exc.errors.items()}
    )


def add_line_items(contract: Contract, *, by, lines: list[dict]) -> list[LineItem]:
    """Add several lines to a draft at once (a price schedule, the demo data) in one locked write: all or
    none. Each line is recorded as if added alone; the change of amount goes with the last one."""
    if not lines:
        return []
    cleaned = []
    for index, data in enumerate(lines):
        try:
            cleaned.append(_clean_input(dict(data), LINE_FIELDS))
        except InvalidInput as exc:
            raise _on_line(exc, index, len(lines)) from None
    with transaction.atomic():
        current = _draft_for_items(contract, by=by)
        products = _products_for_lines({d["product"] for d in cleaned if d.get("product") is not None}, by=by)
        existing = current.line_items.aggregate(last=Max("position"), count=Count("id"))
        first = 0 if existing["last"] is None else existing["last"] + 1
        if existing["count"] + len(cleaned) > MAX_LINES or first + len(cleaned) > 2**15 - 1:
            raise InvalidInput(
                _("A contract can have at most %(count)s lines.") % {"count": MAX_LINES},
                code="too_many_lines",
            )
        items = []
        for index, data in enumerate(cleaned):
            product = None
            try:
                if data.get("product") is not None:
                    product = products[data["product"]]
                    _check_product(product)
                item = LineItem(
                    contract=current, product=product, position=first + index, discount=Decimal("0.00")
                )
                item.tax_rate = item.unit_price = item.quantity = None
                _fill_line(item, data, contract=current, product=product)
            except InvalidInput as exc:
                raise _on_line(exc, index, len(cleaned)) from None
            items.append(item)
        LineItem.objects.bulk_create(items)
        amount = _drive_amount(current)
        for index, item in enumerate(items):
            last = index == len(items) - 1
            record(
                actor=by,
                verb="contract.line_item_added",
                target=current,
                data={**_line_facts(item), **((amount or {}) if last else {}), "version": current.version},
            )
    return items


def update_line_item(item: LineItem, *, by, data: dict) -> LineItem:
    """Change a line of a draft; only the fields given change. Its product stays (to use another one, remove
    the line and add a new one)."""
    data = _clean_input(dict(data), LINE_UPDATE_FIELDS)
    with transaction.atomic():
        current = _draft_for_items(item.contract, by=by)
        row = _line_of(current, item.pk)
        before = _line_facts(row)
        _fill_line(row, data, contract=current, product=None)
        diff = changes(before, _line_facts(row))
        if diff:
            row.save(update_fields=[*LINE_UPDATE_FIELDS, "total"])
            amount = _drive_amount(current)
            record(
                actor=by,
                verb="contract.line_item_updated",
                target=current,
                data={
                    "item": row.pk,
                    "name": row.name,
                    "changes": diff,
                    **(amount or {}),
                    "version": current.version,
                },
            )
    return row


def remove_line_item(item: LineItem, *, by) -> None:
    """Take a line off a draft. The amount keeps following the lines that remain; after the last one it
    stays as it was."""
    with transaction.atomic():
        current = _draft_for_items(item.contract, by=by)
        row = _line_of(current, item.pk)
        facts = _line_facts(row)
        row.delete()
        amount = _drive_amount(current)
        record(
            actor=by,
            verb="contract.line_item_removed",
            target=current,
            data={**facts, **(amount or {}), "version": current.version},
        )


def _draft_for_items(contract: Contract, *, by) -> Contract:
    """The contract row, locked and read again: line items are terms, so they change only on a draft the actor
    may edit. Two people changing the lines are taken in turn."""
    current = Contract.objects.select_for_update().get(pk=contract.pk)
    require(by, "contracts.change_contract", current)
    if not current.is_editable:
        raise Frozen(
            _(
                "Contract %(number)s is %(status)s: its line items can no longer change. Record an amendment instead."
            )
            % {"number": current.number, "status": current.get_status_display()}
        )
    return current


# --- reading the totals ----------------------------------------------------------------------------------


def items_summary(contract: Contract, items=None) -> dict:
    """The totals of the contract's lines (list, discount, tax, net, total, in words too), and whether the
    contract's amount is their total. `items`: the lines if already read. With no lines there is nothing to
    disagree with: matches_amount is true and the difference zero."""
    items = list(contract.line_items.all() if items is None else items)
    totals = line_totals(items)
    difference = contract.amount - totals["total"] if items else Decimal("0.00")
    words = (
        amounts.capital(totals["total"])
        if contract.currency == "CNY"
        else amounts.english(totals["total"], contract.currency)
    )
    return {
        **{k: v.quantize(CENT) for k, v in totals.items()},
        "count": len(items),
        "words": words,
        "matches_amount": difference == 0,
        "difference": difference.quantize(CENT),
    }
