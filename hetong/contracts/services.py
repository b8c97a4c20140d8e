"""Every change to a contract, one function per business action.

Views, the API, jobs and commands call these; nothing else writes a contract's status. Each function locks
or version-checks the row inside a transaction, re-checks the rule, writes, and records one audit event in
the same transaction.
"""

import datetime as dt
import logging
import uuid
from decimal import Decimal

import rules
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hetong.audit.services import changes, record
from hetong.core.dates import company_today, parse_date, shift
from hetong.core.errors import (
    Conflict,
    DomainError,
    Frozen,
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
    StaleVersion,
    errors_from_validation,
)
from hetong.core.files import extension, inspect_upload
from hetong.core.models import Tag
from hetong.core.money import parse_amount
from hetong.core.text import clean_text
from hetong.search.backend import index_text

from .models import (
    TRANSITIONS,
    Contract,
    ContractFile,
    ContractParty,
    ContractType,
    ExtraField,
    FileVersion,
    NumberSequence,
    Signatory,
    Status,
)

log = logging.getLogger(__name__)

# Fields a client may set; anything else in the input is refused, not silently ignored.
TERM_FIELDS = (
    "title", "contract_type", "entity", "amount", "currency", "signed_date", "effective_date",
    "end_date", "auto_renew", "renewal_term", "renewal_unit", "notice_period", "notice_unit", "description", "extra",
)
REASSIGN_FIELDS = ("owner", "department", "customer")
FREE_FIELDS = ("tags",)
CREATE_ONLY_FIELDS = ("number", "customer")
AUDITED_FIELDS = TERM_FIELDS + REASSIGN_FIELDS + ("number",)


def require(user, perm: str, obj=None) -> None:
    if not rules.has_perm(perm, user, obj):
        raise PermissionDenied()


# --- key dates, numbers, search --------------------------------------------------------------------------


def notice_deadline_for(contract: Contract) -> dt.date | None:
    """The last day to give notice: the notice period counted back from the end date. Months are calendar
    months (never rounded to 30 days). Moving it to a business day and rolling it forward after a tacit
    renewal is the deadline engine's job."""
    if not contract.end_date or not contract.notice_period:
        return None
    return shift(contract.end_date, -contract.notice_period, contract.notice_unit)


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
    if name in {"signed_date", "effective_date", "end_date"}:
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
    unknown = set(data) - set(allowed)
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="forbidden_field",
            errors={f: [_("This field cannot be changed here.")] for f in unknown},
        )
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

    from .models import LegalEntity

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


def _set_tags(contract: Contract, names) -> list[str]:
    if isinstance(names, str):
        names = names.replace("，", ",").split(",")
    names = sorted({str(n).strip()[:40] for n in (names or []) if str(n).strip()})
    tags = []
    for name in names:
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    contract.tags.set(tags)
    return names


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
        contract.notice_deadline = notice_deadline_for(contract)
        _validate(contract, by=by, errors=input_errors)
        contract.search_tokens = index_contract(contract)
        try:
            with transaction.atomic():
                contract.save(force_insert=True)
        except IntegrityError:  # a concurrent creation took the same number after our check
            raise _field_error("number", _("Contract number %(number)s is already in use.") % {"number": contract.number}) from None
        tag_names = _set_tags(contract, tags)
        for position, party in enumerate(parties if parties is not None else _default_parties(contract)):
            _add_party(contract, party, position)
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
        current.notice_deadline = notice_deadline_for(current)
        _validate(current, by=by, errors=input_errors)
        current.search_tokens = index_contract(current)
        fields = {name: getattr(current, name) for name in (
            "title", "contract_type", "customer", "entity", "owner", "department", "amount", "currency", "signed_date",
            "effective_date", "end_date", "auto_renew", "renewal_term", "renewal_unit", "notice_period", "notice_unit",
            "notice_deadline", "description", "extra", "search_tokens")}
        # The conditional UPDATE is the real guard: select_for_update is a no-op on SQLite.
        if not Contract.objects.filter(pk=current.pk, version=current.version).update(
            **fields, version=F("version") + 1, updated_at=timezone.now()
        ):
            raise StaleVersion()
        diff = changes(before, _snapshot(current))
        if tags is not None:
            old_tags = sorted(current.tags.values_list("name", flat=True))
            new_tags = _set_tags(current, tags)
            if old_tags != new_tags:
                diff["tags"] = [old_tags, new_tags]
        record(actor=by, verb="contract.update", target=current, data={"changes": diff, "version": current.version + 1})
    current.refresh_from_db()
    return current


# --- parties and signatories -----------------------------------------------------------------------------

# Parties are part of the terms: they change only while the contract is a draft. They carry no version of
# their own; each change locks the contract row, so two people editing the parties are taken in turn.
PARTY_FIELDS = ("role", "name", "credit_code", "address", "customer")
SIGNATORY_FIELDS = ("name", "title", "contact", "user")
LINK_FIELDS = ("customer", "contact", "user")
MAX_ID = 2**63 - 1


def _party_input(data: dict, allowed: tuple) -> dict:
    """Refuse fields that cannot be set; strip text and refuse what no column should hold."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="forbidden_field",
            errors={f: [_("This field cannot be changed here.")] for f in unknown},
        )
    cleaned, errors = {}, {}
    for name, value in data.items():
        if name in LINK_FIELDS:
            cleaned[name] = None if value in (None, "") else getattr(value, "pk", value)
            continue
        value = "" if value is None else value
        if isinstance(value, str):
            try:
                value = clean_text(value)
            except ValidationError as exc:
                errors[name] = exc.messages
                continue
        cleaned[name] = value.upper() if name == "credit_code" and isinstance(value, str) else value
    if errors:
        raise InvalidInput(errors=errors)
    return cleaned


def _row_id(value) -> int | None:
    """An id from the input, or None for anything that cannot be one (so it is reported, not a 500)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID and str(number) == str(value).strip() else None


def _draft_for_parties(contract: Contract, *, by) -> Contract:
    """The contract row, locked and read again: parties change only on a draft the actor may edit."""
    current = Contract.objects.select_for_update().get(pk=contract.pk)
    require(by, "contracts.change_contract", current)
    if not current.is_editable:
        raise Frozen(
            _("Contract %(number)s is %(status)s: its parties can no longer change. Record an amendment instead.")
            % {"number": current.number, "status": current.get_status_display()}
        )
    return current


def _party_of(contract: Contract, pk) -> ContractParty:
    party = ContractParty.objects.select_for_update().filter(contract=contract, pk=pk).first()
    if party is None:  # removed by someone else since the caller read it
        raise Conflict(_("This party is no longer on the contract. Reload the page."), code="party_gone")
    return party


def _party_facts(party: ContractParty) -> dict:
    return {"name": party.name, "role": party.role, "credit_code": party.credit_code, "address": party.address}


def _keep_one(contract: Contract, role: str, *, leaving: ContractParty) -> None:
    """A contract always keeps a party on our side and a customer party (what `leaving` would take away)."""
    messages = {
        ContractParty.Role.OURS: _("A contract needs at least one party on our side, and %(name)s is the only one."),
        ContractParty.Role.CUSTOMER: _("A contract needs at least one customer party, and %(name)s is the only one."),
    }
    if role in messages and not contract.parties.filter(role=role).exclude(pk=leaving.pk).exists():
        raise InvalidInput(messages[role] % {"name": leaving.name}, code="last_party")


def _fill_party(party: ContractParty, data: dict, *, by):
    """Set the input on the party and check it; returns the customer it was linked to, if any."""
    from hetong.customers.models import Customer

    for name in ("role", "name", "credit_code", "address"):
        if name in data:
            setattr(party, name, data[name])
    linked = None
    if data.get("customer") is not None:
        if party.role != ContractParty.Role.CUSTOMER:
            raise _field_error("customer", _("Only a customer party can be linked to a customer."))
        pk = _row_id(data["customer"])
        linked = Customer.objects.visible_to(by).filter(pk=pk).first() if pk else None
        if linked is None:
            raise _field_error("customer", _("Select a valid choice; that one does not exist."))
        # The party records the customer's registered details as they are now; what was typed in wins.
        party.name = data.get("name") or linked.name
        party.credit_code = data.get("credit_code") or linked.credit_code
        party.address = data.get("address") or linked.address
    try:
        party.full_clean(exclude=["contract", "position"])
    except ValidationError as exc:
        raise InvalidInput(errors=errors_from_validation(exc)) from None
    return linked


def add_party(contract: Contract, *, by, data: dict) -> ContractParty:
    """Add a party to a draft: a third party, a guarantor, or another entity on our or the customer's side.

    `data`: role, name, credit_code (optional, checked), address; a customer party may name a `customer` the
    actor can see, whose registered name, credit code and address fill what was not given.
    """
    data = _party_input(data, PARTY_FIELDS)
    with transaction.atomic():
        current = _draft_for_parties(contract, by=by)
        last = current.parties.order_by("-position").values_list("position", flat=True).first()
        party = ContractParty(contract=current, position=0 if last is None else last + 1)
        linked = _fill_party(party, data, by=by)
        party.save(force_insert=True)
        record(actor=by, verb="contract.party_add", target=current,
               data={"party": party.pk, **_party_facts(party), "customer": getattr(linked, "pk", None)})
    return party


def update_party(party: ContractParty, *, by, data: dict) -> ContractParty:
    """Change a party of a draft; only the fields given change."""
    data = _party_input(data, PARTY_FIELDS)
    with transaction.atomic():
        current = _draft_for_parties(party.contract, by=by)
        row = _party_of(current, party.pk)
        before = _party_facts(row)
        linked = _fill_party(row, data, by=by)
        if row.role != before["role"]:
            _keep_one(current, before["role"], leaving=row)
        diff = changes(before, _party_facts(row))
        if diff:
            row.save(update_fields=["role", "name", "credit_code", "address"])
            record(actor=by, verb="contract.party_update", target=current,
                   data={"party": row.pk, "name": row.name, "role": row.role, "changes": diff,
                         "customer": getattr(linked, "pk", None)})
    return row


def remove_party(party: ContractParty, *, by) -> None:
    """Take a party, with its signatories, off a draft. The last party on our side and the last customer
    party stay."""
    with transaction.atomic():
        current = _draft_for_parties(party.contract, by=by)
        row = _party_of(current, party.pk)
        _keep_one(current, row.role, leaving=row)
        signatories = list(row.signatories.values_list("name", flat=True))
        facts = {"party": row.pk, **_party_facts(row), "signatories": signatories}
        row.delete()
        record(actor=by, verb="contract.party_remove", target=current, data=facts)


def _signatory_link(signatory: Signatory, party: ContractParty, contract: Contract, data: dict) -> None:
    """Who the signatory is in our records: a contact of the contract's customer (for a customer party) or
    one of our users (for a party on our side). Their name and job title fill what was not given."""
    from hetong.accounts.models import User
    from hetong.customers.models import Contact

    contact, user = data.get("contact"), data.get("user")
    if contact is not None and user is not None:
        raise _field_error("contact", _("Choose a contact or a user, not both."))
    if contact is not None:
        if party.role != ContractParty.Role.CUSTOMER:
            raise _field_error("contact", _("Only a customer party's signatory can be one of the customer's contacts."))
        pk = _row_id(contact)
        found = Contact.objects.filter(customer_id=contract.customer_id, pk=pk).first() if pk else None
        if found is None:
            raise _field_error("contact", _("Choose one of the contacts of the contract's customer."))
        if party.signatories.filter(contact=found).exists():
            raise _field_error("contact", _("%(name)s already signs for this party.") % {"name": found.name})
        signatory.contact = found
        signatory.name = signatory.name or found.name
        signatory.title = signatory.title or found.title
    if user is not None:
        if party.role != ContractParty.Role.OURS:
            raise _field_error("user", _("Only a signatory on our side can be one of our users."))
        pk = _row_id(user)
        found = User.objects.filter(is_active=True, pk=pk).first() if pk else None
        if found is None:
            raise _field_error("user", _("Select a valid choice; that one does not exist."))
        if party.signatories.filter(user=found).exists():
            raise _field_error("user", _("%(name)s already signs for this party.") % {"name": found})
        signatory.user = found
        signatory.name = signatory.name or str(found)[:60]


def add_signatory(party: ContractParty, *, by, data: dict) -> Signatory:
    """Name a person who signs for a party of a draft: name and job title, or a `contact` of the customer
    (customer parties) or a `user` (our side), whose name and job title fill what was not given."""
    data = _party_input(data, SIGNATORY_FIELDS)
    with transaction.atomic():
        current = _draft_for_parties(party.contract, by=by)
        row = _party_of(current, party.pk)
        signatory = Signatory(party=row, name=data.get("name") or "", title=data.get("title") or "")
        _signatory_link(signatory, row, current, data)
        if not signatory.name:
            raise _field_error("name", _("Enter a name or choose a contact."))
        try:
            signatory.full_clean(exclude=["party"])
        except ValidationError as exc:
            raise InvalidInput(errors=errors_from_validation(exc)) from None
        signatory.save(force_insert=True)
        record(actor=by, verb="contract.signatory_add", target=current,
               data={"signatory": signatory.pk, "name": signatory.name, "title": signatory.title,
                     "party": row.pk, "party_name": row.name, "role": row.role,
                     "contact": signatory.contact_id, "user": signatory.user_id})
    return signatory


def remove_signatory(signatory: Signatory, *, by) -> None:
    """Take a signatory off a party of a draft."""
    with transaction.atomic():
        current = _draft_for_parties(signatory.party.contract, by=by)
        row = Signatory.objects.select_related("party").filter(party__contract=current, pk=signatory.pk).first()
        if row is None:
            raise Conflict(_("This signatory is no longer on the contract. Reload the page."), code="signatory_gone")
        facts = {"signatory": row.pk, "name": row.name, "title": row.title, "party": row.party_id,
                 "party_name": row.party.name, "role": row.party.role}
        row.delete()
        record(actor=by, verb="contract.signatory_remove", target=current, data=facts)


# --- status ----------------------------------------------------------------------------------------------


def _refuse(contract: Contract, action: str, *, by, error: DomainError) -> None:
    """Record a refused action in its own committed transaction, then raise."""
    with transaction.atomic():
        record(actor=by, verb="contract.refused", target=contract,
               data={"action": action, "status": contract.status, "code": error.code})
    raise error


def _transition(contract: Contract, action: str, *, by, version: int | None = None, **fields) -> Contract:
    """The one place a contract's status changes: lock, re-check, write, audit."""
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise InvalidInput(_("Unknown action %(action)s.") % {"action": action}, code="unknown_action")
    if by is not None and not rules.has_perm(f"contracts.{action}_contract", by, contract):
        _refuse(contract, action, by=by, error=PermissionDenied())
    with transaction.atomic():
        current = Contract.objects.select_for_update().get(pk=contract.pk)
        if version is not None and current.version != int(version):
            raise StaleVersion()
        if current.status not in rule.sources:
            error = IllegalTransition(
                _("Cannot %(action)s contract %(number)s: it is %(status)s.")
                % {"action": str(rule.label).lower(), "number": current.number, "status": current.get_status_display()},
                code=f"illegal_transition.{current.status}.{action}",
            )
            transaction.set_rollback(True)
        else:
            error = None
            now = timezone.now()
            values = {"status": rule.target, "status_changed_at": now, **fields}
            if not Contract.objects.filter(pk=current.pk, version=current.version, status=current.status).update(
                **values, version=F("version") + 1, updated_at=now
            ):
                raise StaleVersion()
            record(actor=by, verb=f"contract.{action}", target=current,
                   data={"from": current.status, "to": rule.target, **{k: v for k, v in fields.items() if v not in (None, "")}})
    if error is not None:
        _refuse(current, action, by=by, error=error)
    current.refresh_from_db()
    return current


def submit_contract(contract, *, by, version=None, note: str = "") -> Contract:
    if not contract.parties.exists():
        raise InvalidInput(_("Add the parties before submitting."), code="no_parties")
    return _transition(contract, "submit", by=by, version=version, submitted_by=by, status_note=note[:500])


def withdraw_contract(contract, *, by, version=None, note: str = "") -> Contract:
    return _transition(contract, "withdraw", by=by, version=version, status_note=note[:500])


def approve_contract(contract, *, by, version=None, note: str = "") -> Contract:
    return _transition(contract, "approve", by=by, version=version, status_note=note[:500])


def reject_contract(contract, *, by, version=None, note: str = "") -> Contract:
    if not note.strip():
        raise InvalidInput(_("Give a reason for the rejection."), code="reason_required", errors={"note": [_("Required.")]})
    return _transition(contract, "reject", by=by, version=version, status_note=note[:500])


def send_contract_for_signing(contract, *, by, version=None, note: str = "") -> Contract:
    return _transition(contract, "send_for_signing", by=by, version=version, status_note=note[:500])


def sign_contract(contract, *, by, version=None, signed_date=None, signed_file=None, note: str = "") -> Contract:
    """Record that the contract was signed on `signed_date`, with the signed copy (uploaded now or before).
    A contract whose effective date has come is active at once; otherwise the daily job activates it."""
    contract = Contract.objects.get(pk=contract.pk)  # decide on the current row, not the caller's copy
    try:
        signed_date = parse_date(signed_date) or company_today()
    except ValueError:
        raise _field_error("signed_date", _("Enter a valid date (YYYY-MM-DD).")) from None
    if signed_date > company_today():
        raise _field_error("signed_date", _("The signed date cannot be in the future."))
    if signed_file is None and not contract.files.filter(kind=ContractFile.Kind.SIGNED).exists():
        raise InvalidInput(_("Attach the signed copy of the contract."), code="signed_file_required",
                           errors={"signed_file": [_("Required.")]})
    # Refuse before storing anything, so a refused signature leaves no file behind.
    if not rules.has_perm("contracts.sign_contract", by, contract):
        _refuse(contract, "sign", by=by, error=PermissionDenied())
    if not contract.can("sign"):
        return _transition(contract, "sign", by=by, version=version)  # refuses and audits the refusal
    stored = None
    try:
        with transaction.atomic():
            if signed_file is not None:
                stored = _store_version(contract, upload=signed_file, by=by, kind=ContractFile.Kind.SIGNED, file=None)
            contract = _transition(contract, "sign", by=by, version=version, signed_date=signed_date, status_note=note[:500])
            effective = contract.effective_date or signed_date
            if effective <= company_today():
                contract = _transition(contract, "activate", by=None, effective_date=effective)
    except BaseException:
        if stored is not None:
            default_storage.delete(stored.blob.name)
        raise
    return contract


def activate_contract(contract, *, by, version=None, note: str = "") -> Contract:
    return _transition(contract, "activate", by=by, version=version, status_note=note[:500])


def expire_contract(contract, *, by, version=None, note: str = "") -> Contract:
    return _transition(contract, "expire", by=by, version=version, status_note=note[:500])


def renew_contract(contract, *, by, version=None, note: str = "") -> Contract:
    return _transition(contract, "renew", by=by, version=version, status_note=note[:500])


def terminate_contract(contract, *, by, version=None, terminated_on=None, note: str = "") -> Contract:
    if not note.strip():
        raise InvalidInput(_("Give a reason for the termination."), code="reason_required", errors={"note": [_("Required.")]})
    try:
        terminated_on = parse_date(terminated_on) or company_today()
    except ValueError:
        raise _field_error("terminated_on", _("Enter a valid date (YYYY-MM-DD).")) from None
    return _transition(contract, "terminate", by=by, version=version, terminated_on=terminated_on, status_note=note[:500])


def cancel_contract(contract, *, by, version=None, note: str = "") -> Contract:
    return _transition(contract, "cancel", by=by, version=version, status_note=note[:500])


ACTIONS = {
    "submit": submit_contract,
    "withdraw": withdraw_contract,
    "approve": approve_contract,
    "reject": reject_contract,
    "send_for_signing": send_contract_for_signing,
    "sign": sign_contract,
    "activate": activate_contract,
    "expire": expire_contract,
    "renew": renew_contract,
    "terminate": terminate_contract,
    "cancel": cancel_contract,
}


def perform_action(contract: Contract, action: str, *, by, **params) -> Contract:
    """Dispatch a named action (from a page or the API) to its service."""
    service = ACTIONS.get(action)
    if service is None:
        raise InvalidInput(_("Unknown action %(action)s.") % {"action": action}, code="unknown_action")
    return service(contract, by=by, **params)


def allowed_actions(contract: Contract, user) -> list[str]:
    """Actions both the status and the user's role allow, for buttons."""
    return [a for a, rule in TRANSITIONS.items()
            if contract.status in rule.sources and rules.has_perm(f"contracts.{a}_contract", user, contract)]


def apply_date_transitions(*, today: dt.date | None = None) -> dict:
    """The daily job: signed contracts become active on their effective date; active ones expire after their
    end date (contracts that renew automatically are left to the renewal engine). Safe to run twice."""
    today = today or company_today()
    counts = {"activated": 0, "expired": 0}
    due = Contract.objects.filter(status=Status.SIGNED, effective_date__lte=today).values_list("pk", flat=True)
    for pk in due.iterator():
        try:
            _transition(Contract(pk=pk), "activate", by=None)
            counts["activated"] += 1
        except DomainError:  # changed by someone else meanwhile
            continue
    ended = Contract.objects.filter(status=Status.ACTIVE, end_date__lt=today, auto_renew=False).values_list("pk", flat=True)
    for pk in ended.iterator():
        try:
            _transition(Contract(pk=pk), "expire", by=None)
            counts["expired"] += 1
        except DomainError:
            continue
    return counts


# --- files -----------------------------------------------------------------------------------------------


def _store_version(contract, *, upload, by, kind, file: ContractFile | None) -> FileVersion:
    name, content_type, size, sha256 = inspect_upload(upload)
    storage_name = f"contracts/{contract.pk}/{uuid.uuid4().hex}.{extension(name)}"
    stored = default_storage.save(storage_name, upload)
    try:
        with transaction.atomic():
            if file is None:
                file = ContractFile.objects.create(contract=contract, name=name, kind=kind, created_by=by)
                number = 1
            else:
                file = ContractFile.objects.select_for_update().get(pk=file.pk)
                number = (file.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
            version = FileVersion.objects.create(
                file=file, number=number, blob=stored, original_name=name, content_type=content_type, size=size,
                sha256=sha256, uploaded_by=by,
            )
            file.save(update_fields=["updated_at"])
            record(actor=by, verb="contract.file_upload", target=contract,
                   data={"file": file.pk, "name": name, "kind": file.kind, "version": number, "size": size, "sha256": sha256})
    except BaseException:
        # Nothing in the database points at the stored bytes: remove them so no orphan is left behind.
        default_storage.delete(stored)
        raise
    return version


def upload_file(contract: Contract, *, by, upload, kind: str = ContractFile.Kind.ATTACHMENT, file: ContractFile | None = None) -> FileVersion:
    """Add a file to a contract, or a new version of one of its files.

    The contract text (draft kind) changes only while the contract is a draft; the signed copy is added
    before or while recording the signature; attachments may be added at any time before it is closed.
    """
    require(by, "contracts.upload_file", contract)
    kind = file.kind if file is not None else kind
    if kind not in ContractFile.Kind.values:
        raise _field_error("kind", _("Select a valid choice; that one does not exist."))
    allowed_states = {
        ContractFile.Kind.DRAFT: {Status.DRAFT},
        ContractFile.Kind.SIGNED: {Status.APPROVED, Status.SIGNING},
        ContractFile.Kind.ATTACHMENT: set(Status.values) - {Status.CANCELLED},
    }[kind]
    if contract.status not in allowed_states:
        raise Frozen(_("A file of this kind cannot be added while the contract is %(status)s.")
                     % {"status": contract.get_status_display()})
    return _store_version(contract, upload=upload, by=by, kind=kind, file=file)


def reindex_customer_contracts(customer) -> None:
    """A customer's name is part of its contracts' search text."""
    rows = list(Contract.objects.filter(customer=customer).select_related("customer"))
    for row in rows:
        row.search_tokens = index_contract(row)
    Contract.objects.bulk_update(rows, ["search_tokens"], batch_size=500)
