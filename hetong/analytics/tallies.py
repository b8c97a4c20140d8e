"""Running tallies of the contracts and their installments, kept by the database itself, so the dashboard adds up
a few thousand rows instead of a million contracts.

`StatusTally` counts contracts by status and `SignedTally` counts and sums the signed ones (any status but
cancelled, with a signed date) by month and currency, each by the dimensions the dashboard filters and scopes by:
type, owner, department (0 for none) and customer level. `CustomerTally` sums the signed ones by year and customer
(the whole book's top customers). `ReceivableTally` sums the installments of the receivable contracts by the month
and by the day they fall due and the same dimensions: amount, paid and still owed. What was paid on an installment
is kept on it (`paid_cents`) by triggers on allocations and receipts; triggers on the contract, customer and
installment tables add and take away each row's share. All of it happens in the same transaction as the change,
whatever makes it: a form, a queryset update, a bulk import, raw SQL. `ensure` puts the triggers in place after
every migrate and counts everything afresh whenever one was missing (analytics.apps drops them on SQLite before a
migrate, so that a migration can rebuild a table they name). It does not replace a trigger that is there: a change
to their SQL comes with a migration that calls `drop`, as analytics 0003 does.
"""

STATUS = "analytics_statustally"
SIGNED = "analytics_signedtally"
CUSTOMER = "analytics_customertally"
RECEIVABLE = "analytics_receivabletally"
CONTRACTS = "contracts_contract"
CUSTOMERS = "customers_customer"
INSTALLMENTS = "payments_installment"
ALLOCATIONS = "payments_allocation"
RECEIPTS = "payments_receipt"
STATUS_KEY = "status, contract_type_id, owner_id, department_id, customer_level"
SIGNED_KEY = "month, contract_type_id, owner_id, department_id, customer_level, currency"
CUSTOMER_KEY = "year, customer_id, currency"
RECEIVABLE_DIMS = "contract_type_id, owner_id, department_id, customer_level, currency"
RECEIVABLE_KEY = f"period, {RECEIVABLE_DIMS}"
COUNTS = {STATUS: "contracts", SIGNED: "contracts, cents", CUSTOMER: "contracts, cents",
          RECEIVABLE: "installments, cents, paid, owing, owing_installments"}
CONTRACT_COLUMNS = ("status", "contract_type_id", "owner_id", "department_id", "customer_id", "signed_date", "amount",
                    "currency")
# The contract columns an installment's share depends on.
RECEIVABLE_COLUMNS = ("status", "contract_type_id", "owner_id", "department_id", "customer_id", "currency")
INSTALLMENT_COLUMNS = ("contract_id", "amount", "due_date", "cancelled_at", "paid_cents")
TRIGGERS = {  # name: table
    "analytics_tally_contract_insert": CONTRACTS, "analytics_tally_contract_update": CONTRACTS,
    "analytics_tally_contract_delete": CONTRACTS, "analytics_tally_customer_level": CUSTOMERS,
    "analytics_tally_installment_insert": INSTALLMENTS, "analytics_tally_installment_update": INSTALLMENTS,
    "analytics_tally_installment_delete": INSTALLMENTS, "analytics_tally_allocation_insert": ALLOCATIONS,
    "analytics_tally_allocation_update": ALLOCATIONS, "analytics_tally_allocation_delete": ALLOCATIONS,
    "analytics_tally_receipt_reversed": RECEIPTS,
}
FUNCTIONS = ("analytics_tally_contract", "analytics_tally_customer", "analytics_tally_installment",
             "analytics_tally_allocation", "analytics_tally_receipt")


def _receivable_states() -> str:
    from hetong.payments.models import RECEIVABLE_STATES

    return "(" + ", ".join(f"'{state}'" for state in sorted(RECEIVABLE_STATES)) + ")"


def _month(vendor: str, column: str) -> str:
    """yyyymm of a date column, as an integer."""
    if vendor == "postgresql":
        return f"(EXTRACT(YEAR FROM {column}) * 100 + EXTRACT(MONTH FROM {column}))::integer"
    return f"CAST(substr({column}, 1, 4) || substr({column}, 6, 2) AS INTEGER)"


def _periods(vendor: str, item: str) -> tuple[str, str]:
    """An installment row's two periods in the receivable tally: its month (yyyymm; 0 with no due date yet) and its
    day (yyyymmdd; NULL with no due date: it has only the month row 0)."""
    due = f"{item}.due_date"
    if vendor == "postgresql":
        day = f"(EXTRACT(YEAR FROM {due}) * 10000 + EXTRACT(MONTH FROM {due}) * 100 + EXTRACT(DAY FROM {due}))::integer"
    else:
        day = f"CAST(substr({due}, 1, 4) || substr({due}, 6, 2) || substr({due}, 9, 2) AS INTEGER)"
    return f"COALESCE({_month(vendor, due)}, 0)", day


def cents(vendor: str, column: str) -> str:
    """A money column in whole cents, as an integer expression (exact sums on SQLite too)."""
    if vendor == "postgresql":
        return f"ROUND({column} * 100)::bigint"
    return f"CAST(ROUND({column} * 100) AS INTEGER)"


def _add(table: str, key: str, values: str, source: str) -> str:
    """An upsert adding the counts of `source` (a SELECT's tail) to the rows of `table` with the same key."""
    counts = COUNTS[table]
    update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts.split(", "))
    return f"INSERT INTO {table} ({key}, {counts}) SELECT {values} {source} ON CONFLICT ({key}) DO UPDATE SET {update}"


def _row(vendor: str, row: str, sign: int) -> dict[str, list[str]]:
    """The statements adding (sign 1) or taking away (-1) one contract row (NEW or OLD) from the contract tallies,
    by table. Taking away updates only rows that exist: a flush that empties the tallies before the contracts leaves
    nothing behind."""
    level = f"(SELECT level FROM {CUSTOMERS} WHERE id = {row}.customer_id)"
    signed = f"{row}.status <> 'cancelled' AND {row}.signed_date IS NOT NULL"
    month = _month(vendor, f"{row}.signed_date")
    amount = cents(vendor, f"{row}.amount")
    if sign > 0:
        dims = f"{row}.contract_type_id, {row}.owner_id, COALESCE({row}.department_id, 0), {level}"
        return {
            STATUS: [_add(STATUS, STATUS_KEY, f"{row}.status, {dims}, 1", "WHERE true")],
            SIGNED: [_add(SIGNED, SIGNED_KEY, f"{month}, {dims}, {row}.currency, 1, {amount}", f"WHERE {signed}")],
            CUSTOMER: [_add(CUSTOMER, CUSTOMER_KEY, f"{month} / 100, {row}.customer_id, {row}.currency, 1, {amount}",
                            f"WHERE {signed}")],
        }
    match = (f"contract_type_id = {row}.contract_type_id AND owner_id = {row}.owner_id "
             f"AND department_id = COALESCE({row}.department_id, 0) AND customer_level = {level}")
    status = f"status = {row}.status AND {match}"
    signed_row = f"{signed} AND month = {month} AND {match} AND currency = {row}.currency"
    customer = f"{signed} AND year = {month} / 100 AND customer_id = {row}.customer_id AND currency = {row}.currency"
    return {
        STATUS: [f"UPDATE {STATUS} SET contracts = contracts - 1 WHERE {status}",
                 f"DELETE FROM {STATUS} WHERE contracts = 0 AND {status}"],
        SIGNED: [f"UPDATE {SIGNED} SET contracts = contracts - 1, cents = cents - {amount} WHERE {signed_row}",
                 f"DELETE FROM {SIGNED} WHERE contracts = 0 AND {signed_row}"],
        CUSTOMER: [f"UPDATE {CUSTOMER} SET contracts = contracts - 1, cents = cents - {amount} WHERE {customer}",
                   f"DELETE FROM {CUSTOMER} WHERE contracts = 0 AND {customer}"],
    }


def _grouped(vendor: str, level: str, sign: str, where: str, join: str = "") -> list[str]:
    """Upserts adding (or, with sign "-", taking away) every contract `where` selects, grouped, as customer level
    `level` (an expression, with `join` if it needs one)."""
    c = CONTRACTS
    dims = f"{c}.contract_type_id, {c}.owner_id, COALESCE({c}.department_id, 0), {level}"
    signed = f"{c}.status <> 'cancelled' AND {c}.signed_date IS NOT NULL"
    month = _month(vendor, f"{c}.signed_date")
    amount = cents(vendor, f"{c}.amount")
    source = f"FROM {c} {join} WHERE {where}"
    return [
        _add(STATUS, STATUS_KEY, f"{c}.status, {dims}, {sign}COUNT(*)", f"{source} GROUP BY {c}.status, {dims}"),
        _add(SIGNED, SIGNED_KEY, f"{month}, {dims}, {c}.currency, {sign}COUNT(*), {sign}SUM({amount})",
             f"{source} AND {signed} GROUP BY {month}, {dims}, {c}.currency"),
    ]


def _owing(vendor: str, item: str) -> tuple[str, str]:
    """What is still owed on an installment row, in cents (never below 0), and 1 if anything is, else 0."""
    amount = cents(vendor, f"{item}.amount")
    owes = f"{amount} > {item}.paid_cents"
    return f"CASE WHEN {owes} THEN {amount} - {item}.paid_cents ELSE 0 END", f"CASE WHEN {owes} THEN 1 ELSE 0 END"


def _shares(vendor: str, item: str, dims: str, sign: str, source: str) -> list[str]:
    """Upserts adding (or, with sign "-", taking away) the installments `item` of `source`, grouped by the month
    and by the day they fall due, and by `dims` (type, owner, department, level, currency)."""
    amount = cents(vendor, f"{item}.amount")
    owing, owes = _owing(vendor, item)
    month, day = _periods(vendor, item)
    return [_add(RECEIVABLE, RECEIVABLE_KEY,
                 f"{period}, {dims}, {sign}COUNT(*), {sign}SUM({amount}), {sign}SUM({item}.paid_cents), "
                 f"{sign}SUM({owing}), {sign}SUM({owes})",
                 f"{source} AND {item}.cancelled_at IS NULL{also} GROUP BY {period}, {dims}")
            for period, also in ((month, ""), (day, f" AND {item}.due_date IS NOT NULL"))]


def _contract_dims(contract: str, level: str) -> str:
    return f"{contract}.contract_type_id, {contract}.owner_id, COALESCE({contract}.department_id, 0), {level}, {contract}.currency"


def _moved(vendor: str, row: str, sign: str, when: str = "true") -> list[str]:
    """A contract row's installments, added to (or taken from) the receivable tally as that row has them."""
    level = f"(SELECT level FROM {CUSTOMERS} WHERE id = {row}.customer_id)"
    return _shares(vendor, "i", _contract_dims(row, level), sign,
                   f"FROM {INSTALLMENTS} i WHERE i.contract_id = {row}.id AND {row}.status IN {_receivable_states()} "
                   f"AND ({when})")


def _customer(vendor: str) -> list[str]:
    """A customer's new level moves its contracts and their installments from one level's rows to the other's."""
    join = f"JOIN {CONTRACTS} c ON c.id = i.contract_id"
    states = _receivable_states()
    return [
        *_grouped(vendor, "OLD.level", "-", f"{CONTRACTS}.customer_id = OLD.id"),
        *_grouped(vendor, "NEW.level", "", f"{CONTRACTS}.customer_id = NEW.id"),
        *_shares(vendor, "i", _contract_dims("c", "OLD.level"), "-",
                 f"FROM {INSTALLMENTS} i {join} WHERE c.customer_id = OLD.id AND c.status IN {states}"),
        *_shares(vendor, "i", _contract_dims("c", "NEW.level"), "",
                 f"FROM {INSTALLMENTS} i {join} WHERE c.customer_id = NEW.id AND c.status IN {states}"),
        *(f"DELETE FROM {table} WHERE {count} = 0 AND customer_level = OLD.level"
          for table, count in ((STATUS, "contracts"), (SIGNED, "contracts"), (RECEIVABLE, "installments"))),
    ]


def _installment(vendor: str, row: str, sign: int, when: str = "true") -> list[str]:
    """The statements adding (1) or taking away (-1, updates only, as for contracts) one installment row."""
    dims = _contract_dims("c", "cu.level")
    source = (f"FROM {CONTRACTS} c JOIN {CUSTOMERS} cu ON cu.id = c.customer_id WHERE c.id = {row}.contract_id "
              f"AND c.status IN {_receivable_states()} AND ({when})")
    if sign > 0:
        return _shares(vendor, row, dims, "", source)
    amount = cents(vendor, f"{row}.amount")
    owing, owes = _owing(vendor, row)
    key = (f"period IN ({', '.join(_periods(vendor, row))}) AND ({RECEIVABLE_DIMS}) IN (SELECT {dims} {source}) "
           f"AND {row}.cancelled_at IS NULL")
    return [
        f"UPDATE {RECEIVABLE} SET installments = installments - 1, cents = cents - {amount}, "
        f"paid = paid - {row}.paid_cents, owing = owing - {owing}, owing_installments = owing_installments - {owes} "
        f"WHERE {key}",
        f"DELETE FROM {RECEIVABLE} WHERE installments = 0 AND {key}",
    ]


def _installment_changed(vendor: str) -> list[str]:
    """An installment whose contract, due date and cancellation stay the same changes its rows in place (updates
    only: a flush deleting allocations, and so changing what was paid, leaves nothing behind); otherwise its share
    moves."""
    equal = "IS NOT DISTINCT FROM" if vendor == "postgresql" else "IS"
    same = (f"OLD.contract_id = NEW.contract_id AND OLD.due_date {equal} NEW.due_date AND OLD.cancelled_at IS NULL "
            "AND NEW.cancelled_at IS NULL")
    dims = _contract_dims("c", "cu.level")
    (owing_new, owes_new), (owing_old, owes_old) = _owing(vendor, "NEW"), _owing(vendor, "OLD")
    in_place = (
        f"UPDATE {RECEIVABLE} SET cents = cents + {cents(vendor, 'NEW.amount')} - {cents(vendor, 'OLD.amount')}, "
        f"paid = paid + NEW.paid_cents - OLD.paid_cents, owing = owing + {owing_new} - {owing_old}, "
        f"owing_installments = owing_installments + {owes_new} - {owes_old} "
        f"WHERE ({same}) AND period IN ({', '.join(_periods(vendor, 'NEW'))}) AND ({RECEIVABLE_DIMS}) IN (SELECT {dims} "
        f"FROM {CONTRACTS} c JOIN {CUSTOMERS} cu ON cu.id = c.customer_id WHERE c.id = NEW.contract_id "
        f"AND c.status IN {_receivable_states()})")
    moved = f"NOT ({same})"
    return [in_place, *_installment(vendor, "OLD", -1, moved), *_installment(vendor, "NEW", 1, moved)]


def _paid_on(vendor: str) -> str:
    """What the receipts not reversed paid on an installment row, in cents."""
    return (f"(SELECT COALESCE(SUM({cents(vendor, 'a.amount')}), 0) FROM {ALLOCATIONS} a JOIN {RECEIPTS} r "
            f"ON r.id = a.receipt_id WHERE a.installment_id = {INSTALLMENTS}.id AND r.reversed_at IS NULL)")


def _paid(vendor: str, installments: str) -> str:
    """Work out again what was paid on the installments `installments` selects (a condition on their id)."""
    return f"UPDATE {INSTALLMENTS} SET paid_cents = {_paid_on(vendor)} WHERE {installments}"


def _changed(columns=CONTRACT_COLUMNS) -> str:
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)


def _body(statements) -> str:
    return " ".join(f"{s};" for s in statements)


def _sqlite() -> tuple[dict, dict]:
    v = "sqlite"
    changed = lambda columns=CONTRACT_COLUMNS: _changed(columns).replace("IS DISTINCT FROM", "IS NOT")  # noqa: E731
    old, new = _row(v, "OLD", -1), _row(v, "NEW", 1)
    contract = [s for table in (STATUS, SIGNED, CUSTOMER) for s in (*old[table], *new[table])]
    moved = changed(RECEIVABLE_COLUMNS)
    contract += [*_moved(v, "OLD", "-", moved), *_moved(v, "NEW", "", moved),
                 f"DELETE FROM {RECEIVABLE} WHERE installments = 0 AND ({moved}) "
                 "AND contract_type_id = OLD.contract_type_id AND owner_id = OLD.owner_id"]
    allocation = lambda ids: _paid(v, f"id IN ({ids})")  # noqa: E731
    trigger = lambda name, event, table, body, when="": (  # noqa: E731
        f"CREATE TRIGGER {name} AFTER {event} ON {table} {when} BEGIN {_body(body)} END")
    return {}, {
        "analytics_tally_contract_insert": trigger("analytics_tally_contract_insert", "INSERT", CONTRACTS,
                                                   [s for rows in new.values() for s in rows]),
        "analytics_tally_contract_update": trigger("analytics_tally_contract_update",
                                                   f"UPDATE OF {', '.join(CONTRACT_COLUMNS)}", CONTRACTS, contract,
                                                   f"WHEN {changed()}"),
        "analytics_tally_contract_delete": trigger("analytics_tally_contract_delete", "DELETE", CONTRACTS,
                                                   [s for rows in old.values() for s in rows]),
        "analytics_tally_customer_level": trigger("analytics_tally_customer_level", "UPDATE OF level", CUSTOMERS,
                                                  _customer(v), "WHEN OLD.level IS NOT NEW.level"),
        "analytics_tally_installment_insert": trigger("analytics_tally_installment_insert", "INSERT", INSTALLMENTS,
                                                      _installment(v, "NEW", 1)),
        "analytics_tally_installment_update": trigger(
            "analytics_tally_installment_update", f"UPDATE OF {', '.join(INSTALLMENT_COLUMNS)}", INSTALLMENTS,
            _installment_changed(v), f"WHEN {changed(INSTALLMENT_COLUMNS)}"),
        "analytics_tally_installment_delete": trigger("analytics_tally_installment_delete", "DELETE", INSTALLMENTS,
                                                      _installment(v, "OLD", -1)),
        "analytics_tally_allocation_insert": trigger("analytics_tally_allocation_insert", "INSERT", ALLOCATIONS,
                                                     [allocation("NEW.installment_id")]),
        "analytics_tally_allocation_update": trigger("analytics_tally_allocation_update", "UPDATE", ALLOCATIONS,
                                                     [allocation("OLD.installment_id, NEW.installment_id")]),
        "analytics_tally_allocation_delete": trigger("analytics_tally_allocation_delete", "DELETE", ALLOCATIONS,
                                                     [allocation("OLD.installment_id")]),
        "analytics_tally_receipt_reversed": trigger(
            "analytics_tally_receipt_reversed", "UPDATE OF reversed_at", RECEIPTS,
            [allocation(f"SELECT installment_id FROM {ALLOCATIONS} WHERE receipt_id = NEW.id")],
            "WHEN OLD.reversed_at IS NOT NEW.reversed_at"),
    }


def _key(row: str, table: str) -> str:
    """A contract row's key in a tally (but the customer level) as a row value, for ordering."""
    month = _month("postgresql", f"{row}.signed_date")
    dims = f"{row}.contract_type_id, {row}.owner_id, COALESCE({row}.department_id, 0)"
    return {STATUS: f"ROW({row}.status, {dims})", SIGNED: f"ROW({month}, {dims}, {row}.currency)",
            CUSTOMER: f"ROW({month}, {row}.customer_id, {row}.currency)"}[table]


def _postgresql() -> tuple[dict, dict]:
    v = "postgresql"
    new, old = _row(v, "NEW", 1), _row(v, "OLD", -1)
    # Each table's two rows are locked in key order: two updates moving contracts between the same rows in
    # opposite directions then wait for each other instead of deadlocking.
    ordered = " ".join(
        f"IF {_key('NEW', table)} < {_key('OLD', table)} THEN {_body([*new[table], *old[table]])} "
        f"ELSE {_body([*old[table], *new[table]])} END IF;" for table in (STATUS, SIGNED, CUSTOMER))
    moved = (f"IF {_changed(RECEIVABLE_COLUMNS)} THEN {_body([*_moved(v, 'OLD', '-'), *_moved(v, 'NEW', '')])} "
             f"DELETE FROM {RECEIVABLE} WHERE installments = 0 AND contract_type_id = OLD.contract_type_id "
             "AND owner_id = OLD.owner_id; END IF;")
    paid = lambda ids: _paid(v, f"id IN ({ids})")  # noqa: E731
    function = lambda name, body: (  # noqa: E731
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {body} RETURN NULL; END $$ LANGUAGE plpgsql")
    functions = {
        "analytics_tally_contract": function("analytics_tally_contract",
            f"IF TG_OP = 'INSERT' THEN {_body(s for rows in new.values() for s in rows)} "
            f"ELSIF TG_OP = 'DELETE' THEN {_body(s for rows in old.values() for s in rows)} "
            f"ELSE {ordered} {moved} END IF;"),
        "analytics_tally_customer": function("analytics_tally_customer", _body(_customer(v))),
        "analytics_tally_installment": function("analytics_tally_installment",
            f"IF TG_OP = 'INSERT' THEN {_body(_installment(v, 'NEW', 1))} "
            f"ELSIF TG_OP = 'DELETE' THEN {_body(_installment(v, 'OLD', -1))} "
            f"ELSE {_body(_installment_changed(v))} END IF;"),
        "analytics_tally_allocation": function("analytics_tally_allocation",
            f"IF TG_OP = 'INSERT' THEN {_body([paid('NEW.installment_id')])} "
            f"ELSIF TG_OP = 'DELETE' THEN {_body([paid('OLD.installment_id')])} "
            f"ELSE {_body([paid('OLD.installment_id, NEW.installment_id')])} END IF;"),
        "analytics_tally_receipt": function("analytics_tally_receipt",
            _body([paid(f"SELECT installment_id FROM {ALLOCATIONS} WHERE receipt_id = NEW.id")])),
    }
    trigger = lambda name, event, table, function, when="": (  # noqa: E731
        f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when} EXECUTE FUNCTION {function}()")
    return functions, {
        "analytics_tally_contract_insert": trigger("analytics_tally_contract_insert", "INSERT", CONTRACTS,
                                                   "analytics_tally_contract"),
        "analytics_tally_contract_update": trigger("analytics_tally_contract_update", "UPDATE", CONTRACTS,
                                                   "analytics_tally_contract", f"WHEN ({_changed()})"),
        "analytics_tally_contract_delete": trigger("analytics_tally_contract_delete", "DELETE", CONTRACTS,
                                                   "analytics_tally_contract"),
        "analytics_tally_customer_level": trigger("analytics_tally_customer_level", "UPDATE OF level", CUSTOMERS,
                                                  "analytics_tally_customer",
                                                  "WHEN (OLD.level IS DISTINCT FROM NEW.level)"),
        "analytics_tally_installment_insert": trigger("analytics_tally_installment_insert", "INSERT", INSTALLMENTS,
                                                      "analytics_tally_installment"),
        "analytics_tally_installment_update": trigger("analytics_tally_installment_update", "UPDATE", INSTALLMENTS,
                                                      "analytics_tally_installment",
                                                      f"WHEN ({_changed(INSTALLMENT_COLUMNS)})"),
        "analytics_tally_installment_delete": trigger("analytics_tally_installment_delete", "DELETE", INSTALLMENTS,
                                                      "analytics_tally_installment"),
        "analytics_tally_allocation_insert": trigger("analytics_tally_allocation_insert", "INSERT", ALLOCATIONS,
                                                     "analytics_tally_allocation"),
        "analytics_tally_allocation_update": trigger("analytics_tally_allocation_update", "UPDATE", ALLOCATIONS,
                                                     "analytics_tally_allocation"),
        "analytics_tally_allocation_delete": trigger("analytics_tally_allocation_delete", "DELETE", ALLOCATIONS,
                                                     "analytics_tally_allocation"),
        "analytics_tally_receipt_reversed": trigger("analytics_tally_receipt_reversed", "UPDATE OF reversed_at",
                                                    RECEIPTS, "analytics_tally_receipt",
                                                    "WHEN (OLD.reversed_at IS DISTINCT FROM NEW.reversed_at)"),
    }


def _present(connection) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", ["analytics_tally_%"])
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", ["analytics_tally_%"])
        return {row[0] for row in cursor.fetchall()}


def rebuild(connection) -> None:
    """Work out afresh what was paid on each installment and count everything (in the caller's transaction)."""
    v = connection.vendor
    join = f"JOIN {CUSTOMERS} ON {CUSTOMERS}.id = {CONTRACTS}.customer_id"
    installments = (f"FROM {INSTALLMENTS} i JOIN {CONTRACTS} c ON c.id = i.contract_id JOIN {CUSTOMERS} cu "
                    f"ON cu.id = c.customer_id WHERE c.status IN {_receivable_states()}")
    signed = f"{CONTRACTS}.status <> 'cancelled' AND {CONTRACTS}.signed_date IS NOT NULL"
    year = f"{_month(v, f'{CONTRACTS}.signed_date')} / 100"
    with connection.cursor() as cursor:
        # Only the installments that are off, so the update triggers (when present) have little to do.
        cursor.execute(_paid(v, f"paid_cents <> {_paid_on(v)}"))
        for table in (STATUS, SIGNED, CUSTOMER, RECEIVABLE):
            cursor.execute(f"DELETE FROM {table}")
        for statement in _grouped(v, f"{CUSTOMERS}.level", "", "true", join):
            cursor.execute(statement)
        cursor.execute(_add(CUSTOMER, CUSTOMER_KEY,
                            f"{year}, {CONTRACTS}.customer_id, {CONTRACTS}.currency, COUNT(*), "
                            f"SUM({cents(v, f'{CONTRACTS}.amount')})",
                            f"FROM {CONTRACTS} WHERE {signed} GROUP BY {year}, {CONTRACTS}.customer_id, "
                            f"{CONTRACTS}.currency"))
        for statement in _shares(v, "i", _contract_dims("c", "cu.level"), "", installments):
            cursor.execute(statement)


def ensure(connection) -> bool:
    """Install whatever trigger is missing and, if any was, count everything afresh; True if anything was. The
    triggers are installed after the count, so it does not run them."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return False
    functions, triggers = _sqlite() if connection.vendor == "sqlite" else _postgresql()
    if set(triggers) <= _present(connection):
        return False
    drop(connection)
    rebuild(connection)
    with connection.cursor() as cursor:
        for sql in [*functions.values(), *triggers.values()]:
            cursor.execute(sql)
    return True


def drop(connection) -> None:
    with connection.cursor() as cursor:
        for name, table in TRIGGERS.items():
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        if connection.vendor == "postgresql":
            for name in FUNCTIONS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def _snapshot(connection) -> set:
    with connection.cursor() as cursor:
        rows = set()
        for table in (STATUS, SIGNED, CUSTOMER, RECEIVABLE):
            cursor.execute(f"SELECT * FROM {table}")
            rows |= {(table, *row[1:]) for row in cursor.fetchall()}  # without the id
        cursor.execute(f"SELECT id, paid_cents FROM {INSTALLMENTS}")
        return rows | {(INSTALLMENTS, *row) for row in cursor.fetchall()}


def differences(connection) -> int:
    """How many tally rows (and installments' paid amounts) differ from a fresh count (which is then rolled back);
    0 when all is well."""
    from django.db import transaction

    with transaction.atomic(using=connection.alias):
        kept = _snapshot(connection)
        rebuild(connection)
        fresh = _snapshot(connection)
        transaction.set_rollback(True, using=connection.alias)
    return len(kept ^ fresh)
