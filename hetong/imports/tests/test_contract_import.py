"""The issue's scenario: a 10,000-row contract file with three bad rows reports exactly those rows and imports
nothing; fixed, it imports every contract; imported again, it changes nothing."""

import datetime as dt
import time

from django.db.models import Max

from hetong.audit.models import AuditEvent
from hetong.contracts.models import Contract, ContractParty, KeyDate
from hetong.core.dates import company_today
from hetong.imports import services
from hetong.imports.models import ImportJob, ImportKey

from .conftest import csv_file, problems

TODAY = company_today()
ROWS = 10_000


def contract_rows(entity, customers) -> list[dict]:
    """Existing contracts of every importable kind: drafts, active (some renewing), expired, terminated."""
    rows = []
    for n in range(ROWS):
        signed = TODAY - dt.timedelta(days=400 + n % 300)
        row = {"key": f"OLD-{n:05d}", "title": f"物流服务合同 {n}", "customer": customers[n % len(customers)]["key"],
               "contract_type": "FW", "entity": entity.credit_code, "amount": f"{1000 + n}.50", "currency": "CNY",
               "signed_date": signed.isoformat(), "effective_date": signed.isoformat()}
        shape = n % 5
        if shape == 0:
            row.update(status="draft", signed_date="", effective_date="")
        elif shape in (1, 2):
            row.update(status="active", end_date=(TODAY + dt.timedelta(days=30 + n % 500)).isoformat(),
                       notice_period=30, notice_unit="days")
        elif shape == 3:
            row.update(status="active", end_date=(signed + dt.timedelta(days=364)).isoformat(), auto_renew="是",
                       renewal_term=1, renewal_unit="years", notice_period=1, notice_unit="months")
        else:
            row.update(status="expired", end_date=(TODAY - dt.timedelta(days=5)).isoformat())
        rows.append(row)
    return rows


def test_ten_thousand_contracts_three_bad_rows_then_fixed_then_again(
    admin, entity, customers_imported, django_capture_on_commit_callbacks, monkeypatch
):
    rows = contract_rows(entity, customers_imported)
    bad = [dict(r) for r in rows]
    bad[99]["signed_date"] = "2025-13-45"  # spreadsheet row 101
    bad[5000]["customer"] = "NO-SUCH-CUSTOMER"  # row 5002
    bad[9997]["amount"] = "-5.00"  # row 9999

    reported = []
    monkeypatch.setattr(services, "_report_progress", lambda job_id, done: reported.append(done))
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_import(by=admin, kind="contracts", upload=csv_file("contracts", bad))
    job.refresh_from_db()
    assert reported == list(range(0, ROWS + 1, 200))  # the task's progress, every 200 rows
    assert job.status == ImportJob.Status.FAILED_CHECK
    assert problems(job) == [(101, "Signed date"), (5002, "Customer key"), (9999, "Amount")]
    assert [p["message"] for p in job.problems] == [
        "Enter a valid date (YYYY-MM-DD).", "There is no customer with the key “NO-SUCH-CUSTOMER”.",
        "The amount cannot be negative."]
    assert Contract.objects.count() == 0 and ImportKey.objects.filter(kind="contracts").count() == 0
    assert job.processed_rows == ROWS

    fixed_file = csv_file("contracts", rows)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_import(by=admin, kind="contracts", upload=fixed_file)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and job.problems == []
    assert (job.created_count, job.updated_count, job.unchanged_count) == (ROWS, 0, 0)
    assert Contract.objects.count() == 0  # a check writes nothing
    checked = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        services.commit_import(job, by=admin)
    job.refresh_from_db()
    committed = time.perf_counter()
    assert job.status == ImportJob.Status.COMMITTED, job.problems
    assert Contract.objects.count() == ROWS
    assert ContractParty.objects.count() == 2 * ROWS
    assert ImportKey.objects.filter(kind="contracts").count() == ROWS
    print(f"\n10,000 contracts: checked and committed in {committed - started:.1f} s "
          f"(commit alone {committed - checked:.1f} s, {ROWS / (committed - checked):.0f} rows/s)")

    stamp = Contract.objects.aggregate(last=Max("updated_at"))["last"]
    events = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.start_import(by=admin, kind="contracts", upload=csv_file("contracts", rows))
    again.refresh_from_db()
    assert again.status == ImportJob.Status.CHECKED
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, ROWS)
    with django_capture_on_commit_callbacks(execute=True):
        services.commit_import(again, by=admin)
    again.refresh_from_db()
    assert again.status == ImportJob.Status.COMMITTED
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, ROWS)
    assert Contract.objects.count() == ROWS
    assert Contract.objects.aggregate(last=Max("updated_at"))["last"] == stamp
    assert list(AuditEvent.objects.filter(seq__gt=events).values_list("verb", flat=True)) == ["import.committed"]


def test_imported_contracts_have_their_derived_fields(admin, entity, customers_imported):
    rows = contract_rows(entity, customers_imported)[:5]
    job = services.import_rows("contracts", rows, by=admin)
    assert job.status == "committed", job.problems
    draft, active, _active2, renewing, expired = (
        Contract.objects.get(pk=ImportKey.objects.get(kind="contracts", external_key=r["key"]).object_id) for r in rows)
    assert draft.status == "draft" and draft.number.startswith("HT-FW-") and draft.status_changed_at is None
    assert active.status == "active" and active.notice_deadline is not None and active.status_changed_at is not None
    assert set(KeyDate.objects.filter(contract=active).values_list("kind", flat=True)) == {"end", "notice"}
    assert active.search_tokens and active.parties.count() == 2
    # A term that ended before the import renewed tacitly, as the daily job would have renewed it.
    assert renewing.renewal_count >= 1 and renewing.end_date >= TODAY
    assert renewing.first_term_end == dt.date.fromisoformat(rows[3]["end_date"])
    assert expired.status == "expired" and not KeyDate.objects.filter(contract=expired).exists()
