"""The parties of a draft contract and their signatories."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hetong.audit.services import changes, record
from hetong.core.errors import (
    Conflict,
    Frozen,
    InvalidInput,
    errors_from_validation,
    refuse_unknown_fields,
)
from hetong.core.text import clean_text

from ..models import (
    Contract,
    ContractParty,
    Signatory,
)
from .terms import _field_error, require

log = logging.getLogger(__name__)

# Fields a client may set; anything else in the input is refused, not silently ignored.
# --- parties and signatories -----------------------------------------------------------------------------

# Parties are part of the terms: they change only while the contract is a draft. They carry no version of
# their own; each change locks the contract row, so two people editing the parties are taken in turn.
PARTY_FIELDS = ("role", "name", "credit_code", "address", "customer")
SIGNATORY_FIELDS = ("name", "title", "contact", "user")
LINK_FIELDS = ("customer", "contact", "user")
MAX_ID = 2**63 - 1


def _party_input(data: dict, allowed: tuple) -> dict:
    """Refuse fields that cannot be set; strip text and refuse what no column should hold."""
    refuse_unknown_fields(data, allowed)
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
