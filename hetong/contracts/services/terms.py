"""A contract's terms: numbers, validation, creating and editing drafts, the search text."""

import datetime as dt
import logging
from decimal import Decimal

import rules
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from hetong.audit.services import changes, record
from hetong.core.dates import company_today, parse_date
from hetong.core.errors import (
    DomainError,
    Frozen,
    InvalidInput,
    PermissionDenied,
    StaleVersion,
    errors_from_validation,
    refuse_unknown_fields,
)
from hetong.core.money import parse_amount
from hetong.core.text import clean_text
from hetong.core.versioning import retag, save_versioned, set_tags
from hetong.core.workdays import WorkCalendar, company_calendar
from hetong.search.backend import index_text

from .. import deadlines
from ..deadlines import KeyTerms, term_end
from ..models import (
    EXTRA_KEY_DATE_STATUSES,
    KEY_DATE_KINDS,
    Contract,
    ContractParty,
    ContractType,
    ExtraField,
    KeyDate,
    NumberSequence,
    Signatory,
    Status,
)

log = logging.getLogger(__name__)

# Fields a client may set; anything else in the input is refused, not silently ignored.
TERM_FIELDS = (
    "title", "contract_type", "entity", "amount", "currency", "signed_date", "effective_date",
    "end_date", "signing_deadline", "auto_renew", "renewal_term", "renewal_unit", "notice_period", "notice_unit", "description", "extra",
)
REASSIGN_FIELDS = ("owner", "department", "customer")
FREE_FIELDS = ("tags", "review_date")
CREATE_ONLY_FIELDS = ("number", "customer")
AUDITED_FIELDS = TERM_FIELDS + REASSIGN_FIELDS + ("number", "review_date")


def require(user, perm: str, obj=None) -> None:
    if not rules.has_perm(perm, user, obj):
        raise PermissionDenied()


# --- key dates, numbers, search --------------------------------------------------------------------------


def notice_deadline_for(contract, calendar: WorkCalendar | None = None) -> dt.date | None:
    """The last day to give notice before the end of the current term (see contracts.deadlines)."""
    if not contract.end_date or not contract.notice_period:
        return None
    end = term_end(KeyTerms.of(contract), getattr(contract, "renewal_count", 0))
    return deadlines.notice_deadline(end, contract.notice_period, contract.notice_unit, calendar or company_calendar())


# Other capabilities add dates of their own (a payment plan's next due installment, an obligation's next due date):
# each source is a function of the contract returning {kind: date} for the kinds it owns, already limited to the
# statuses in which they matter. Register in AppConfig.ready with add_key_date_source, and add the kind's label and
# statuses to KEY_DATE_KINDS there too, so reminder rules and calendars offer it.
_KEY_DATE_SOURCES: list = []


def add_key_date_source(source) -> None:
    if source not in _KEY_DATE_SOURCES:
        _KEY_DATE_SOURCES.append(source)


def key_dates_of(contract: Contract) -> dict[str, dt.date]:
    """The key dates that matter for the contract in its present status, by kind."""
    values = {
        "end": contract.end_date, "notice": contract.notice_deadline, "effective": contract.effective_date,
        "signing": contract.signing_deadline, "review": contract.review_date,
    }
    wanted = {kind: values[kind] for kind, (_label, statuses) in KEY_DATE_KINDS.items()
              if kind in values and contract.status in statuses and values[kind]}
    for source in _KEY_DATE_SOURCES:
        wanted.update({kind: day for kind, day in source(contract).items() if day})
    if contract.status in EXTRA_KEY_DATE_STATUSES and contract.extra and contract.contract_type_id:
        for field in contract.contract_type.date_fields():
            try:
                value = parse_date(contract.extra.get(field.key))
            except ValueError:
                value = None
            if value:
                wanted[f"x:{field.key}"] = value
    return wanted


def sync_key_dates(contract: Contract) -> None:
    """Bring the contract's KeyDate rows in step with it. Call inside the transaction of the change: the
    reminders and the calendar follow every date change, renewal, termination or cancellation at once."""
    from hetong.notifications.services import close_reminders

    wanted = key_dates_of(contract)
    have = {row.kind: row for row in KeyDate.objects.filter(contract=contract)}
    today = company_today()
    moved = {kind for kind, row in have.items() if wanted.get(kind) != row.date}
    if moved:
        # Reminders of a date that moved or no longer matters are closed; the new date gets its own.
        close_reminders(contract, kinds=moved)
    gone = [row.pk for kind, row in have.items() if kind not in wanted]
    if gone:
        KeyDate.objects.filter(pk__in=gone).delete()
    for kind, day in wanted.items():
        row = have.get(kind)
        if row is None:
            KeyDate.objects.create(contract=contract, kind=kind, date=day, due_on=today)
        elif row.date != day:
            KeyDate.objects.filter(pk=row.pk).update(date=day, due_on=today)


def next_number(contract_type: ContractType, on: dt.date | None = None) -> str:
    """The next number by settings.CONTRACT_NUMBER_FORMAT, from a counter per type and year.

    The counter is incremented with a single UPDATE inside the caller's transaction, so two creators never
    get the same number and a rolled-back creation gives its number back.
    """
    year = (on or company_today()).year
    key = f"{contract_type.code}-{year}"
    for _attempt in range(2):
        if NumberSequence.objects.filter(key=key).update(last=F("last") + 1):
            break
        try:
            with transaction.atomic():
                NumberSequence.objects.create(key=key, last=1)
            break
        except IntegrityError:  # created by a concurrent transaction a moment ago: increment that row
            continue
    seq = NumberSequence.objects.get(key=key).last
    return settings.CONTRACT_NUMBER_FORMAT.format(type=contract_type.code, year=year, seq=seq)


def index_contract(contract: Contract) -> str:
    return index_text(*contract.search_text())


# --- validation ------------------------------------------------------------------------------------------


def _field_error(field: str, message) -> InvalidInput:
    return InvalidInput(errors={field: [message]})


def _extra_fields(contract_type: ContractType) -> list[ExtraField]:
    return list(ExtraField.objects.filter(contract_type__in=[t.pk for t in contract_type.lineage()]))


def clean_extra(contract_type: ContractType, values) -> dict:
    """Validate extra field values against the definitions of the type and its ancestors."""
    if values in (None, ""):
        values = {}
    if not isinstance(values, dict):
        raise _field_error("extra", _("Extra fields must be an object of key and value."))
    definitions = {f.key: f for f in _extra_fields(contract_type)}
    unknown = set(values) - set(definitions)
    if unknown:
        raise _field_error("extra", _("Unknown extra fields: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    cleaned, errors = {}, {}
    for key, field in definitions.items():
        value = values.get(key)
        if value in (None, ""):
            if field.required:
                errors[f"extra.{key}"] = [_("%(label)s is required.") % {"label": field}]
            continue
        try:
            if field.kind == ExtraField.Kind.NUMBER:
                cleaned[key] = str(Decimal(str(value)))
                if not Decimal(cleaned[key]).is_finite():
                    raise ValueError
            elif field.kind == ExtraField.Kind.DATE:
                cleaned[key] = parse_date(value).isoformat()
            elif field.kind == ExtraField.Kind.BOOLEAN:
                if not isinstance(value, bool) and str(value).lower() not in {"true", "false", "1", "0", "on"}:
                    raise ValueError
                cleaned[key] = value if isinstance(value, bool) else str(value).lower() in {"true", "1", "on"}
            elif field.kind == ExtraField.Kind.CHOICE:
                if str(value) not in field.choice_list():
                    raise ValueError
                cleaned[key] = str(value)
            else:
                cleaned[key] = str(value)[:1000]
        except (ValueError, ArithmeticError, TypeError):
            errors[f"extra.{key}"] = [_("%(label)s: enter a valid value.") % {"label": field}]
    if errors:
        raise InvalidInput(errors=errors)
    return cleaned


def _coerce(name: str, value):
    """Turn raw input (form strings, JSON values) into the field's Python value."""
    if name == "amount":
        return parse_amount(value)
    if name in {"signed_date", "effective_date", "end_date", "signing_deadline", "review_date"}:
        try:
            return parse_date(value)
        except ValueError:
            raise ValidationError(_("Enter a valid date (YYYY-MM-DD).")) from None
    if name in {"renewal_term", "notice_period"}:
        if value in (None, ""):
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError(_("Enter a whole number.")) from None
        if not 0 < number <= 3650:
            raise ValidationError(_("Enter a number between 1 and 3650."))
        return number
    if name == "auto_renew":
        return value if isinstance(value, bool) else str(value).lower() in {"true", "1", "on", "yes"}
    if isinstance(value, str):
        return clean_text(value)
    return value


def _apply(contract: Contract, data: dict, allowed: tuple) -> dict:
    """Set the given fields on the instance; returns the field errors, for _validate to report with its own."""
    refuse_unknown_fields(data, allowed)
    errors = {}
    for name, value in data.items():
        if name in {"tags", "extra"}:
            continue
        try:
            setattr(contract, name, _coerce(name, value))
        except ValidationError as exc:
            errors[name] = exc.messages
    return errors


def _validate(contract: Contract, *, by, errors: dict | None = None) -> None:
    errors = dict(errors or {})
    if contract.effective_date and contract.end_date and contract.end_date < contract.effective_date:
        errors["end_date"] = [_("The end date cannot be before the effective date.")]
    if contract.auto_renew and not contract.renewal_term:
        errors["renewal_term"] = [_("A contract that renews automatically needs a renewal term.")]
    if contract.notice_period and deadlines.notice_longer_than_term(KeyTerms.of(contract)):
        errors["notice_period"] = [_("The notice period is longer than the contract's term.")]
    if contract.auto_renew and not contract.end_date:
        errors["end_date"] = [_("A contract that renews automatically needs an end date.")]
    if contract.signed_date and contract.signed_date > company_today():
        errors["signed_date"] = [_("The signed date cannot be in the future.")]
    if contract.contract_type_id and not contract.contract_type.is_active:
        errors["contract_type"] = [_("This contract type is no longer in use.")]
    if contract.number and Contract.objects.filter(number=contract.number).exclude(pk=contract.pk).exists():
        errors["number"] = [_("Contract number %(number)s is already in use.") % {"number": contract.number}]
    if contract.entity_id and not contract.entity.is_active:
        errors["entity"] = [_("This signing entity is no longer in use.")]
    try:
        contract.full_clean(exclude=["search_tokens", "tags"], validate_unique=True, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in errors_from_validation(exc).items():
            if field not in errors:  # a value that could not be read is reported once, as unreadable
                errors[field] = messages
    if errors:
        raise InvalidInput(errors=errors)


def _resolve(data: dict, *, by) -> dict:
    """Replace ids with rows the actor may use; an id outside the actor's reach is reported as unknown."""
    from hetong.accounts.models import Department, User
    from hetong.customers.models import Customer

    from ..models import LegalEntity

    lookups = {
        "customer": lambda: Customer.objects.visible_to(by),
        "contract_type": lambda: ContractType.objects.all(),
        "entity": lambda: LegalEntity.objects.all(),
        "owner": lambda: User.objects.filter(is_active=True),
        "department": lambda: Department.objects.all(),
    }
    resolved = dict(data)
    for name, queryset in lookups.items():
        if name not in data:
            continue
        value = data[name]
        if value in (None, ""):
            if name == "department":
                resolved[name] = None
                continue
            raise _field_error(name, _("This field is required."))
        if hasattr(value, "pk"):
            value = value.pk
        try:
            resolved[name] = queryset().get(pk=int(value))
        except (ValueError, TypeError, Exception) as exc:  # DoesNotExist, bad ids
            if isinstance(exc, DomainError):
                raise
            raise _field_error(name, _("Select a valid choice; that one does not exist.")) from None
    return resolved


def _snapshot(contract: Contract) -> dict:
    return {name: getattr(contract, f"{name}_id", None) if name in {
        "contract_type", "customer", "entity", "owner", "department"} else getattr(contract, name)
        for name in AUDITED_FIELDS}


# --- create and edit -------------------------------------------------------------------------------------


def create_contract(*, by, data: dict, parties: list[dict] | None = None) -> Contract:
    """A new draft. `number` may be given; otherwise the number rule makes one."""
    require(by, "contracts.add_contract")
    data = dict(data)
    tags = data.pop("tags", None)
    extra = data.pop("extra", None)
    if not rules.has_perm("contracts.reassign_contract", by):
        # Others create contracts for themselves, in their own department.
        if str(getattr(data.get("owner"), "pk", data.get("owner")) or by.pk) != str(by.pk) or (
            data.get("department") not in (None, "") and str(getattr(data["department"], "pk", data["department"])) != str(by.department_id)
        ):
            raise PermissionDenied(_("Only a manager or an administrator can choose the owner or department."), code="forbidden_field")
        data.pop("owner", None)
        data.pop("department", None)
    data = _resolve(data, by=by)
    contract = Contract(owner=data.pop("owner", by), department=data.pop("department", by.department), status=Status.DRAFT)
    input_errors = _apply(contract, data, TERM_FIELDS + CREATE_ONLY_FIELDS)
    if not contract.currency:
        contract.currency = settings.DEFAULT_CURRENCY
    with transaction.atomic():
        if not contract.number:
            if contract.contract_type_id:
                contract.number = next_number(contract.contract_type)
            else:
                contract.number = "-"
        if contract.contract_type_id:
            contract.extra = clean_extra(contract.contract_type, extra)
        contract.first_term_end = contract.end_date
        contract.notice_deadline = notice_deadline_for(contract)
        _validate(contract, by=by, errors=input_errors)
        contract.search_tokens = index_contract(contract)
        try:
            with transaction.atomic():
                contract.save(force_insert=True)
        except IntegrityError:  # a concurrent creation took the same number after our check
            raise _field_error("number", _("Contract number %(number)s is already in use.") % {"number": contract.number}) from None
        tag_names = set_tags(contract, tags)
        for position, party in enumerate(parties if parties is not None else _default_parties(contract)):
            _add_party(contract, party, position)
        sync_key_dates(contract)
        record(actor=by, verb="contract.create", target=contract,
               data={"after": {**{k: v for k, v in _snapshot(contract).items() if v not in (None, "", {})}, "tags": tag_names}})
    return contract


def _default_parties(contract: Contract) -> list[dict]:
    return [
        {"role": ContractParty.Role.OURS, "name": contract.entity.name, "credit_code": contract.entity.credit_code},
        {"role": ContractParty.Role.CUSTOMER, "name": contract.customer.name, "credit_code": contract.customer.credit_code},
    ]


def _add_party(contract: Contract, party: dict, position: int) -> ContractParty:
    row = ContractParty(
        contract=contract, role=party.get("role") or ContractParty.Role.THIRD, name=(party.get("name") or "").strip(),
        credit_code=(party.get("credit_code") or "").strip().upper(), address=party.get("address") or "", position=position,
    )
    try:
        row.full_clean(exclude=["contract"])
    except ValidationError as exc:
        raise InvalidInput(errors={f"parties.{position}.{k}": v for k, v in errors_from_validation(exc).items()}) from None
    row.save()
    for signatory in party.get("signatories") or []:
        Signatory.objects.create(party=row, name=str(signatory.get("name", ""))[:60], title=str(signatory.get("title", ""))[:60])
    return row


def update_contract(contract: Contract, *, by, version: int | None, data: dict) -> Contract:
    """Edit a draft's terms, or (any time) its tags and, for managers, its owner and department.

    `version` is the one the client read: a stale one is a conflict, and nothing changes.
    """
    require(by, "contracts.change_contract", contract)
    data = dict(data)
    if version is None:
        raise InvalidInput(_("The record version is missing; reload and try again."), code="version_required")
    tags = data.pop("tags", None)
    extra = data.pop("extra", None) if "extra" in data else None
    has_extra = extra is not None
    allowed = FREE_FIELDS + TERM_FIELDS
    reassigning = {k for k in REASSIGN_FIELDS if k in data}
    if reassigning:
        if not rules.has_perm("contracts.reassign_contract", by, contract):
            raise PermissionDenied(
                _("Only a manager or an administrator can change the customer, owner or department."), code="forbidden_field"
            )
        allowed += REASSIGN_FIELDS
    data = _resolve(data, by=by)
    with transaction.atomic():
        current = Contract.objects.select_for_update().select_related("contract_type", "customer").get(pk=contract.pk)
        if current.version != int(version):
            raise StaleVersion()
        if (set(data) & set(TERM_FIELDS + ("customer",)) or has_extra) and not current.is_editable:
            raise Frozen(
                _("Contract %(number)s is %(status)s: its terms can no longer change. Record an amendment instead.")
                % {"number": current.number, "status": current.get_status_display()}
            )
        before = _snapshot(current)
        input_errors = _apply(current, data, allowed + ("tags",))
        if has_extra or "contract_type" in data:
            current.extra = clean_extra(current.contract_type, extra if has_extra else current.extra)
        if current.renewal_count == 0:
            current.first_term_end = current.end_date
        current.notice_deadline = notice_deadline_for(current)
        _validate(current, by=by, errors=input_errors)
        current.search_tokens = index_contract(current)
        fields = {name: getattr(current, name) for name in (
            "title", "contract_type", "customer", "entity", "owner", "department", "amount", "currency", "signed_date",
            "effective_date", "end_date", "auto_renew", "renewal_term", "renewal_unit", "notice_period", "notice_unit",
            "signing_deadline", "review_date", "notice_deadline", "first_term_end", "description", "extra",
            "search_tokens")}
        save_versioned(current, fields)
        sync_key_dates(current)
        diff = changes(before, _snapshot(current))
        retag(current, tags, diff)
        record(actor=by, verb="contract.update", target=current, data={"changes": diff, "version": current.version + 1})
    current.refresh_from_db()
    return current


def reindex_customer_contracts(customer) -> None:
    """A customer's name is part of its contracts' search text."""
    rows = list(Contract.objects.filter(customer=customer).select_related("customer"))
    for row in rows:
        row.search_tokens = index_contract(row)
    Contract.objects.bulk_update(rows, ["search_tokens"], batch_size=500)
