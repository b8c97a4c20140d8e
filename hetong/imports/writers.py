"""Writing the rows of each kind: upsert by external key, through the owning app's services where they fit.

Every writer gets all the rows of a file (each with the values its cells were read as, and the columns that could
not be read), reports each problem on its row and column, and writes the rows it can. The caller runs it inside one
transaction and rolls that back when anything was wrong or when it only checks, so a check reports exactly what an
import would meet. Each service call has a savepoint of its own, so one refused row leaves nothing half-written
and the rows after it are still checked.

Customers, contacts, installments and receipts go through their services (the same validation, permissions and
audit as a page). Contracts take a lean path of their own (hetong.imports.contract_rows), for speed and because
create_contract cannot bring in a contract that is already signed or active.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from hetong.accounts.models import Department, User
from hetong.audit.services import changes
from hetong.contracts.models import Contract
from hetong.core.errors import DomainError
from hetong.customers import services as customer_services
from hetong.customers.models import Contact, Customer
from hetong.payments import services as payment_services
from hetong.payments.models import Installment, Receipt

from .models import ImportKey, Kind

CHUNK = 2000  # ids per IN (...) query
PROGRESS_EVERY = 200


@dataclass
class Row:
    number: int  # the spreadsheet's row number; the header is row 1
    values: dict  # column key -> value, for the columns the file has
    bad: set = field(default_factory=set)  # columns whose cell could not be read


@dataclass
class Run:
    """One pass over a file's rows: what it found and what it did."""

    kind: str
    by: User
    job: object = None
    commit: bool = True  # False for a check: a writer may then skip writes that cannot fail (bulk inserts of checked rows)
    headers: dict = field(default_factory=dict)  # column key -> the header as the file has it
    problems: list = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    created_ids: list = field(default_factory=list)
    changed: dict = field(default_factory=dict)  # object id -> {field: [old, new]}
    on_progress: Callable | None = None
    done: int = 0

    def problem(self, row: int | None, column: str, message) -> None:
        self.problems.append({"row": row, "column": self.headers.get(column, column), "field": column,
                              "message": str(message)})

    def refused(self, row: "Row", exc: DomainError, fields: dict) -> None:
        """A service's refusal as problems of the row: each field error on its column, or the message."""
        if not exc.errors:
            self.problem(row.number, "", exc.message)
            return
        for name, messages in exc.errors.items():
            column = fields.get(name.split(".")[-1], fields.get(name, ""))
            for message in messages:
                self.problem(row.number, column, message)

    def tick(self, count: int = 1) -> None:
        before, self.done = self.done, self.done + count
        if self.on_progress and (self.done // PROGRESS_EVERY != before // PROGRESS_EVERY):
            self.on_progress(self.done)

    def was_created(self, pk) -> None:
        self.created += 1
        self.created_ids.append(pk)

    def was_updated(self, pk, diff: dict) -> None:
        self.updated += 1
        self.changed[pk] = diff


# --- keys and references ---------------------------------------------------------------------------------------


def chunks(items: list):
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def known_keys(kind: str, keys) -> dict[str, int]:
    """{external key: object id} of the keys imported before."""
    keys = sorted({k for k in keys if k})
    found = {}
    for part in chunks(keys):
        found.update(ImportKey.objects.filter(kind=kind, external_key__in=part).values_list("external_key", "object_id"))
    return found


def remember(run: Run, keys: dict[str, int]) -> None:
    """Point each key at its record: new keys are added, keys whose record was gone are moved."""
    if not keys:
        return
    existing = known_keys(run.kind, keys)
    moved = {k: pk for k, pk in keys.items() if k in existing and existing[k] != pk}
    for external_key, pk in moved.items():
        ImportKey.objects.filter(kind=run.kind, external_key=external_key).update(object_id=pk, job=run.job)
    ImportKey.objects.bulk_create(
        [ImportKey(kind=run.kind, external_key=k, object_id=pk, job=run.job) for k, pk in keys.items() if k not in existing],
        batch_size=500,
    )


def in_bulk(queryset, ids) -> dict:
    found = {}
    for part in chunks(sorted(set(ids))):
        found.update({obj.pk: obj for obj in queryset.filter(pk__in=part)})
    return found


def resolve_customers(run: Run, keys) -> dict[str, Customer]:
    """Customers by import key, or else by unified social credit code; only those the importer may see."""
    keys = {k for k in keys if k}
    mapped = known_keys(Kind.CUSTOMERS, keys)
    visible = Customer.objects.visible_to(run.by)
    by_id = in_bulk(visible, mapped.values())
    found = {k: by_id[pk] for k, pk in mapped.items() if pk in by_id}
    codes = sorted({k.upper() for k in keys - set(found)})
    for part in chunks(codes):
        for customer in visible.filter(credit_code__in=part):
            found.setdefault(customer.credit_code, customer)
    return {k: found.get(k) or found.get(k.upper()) for k in keys if (found.get(k) or found.get(k.upper()))}


def resolve_contracts(run: Run, keys) -> dict[str, Contract]:
    mapped = known_keys(Kind.CONTRACTS, keys)
    by_id = in_bulk(Contract.objects.visible_to(run.by), mapped.values())
    return {k: by_id[pk] for k, pk in mapped.items() if pk in by_id}


def users_named(names) -> dict[str, User]:
    names = sorted({n for n in names if n})
    found = {}
    for part in chunks(names):
        found.update({u.username: u for u in User.objects.filter(username__in=part, is_active=True)
                      .select_related("department")})
    return found


def departments_named(names) -> dict[str, list]:
    found = defaultdict(list)
    for department in Department.objects.filter(name__in=sorted({n for n in names if n})):
        found[department.name].append(department)
    return found


def owner_and_department(run: Run, row: Row, users: dict, departments: dict, *, current_owner=None, current_department=None):
    """The owner and department a row asks for: (owner, department, ok). Empty owner: the importer for a new
    record, unchanged for an existing one; empty department: the owner's for a new record or a new owner."""
    values, ok = row.values, True
    owner = current_owner
    if values.get("owner"):
        owner = users.get(values["owner"])
        if owner is None:
            run.problem(row.number, "owner", _("There is no active user with the username “%(name)s”.")
                        % {"name": values["owner"]})
            ok = False
    elif owner is None:
        owner = run.by
    department = current_department
    if values.get("department"):
        candidates = departments.get(values["department"], [])
        if len(candidates) == 1:
            department = candidates[0]
        else:
            run.problem(row.number, "department", _("There is no department named “%(name)s”.") % {"name": values["department"]}
                        if not candidates else _("Several departments are named “%(name)s”.") % {"name": values["department"]})
            ok = False
    elif owner is not None and (current_owner is None or owner.pk != current_owner.pk):
        department = owner.department
    return owner, department, ok


def first_use(run: Run, row: Row, seen: dict, value, column: str) -> bool:
    """False (and a problem) when `value` was used on an earlier row of the file."""
    if value in seen:
        run.problem(row.number, column, _("“%(value)s” is used again in this file (first on row %(row)s).")
                    % {"value": value, "row": seen[value]})
        return False
    seen[value] = row.number
    return True


def keyed_rows(run: Run, rows: list[Row]):
    """The rows that give a key not used on an earlier row of the file (a reused key is a problem), each counted as
    processed."""
    seen: dict = {}
    for row in rows:
        run.tick()
        key = row.values.get("key")
        if key and first_use(run, row, seen, key, "key"):
            yield row


def _savepoint(run: Run, row: Row, fields: dict, action: Callable):
    """Run one service call in a savepoint of its own; a refusal becomes the row's problems."""
    try:
        with transaction.atomic():
            return action()
    except DomainError as exc:
        run.refused(row, exc, fields)
    return None


# --- customers and contacts ------------------------------------------------------------------------------------

CUSTOMER_DEFAULTS = {"industry": "other", "level": "normal", "status": "active", "credit_code": "", "region": "",
                     "address": "", "notes": ""}
CUSTOMER_FIELDS = {**{name: name for name in customer_services.CUSTOMER_FIELDS}, "owner": "owner",
                   "department": "department", "__all__": ""}


def write_customers(run: Run, rows: list[Row]) -> None:
    existing = resolve_existing(run, Kind.CUSTOMERS, Customer.objects.all(), rows)
    codes = {r.values["credit_code"] for r in rows if r.values.get("credit_code") and r.values.get("key") not in existing}
    by_code = {c.credit_code: c for part in chunks(sorted(codes)) for c in Customer.objects.filter(credit_code__in=part)}
    claimed = dict(ImportKey.objects.filter(kind=Kind.CUSTOMERS, object_id__in=[c.pk for c in by_code.values()])
                   .values_list("object_id", "external_key")) if by_code else {}
    users = users_named(r.values.get("owner") for r in rows)
    departments = departments_named(r.values.get("department") for r in rows)
    visible = set(Customer.objects.visible_to(run.by).filter(pk__in=[c.pk for c in [*existing.values(), *by_code.values()]])
                  .values_list("pk", flat=True)) if (existing or by_code) else set()
    keys: dict = {}
    for row in keyed_rows(run, rows):
        values = row.values
        if row.bad:
            continue
        current = existing.get(values["key"])
        if current is None and values.get("credit_code") in by_code:
            current = by_code[values["credit_code"]]
            if claimed.get(current.pk, values["key"]) != values["key"]:
                run.problem(row.number, "credit_code", _("This is the unified social credit code of the customer "
                            "imported with the key “%(key)s”.") % {"key": claimed[current.pk]})
                continue
        if current is not None and current.pk not in visible:
            run.problem(row.number, "key", _("This customer is outside your data scope."))
            continue
        owner, department, ok = owner_and_department(run, row, users, departments, current_owner=getattr(current, "owner", None),
                                        current_department=getattr(current, "department", None))
        if not ok:
            continue
        data = {name: values[name] if values[name] is not None else CUSTOMER_DEFAULTS.get(name, "")
                for name in customer_services.CUSTOMER_FIELDS if name in values}
        data.update(owner=owner.pk, department=department.pk if department else None)
        if current is None:
            customer = _savepoint(run, row, CUSTOMER_FIELDS, lambda data=data: customer_services.create_customer(by=run.by, data=data))
            if customer is not None:
                run.was_created(customer.pk)
                keys[values["key"]] = customer.pk
            continue
        keys[values["key"]] = current.pk
        before = {name: getattr(current, f"{name}_id" if name in ("owner", "department") else name) for name in data}
        _update_changed(run, row, CUSTOMER_FIELDS, current, before, data, customer_services.update_customer)
    remember(run, keys)


def _update_changed(run: Run, row: Row, fields: dict, current, before: dict, data: dict, update) -> None:
    """Update a record imported before with the values that differ (through its service's `update`), or count
    it unchanged."""
    diff = {name: value for name, value in data.items() if before[name] != value}
    if not diff:
        run.unchanged += 1
        return
    updated = _savepoint(run, row, fields, lambda: update(current, by=run.by, version=current.version, data=diff))
    if updated is not None:
        run.was_updated(current.pk, changes(before, data))


def resolve_existing(run: Run, kind: str, queryset, rows: list[Row], key: str = "key") -> dict:
    """The records the rows' keys were imported as before: {key: record}. A key whose record is gone is new."""
    mapped = known_keys(kind, (r.values.get(key) for r in rows))
    by_id = in_bulk(queryset, mapped.values())
    return {k: by_id[pk] for k, pk in mapped.items() if pk in by_id}


CONTACT_FIELDS = {**{name: name for name in customer_services.CONTACT_FIELDS}, "__all__": ""}


def write_contacts(run: Run, rows: list[Row]) -> None:
    existing = resolve_existing(run, Kind.CONTACTS, Contact.objects.select_related("customer"), rows)
    customers = resolve_customers(run, {r.values.get("customer") for r in rows})
    keys: dict = {}
    for row in keyed_rows(run, rows):
        values = row.values
        customer = customers.get(values.get("customer"))
        if values.get("customer") and customer is None:
            run.problem(row.number, "customer", _("There is no customer with the key “%(key)s”.") % {"key": values["customer"]})
            continue
        if row.bad:
            continue
        data = {name: values[name] if values[name] is not None else (False if name == "is_signatory" else "")
                for name in customer_services.CONTACT_FIELDS if name in values}
        current = existing.get(values["key"])
        if current is None:
            contact = _savepoint(run, row, CONTACT_FIELDS, lambda customer=customer, data=data: customer_services.add_contact(
                customer, by=run.by, data=data))
            if contact is not None:
                run.was_created(contact.pk)
                keys[values["key"]] = contact.pk
            continue
        keys[values["key"]] = current.pk
        if current.customer_id != customer.pk:
            run.problem(row.number, "customer", _("This contact belongs to another customer; a contact cannot move."))
            continue
        before = {name: getattr(current, name) for name in data}
        _update_changed(run, row, CONTACT_FIELDS, current, before, data, customer_services.update_contact)
    remember(run, keys)


# --- installments and receipts ---------------------------------------------------------------------------------

KEY_SEPARATOR = "\x1f"  # between the contract key and the label of an installment's key


def write_installments(run: Run, rows: list[Row]) -> None:
    """Each contract's plan is saved once (payments.save_plan), with its installments not in the file kept as they are."""
    contracts = resolve_contracts(run, {r.values.get("contract") for r in rows})
    groups: dict[str, list[Row]] = defaultdict(list)
    seen: dict = {}
    for row in rows:
        values = row.values
        if not values.get("contract") or not values.get("label"):
            run.tick()
            continue
        if not first_use(run, row, seen, (values["contract"], values["label"]), "label"):
            run.tick()
            continue
        if values["contract"] not in contracts:
            run.problem(row.number, "contract", _("There is no contract with the key “%(key)s”.") % {"key": values["contract"]})
        groups[values["contract"]].append(row)
    mapped = known_keys(Kind.INSTALLMENTS, (KEY_SEPARATOR.join(k) for k in seen))
    keys: dict = {}
    for contract_key, group in groups.items():
        run.tick(len(group))
        contract = contracts.get(contract_key)
        good = [row for row in group if not row.bad]
        if contract is not None and good:
            _write_plan(run, contract, contract_key, good, mapped, keys)
    remember(run, keys)


def _write_plan(run: Run, contract: Contract, contract_key: str, group: list[Row], mapped: dict, keys: dict) -> None:
    plan = payment_services.plan_of(contract).installments
    by_id = {i.pk: i for i in plan}
    by_label = defaultdict(list)
    for installment in plan:
        by_label[installment.label].append(installment)
    matched: dict[int, Installment] = {}  # row number -> installment
    for row in group:
        found = by_id.get(mapped.get(KEY_SEPARATOR.join((contract_key, row.values["label"]))))
        if found is None and len(by_label[row.values["label"]]) == 1:
            found = by_label[row.values["label"]][0]  # made on the page before: take it over
        if found is not None and found.pk not in {i.pk for i in matched.values()}:
            matched[row.number] = found

    def wanted(row):
        return {"label": row.values["label"], "kind": row.values.get("kind") or Installment.Kind.OTHER,
                "amount": row.values["amount"], "due_date": row.values.get("due_date")}

    def as_is(installment):
        return {"label": installment.label, "kind": installment.kind, "amount": installment.amount,
                "due_date": installment.due_date}

    if all(row.number in matched and wanted(row) == as_is(matched[row.number]) for row in group):
        run.unchanged += len(group)
        for row in group:
            keys[KEY_SEPARATOR.join((contract_key, row.values["label"]))] = matched[row.number].pk
        return
    plan_rows, from_file = [], {}
    for installment in plan:  # the plan's own order; the file's rows change theirs in place
        row = next((r for r in group if matched.get(r.number) is installment), None)
        if row is None:
            kept = {"id": installment.pk, "label": installment.label, "kind": installment.kind,
                    "due_date": installment.due_date}
            kept.update({"percent": installment.percent} if installment.percent else {"amount": installment.amount})
            plan_rows.append(kept)
        else:
            from_file[len(plan_rows)] = row
            plan_rows.append({"id": installment.pk, **wanted(row)})
    for row in group:
        if row.number not in matched:
            from_file[len(plan_rows)] = row
            plan_rows.append(wanted(row))
    try:
        with transaction.atomic():
            saved = payment_services.save_plan(contract, by=run.by, rows=plan_rows)
    except DomainError as exc:
        _plan_refused(run, exc, group, from_file)
        return
    new = [i for i in saved.installments if i.pk not in by_id]
    for row in group:
        pk = matched[row.number].pk if row.number in matched else new.pop(0).pk
        keys[KEY_SEPARATOR.join((contract_key, row.values["label"]))] = pk
        if row.number not in matched:
            run.was_created(pk)
        elif wanted(row) != as_is(matched[row.number]):
            run.was_updated(pk, changes(as_is(matched[row.number]), wanted(row)))
        else:
            run.unchanged += 1


PLAN_FIELDS = {"label": "label", "kind": "kind", "amount": "amount", "percent": "amount", "due_date": "due_date"}


def _plan_refused(run: Run, exc: DomainError, group: list[Row], from_file: dict) -> None:
    """save_plan names its errors "rows.N.field" by the place in the plan: each goes on the file's row it came
    from; what concerns the whole plan (a cancelled contract) goes on every row of the contract."""
    general = [] if exc.errors else [exc.message]
    for key, messages in exc.errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "rows" and parts[1].isdigit() and int(parts[1]) in from_file:
            for message in messages:
                run.problem(from_file[int(parts[1])].number, PLAN_FIELDS.get(parts[2], ""), message)
        else:
            general.extend(messages)
    for message in general:
        for row in group:
            run.problem(row.number, "contract", message)


RECEIPT_FIELDS = {"received_on": "received_on", "amount": "amount", "method": "method", "payer": "payer",
                  "reference": "reference", "allocations": "amount", "__all__": ""}


def write_receipts(run: Run, rows: list[Row]) -> None:
    """Receipts are recorded with payments.record_receipt, allocated to the oldest due first. A receipt is never
    changed by an import: one imported before with other values is a problem (reverse it on the contract page)."""
    contracts = resolve_contracts(run, {r.values.get("contract") for r in rows})
    existing = resolve_existing(run, Kind.RECEIPTS, Receipt.objects.all(), rows)
    keys: dict = {}
    for row in keyed_rows(run, rows):
        values = row.values
        contract = contracts.get(values.get("contract"))
        if values.get("contract") and contract is None:
            run.problem(row.number, "contract", _("There is no contract with the key “%(key)s”.") % {"key": values["contract"]})
            continue
        if row.bad:
            continue
        data = {"received_on": values["received_on"], "amount": values["amount"],
                "method": values.get("method") or Receipt.Method.BANK_TRANSFER, "payer": values.get("payer") or "",
                "reference": values.get("reference") or ""}
        current = existing.get(values["key"])
        if current is not None:
            before = {"contract": current.contract_id, **{name: getattr(current, name) for name in data}}
            if before != {"contract": contract.pk, **data} or current.reversed_at:
                run.problem(row.number, "key", _("A receipt was imported with this key before, with other values. An "
                                                 "import does not change receipts: reverse it on the contract page "
                                                 "and import the right one under a new key."))
            else:
                run.unchanged += 1
            continue
        receipt = _savepoint(run, row, RECEIPT_FIELDS, lambda contract=contract, data=data: payment_services.record_receipt(
            contract, by=run.by, **data))
        if receipt is not None:
            run.was_created(receipt.pk)
            keys[values["key"]] = receipt.pk
    remember(run, keys)
