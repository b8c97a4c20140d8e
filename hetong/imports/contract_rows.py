"""Writing contract rows: the lean path.

contracts.services.create_contract makes drafts one at a time (some twenty queries each: a number, validation,
the row, its parties, its key dates, an audit event) and cannot bring in an existing contract that is already
signed, active, expired or terminated. An import of existing contracts needs both, so this module applies the same
checks as contracts.services.terms (_validate, and what signing and tacit renewal imply for the status and dates)
and keeps every derived field as the services would: the number by the number rule (reserved for the whole batch),
the first term, renewals already due, the notice deadline, key dates, search tokens, the default parties. New
contracts are written with bulk inserts; a changed one through save_versioned and sync_key_dates, as
update_contract does. The job's one audit event lists what was created and changed.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import rules
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hetong.audit.services import changes
from hetong.contracts.deadlines import KeyTerms, notice_longer_than_term, renewals_due, term_end
from hetong.contracts.models import (
    KEY_DATE_KINDS,
    Contract,
    ContractParty,
    ContractType,
    KeyDate,
    LegalEntity,
    NumberSequence,
    PeriodUnit,
    Status,
)
from hetong.contracts.services import index_contract, notice_deadline_for, require
from hetong.contracts.services.terms import sync_key_dates
from hetong.core.dates import company_today
from hetong.core.errors import DomainError
from hetong.core.versioning import save_versioned
from hetong.core.workdays import company_calendar

from .models import Kind
from .writers import (
    Row,
    Run,
    chunks,
    departments_named,
    first_use,
    in_bulk,
    keyed_rows,
    known_keys,
    owner_and_department,
    remember,
    resolve_customers,
    users_named,
)

# The contract's fields a file sets, by column; `end_date` is compared as the end of the first term.
CONTRACT_COLUMNS = ("title", "customer", "contract_type", "entity", "owner", "department", "amount", "currency",
                    "signed_date", "effective_date", "end_date", "auto_renew", "renewal_term", "renewal_unit",
                    "notice_period", "notice_unit", "status", "terminated_on", "description")
REFERENCES = ("customer", "contract_type", "entity", "owner", "department")
# What an existing contract that is no longer a draft may still have changed by an import: signed means frozen.
FREE_COLUMNS = ("owner", "department")
SIGNED_STATUSES = (Status.SIGNED, Status.ACTIVE, Status.EXPIRED, Status.TERMINATED)


@dataclass
class _References:
    customers: dict
    types: dict
    entities: dict
    users: dict
    departments: dict


def _contract_references(run: Run, rows: list[Row]) -> _References:
    entities = {}
    for entity in LegalEntity.objects.all():
        entities.setdefault(entity.name, entity)
        entities[entity.credit_code] = entity
    return _References(
        customers=resolve_customers(run, {r.values.get("customer") for r in rows}),
        types={t.code.upper(): t for t in ContractType.objects.all()},
        entities=entities,
        users=users_named(r.values.get("owner") for r in rows),
        departments=departments_named(r.values.get("department") for r in rows),
    )


def _terms(run: Run, row: Row, refs: _References, current: Contract | None) -> dict | None:
    """The contract's fields as the row gives them (a missing column keeps the current value), or None."""
    values, ok = row.values, True
    terms = {name: getattr(current, f"{name}_id" if name in REFERENCES else name) for name in CONTRACT_COLUMNS} if current else {}
    if current is not None:
        terms["end_date"] = current.first_term_end or current.end_date
        terms.update({name: getattr(current, name) for name in REFERENCES})
    if "customer" in values:
        customer = refs.customers.get(values["customer"])
        if customer is None:
            run.problem(row.number, "customer", _("There is no customer with the key “%(key)s”.") % {"key": values["customer"]})
            ok = False
        terms["customer"] = customer
    if "contract_type" in values:
        terms["contract_type"] = refs.types.get(values["contract_type"])
        if terms["contract_type"] is None:
            run.problem(row.number, "contract_type", _("There is no contract type with the code “%(code)s”.")
                        % {"code": values["contract_type"]})
            ok = False
        elif not terms["contract_type"].is_active and (current is None or current.contract_type_id != terms["contract_type"].pk):
            run.problem(row.number, "contract_type", _("This contract type is no longer in use."))
            ok = False
    if "entity" in values:
        terms["entity"] = refs.entities.get(values["entity"]) or refs.entities.get(values["entity"].upper())
        if terms["entity"] is None:
            run.problem(row.number, "entity", _("There is no signing entity with the code or name “%(value)s”.")
                        % {"value": values["entity"]})
            ok = False
        elif not terms["entity"].is_active and (current is None or current.entity_id != terms["entity"].pk):
            run.problem(row.number, "entity", _("This signing entity is no longer in use."))
            ok = False
    owner, department, found = owner_and_department(run, row, refs.users, refs.departments,
                                       current_owner=getattr(current, "owner", None),
                                       current_department=getattr(current, "department", None))
    ok = ok and found
    terms.update(owner=owner, department=department)
    if not rules.has_perm("contracts.reassign_contract", run.by) and (
        owner.pk != (current.owner_id if current else run.by.pk)
        or getattr(department, "pk", None) != (current.department_id if current else run.by.department_id)
    ):
        run.problem(row.number, "owner", _("Only a manager or an administrator can choose the owner or department."))
        ok = False
    defaults = {"currency": settings.DEFAULT_CURRENCY, "auto_renew": False, "renewal_unit": PeriodUnit.YEARS,
                "notice_unit": PeriodUnit.DAYS, "status": Status.DRAFT, "description": ""}
    for name in CONTRACT_COLUMNS:
        if name in values and name not in REFERENCES:
            terms[name] = values[name] if values[name] is not None else defaults.get(name)
    for name, default in defaults.items():
        terms.setdefault(name, default)
    for name in CONTRACT_COLUMNS:
        terms.setdefault(name, None)
    return terms if ok else None


def _check_terms(run: Run, row: Row, terms: dict, today: dt.date) -> bool:
    """The rules of contracts.services.terms._validate, and what the status of an existing contract implies."""
    problems = []
    status = terms["status"]
    signed, effective, end = terms.get("signed_date"), terms.get("effective_date"), terms.get("end_date")
    if effective and end and end < effective:
        problems.append(("end_date", _("The end date cannot be before the effective date.")))
    if terms["auto_renew"] and not terms.get("renewal_term"):
        problems.append(("renewal_term", _("A contract that renews automatically needs a renewal term.")))
    if terms["auto_renew"] and not end:
        problems.append(("end_date", _("A contract that renews automatically needs an end date.")))
    if terms.get("notice_period") and notice_longer_than_term(KeyTerms(
            effective, end, terms["auto_renew"], terms.get("renewal_term"), terms["renewal_unit"],
            terms.get("notice_period"), terms["notice_unit"])):
        problems.append(("notice_period", _("The notice period is longer than the contract's term.")))
    if signed and signed > today:
        problems.append(("signed_date", _("The signed date cannot be in the future.")))
    if status in SIGNED_STATUSES and not signed:
        problems.append(("signed_date", _("A contract in this status needs its signed date.")))
    if status == Status.ACTIVE and (effective or signed) and (effective or signed) > today:
        problems.append(("status", _("Its effective date is still to come: import it as signed.")))
    if status == Status.ACTIVE and end and end < today and not terms["auto_renew"]:
        problems.append(("status", _("It ended on %(date)s: import it as expired.") % {"date": end.isoformat()}))
    if status == Status.SIGNED and signed and (effective or signed) <= today:
        problems.append(("status", _("Its effective date has come: import it as active.")))
    if status == Status.EXPIRED and not (end and end < today):
        problems.append(("end_date", _("An expired contract needs an end date before today.")))
    if status == Status.TERMINATED and not terms.get("terminated_on"):
        problems.append(("terminated_on", _("Give the date the termination took effect.")))
    if status != Status.TERMINATED and terms.get("terminated_on"):
        problems.append(("terminated_on", _("Only a terminated contract has a termination date.")))
    for column, message in problems:
        run.problem(row.number, column, message)
    return not problems


def _fill(contract: Contract, terms: dict, today: dt.date, calendar, now) -> None:
    """Set the row's terms and everything derived from them, as creating, signing and renewing would have."""
    status_before = contract.status if contract.pk else None
    for name in CONTRACT_COLUMNS:
        setattr(contract, name, terms[name])
    contract.renewal_term = terms.get("renewal_term")
    contract.notice_period = terms.get("notice_period")
    if contract.status == Status.ACTIVE and not contract.effective_date:
        contract.effective_date = contract.signed_date  # as signing does: in force from the day it was signed
    contract.first_term_end = contract.end_date
    contract.renewal_count = 0
    if contract.status == Status.ACTIVE and contract.auto_renew and contract.end_date and contract.end_date < today:
        # Terms that ended before the import renewed tacitly, as the daily job would have renewed them.
        terms_of = KeyTerms.of(contract)
        contract.renewal_count = renewals_due(terms_of, 0, today)
        contract.end_date = term_end(terms_of, contract.renewal_count)
    contract.notice_deadline = notice_deadline_for(contract, calendar)
    if contract.status != status_before:
        contract.status_changed_at = now if contract.status != Status.DRAFT else contract.status_changed_at
    contract.search_tokens = index_contract(contract)


def _own_key_dates(contract: Contract) -> dict:
    """contracts.services.terms.key_dates_of for a new contract: the other sources (installments, obligations)
    have nothing for a contract made a moment ago, and imported contracts have no extra fields."""
    values = {"end": contract.end_date, "notice": contract.notice_deadline, "effective": contract.effective_date,
              "signing": contract.signing_deadline, "review": contract.review_date}
    return {kind: values[kind] for kind, (_label, statuses) in KEY_DATE_KINDS.items()
            if kind in values and contract.status in statuses and values[kind]}


def _reserve_numbers(contract_type: ContractType, count: int, year: int) -> list[str]:
    """`count` numbers by the number rule at once: contracts.services.next_number, one UPDATE for the batch."""
    key = f"{contract_type.code}-{year}"
    if not NumberSequence.objects.filter(key=key).update(last=F("last") + count):
        try:
            with transaction.atomic():
                NumberSequence.objects.create(key=key, last=count)
        except IntegrityError:  # created by someone else a moment ago
            NumberSequence.objects.filter(key=key).update(last=F("last") + count)
    last = NumberSequence.objects.get(key=key).last
    return [settings.CONTRACT_NUMBER_FORMAT.format(type=contract_type.code, year=year, seq=seq)
            for seq in range(last - count + 1, last + 1)]


def _numbers_in_use(numbers) -> dict[str, int]:
    found = {}
    for part in chunks(sorted({n for n in numbers if n})):
        found.update(Contract.objects.filter(number__in=part).values_list("number", "pk"))
    return found


def write_contracts(run: Run, rows: list[Row]) -> None:
    require(run.by, "contracts.add_contract")
    today, now, calendar = company_today(), timezone.now(), company_calendar()
    refs = _contract_references(run, rows)
    mapped = known_keys(Kind.CONTRACTS, (r.values.get("key") for r in rows))
    existing = in_bulk(Contract.objects.select_related("customer", "owner", "department", "contract_type", "entity"),
                        mapped.values())
    visible = set()
    for part in chunks(sorted(existing)):
        visible.update(Contract.objects.visible_to(run.by).filter(pk__in=part).values_list("pk", flat=True))
    in_use = _numbers_in_use(r.values.get("number") for r in rows)
    seen_numbers: dict = {}
    new: list[tuple[Row, Contract]] = []
    keys: dict = {}
    for row in keyed_rows(run, rows):
        values = row.values
        if values.get("number") and not first_use(run, row, seen_numbers, values["number"], "number"):
            continue
        current = existing.get(mapped.get(values["key"]))
        if current is not None and current.pk not in visible:
            run.problem(row.number, "key", _("This contract is outside your data scope."))
            continue
        if values.get("number") and in_use.get(values["number"], getattr(current, "pk", None)) != getattr(current, "pk", None):
            run.problem(row.number, "number", _("Contract number %(number)s is already in use.") % {"number": values["number"]})
            continue
        if current is not None and values.get("number") and values["number"] != current.number:
            run.problem(row.number, "number", _("The number of a contract already imported cannot change."))
            continue
        terms = _terms(run, row, refs, current)  # also for a row with unreadable cells: its references are checked too
        if row.bad or terms is None or not _check_terms(run, row, terms, today):
            continue
        if current is None:
            contract = Contract(number=values.get("number") or "", extra={}, version=1)
            _fill(contract, terms, today, calendar, now)
            new.append((row, contract))
            continue
        keys[values["key"]] = current.pk
        _update_contract(run, row, current, terms, today, calendar, now)
    if run.problems:
        return  # nothing will be kept: no need to write the new ones
    _create_contracts(run, new, keys, today)
    if run.commit:
        remember(run, keys)


def _compared(contract: Contract) -> dict:
    values = {name: getattr(contract, f"{name}_id" if name in REFERENCES else name) for name in CONTRACT_COLUMNS}
    values["end_date"] = contract.first_term_end or contract.end_date
    return values


def _update_contract(run: Run, row: Row, current: Contract, terms: dict, today, calendar, now) -> None:
    before = _compared(current)
    after = {name: getattr(terms[name], "pk", terms[name]) if name in REFERENCES else terms[name] for name in CONTRACT_COLUMNS}
    if after["status"] == Status.ACTIVE and not after["effective_date"]:
        after["effective_date"] = after["signed_date"]
    diff = changes(before, after)
    if not diff:
        run.unchanged += 1
        return
    if current.status != Status.DRAFT:
        frozen = [name for name in diff if name not in FREE_COLUMNS]
        for name in frozen:
            run.problem(row.number, name, _("Contract %(number)s is %(status)s: its terms can no longer change. Record "
                                            "an amendment instead.") % {"number": current.number,
                                                                        "status": current.get_status_display()})
        if frozen:
            return
    _fill(current, terms, today, calendar, now)
    fields = {name: getattr(current, name) for name in (
        "title", "customer", "contract_type", "entity", "owner", "department", "amount", "currency", "signed_date",
        "effective_date", "end_date", "auto_renew", "renewal_term", "renewal_unit", "notice_period", "notice_unit",
        "status", "terminated_on", "description", "first_term_end", "renewal_count", "notice_deadline",
        "status_changed_at", "search_tokens")}
    try:
        with transaction.atomic():
            save_versioned(current, fields)
            sync_key_dates(current)
    except DomainError as exc:
        run.refused(row, exc, {})
        return
    run.was_updated(current.pk, diff)


def _create_contracts(run: Run, new: list, keys: dict, today: dt.date) -> None:
    if not new:
        return
    by_type = defaultdict(list)
    for row, contract in new:
        if not contract.number:
            by_type[contract.contract_type].append((row, contract))
    for contract_type, items in by_type.items():
        for (_row, contract), number in zip(items, _reserve_numbers(contract_type, len(items), today.year), strict=True):
            contract.number = number
            contract.search_tokens = index_contract(contract)
    taken = _numbers_in_use(c.number for _row, c in new)
    for row, contract in new:
        if contract.number in taken:
            run.problem(row.number, "number", _("The number rule made %(number)s, which is already in use: give this "
                                                "contract a number.") % {"number": contract.number})
    if run.problems:
        return
    if not run.commit:
        # A check ends here: every rule the inserts below could break (the number, the amount, the dates, the
        # status, a renewal term) was checked above, and the transaction would be rolled back anyway.
        run.created += len(new)
        return
    created = Contract.objects.bulk_create([c for _row, c in new], batch_size=500)
    parties, dates = [], []
    for contract in created:
        parties.append(ContractParty(contract=contract, role=ContractParty.Role.OURS, name=contract.entity.name,
                                     credit_code=contract.entity.credit_code, position=0))
        parties.append(ContractParty(contract=contract, role=ContractParty.Role.CUSTOMER, name=contract.customer.name,
                                     credit_code=contract.customer.credit_code, position=1))
        dates.extend(KeyDate(contract=contract, kind=kind, date=day, due_on=today)
                     for kind, day in _own_key_dates(contract).items())
    ContractParty.objects.bulk_create(parties, batch_size=500)
    KeyDate.objects.bulk_create(dates, batch_size=500)
    for (row, _contract), contract in zip(new, created, strict=True):
        keys[row.values["key"]] = contract.pk
        run.was_created(contract.pk)


