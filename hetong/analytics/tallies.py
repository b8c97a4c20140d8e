"""Running tallies of the contracts, kept by the database itself, so the dashboard adds up a few thousand rows
instead of a million contracts.

`StatusTally` counts contracts by status and `SignedTally` counts and sums the signed ones (any status but
cancelled, with a signed date) by month and currency, each by the dimensions the dashboard filters and scopes by:
type, owner, department (0 for none) and customer level. Triggers on the contract and customer tables add and take
away each row's share in the same transaction as the change, whatever makes it: a form, a queryset update, a bulk
import, raw SQL. `ensure` puts them in place after every migrate (on SQLite, a migration that rebuilds a table
drops its triggers) and counts everything afresh whenever one was missing.
"""

STATUS = "analytics_statustally"
SIGNED = "analytics_signedtally"
CONTRACTS = "contracts_contract"
CUSTOMERS = "customers_customer"
STATUS_KEY = "status, contract_type_id, owner_id, department_id, customer_level"
SIGNED_KEY = "month, contract_type_id, owner_id, department_id, customer_level, currency"
CONTRACT_COLUMNS = ("status", "contract_type_id", "owner_id", "department_id", "customer_id", "signed_date", "amount",
                    "currency")
TRIGGERS = ("analytics_tally_contract_insert", "analytics_tally_contract_update", "analytics_tally_contract_delete",
            "analytics_tally_customer_level")


def _month(vendor: str, column: str) -> str:
    """yyyymm of a date column, as an integer."""
    if vendor == "postgresql":
        return f"(EXTRACT(YEAR FROM {column}) * 100 + EXTRACT(MONTH FROM {column}))::integer"
    return f"CAST(substr({column}, 1, 4) || substr({column}, 6, 2) AS INTEGER)"


def cents(vendor: str, column: str) -> str:
    """A money column in whole cents, as an integer expression (exact sums on SQLite too)."""
    if vendor == "postgresql":
        return f"ROUND({column} * 100)::bigint"
    return f"CAST(ROUND({column} * 100) AS INTEGER)"


def _add(table: str, key: str, values: str, source: str) -> str:
    """An upsert adding the counts of `source` (a SELECT's tail) to the rows of `table` with the same key."""
    counts = "contracts, cents" if table == SIGNED else "contracts"
    update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts.split(", "))
    return f"INSERT INTO {table} ({key}, {counts}) SELECT {values} {source} ON CONFLICT ({key}) DO UPDATE SET {update}"


def _row(vendor: str, row: str, sign: int) -> list[str]:
    """The statements adding (sign 1) or taking away (-1) one contract row (NEW or OLD) from the tallies. Taking
    away updates only rows that exist: a flush that empties the tallies before the contracts leaves nothing behind."""
    level = f"(SELECT level FROM {CUSTOMERS} WHERE id = {row}.customer_id)"
    signed = f"{row}.status <> 'cancelled' AND {row}.signed_date IS NOT NULL"
    month = _month(vendor, f"{row}.signed_date")
    amount = cents(vendor, f"{row}.amount")
    if sign > 0:
        dims = f"{row}.contract_type_id, {row}.owner_id, COALESCE({row}.department_id, 0), {level}"
        return [
            _add(STATUS, STATUS_KEY, f"{row}.status, {dims}, 1", "WHERE true"),
            _add(SIGNED, SIGNED_KEY, f"{month}, {dims}, {row}.currency, 1, {amount}", f"WHERE {signed}"),
        ]
    match = (f"contract_type_id = {row}.contract_type_id AND owner_id = {row}.owner_id "
             f"AND department_id = COALESCE({row}.department_id, 0) AND customer_level = {level}")
    status = f"status = {row}.status AND {match}"
    signed_row = f"{signed} AND month = {month} AND {match} AND currency = {row}.currency"
    return [
        f"UPDATE {STATUS} SET contracts = contracts - 1 WHERE {status}",
        f"DELETE FROM {STATUS} WHERE contracts = 0 AND {status}",
        f"UPDATE {SIGNED} SET contracts = contracts - 1, cents = cents - {amount} WHERE {signed_row}",
        f"DELETE FROM {SIGNED} WHERE contracts = 0 AND {signed_row}",
    ]


def _grouped(vendor: str, level: str, sign: str, where: str, join: str = "") -> list[str]:
    """Upserts adding (or, with sign "-", taking away) every contract `where` selects, grouped, as customer level
    `level` (an expression, with `join` if it needs one)."""
    c = CONTRACTS
    dims = f"{c}.contract_type_id, {c}.owner_id, COALESCE({c}.department_id, 0), {level}"
    signed = f"{c}.status <> 'cancelled' AND {c}.signed_date IS NOT NULL"
    month = _month(vendor, f"{c}.signed_date")
    source = f"FROM {c} {join} WHERE {where}"
    return [
        _add(STATUS, STATUS_KEY, f"{c}.status, {dims}, {sign}COUNT(*)", f"{source} GROUP BY {c}.status, {dims}"),
        _add(SIGNED, SIGNED_KEY, f"{month}, {dims}, {c}.currency, {sign}COUNT(*), {sign}SUM({cents(vendor, f'{c}.amount')})",
             f"{source} AND {signed} GROUP BY {month}, {dims}, {c}.currency"),
    ]


def _customer(vendor: str) -> list[str]:
    """A customer's new level moves its contracts from one level's rows to the other's."""
    return [
        *_grouped(vendor, "OLD.level", "-", f"{CONTRACTS}.customer_id = OLD.id"),
        *_grouped(vendor, "NEW.level", "", f"{CONTRACTS}.customer_id = NEW.id"),
        f"DELETE FROM {STATUS} WHERE contracts = 0 AND customer_level = OLD.level",
        f"DELETE FROM {SIGNED} WHERE contracts = 0 AND customer_level = OLD.level",
    ]


def _changed() -> str:
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in CONTRACT_COLUMNS)


def _body(statements) -> str:
    return " ".join(f"{s};" for s in statements)


def _sqlite() -> tuple[dict, dict]:
    changed = _changed().replace("IS DISTINCT FROM", "IS NOT")
    columns = ", ".join(CONTRACT_COLUMNS)
    return {}, {
        "analytics_tally_contract_insert": f"CREATE TRIGGER analytics_tally_contract_insert AFTER INSERT ON {CONTRACTS} "
        f"BEGIN {_body(_row('sqlite', 'NEW', 1))} END",
        "analytics_tally_contract_update": f"CREATE TRIGGER analytics_tally_contract_update AFTER UPDATE OF {columns} "
        f"ON {CONTRACTS} WHEN {changed} BEGIN {_body(_row('sqlite', 'OLD', -1) + _row('sqlite', 'NEW', 1))} END",
        "analytics_tally_contract_delete": f"CREATE TRIGGER analytics_tally_contract_delete AFTER DELETE ON {CONTRACTS} "
        f"BEGIN {_body(_row('sqlite', 'OLD', -1))} END",
        "analytics_tally_customer_level": f"CREATE TRIGGER analytics_tally_customer_level AFTER UPDATE OF level "
        f"ON {CUSTOMERS} WHEN OLD.level IS NOT NEW.level BEGIN {_body(_customer('sqlite'))} END",
    }


def _key(row: str, *, status: bool) -> str:
    """A contract row's tally key (but the customer level) as a row value, for ordering."""
    first = f"{row}.status" if status else _month("postgresql", f"{row}.signed_date")
    last = "" if status else f", {row}.currency"
    return f"ROW({first}, {row}.contract_type_id, {row}.owner_id, COALESCE({row}.department_id, 0){last})"


def _postgresql() -> tuple[dict, dict]:
    new, old = _row("postgresql", "NEW", 1), _row("postgresql", "OLD", -1)  # [status, signed], [status ×2, signed ×2]
    functions = {
        "analytics_tally_contract": "CREATE OR REPLACE FUNCTION analytics_tally_contract() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {_body(new)} "
        f"ELSIF TG_OP = 'DELETE' THEN {_body(old)} "
        # Each table's two rows are locked in key order: two updates moving contracts between the same rows in
        # opposite directions then wait for each other instead of deadlocking.
        f"ELSE IF {_key('NEW', status=True)} < {_key('OLD', status=True)} THEN {_body([new[0], *old[:2]])} "
        f"ELSE {_body([*old[:2], new[0]])} END IF; "
        f"IF {_key('NEW', status=False)} < {_key('OLD', status=False)} THEN {_body([new[1], *old[2:]])} "
        f"ELSE {_body([*old[2:], new[1]])} END IF; END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql",
        "analytics_tally_customer": "CREATE OR REPLACE FUNCTION analytics_tally_customer() RETURNS trigger AS $$ BEGIN "
        f"{_body(_customer('postgresql'))} RETURN NULL; END $$ LANGUAGE plpgsql",
    }
    run = "FOR EACH ROW EXECUTE FUNCTION"
    return functions, {
        "analytics_tally_contract_insert": f"CREATE TRIGGER analytics_tally_contract_insert AFTER INSERT ON {CONTRACTS} "
        f"{run} analytics_tally_contract()",
        "analytics_tally_contract_update": f"CREATE TRIGGER analytics_tally_contract_update AFTER UPDATE ON {CONTRACTS} "
        f"FOR EACH ROW WHEN ({_changed()}) EXECUTE FUNCTION analytics_tally_contract()",
        "analytics_tally_contract_delete": f"CREATE TRIGGER analytics_tally_contract_delete AFTER DELETE ON {CONTRACTS} "
        f"{run} analytics_tally_contract()",
        "analytics_tally_customer_level": f"CREATE TRIGGER analytics_tally_customer_level AFTER UPDATE OF level "
        f"ON {CUSTOMERS} FOR EACH ROW WHEN (OLD.level IS DISTINCT FROM NEW.level) EXECUTE FUNCTION analytics_tally_customer()",
    }


def _present(connection) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", ["analytics_tally_%"])
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", ["analytics_tally_%"])
        return {row[0] for row in cursor.fetchall()}


def rebuild(connection) -> None:
    """Count every contract afresh (in the caller's transaction)."""
    join = f"JOIN {CUSTOMERS} ON {CUSTOMERS}.id = {CONTRACTS}.customer_id"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STATUS}")
        cursor.execute(f"DELETE FROM {SIGNED}")
        for statement in _grouped(connection.vendor, f"{CUSTOMERS}.level", "", "true", join):
            cursor.execute(statement)


def ensure(connection) -> bool:
    """Install whatever trigger is missing and, if any was, count everything afresh; True if anything was."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return False
    functions, triggers = _sqlite() if connection.vendor == "sqlite" else _postgresql()
    present = _present(connection)
    missing = [sql for name, sql in triggers.items() if name not in present]
    if not missing:
        return False
    with connection.cursor() as cursor:
        for sql in [*functions.values(), *missing]:
            cursor.execute(sql)
    rebuild(connection)
    return True


def drop(connection) -> None:
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            table = CUSTOMERS if name.endswith("customer_level") else CONTRACTS
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS analytics_tally_contract()")
            cursor.execute("DROP FUNCTION IF EXISTS analytics_tally_customer()")


def _snapshot(connection) -> set:
    with connection.cursor() as cursor:
        rows = set()
        for table in (STATUS, SIGNED):
            cursor.execute(f"SELECT * FROM {table}")
            rows |= {(table, *row[1:]) for row in cursor.fetchall()}  # without the id
        return rows


def differences(connection) -> int:
    """How many tally rows differ from a fresh count (which is then rolled back); 0 when all is well."""
    from django.db import transaction

    with transaction.atomic(using=connection.alias):
        kept = _snapshot(connection)
        rebuild(connection)
        fresh = _snapshot(connection)
        transaction.set_rollback(True, using=connection.alias)
    return len(kept ^ fresh)
