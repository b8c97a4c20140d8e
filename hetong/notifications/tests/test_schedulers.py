"""Two schedulers at once, and one killed with SIGKILL mid-batch: every reminder key is sent exactly once.

These run real `hetong reminders run` processes against a database of their own (a SQLite file, or a fresh
PostgreSQL database when the suite runs on PostgreSQL), with email going over SMTP to a local sink, and count
what arrived on the wire.
"""

import datetime as dt
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from hetong.notifications.receivers import SmtpSink

NOW = "2026-12-01T09:00"
CONTRACTS = 40  # ending 1 to 40 days after NOW
OFFSETS = (90, 60, 30, 7, 0)


def expected_keys() -> set[tuple[str, int]]:
    """(contract number, offset) of every reminder due by NOW, computed here independently of the code."""
    now = dt.date.fromisoformat(NOW[:10])
    keys = set()
    for i in range(1, CONTRACTS + 1):
        end = now + dt.timedelta(days=i)
        keys |= {(f"SCHED-{i:03d}", o) for o in OFFSETS if end - dt.timedelta(days=o) <= now}
    return keys


def seed() -> None:
    """Run inside the deployment: an owner and CONTRACTS active contracts with their key dates."""
    from hetong.accounts.models import User
    from hetong.contracts.models import Contract, ContractType, LegalEntity, Status
    from hetong.contracts.services.terms import sync_key_dates
    from hetong.customers.models import Customer

    owner = User.objects.create_user("owner", password="x", role="sales", email="owner@example.com", language="en")
    entity = LegalEntity.objects.create(name="合同科技有限公司", credit_code="91310000MA1FL8TQ3K")
    customer = Customer.objects.create(name="华运物流有限公司", owner=owner)
    kind = ContractType.objects.get(code="FW")
    now = dt.date.fromisoformat(NOW[:10])
    for i in range(1, CONTRACTS + 1):
        contract = Contract.objects.create(
            number=f"SCHED-{i:03d}", title=f"合同 {i}", contract_type=kind, customer=customer, entity=entity,
            owner=owner, amount=1000, effective_date=dt.date(2026, 1, 1), end_date=now + dt.timedelta(days=i),
            status=Status.ACTIVE,
        )
        sync_key_dates(contract)


class Deployment:
    """A migrated, seeded database and the environment for `hetong` processes that use it. A copy of another
    deployment's database (`copy_of`) saves migrating and seeding again."""

    def __init__(self, home: Path, sink: SmtpSink, copy_of: "Deployment | None" = None):
        self.home = home
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("HETONG_", "DJANGO_"))}
        self.env.update({
            "DJANGO_SETTINGS_MODULE": "hetong.settings_test", "HETONG_HOME": str(home), "HETONG_JOBS_IMMEDIATE": "1",
            "HETONG_EMAIL_HOST": sink.host, "HETONG_EMAIL_PORT": str(sink.port),
            "HETONG_SQLITE_PATH": str(home / "hetong.sqlite3"),
        })
        self.pg_name = None
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            self.pg_name = f"hetong_sched_{uuid.uuid4().hex[:8]}"
            self._pg(f"CREATE DATABASE {self.pg_name}" + (f" TEMPLATE {copy_of.pg_name}" if copy_of else ""))
            self.env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + self.pg_name
        elif copy_of is not None:
            with sqlite3.connect(copy_of.home / "hetong.sqlite3") as source, \
                    sqlite3.connect(home / "hetong.sqlite3") as target:
                source.backup(target)

    def _pg(self, sql: str) -> None:
        import psycopg

        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(sql)

    def hetong(self, *args: str, **popen) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "hetong.cli", *args], env={**self.env, **popen.pop("env", {})},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)

    def run(self, *args: str, env=None) -> str:
        process = self.hetong(*args, env=env or {})
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        return out

    def report(self) -> dict:
        out = self.run("shell", "-c", (
            "import json; from hetong.notifications.models import Dispatch, Reminder; "
            "print(json.dumps({'keys': [[d.contract.number, d.offset] for d in Dispatch.objects.select_related('contract')],"
            " 'unsent': Dispatch.objects.filter(sent_at__isnull=True).count(),"
            " 'open': Reminder.objects.filter(state='open').count()}))"))
        return json.loads(out.strip().splitlines()[-1])

    def dispatch_count(self) -> int:
        """Read from outside, while a pass runs."""
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                return conn.execute("SELECT count(*) FROM notifications_dispatch").fetchone()[0]
        with sqlite3.connect(self.home / "hetong.sqlite3", timeout=20) as conn:
            return conn.execute("SELECT count(*) FROM notifications_dispatch").fetchone()[0]

    def close(self) -> None:
        if self.pg_name:
            self._pg(f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    with SmtpSink() as sink:
        template = Deployment(tmp_path_factory.mktemp("template"), sink)
        try:
            template.run("migrate", "-v0")
            template.run("shell", "-c", "from hetong.notifications.tests.test_schedulers import seed; seed()")
            yield template
        finally:
            template.close()


@pytest.fixture
def deployment(seeded, tmp_path):
    with SmtpSink() as sink:
        deployment = Deployment(tmp_path, sink, copy_of=seeded)
        deployment.sink = sink
        try:
            yield deployment
        finally:
            deployment.close()


def emailed_lines(sink: SmtpSink) -> list[tuple[str, str]]:
    """(contract number, date) of every reminder line in every email the sink took."""
    lines = []
    for message in sink.messages:
        text = message.get_body(preferencelist=("plain",)).get_content() if message.is_multipart() else \
            message.get_content()
        lines += re.findall(r"^- (SCHED-\d{3}) .*?(\d{4}-\d{2}-\d{2})", text, flags=re.MULTILINE)
    return lines


def assert_sent_exactly_once(deployment: Deployment) -> None:
    report = deployment.report()
    keys = [tuple(k) for k in report["keys"]]
    assert len(keys) == len(set(keys))
    assert set(keys) == expected_keys()
    assert report["unsent"] == 0
    assert report["open"] == CONTRACTS  # one open reminder per contract date, the nearest offset's
    # On the wire: each contract's date is in exactly one email (collapsed; never twice).
    lines = emailed_lines(deployment.sink)
    assert sorted(lines) == sorted(set(lines))
    assert {number for number, _date in lines} == {f"SCHED-{i:03d}" for i in range(1, CONTRACTS + 1)}


def test_two_schedulers_at_once_send_each_key_once(deployment):
    small_batches = {"HETONG_REMINDER_BATCH": "4", "HETONG_TEST_BATCH_PAUSE": "0.05"}
    first = deployment.hetong("reminders", "run", "--now", NOW, env=small_batches)
    second = deployment.hetong("reminders", "run", "--now", NOW, env=small_batches)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], [err[-2000:] for _out, err in outputs]
    assert_sent_exactly_once(deployment)
    assert len(deployment.sink.messages) in (1, 2)  # one per pass that sent anything, never one per key
    assert "0 sent to 0 people" in deployment.run("reminders", "run", "--now", NOW)


def test_a_scheduler_killed_mid_batch_and_restarted_sends_each_key_once(deployment):
    slow = deployment.hetong("reminders", "run", "--now", NOW,
                             env={"HETONG_REMINDER_BATCH": "4", "HETONG_TEST_BATCH_PAUSE": "0.4"})
    deadline = time.monotonic() + 120
    while deployment.dispatch_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    slow.send_signal(signal.SIGKILL)
    slow.communicate(timeout=60)
    assert slow.returncode == -signal.SIGKILL  # killed, not finished
    claimed_before_restart = deployment.dispatch_count()
    assert 0 < claimed_before_restart < len(expected_keys())
    assert not deployment.sink.messages  # nothing was sent before the kill
    out = deployment.run("reminders", "run", "--now", NOW)
    assert "sent to 1 people" in out
    assert_sent_exactly_once(deployment)
    assert len(deployment.sink.messages) == 1


def test_the_scheduler_command_runs_every_periodic_step_once_a_round(deployment):
    out = deployment.run("scheduler", "--once")
    assert "Traceback" not in out
    report = deployment.run("shell", "-c", (
        "from hetong.notifications.models import Dispatch, JobRun; "
        "print(JobRun.objects.filter(job='date_transitions').count(), Dispatch.objects.filter(sent_at__isnull=True).count())"))
    assert report.split()[-2:] == ["1", "0"]  # the hour's status job claimed once; every claimed reminder sent
    deployment.run("scheduler", "--once")
    again = deployment.run("shell", "-c", "from hetong.notifications.models import JobRun; print(JobRun.objects.filter(job='date_transitions').count())")
    assert again.split()[-1] == "1"  # the same hour: not run twice
