"""`make bench`: load 100,000 customers and 1,000,000 contracts into a fresh database and time the workloads
of DESIGN.md §6, each beside its floor measured in the same run.

    python -m bench.run                                   # the full run (several minutes)
    python -m bench.run --customers 2000 --contracts 20000  # a quick run

SQLite always (a fresh file under a temporary HETONG_HOME); PostgreSQL too when DATABASE_URL points at one
(a fresh database `hetong_bench`, dropped afterwards). Each database runs in its own child process, because
Django reads its settings once. See bench/README.md for what each figure means. The marks are informative:
the bench never fails the build on a slow figure.
"""

import argparse
import gc
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit, urlunsplit

BENCH_DB = "hetong_bench"
FLOOR_DB = "hetong_bench_floor"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=int(os.environ.get("BENCH_CUSTOMERS", "100000")))
    parser.add_argument("--contracts", type=int, default=int(os.environ.get("BENCH_CONTRACTS", "1000000")))
    parser.add_argument(
        "--runs",
        type=int,
        default=int(os.environ.get("BENCH_RUNS", "15")),
        help="timed runs per figure, after the warm-up (default 15)",
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=10_000, help="rows per transaction while loading")
    parser.add_argument("--deep", type=int, default=400_000, help="row where the deep page starts")
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE on SQLite after loading")
    parser.add_argument(
        "--sqlite-only", action="store_true", help="skip PostgreSQL even if DATABASE_URL is set"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases and print where they are")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the parent: one child process per database ----------------------------------------------------------


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args)
    forwarded = [
        f"--customers={args.customers}",
        f"--contracts={args.contracts}",
        f"--runs={args.runs}",
        f"--warmup={args.warmup}",
        f"--seed={args.seed}",
        f"--chunk={args.chunk}",
        f"--deep={args.deep}",
    ]
    if args.analyze:
        forwarded.append("--analyze")
    home = Path(tempfile.mkdtemp(prefix="hetong-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hetong.settings",
        "HETONG_LOG_LEVEL": "WARNING",
        # Plain static files and no HTTPS redirect, as in the tests: the test client speaks plain HTTP.
        "HETONG_TESTING": "1",
        "HETONG_DEBUG": "0",
        "PYTHONHASHSEED": "0",
    }
    url = env.pop("DATABASE_URL", "")
    status = 0
    try:
        sqlite_home = home / "sqlite"
        sqlite_env = {
            **env,
            "HETONG_HOME": str(sqlite_home),
            "HETONG_SQLITE_PATH": str(sqlite_home / "bench.sqlite3"),
        }
        status = subprocess.call(
            [sys.executable, "-m", "bench.run", "--child=sqlite", f"--home={sqlite_home}", *forwarded],
            env=sqlite_env,
        )
        if url.startswith(("postgres://", "postgresql://")) and not args.sqlite_only:
            drop = [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)" for name in (BENCH_DB, FLOOR_DB)]
            _pg_admin(url, *drop, f"CREATE DATABASE {BENCH_DB}")
            try:
                pg_home = home / "postgresql"
                pg_env = {**env, "HETONG_HOME": str(pg_home), "DATABASE_URL": _with_db(url, BENCH_DB)}
                status = (
                    subprocess.call(
                        [
                            sys.executable,
                            "-m",
                            "bench.run",
                            "--child=postgresql",
                            f"--home={pg_home}",
                            *forwarded,
                        ],
                        env=pg_env,
                    )
                    or status
                )
            finally:
                if not args.keep:
                    _pg_admin(url, *drop)
        elif url:
            print(f"DATABASE_URL is not PostgreSQL ({urlsplit(url).scheme}): only SQLite was measured.")
    finally:
        if args.keep:
            print(f"kept: {home}" + (f" and PostgreSQL databases {BENCH_DB}, {FLOOR_DB}" if url else ""))
        else:
            shutil.rmtree(home, ignore_errors=True)
    return status  # non-zero only if a child crashed: slow figures never fail the build


# --- measuring -------------------------------------------------------------------------------------------


@dataclass
class Line:
    label: str
    median: float | None  # seconds, or rows/s for a load
    floor: float | None
    target: str = ""
    ok: bool | None = None  # None: no target, or not measured
    note: str = ""
    rate: bool = False  # median and floor are rows/s: the ratio is median/floor, higher is better
    unit: str = "rows/s"


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:.1f} ms"


def show(line: Line) -> Line:
    if line.rate:
        median = "n/a" if line.median is None else f"{line.median:,.1f} {line.unit}"
        floor = "n/a" if line.floor is None else f"{line.floor:,.1f} {line.unit}"
        ratio = f"{line.median / line.floor:.0%}" if line.median and line.floor else "n/a"
    else:
        median, floor = _ms(line.median), _ms(line.floor)
        ratio = f"{line.median / line.floor:.1f}x" if line.median and line.floor else "n/a"
    mark = {True: "PASS", False: "FAIL", None: ""}[line.ok]
    print(
        f"{line.label:<46} median {median:>16}   floor {floor:>16}   ratio {ratio:>6}   "
        f"{line.target:<24} {mark}{'  ' + line.note if line.note else ''}",
        flush=True,
    )
    return line


# Seconds: a figure this slow is timed 5 times, not --runs times, so a bad plan cannot stall the run.
SLOW = 1.0


def median_time(fn: Callable, *, runs: int, warmup: int) -> float:
    start = time.perf_counter()
    fn()
    if time.perf_counter() - start > SLOW:
        runs, warmup = min(runs, 5), 1
    for _ in range(warmup - 1):
        fn()
    gc.collect()  # start each series with no garbage pending
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


class Unavailable(Exception):
    """A page or endpoint that does not answer 200."""


# --- the child: one database -----------------------------------------------------------------------------


def child(args) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing one
    call_command("migrate", interactive=False, verbosity=0)
    Bench(args).run()
    return 0


class Bench:
    def __init__(self, args):
        from django.db import connection

        self.args = args
        self.connection = connection
        self.vendor = connection.vendor
        self.lines: list[Line] = []
        self.plans: list[tuple[str, list[str]]] = []

    # -- helpers

    def time(self, fn: Callable, runs: int | None = None) -> float:
        return median_time(fn, runs=runs or self.args.runs, warmup=self.args.warmup)

    def add(self, line: Line) -> Line:
        self.lines.append(show(line))
        return line

    def capture(self, fn: Callable) -> list[str]:
        """The SQL statements `fn` runs, with parameters inlined, ready to run bare."""
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(self.connection) as queries:
            fn()
        return [q["sql"] for q in queries.captured_queries]

    def raw(self, statements: list[str]) -> Callable:
        """Run statements on the same connection's DB-API cursor: no ORM, no Django cursor wrapper."""

        def run():
            self.connection.ensure_connection()
            cursor = self.connection.connection.cursor()
            try:
                rows = None
                for sql in statements:
                    cursor.execute(sql)
                    rows = cursor.fetchall()
                return rows
            finally:
                cursor.close()

        return run

    def explain(self, label: str, sql: str) -> list[str]:
        cursor = self.connection.connection.cursor()
        try:
            if self.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                plan = [row[3] for row in cursor.fetchall()]
            else:
                cursor.execute("EXPLAIN " + sql)
                plan = [row[0] for row in cursor.fetchall()]
        finally:
            cursor.close()
        self.plans.append((label, plan))
        return plan

    def full_scan(self, plan: list[str], table: str) -> bool:
        if self.vendor == "sqlite":
            return any(re.match(rf"SCAN {table}\b", line) and "INDEX" not in line for line in plan)
        return any(re.search(rf"Seq Scan on {table}\b", line) for line in plan)

    def seeks_on(self, plan: list[str], column: str) -> bool:
        """Whether an index is searched by a range on `column`, rather than the rows filtered one by one."""
        if self.vendor == "sqlite":
            return any("USING" in line and re.search(rf"\b{column}[<>=]", line) for line in plan)
        return any("Index Cond" in line and column in line for line in plan)

    def sorts(self, plan: list[str]) -> bool:
        """Whether many rows are sorted (a sort of a handful of groups does not count)."""
        if self.vendor == "sqlite":
            return any("TEMP B-TREE FOR ORDER BY" in line for line in plan)
        sizes = [int(m.group(1)) for line in plan if (m := re.search(r"Sort\s+\(cost=\S+ rows=(\d+)", line))]
        return any(size > 1000 for size in sizes)

    # -- the run

    def run(self):
        import django

        args = self.args
        version = (
            sqlite3.sqlite_version if self.vendor == "sqlite" else self.raw(["SHOW server_version"])()[0][0]
        )
        print(
            f"\n=== Hetong bench on {self.vendor} {version}: {args.customers:,} customers, {args.contracts:,} "
            f"contracts; median of {args.runs} runs after {args.warmup} warm-up; Python {platform.python_version()}, "
            f"Django {django.get_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} ===",
            flush=True,
        )
        world, self.admin, self.manager = self.make_world()
        self.load(world)
        gc.collect()
        gc.freeze()  # the long-lived objects of the load stay out of every later collection
        from django.test.utils import override_settings

        with override_settings(ROOT_URLCONF="bench.urls"):
            self.clients()
            self.contract_list()
            self.search()
            self.customer_page()
            self.aggregates_and_reminders()
        self.documents()
        self.signatures()
        self.imports()
        self.report()

    def make_world(self):
        from hetong.accounts.models import Department, User
        from hetong.contracts.models import ContractType, LegalEntity
        from hetong.core import demo
        from hetong.core.uscc import check_char

        from .data import World

        sales = Department.objects.create(name="销售部")
        regions = [
            Department.objects.create(name=name, parent=sales)
            for name in ("华东大区", "华北大区", "华南大区")
        ]
        owners = []
        for number in range(1, 9):
            team = Department.objects.create(name=f"销售{number}组", parent=regions[number % 3])
            user = User.objects.create_user(
                username=f"sales{number}", password=None, role="sales", department=team
            )
            owners.append((user.pk, team.pk))
        admin = User.objects.create_user(
            username="admin", password=None, role="admin", is_staff=True, is_superuser=True, department=sales
        )
        manager = User.objects.create_user(
            username="manager", password=None, role="sales_manager", department=regions[0]
        )
        entities = [
            LegalEntity.objects.create(name=name, credit_code=body + check_char(body)).pk
            for name, body, _address, _rep in demo.ENTITIES
        ]
        types = dict(ContractType.objects.values_list("code", "id"))
        return World(owners=owners, types=types, entities=entities), admin, manager

    # -- 1. bulk load

    def open_floor(self):
        """A second database with the same schema (tables, indexes, FTS triggers) and the same fixed rows,
        for the bare executemany floor."""
        from django.conf import settings

        self.connection.close()
        if self.vendor == "sqlite":
            source = settings.DATABASES["default"]["NAME"]
            with sqlite3.connect(source) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
            target = Path(self.args.home) / "floor.sqlite3"
            shutil.copyfile(source, target)
            floor = sqlite3.connect(target, isolation_level=None)
            for pragma in settings.DATABASES["default"]["OPTIONS"]["init_command"].split(";"):
                if pragma.strip():
                    floor.execute(pragma)
            return floor
        import psycopg

        url = os.environ["DATABASE_URL"]
        _pg_admin(url, f"CREATE DATABASE {FLOOR_DB} TEMPLATE {BENCH_DB}")
        return psycopg.connect(_with_db(url, FLOOR_DB))

    def load_table(self, model, chunks, floor) -> tuple[float, float, int]:
        """Load the same rows into both databases, chunk by chunk; returns (ORM s, floor s, rows)."""
        from django.db import transaction

        fields = model._meta.concrete_fields
        names = [f.attname for f in fields]
        mark = "?" if self.vendor == "sqlite" else "%s"
        qn = self.connection.ops.quote_name
        sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
            f"VALUES ({', '.join([mark] * len(fields))})"
        )
        # The floor gets values already adapted for the driver, exactly as the ORM would send them.
        adapt = [
            (
                name,
                (lambda value, f=f: f.get_db_prep_save(value, self.connection))
                if f.get_internal_type() in {"DateField", "DateTimeField", "DecimalField", "JSONField"}
                else None,
            )
            for name, f in zip(names, fields, strict=True)
        ]
        orm = bare = 0.0
        total = 0
        for index, rows in enumerate(chunks):
            prepared = [
                tuple(row[name] if fn is None else fn(row[name]) for name, fn in adapt) for row in rows
            ]

            def run_floor(prepared=prepared):
                start = time.perf_counter()
                cursor = floor.cursor()
                if self.vendor == "sqlite":
                    cursor.execute("BEGIN IMMEDIATE")
                    cursor.executemany(sql, prepared)
                    cursor.execute("COMMIT")
                else:
                    cursor.executemany(sql, prepared)
                    floor.commit()
                cursor.close()
                return time.perf_counter() - start

            def run_orm(rows=rows):
                start = time.perf_counter()
                with transaction.atomic():
                    model.objects.bulk_create([model(**row) for row in rows])
                return time.perf_counter() - start

            # Alternate which goes first so neither always meets the warmer cache.
            if index % 2:
                orm += run_orm()
                bare += run_floor()
            else:
                bare += run_floor()
                orm += run_orm()
            total += len(rows)
            if index % 10 == 9:
                print(f"  {model._meta.db_table}: {total:,} rows", flush=True)
        return orm, bare, total

    def load_payments(self, chunks) -> None:
        """The signed contracts' installments, receipts and allocations, for the dashboard's money figures; loaded
        through the ORM only (the bulk-load figures above are the customers' and contracts')."""
        from django.db import transaction

        from hetong.payments.models import Allocation, Installment, Receipt

        started = time.perf_counter()
        counts = [0, 0, 0]
        for rows in chunks:
            with transaction.atomic():
                for index, (model, part) in enumerate(zip((Installment, Receipt, Allocation), rows, strict=True)):
                    model.objects.bulk_create([model(**row) for row in part])
                    counts[index] += len(part)
        print(f"  payments: {counts[0]:,} installments, {counts[1]:,} receipts and {counts[2]:,} allocations "
              f"in {time.perf_counter() - started:.0f} s", flush=True)

    def load(self, world):
        from hetong.contracts.models import Contract
        from hetong.core.dates import company_today
        from hetong.customers.models import Customer
        from hetong.payments.models import Allocation, Installment, Receipt

        from .data import contracts, customers, payments

        args = self.args
        floor = self.open_floor()
        info: list = []
        payable: list = []
        started = time.perf_counter()
        load_total = {"orm": 0.0, "floor": 0.0, "rows": 0}
        for label, model, chunks in (
            (
                "customers",
                Customer,
                customers(world, count=args.customers, seed=args.seed, chunk=args.chunk, info=info),
            ),
            # A generator starts when first iterated: by then `info` holds every customer.
            (
                "contracts",
                Contract,
                contracts(
                    world,
                    count=args.contracts,
                    customers=info,
                    seed=args.seed,
                    chunk=args.chunk,
                    today=company_today(),
                    payable=payable,
                ),
            ),
        ):
            orm, bare, rows = self.load_table(model, chunks, floor)
            load_total["orm"] += orm
            load_total["floor"] += bare
            load_total["rows"] += rows
            self.add(
                Line(
                    f"bulk load {label} ({rows:,} rows)",
                    rows / orm,
                    rows / bare,
                    "≥ 50% of floor",
                    orm and bare / orm >= 0.5,
                    rate=True,
                )
            )
        self.add(
            Line(
                "bulk load, all rows",
                load_total["rows"] / load_total["orm"],
                load_total["rows"] / load_total["floor"],
                "≥ 50% of floor",
                load_total["floor"] / load_total["orm"] >= 0.5,
                rate=True,
                note=f"(wall {time.perf_counter() - started:.0f} s including row generation)",
            )
        )
        floor.close()
        self.load_payments(payments(payable, seed=args.seed, chunk=args.chunk, today=company_today()))
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                from django.core.management.color import no_style

                models = [Customer, Contract, Installment, Receipt, Allocation]
                for statement in self.connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
                cursor.execute("ANALYZE")  # what autovacuum does shortly after a bulk load
            elif args.analyze:
                cursor.execute("ANALYZE")
        if self.vendor == "sqlite":
            size = Path(self.connection.settings_dict["NAME"]).stat().st_size
            print(
                f"  database file: {size / 2**20:,.0f} MiB{' (ANALYZE run)' if args.analyze else ' (no ANALYZE)'}"
            )

    # -- page helpers

    def clients(self):
        from django.test import Client

        from hetong.accounts.services import create_api_token

        self.web = Client()
        self.web.force_login(self.admin, backend="django.contrib.auth.backends.ModelBackend")
        self.web_manager = Client()
        self.web_manager.force_login(self.manager, backend="django.contrib.auth.backends.ModelBackend")
        token = create_api_token(self.admin, by=self.admin, name="bench")[1]
        self.api = Client(headers={"authorization": f"Bearer {token}"})

    def page(self, client, url: str) -> Callable:
        """A GET through the test client that must answer 200; Unavailable if the page is not built yet."""
        from django.urls import Resolver404, resolve

        try:
            resolve(url.split("?")[0])
        except Resolver404:
            raise Unavailable("no such URL yet") from None

        def run():
            response = client.get(url)
            if response.status_code != 200:
                raise Unavailable(f"HTTP {response.status_code}")
            return response

        run()
        return run

    def floor_view(self, name: str, statements: list[str]) -> Callable:
        from . import urls

        urls.QUERIES[name] = statements
        return self.page(self.web, f"/__bench__/floor/{name}/")

    def page_line(
        self,
        label: str,
        client,
        url: str,
        floor: Callable,
        *,
        target: str,
        limit: float | None,
        factor: float = 3.0,
    ) -> Line:
        try:
            run = self.page(client, url)
            queries = len(self.capture(run))
        except Unavailable as exc:
            return self.add(Line(label, None, None, target, None, note=f"n/a: {url} {exc}"))
        except Exception as exc:  # a page that crashes is reported, and the bench goes on
            return self.add(
                Line(label, None, None, target, False, note=f"ERROR {url}: {type(exc).__name__}: {exc}")
            )
        median, floor_median = self.time(run), self.time(floor)
        ok = median <= factor * floor_median and (limit is None or median <= limit)
        return self.add(Line(label, median, floor_median, target, ok, note=f"{queries} queries"))

    # -- 2. the contract list

    def list_qs(self, user, params: str = "status=active&sort=end_date"):
        from django.http import QueryDict

        from hetong.contracts.filters import ContractFilter
        from hetong.contracts.models import Contract

        queryset = Contract.objects.visible_to(user).select_related("customer", "owner", "contract_type")
        return ContractFilter(QueryDict(params), queryset=queryset).qs

    def contract_list(self):
        from hetong.contracts.filters import sort_for
        from hetong.core.pagination import make_cursor, order, paginate

        sort = sort_for("end_date")
        page_target, limit = "≤ 50 ms and ≤ 3× floor", 0.050

        def orm(user, cursor=None):
            return lambda: list(paginate(self.list_qs(user), sort, cursor=cursor, size=25).items)

        count = self.list_qs(self.admin).count()
        deep = max(1, min(self.args.deep, count - 100))
        offset_sql = self.capture(
            lambda: list(order(self.list_qs(self.admin), sort).values_list("end_date", "id")[deep - 1 : deep])
        )
        end_date, pk = self.raw(offset_sql)()[0]
        cursor = make_cursor(sort, SimpleNamespace(end_date=end_date, pk=pk))
        print(
            f"\n-- contract list: status=active sorted by end date, 25 a page; {count:,} rows match; "
            f"deep page starts after row {deep:,}",
            flush=True,
        )
        for label, user, client, page_cursor in (
            ("first page", self.admin, self.web, None),
            (f"deep page (row {deep:,}, keyset)", self.admin, self.web, cursor),
            ("first page, sales manager's scope", self.manager, self.web_manager, None),
        ):
            statements = self.capture(orm(user, page_cursor))
            bare = self.raw(statements)
            self.add(
                Line(
                    f"contract list {label}: ORM paginate",
                    self.time(orm(user, page_cursor)),
                    self.time(bare),
                    "(query floor: bare SQL)",
                )
            )
            for sql, what in zip(statements, ("count", "page"), strict=False):
                self.explain(f"contract list {label}: {what}", sql)
            query = "status=active&sort=end_date" + (f"&cursor={page_cursor}" if page_cursor else "")
            floor = self.floor_view(f"list-{len(self.lines)}", statements)
            self.page_line(
                f"contract list {label}: page",
                client,
                f"/contracts/?{query}",
                floor,
                target=page_target,
                limit=limit,
            )
            if user is self.admin:
                self.page_line(
                    f"contract list {label}: API",
                    self.api,
                    f"/api/v1/contracts?{query}",
                    floor,
                    target=page_target,
                    limit=limit,
                )
        offset_page = self.capture(lambda: list(order(self.list_qs(self.admin), sort)[deep : deep + 26]))
        self.explain(f"contract list deep page by OFFSET {deep:,}", offset_page[-1])
        self.add(
            Line(
                f"  for comparison: deep page by OFFSET {deep:,}",
                self.time(self.raw(offset_page[-1:]), 5),
                None,
                "(bare SQL; keyset avoids it)",
            )
        )

    # -- 3. search

    def search(self):
        from hetong.contracts.filters import sort_for
        from hetong.contracts.models import Contract
        from hetong.core.pagination import paginate
        from hetong.search.backend import _pg_query, _sqlite_query, fts_table

        sort = sort_for("-id")
        print(
            "\n-- full-text search over contracts (number, title, customer name), newest first, 25 a page",
            flush=True,
        )
        # A common Chinese word, a common English word, and one contract's number (a single match).
        number = Contract.objects.values_list("number", flat=True).get(
            pk=max(1, self.args.contracts // 2 + 7)
        )
        for term in ("物流", "agreement", number):

            def orm(term=term):
                return list(
                    paginate(
                        Contract.objects.visible_to(self.admin).search(term), sort, cursor=None, size=25
                    ).items
                )

            statements = self.capture(orm)
            median = self.time(orm)
            self.add(
                Line(
                    f"search {term!r}: first page + count (ORM)",
                    median,
                    self.time(self.raw(statements)),
                    "≤ 100 ms",
                    median <= 0.100,
                )
            )
            for sql, what in zip(statements, ("count", "page"), strict=False):
                self.explain(f"search {term!r}: {what}", sql)
            if self.vendor == "sqlite":
                table = fts_table(Contract)
                match = _sqlite_query(term).replace("'", "''")
                bare_page = (
                    f"SELECT rowid FROM {table} WHERE {table} MATCH '{match}' ORDER BY rowid DESC LIMIT 26"
                )
                bare_count = f"SELECT count(*) FROM {table} WHERE {table} MATCH '{match}'"
            else:
                match = _pg_query(term).replace("'", "''")
                where = f"to_tsvector('simple', search_tokens) @@ to_tsquery('simple', '{match}')"
                bare_page = f"SELECT id FROM contracts_contract WHERE {where} ORDER BY id DESC LIMIT 26"
                bare_count = f"SELECT count(*) FROM contracts_contract WHERE {where}"
            matches = self.raw([bare_count])()[0][0]
            self.add(
                Line(
                    "  for comparison: bare full-text match, 26 ids",
                    self.time(self.raw([bare_page])),
                    None,
                    "(bare SQL, no join)",
                )
            )
            self.add(
                Line(
                    "  for comparison: bare full-text match, count",
                    self.time(self.raw([bare_count])),
                    None,
                    f"({matches:,} rows match)",
                )
            )
            floor = self.floor_view(f"search-{len(self.lines)}", statements)
            self.page_line(
                f"search {term!r}: page",
                self.web,
                f"/contracts/?{urlencode({'q': term})}",
                floor,
                target="≤ 100 ms and ≤ 3× floor",
                limit=0.100,
            )
        like = "SELECT count(*) FROM contracts_contract WHERE title LIKE '%物流%'"
        self.add(
            Line(
                "  for comparison: LIKE '%物流%' count on titles",
                self.time(self.raw([like]), 5),
                None,
                "(bare SQL, full scan)",
            )
        )

    # -- 4. the customer page

    def customer_page(self):
        from hetong.contracts.models import Contract
        from hetong.customers.models import Contact, Customer, Interaction

        biggest = self.raw(
            [
                "SELECT customer_id, count(*) FROM contracts_contract GROUP BY customer_id "
                "ORDER BY 2 DESC LIMIT 1"
            ]
        )()[0]
        typical = self.args.customers // 2 or 1
        typical_count = Contract.objects.filter(customer_id=typical).count()
        print("\n-- customer page /customers/<id>/", flush=True)
        for label, pk, contracts in (
            ("largest", biggest[0], biggest[1]),
            ("typical", typical, typical_count),
        ):

            def reads(pk=pk):
                list(Customer.objects.filter(pk=pk).select_related("owner", "department"))
                list(Contact.objects.filter(customer_id=pk))
                Contract.objects.filter(customer_id=pk).count()
                list(
                    Contract.objects.filter(customer_id=pk)
                    .select_related("contract_type", "owner")
                    .order_by("-id")[:26]
                )
                list(Interaction.objects.filter(customer_id=pk).select_related("author")[:20])

            statements = self.capture(reads)
            self.explain(f"customer page ({label}): its contracts", statements[3])
            floor = self.floor_view(f"customer-{pk}", statements)
            self.page_line(
                f"customer page ({label}: {contracts:,} contracts)",
                self.web,
                f"/customers/{pk}/",
                floor,
                target="≤ 3× floor (no §6 target)",
                limit=None,
            )

    # -- 5. dashboard aggregate and reminder scans

    def aggregates_and_reminders(self):
        from django.db.models import Count

        from hetong.contracts.models import Contract

        print("\n-- dashboard aggregate and reminder scans", flush=True)

        def by_status():
            return list(Contract.objects.values("status").annotate(n=Count("id")).order_by())

        statements = self.capture(by_status)
        self.explain("contracts by status", statements[0])
        median = self.time(by_status)
        self.add(
            Line(
                "dashboard: contracts by status (ORM)",
                median,
                self.time(self.raw(statements)),
                "≤ 300 ms",
                median <= 0.300,
            )
        )
        self.dashboard()
        for label, column, make in (
            (
                "notice deadline within 30 days",
                "notice_deadline",
                lambda: Contract.objects.notice_due(within=30),
            ),
            ("ending within 30 days", "end_date", lambda: Contract.objects.expiring(within=30)),
        ):

            def scan(make=make):
                return list(make().values_list("id", flat=True))

            statements = self.capture(scan)
            plan = self.explain(f"reminder scan: {label}", statements[0])
            indexed = self.seeks_on(plan, column)
            rows = len(scan())
            self.add(
                Line(
                    f"reminder scan: {label} ({rows:,} rows)",
                    self.time(scan),
                    self.time(self.raw(statements)),
                    f"index range on {column}",
                    indexed,
                )
            )

    def dashboard(self):
        """Every figure of the dashboard (analytics.selectors.summary: some twenty grouped counts and sums) for the
        administrator, beside the same statements run bare; and the API call beside a view returning their rows."""
        from hetong.analytics.selectors import FIGURES, query, summary

        def orm():
            return summary(self.admin, {})

        runs = max(3, self.args.runs // 3)
        checked = query(self.admin, {})  # lazy querysets: each figure runs its own statements every time
        for name, figure in FIGURES.items():
            def one(figure=figure):
                return figure(checked)

            part = self.capture(one)
            median = self.time(one, runs)
            self.add(Line(f"dashboard: {name} (SQL ×{len(part)})", median, self.time(self.raw(part), runs),
                          "≤ 300 ms", median <= 0.300))
        statements = self.capture(orm)
        median = self.time(orm, runs)
        self.add(Line(f"dashboard: every figure ({len(statements)} queries, ORM)", median,
                      self.time(self.raw(statements), runs), "≤ 300 ms", median <= 0.300))
        self.page_line("dashboard: GET /api/v1/analytics/summary", self.api, "/api/v1/analytics/summary",
                       self.floor_view("dashboard", statements), target="≤ 300 ms and ≤ 3× floor", limit=0.300)

    # -- report

    # -- 5. document generation

    def documents(self, count: int = 12):
        """Documents per second through the service (read, render, check, store) against the bare library doing
        only the rendering of the same template and context: docxtpl for Word, WeasyPrint for the PDF route."""
        import io
        from decimal import Decimal

        from django.test.utils import override_settings
        from docxtpl import DocxTemplate

        from hetong.contracts.models import Contract, LineItem
        from hetong.documents import demo as library
        from hetong.documents import engine, pdf, services
        from hetong.documents.models import Template

        print("\n-- document generation", flush=True)
        library.load_library(self.admin, progress=lambda _line: None)
        contracts = list(
            Contract.objects.select_related("customer", "entity", "owner", "department", "contract_type")
            .filter(contract_type__code="XS")
            .order_by("pk")[:count]
        )
        LineItem.objects.bulk_create(
            LineItem(contract=c, name=f"产品 {n}", quantity=Decimal(n), unit_price=Decimal("1000.00"), tax_rate=13,
                     total=Decimal(n) * 1000, position=n)
            for c in contracts
            for n in (1, 2, 3)
        )
        for label, name in (("Word (DOCX)", "销售合同"), ("PDF, HTML route", "销售合同（中英文）")):
            template = Template.objects.select_related("current").filter(name=name).first()
            if template is None:
                print(f"{label}: template {name} not seeded: n/a", flush=True)
                continue
            version = template.current
            # The floor gets the filled-in values ready made: it measures only the library's own rendering.
            contexts = [services.context_for(contract, version)[0] for contract in contracts]

            def service(template=template):
                with override_settings(HETONG_JOBS_IMMEDIATE=False):
                    for contract in contracts:
                        services.generate_document(contract, template, by=self.admin)

            if template.kind == "docx":

                def bare(source=bytes(version.docx), contexts=contexts):
                    for context in contexts:
                        document = DocxTemplate(io.BytesIO(source))
                        document.render(context, jinja_env=engine.make_env("zh-hans"), autoescape=True)
                        document.save(io.BytesIO())
            else:
                pages = [
                    pdf.wrap_html(engine.render_html(version.html, context, language="zh-hans")) for context in contexts
                ]

                def bare(pages=pages):
                    for page in pages:
                        pdf.html_to_pdf(page)

            runs = 3
            median, floor = self.time(service, runs=runs), self.time(bare, runs=runs)
            rate, floor_rate = len(contracts) / median, len(contracts) / floor
            self.add(Line(f"generate {label} documents per second", rate, floor_rate, "≥ 50% of floor",
                          rate >= 0.5 * floor_rate, rate=True, unit="docs/s"))
        binary = pdf.libreoffice()
        if binary:
            from hetong.documents.models import GeneratedDocument

            sample = GeneratedDocument.objects.exclude(docx=None).order_by("pk").first()
            data = bytes(sample.docx)
            median = self.time(lambda: pdf.docx_to_pdf(data), runs=3)
            self.add(Line("Word → PDF through LibreOffice per second", 1 / median, None, "", None,
                          note="one converter process per document", rate=True, unit="docs/s"))
        else:
            print("Word → PDF through LibreOffice: not installed: n/a", flush=True)

    def signatures(self, count: int = 10):
        """PAdES signatures per second through pades.sign_pdf (the key decrypted, the stamp drawn, a time stamp from
        the deployment's TSA, the signature appended) against pyHanko alone signing the same PDF with the key already
        loaded and the same time stamper, without a visible stamp."""
        import io

        from PIL import Image
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        from hetong.documents.pdf import html_to_pdf
        from hetong.esign import pades, pki

        print("\n-- signatures", flush=True)
        data = html_to_pdf("<h1>采购合同</h1>" + "<p>第一条　乙方向甲方提供年度运输服务。</p>" * 40)
        identity = pki.issue_identity("王经理", "wang@example.com")
        ca = pki.authority()
        seal = io.BytesIO()
        Image.new("RGBA", (300, 300), (200, 0, 0, 128)).save(seal, format="PNG")

        def service():
            for n in range(count):
                pades.sign_pdf(data, identity, field_name=f"S{n}", stamp_lines=["王经理", "合同科技（上海）有限公司"],
                               stamp_image=seal.getvalue(), index=0)

        signer = signers.SimpleSigner(
            signing_cert=pades._asn1_cert(identity.certificate_pem), signing_key=pades._asn1_key(identity.key_encrypted),
            cert_registry=SimpleCertificateStore.from_certs([pades._asn1_cert(ca.ca_certificate_pem)]))
        stamper = pades._time_stamper(ca)

        def bare():
            for n in range(count):
                pdf_signer = signers.PdfSigner(
                    signers.PdfSignatureMetadata(field_name=f"S{n}", md_algorithm="sha256",
                                                 subfilter=fields.SigSeedSubFilter.PADES),
                    signer=signer, timestamper=stamper)
                pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data), strict=False), output=io.BytesIO(),
                                    bytes_reserved=pades.SIGNATURE_BYTES)

        median, floor = self.time(service, runs=3), self.time(bare, runs=3)
        rate, floor_rate = count / median, count / floor
        self.add(Line("PAdES signatures per second (stamp, time stamp)", rate, floor_rate, "≥ 50% of floor",
                      rate >= 0.5 * floor_rate, rate=True, unit="sigs/s"))

    def imports(self, count: int = 5000):
        """Contract rows imported per second from a CSV (parse, check every row, commit in one transaction, with the
        parties, key dates, search text and upsert keys) against the ORM's bulk insert of the same contract rows
        alone, rolled back."""
        import datetime as dt

        from django.db import transaction

        from hetong.contracts.models import Contract, ContractType, LegalEntity
        from hetong.customers.models import Customer
        from hetong.imports.services import import_rows

        print("\n-- import", flush=True)
        customers = list(Customer.objects.exclude(credit_code="").order_by("pk").values_list("pk", "credit_code")[:200])
        entity = LegalEntity.objects.order_by("pk").first()
        kind = ContractType.objects.get(code="FW")
        today = dt.date.today()
        rows = [{
            "key": f"BENCH-{n:06d}", "title": f"导入运输服务合同 {n}", "customer": customers[n % len(customers)][1],
            "contract_type": "FW", "entity": entity.credit_code, "owner": "sales1", "amount": f"{10000 + n}.00",
            "signed_date": (today - dt.timedelta(days=40)).isoformat(),
            "effective_date": (today - dt.timedelta(days=30)).isoformat(),
            "end_date": (today + dt.timedelta(days=335)).isoformat(), "status": "active",
        } for n in range(count)]
        started = time.perf_counter()
        job = import_rows("contracts", rows, by=self.admin, name="bench.csv")
        elapsed = time.perf_counter() - started
        if job.problems:
            self.add(Line("import contract rows per second", None, None, "≥ 10% of floor", False,
                          note=f"ERROR: {job.problems[:3]}"))
            return

        def bare():
            with transaction.atomic():
                Contract.objects.bulk_create(
                    Contract(number=f"BARE-{n:06d}", title=row["title"], customer_id=customers[n % len(customers)][0],
                             contract_type=kind, entity=entity, owner=self.admin, amount=row["amount"],
                             signed_date=today - dt.timedelta(days=40), effective_date=today - dt.timedelta(days=30),
                             end_date=today + dt.timedelta(days=335), status="active")
                    for n, row in enumerate(rows)
                )
                transaction.set_rollback(True)

        floor = self.time(bare, runs=3)
        rate, floor_rate = count / elapsed, count / floor
        self.add(Line(f"import contract rows per second ({count:,} rows, CSV)", rate, floor_rate, "≥ 10% of floor",
                      rate >= 0.1 * floor_rate, rate=True, unit="rows/s"))

    def report(self):
        print("\n-- query plans", flush=True)
        for label, plan in self.plans:
            problems = []
            if self.full_scan(plan, "contracts_contract") or self.full_scan(plan, "customers_customer"):
                problems.append("FULL SCAN")
            if self.sorts(plan):
                problems.append("SORTS (order not from an index)")
            print(f"{label}{'   <-- ' + ', '.join(problems) if problems else ''}")
            for line in plan:
                print(f"    {line[:150]}{' …' if len(line) > 150 else ''}")
        measured = [line for line in self.lines if line.ok is not None]
        passed = sum(1 for line in measured if line.ok)
        scale = "" if self.args.contracts >= 1_000_000 else " (absolute targets are set for 1M contracts)"
        print(
            f"\n{self.vendor}: {passed} of {len(measured)} targets met{scale}; "
            f"{sum(1 for line in self.lines if line.note.startswith('n/a'))} figures n/a; "
            f"load average now {os.getloadavg()[0]:.1f} (other work on the machine makes figures noisy).",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
