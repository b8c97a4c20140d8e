"""Changes to customers, their contacts and the interaction log."""

import rules
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hetong.audit.services import changes, record
from hetong.core.dates import company_today, parse_date
from hetong.core.errors import (
    InvalidInput,
    PermissionDenied,
    StaleVersion,
    errors_from_validation,
    refuse_unknown_fields,
)
from hetong.core.text import clean_text
from hetong.core.versioning import retag, save_versioned, set_tags
from hetong.search.backend import index_text

from .models import Contact, Customer, Interaction

CUSTOMER_FIELDS = ("name", "credit_code", "industry", "level", "region", "address", "status", "notes")
REASSIGN_FIELDS = ("owner", "department")
CONTACT_FIELDS = ("name", "title", "phone", "email", "is_signatory", "notes")


def _require(user, perm, obj=None):
    if not rules.has_perm(perm, user, obj):
        raise PermissionDenied()


def _clean(obj, *, exclude=()) -> None:
    errors = {}
    try:
        obj.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        errors = errors_from_validation(exc)
    code = getattr(obj, "credit_code", "")
    if code and "credit_code" not in errors and (
        Customer.objects.filter(credit_code=code).exclude(pk=obj.pk).exists()
    ):
        errors["credit_code"] = [_("Another customer already has this unified social credit code.")]
    if errors:
        raise InvalidInput(errors=errors)


def _resolve_people(data: dict) -> dict:
    from hetong.accounts.models import Department, User

    out = dict(data)
    try:
        if "owner" in data:
            out["owner"] = User.objects.get(pk=int(getattr(data["owner"], "pk", data["owner"])), is_active=True)
        if "department" in data:
            value = getattr(data["department"], "pk", data["department"])
            out["department"] = Department.objects.get(pk=int(value)) if value not in (None, "") else None
    except (User.DoesNotExist, Department.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(errors={"owner" if "owner" in data else "department": [
            _("Select a valid choice; that one does not exist.")]}) from None
    return out


def _normalise(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, str):
            try:
                value = clean_text(value)
            except ValidationError as exc:
                raise InvalidInput(errors={key: exc.messages}) from None
        if key == "credit_code" and isinstance(value, str):
            value = value.upper()
        if key == "is_signatory" and not isinstance(value, bool):
            value = str(value).lower() in {"1", "true", "on", "yes"}
        out[key] = value
    return out


def _snapshot(customer) -> dict:
    data = {f: getattr(customer, f) for f in CUSTOMER_FIELDS}
    data.update(owner=customer.owner_id, department=customer.department_id)
    return data


def create_customer(*, by, data: dict) -> Customer:
    _require(by, "customers.add_customer")
    data = _normalise(data)
    tags = data.pop("tags", None)
    if not rules.has_perm("customers.reassign_customer", by):
        # Others create customers for themselves, in their own department.
        if str(getattr(data.get("owner"), "pk", data.get("owner")) or by.pk) != str(by.pk) or (
            data.get("department") not in (None, "") and str(getattr(data["department"], "pk", data["department"])) != str(by.department_id)
        ):
            raise PermissionDenied(_("Only a manager or an administrator can choose the owner or department."), code="forbidden_field")
        data.pop("owner", None)
        data.pop("department", None)
    refuse_unknown_fields(data, CUSTOMER_FIELDS + REASSIGN_FIELDS)
    data = _resolve_people(data)
    customer = Customer(owner=data.pop("owner", by), department=data.pop("department", by.department), **data)
    _clean(customer, exclude=["search_tokens"])
    with transaction.atomic():
        customer.search_tokens = index_text(*customer.search_text())
        customer.save(force_insert=True)
        tag_names = set_tags(customer, tags)
        record(actor=by, verb="customer.create", target=customer, data={"after": {**_snapshot(customer), "tags": tag_names}})
    return customer


def update_customer(customer: Customer, *, by, version, data: dict) -> Customer:
    _require(by, "customers.change_customer", customer)
    if version is None:
        raise InvalidInput(_("The record version is missing; reload and try again."), code="version_required")
    data = _normalise(data)
    tags = data.pop("tags", None)
    allowed = CUSTOMER_FIELDS
    if set(REASSIGN_FIELDS) & set(data):
        if not rules.has_perm("customers.reassign_customer", by, customer):
            raise PermissionDenied(_("Only a manager or an administrator can change the owner or department."), code="forbidden_field")
        allowed += REASSIGN_FIELDS
    refuse_unknown_fields(data, allowed)
    data = _resolve_people(data)
    with transaction.atomic():
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        if current.version != int(version):
            raise StaleVersion()
        before = _snapshot(current)
        for key, value in data.items():
            setattr(current, key, value)
        _clean(current, exclude=["search_tokens"])
        current.search_tokens = index_text(*current.search_text())
        fields = {f: getattr(current, f) for f in CUSTOMER_FIELDS + REASSIGN_FIELDS + ("search_tokens",)}
        save_versioned(current, fields)
        diff = changes(before, _snapshot(current))
        retag(current, tags, diff)
        if "name" in diff:
            from hetong.contracts.services import reindex_customer_contracts

            reindex_customer_contracts(current)
        record(actor=by, verb="customer.update", target=current, data={"changes": diff, "version": current.version + 1})
    current.refresh_from_db()
    return current


def add_contact(customer: Customer, *, by, data: dict) -> Contact:
    _require(by, "customers.change_customer", customer)
    data = _normalise(data)
    refuse_unknown_fields(data, CONTACT_FIELDS)
    contact = Contact(customer=customer, **data)
    _clean(contact)
    with transaction.atomic():
        contact.save(force_insert=True)
        record(actor=by, verb="customer.contact_add", target=customer, data={"contact": contact.pk, **data})
    return contact


def update_contact(contact: Contact, *, by, version, data: dict) -> Contact:
    _require(by, "customers.change_customer", contact.customer)
    if version is None:
        raise InvalidInput(_("The record version is missing; reload and try again."), code="version_required")
    data = _normalise(data)
    refuse_unknown_fields(data, CONTACT_FIELDS)
    with transaction.atomic():
        current = Contact.objects.select_for_update().get(pk=contact.pk)
        if current.version != int(version):
            raise StaleVersion()
        before = {f: getattr(current, f) for f in CONTACT_FIELDS}
        for key, value in data.items():
            setattr(current, key, value)
        _clean(current)
        save_versioned(current, {f: getattr(current, f) for f in CONTACT_FIELDS})
        record(actor=by, verb="customer.contact_update", target=current.customer,
               data={"contact": current.pk, "changes": changes(before, {f: getattr(current, f) for f in CONTACT_FIELDS})})
    current.refresh_from_db()
    return current


def log_interaction(customer: Customer, *, by, kind: str, text: str, date=None, contact=None, contract=None) -> Interaction:
    """Add an entry to the customer's communication log. `contract`, if given, must be one of its contracts."""
    _require(by, "customers.add_interaction", customer)
    try:
        date = parse_date(date) or company_today()
    except ValueError:
        raise InvalidInput(errors={"date": [_("Enter a valid date (YYYY-MM-DD).")]}) from None
    if contract is not None and contract.customer_id != customer.pk:
        raise InvalidInput(errors={"contract": [_("That contract belongs to another customer.")]})
    if contact is not None and contact.customer_id != customer.pk:
        raise InvalidInput(errors={"contact": [_("That contact belongs to another customer.")]})
    interaction = Interaction(customer=customer, kind=kind, text=(text or "").strip(), date=date, author=by,
                              contact=contact, contract=contract)
    _clean(interaction)
    with transaction.atomic():
        interaction.save(force_insert=True)
        record(actor=by, verb="customer.interaction", target=customer,
               data={"interaction": interaction.pk, "kind": kind, "date": date, "contract": getattr(contract, "pk", None)})
    return interaction
