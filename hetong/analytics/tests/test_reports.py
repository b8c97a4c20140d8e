"""The six reports on data made through the services, their exports (no formula survives), their languages and
scope, the pages and API v1. The clock stands on Monday 15 June 2026, 10:00 in Shanghai."""

import csv
import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from hetong.analytics import reports
from hetong.approvals import services as approvals
from hetong.approvals.models import Task, Workflow
from hetong.changes import services as changes
from hetong.contracts import services as contracts
from hetong.core.errors import InvalidInput
from hetong.payments import services as payments

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORMULA_STARTS = ("=", "+", "-", "@")
HYPERLINK = '=HYPERLINK("http://evil.example/","点我")'


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=SHANGHAI)


def sign(contract, *, owner, approver, on: str):
    contract = contracts.submit_contract(contract, by=owner)
    contract = contracts.approve_contract(contract, by=approver)
    signed = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    return contracts.sign_contract(contract, by=owner, signed_date=on, signed_file=signed)


def publish_step(name: str, approver, *, by) -> Workflow:
    """The default workflow: one step, one approver."""
    workflow = approvals.save_workflow(None, by=by, data={"name": "Standard", "is_default": True, "priority": 100})
    approvals.publish(workflow, by=by, definition={"nodes": [
        {"key": "step", "name": name, "mode": "one", "approvers": [{"kind": "user", "user": approver.pk}]}]})
    return workflow


@pytest.fixture
def world(sales_owner, other_sales, manager, finance, make_customer, make_contract):
    return make_world(sales_owner, other_sales, manager, finance, make_customer, make_contract)


def make_world(sales_owner, other_sales, manager, finance, make_customer, make_contract) -> dict:
    """sales_owner's: CA1 (CNY, active, partly collected, notice deadline near), a USD contract, a draft, one stuck
    in review; other_sales's: CC1 (active, overdue)."""
    a = make_customer(sales_owner, name=HYPERLINK, level="key")
    b = make_customer(sales_owner, name="@SUM(1)")
    c = make_customer(other_sales, name="北京启明软件有限公司")
    ca1 = sign(make_contract(sales_owner, a, title="-1+2", amount="100000.00", end_date="2026-07-31", auto_renew=True,
                             renewal_term=1, renewal_unit="years", notice_period=30, notice_unit="days"),
               owner=sales_owner, approver=manager, on="2026-03-01")
    payments.save_plan(ca1, by=finance, rows=[{"amount": "40000.00", "due_date": "2026-03-31"},
                                              {"amount": "60000.00", "due_date": "2026-09-30"}])
    payments.record_receipt(ca1, by=finance, received_on="2026-04-01", amount="10000.00")
    usd = sign(make_contract(sales_owner, b, title="+cmd|' /C calc'!A0", amount="1000.00", currency="USD"),
               owner=sales_owner, approver=manager, on="2026-05-10")
    draft = make_contract(sales_owner, a, title="草稿合同", amount="5000.00")
    with time_machine.travel(at("2026-06-01"), tick=False):
        stuck = contracts.submit_contract(make_contract(sales_owner, b, title="审核中合同"), by=sales_owner)
    cc1 = sign(make_contract(other_sales, c, title="Software licence agreement", amount="50000.00"),
               owner=other_sales, approver=manager, on="2026-02-01")
    payments.save_plan(cc1, by=finance, rows=[{"amount": "50000.00", "due_date": "2026-05-31"}])
    return {"ca1": ca1, "usd": usd, "draft": draft, "stuck": stuck, "cc1": cc1, "a": a, "b": b, "c": c}


def rows_of(key, user, data=None):
    report = reports.get(key)
    return list(report.rows(reports.query(user, data or {})))


def by_number(rows) -> dict:
    return {row["number"]: row for row in rows}


# --- each report's rows ----------------------------------------------------------------------------------------


def test_ledger_lists_every_contract_of_the_period_with_its_progress(world, sales_owner):
    rows = by_number(rows_of("ledger", sales_owner))
    w = world
    assert set(rows) == {w["ca1"].number, w["usd"].number, w["draft"].number, w["stuck"].number}
    ca1 = rows[w["ca1"].number]
    assert (ca1["title"], ca1["customer"], ca1["status"], ca1["owner"], ca1["department"]) == (
        "-1+2", HYPERLINK, "Active", "sales_owner", "华东区")
    assert (ca1["amount"], ca1["currency"], ca1["signed_date"], ca1["end_date"]) == (
        Decimal("100000.00"), "CNY", dt.date(2026, 3, 1), dt.date(2026, 7, 31))
    assert (ca1["collected_pct"], ca1["invoiced_pct"]) == (Decimal("10.0"), Decimal("0.0"))
    assert rows[w["usd"].number]["currency"] == "USD"
    assert rows[w["draft"].number]["status"] == "Draft" and rows[w["draft"].number]["signed_date"] is None


def test_ledger_leaves_out_contracts_that_ended_before_the_period(world, sales_owner):
    rows = rows_of("ledger", sales_owner, {"from": "2026-08-01", "to": "2026-08-31"})
    assert world["ca1"].number not in by_number(rows)  # ended on 31 July
    assert world["usd"].number in by_number(rows)


def test_receivables_per_contract_with_aging_and_a_cny_total(world, finance):
    rows = rows_of("receivables", finance)
    contracts_, total = rows[:-1], rows[-1]
    ca1 = by_number(contracts_)[world["ca1"].number]
    assert ca1["customer"] == HYPERLINK and ca1["currency"] == "CNY"
    assert (ca1["due"], ca1["collected"], ca1["outstanding"], ca1["not_due"], ca1["overdue"]) == (
        Decimal("40000.00"), Decimal("10000.00"), Decimal("90000.00"), Decimal("60000.00"), Decimal("30000.00"))
    assert ca1["d61_90"] == Decimal("30000.00")  # due 31 March: 76 days ago
    assert ca1["d0_30"] == ca1["d31_60"] == Decimal("0.00")
    cc1 = by_number(contracts_)[world["cc1"].number]
    assert (cc1["overdue"], cc1["d0_30"]) == (Decimal("50000.00"), Decimal("50000.00"))  # due 31 May: 15 days
    assert world["usd"].number not in by_number(contracts_)  # no payment plan, nothing outstanding
    assert (total["customer"], total["currency"]) == ("Total (CNY)", "CNY")
    assert (total["outstanding"], total["overdue"]) == (Decimal("140000.00"), Decimal("80000.00"))


def test_receivables_and_everything_else_are_scoped_to_the_user(world, sales_owner, other_sales):
    for key in reports.REGISTRY:
        mine = " ".join(str(v) for row in rows_of(key, sales_owner) for v in row.values())
        assert world["cc1"].number not in mine and "北京启明" not in mine, key
    theirs = rows_of("ledger", other_sales)
    assert [r["number"] for r in theirs] == [world["cc1"].number]


def test_ending_and_renewal_shows_the_outcome_and_the_successor(world, sales_owner, manager):
    ca1 = world["ca1"]
    renewal = changes.renew(ca1, by=sales_owner, start="2026-08-01", end="2027-07-31")
    rows = by_number(rows_of("ending_renewal", sales_owner))
    row = rows[ca1.number]
    assert (row["term_end"], row["status"], row["outcome"]) == (dt.date(2026, 7, 31), "Renewed", "Renewed")
    assert (row["successor"], row["successor_status"]) == (renewal.successor.number, "Draft")
    assert row["auto_renew"] == "Yes" and row["renewal_term"] == "1 years"
    usd = rows[world["usd"].number]  # ends 31 December, no decision yet
    assert (usd["outcome"], usd["successor"], usd["notice_deadline"]) == ("Undecided", "", None)
    assert world["draft"].number not in rows  # not signed: nothing ends


def test_ending_and_renewal_names_no_successor_the_user_may_not_see(world, sales_owner, admin):
    ca1 = world["ca1"]
    renewal = changes.renew(ca1, by=sales_owner, start="2026-08-01", end="2027-07-31")
    contracts.update_contract(renewal.successor, by=admin, version=renewal.successor.version,
                              data={"owner": admin.pk, "department": None})
    row = by_number(rows_of("ending_renewal", sales_owner))[ca1.number]
    assert (row["outcome"], row["successor"]) == ("Renewed", "")


def test_approval_cycle_one_row_per_round_with_business_hours_per_step(world, admin, sales_owner, manager,
                                                                       make_contract):
    publish_step("主管审批", manager, by=admin)
    with time_machine.travel(at("2026-06-08", 9), tick=False):  # a Monday
        contract = contracts.submit_contract(make_contract(sales_owner, world["a"], title="年度框架合同"),
                                             by=sales_owner)
    task = Task.objects.get(instance__contract=contract)
    with time_machine.travel(at("2026-06-08", 12), tick=False):
        approvals.decide(task.pk, by=manager, decision="approve")
    rows = rows_of("approval_cycle", sales_owner)
    assert len(rows) == 1
    row = rows[0]
    assert (row["number"], row["subject"], row["round"], row["workflow"], row["status"]) == (
        contract.number, "Contract", 1, "Standard v1", "Approved")
    assert row["submitted"] == at("2026-06-08", 9) and row["finished"] == at("2026-06-08", 12)
    assert row["hours"] == Decimal("3.0") and row["business_hours"] == Decimal("3.0")
    assert row["steps"] == "主管审批 3.0" and row["slowest"] == "主管审批"
    assert rows_of("approval_cycle", sales_owner, {"from": "2026-06-09"}) == []  # submitted before the period


def test_customer_summary_counts_by_stage_and_sums_in_cny(world, sales_owner):
    rows = {row["customer"]: row for row in rows_of("customer_summary", sales_owner)}
    assert set(rows) == {HYPERLINK, "@SUM(1)"}
    a = rows[HYPERLINK]
    assert (a["level"], a["contracts"], a["preparing"], a["in_force"], a["ended"], a["cancelled"]) == (
        "Key", 2, 1, 1, 0, 0)
    assert (a["signed"], a["signed_value"], a["outstanding"], a["overdue"]) == (
        1, Decimal("100000.00"), Decimal("90000.00"), Decimal("30000.00"))
    b = rows["@SUM(1)"]
    assert (b["contracts"], b["preparing"], b["in_force"], b["signed_value"]) == (2, 1, 1, Decimal("7100.00"))
    assert list(rows) == [HYPERLINK, "@SUM(1)"]  # largest value signed first


def test_period_summary_has_every_section(world, admin, sales_owner, manager, make_contract):
    publish_step("主管审批", manager, by=admin)
    waiting = contracts.submit_contract(make_contract(sales_owner, world["b"], title="待审批合同"), by=sales_owner)
    rows = rows_of("period_summary", sales_owner)
    sections: dict = {}
    for row in rows:
        sections.setdefault(row["section"], []).append(row["number"])
    w = world
    # In the order they were made: the one stuck in review was made on 1 June, the others today.
    assert sections["New contracts"] == [w["stuck"].number, w["ca1"].number, w["usd"].number, w["draft"].number,
                                         waiting.number]
    assert sections["Signed"] == [w["ca1"].number, w["usd"].number]
    assert sections["Ending in the next 90 days"] == [w["ca1"].number]
    assert sections["Overdue receivables"] == [w["ca1"].number]
    assert sections["At risk"] == [w["ca1"].number, w["stuck"].number]  # notice deadline 1 July; 14 days in review
    assert sections["Decisions needed"] == [waiting.number]
    detail = {(row["section"], row["number"]): row["detail"] for row in rows}
    assert detail[("Overdue receivables", w["ca1"].number)] == "Overdue: 30,000.00 CNY, 76 days past due"
    assert detail[("At risk", w["stuck"].number)] == "In review for 14 days"
    assert detail[("Decisions needed", waiting.number)] == "主管审批 waiting for manager"
    assert detail[("Ending in the next 90 days", w["ca1"].number)] == "Days left: 46; renews automatically"


def test_period_summary_drops_a_notice_deadline_once_non_renewal_is_noticed(world, sales_owner):
    from hetong.changes.models import Notice

    Notice.objects.create(contract=world["ca1"], kind=Notice.Kind.NON_RENEWAL, effective_on=TODAY,
                          created_by=sales_owner)
    at_risk = [r["number"] for r in rows_of("period_summary", sales_owner) if r["section"] == "At risk"]
    assert at_risk == [world["stuck"].number]


def test_filters_narrow_and_bad_filters_are_field_errors(world, admin, org):
    rows = rows_of("ledger", admin, {"department": [str(org["north"].pk)]})
    assert [r["number"] for r in rows] == [world["cc1"].number]
    with pytest.raises(InvalidInput) as caught:
        reports.query(admin, {"department": ["999999"], "from": "2026-13-01", "to": "x"})
    assert set(caught.value.errors) == {"department", "from", "to"}
    with pytest.raises(InvalidInput) as caught:
        reports.query(admin, {"from": "2026-06-01", "to": "2026-05-01"})
    assert set(caught.value.errors) == {"to"}


# --- exports ---------------------------------------------------------------------------------------------------


def _xlsx(made) -> list[list]:
    sheet = load_workbook(io.BytesIO(made.content)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_STARTS), (cell.coordinate, cell.value)
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _csv(made) -> list[list[str]]:
    text = made.content.decode("utf-8")
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text[1:])))
    for row in parsed:
        for value in row:
            assert not value.startswith(FORMULA_STARTS), value
    return parsed


@pytest.mark.parametrize("key", list(reports.REGISTRY))
def test_no_exported_cell_is_a_formula(world, admin, key):
    report = reports.get(key)
    q = reports.query(admin, {})
    count = len(list(report.rows(q)))
    cells = _xlsx(reports.export(report, q, "xlsx"))
    assert len(cells) == count + 1 and cells[0] == report.headers()
    parsed = _csv(reports.export(report, q, "csv"))
    assert len(parsed) == count + 1 and parsed[0] == report.headers()
    text = " ".join(str(v) for row in cells for v in row) + " ".join(v for row in parsed for v in row)
    if key in ("ledger", "receivables", "customer_summary", "period_summary"):
        assert "'" + HYPERLINK in text
    if key in ("ledger", "customer_summary", "period_summary"):
        assert "'@SUM(1)" in text
    if key in ("ledger", "period_summary"):
        assert "'-1+2" in text and "'+cmd|' /C calc'!A0" in text


def test_xlsx_keeps_numbers_and_dates_as_values(world, sales_owner):
    report = reports.get("ledger")
    made = reports.export(report, reports.query(sales_owner, {}), "xlsx")
    assert made.filename == "ledger-2026-06-15.xlsx"
    rows = {row[0]: row for row in _xlsx(made)[1:]}
    ca1 = rows[world["ca1"].number]
    headers = report.headers()
    assert ca1[headers.index("Amount")] == 100000
    assert ca1[headers.index("Signed date")] == dt.datetime(2026, 3, 1)
    assert ca1[headers.index("Collected (%)")] == 10


def test_pdf_is_a_pdf_with_the_title_and_the_rows(world, sales_owner):
    made = reports.export(reports.get("period_summary"), reports.query(sales_owner, {}), "pdf")
    assert made.content.startswith(b"%PDF") and made.filename == "period_summary-2026-06-15.pdf"
    reader = PdfReader(io.BytesIO(made.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Contract management meeting" in text and "Decisions needed" in text
    assert world["ca1"].number in text and "-1+2" in text
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape


def test_headers_follow_the_language(world, sales_owner):
    report = reports.get("ledger")
    q = reports.query(sales_owner, {})
    with translation.override("zh-hans"):
        zh = _xlsx(reports.export(report, q, "xlsx"))
        rows = list(report.rows(q))
    assert {"编号", "客户", "状态", "负责人", "部门", "币种"} <= set(zh[0])
    assert "履行中" in {row["status"] for row in rows}  # statuses too
    with translation.override("en"):
        en = _csv(reports.export(report, q, "csv"))
    assert {"Number", "Customer", "Status", "Owner", "Department", "Currency"} <= set(en[0])


def test_an_unknown_format_is_refused(world, sales_owner):
    with pytest.raises(InvalidInput) as caught:
        reports.export(reports.get("ledger"), reports.query(sales_owner, {}), "docx")
    assert "format" in caught.value.errors


# --- pages -----------------------------------------------------------------------------------------------------


@pytest.fixture
def browser(sales_owner) -> Client:
    client = Client()
    client.force_login(sales_owner)
    return client


def test_pages_need_a_login(db):
    for url in ("/analytics/reports/", "/analytics/reports/ledger/", "/analytics/schedules/"):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_index_and_report_page_with_a_preview(world, browser):
    index = browser.get("/analytics/reports/")
    assert index.status_code == 200
    for key in reports.REGISTRY:
        assert f"/analytics/reports/{key}/" in index.content.decode()
    page = browser.get("/analytics/reports/ledger/")
    html = page.content.decode()
    assert page.status_code == 200
    assert world["ca1"].number in html and world["cc1"].number not in html
    assert "format=xlsx" in html and "format=pdf" in html and "format=csv" in html
    assert "Email me this report" in html


def test_report_page_exports_each_format_as_an_attachment(world, browser, org):
    for fmt, content_type in (("xlsx", "spreadsheetml"), ("csv", "text/csv"), ("pdf", "application/pdf")):
        response = browser.get(f"/analytics/reports/ledger/?department={org['east'].pk}&format={fmt}")
        assert response.status_code == 200 and content_type in response["Content-Type"]
        assert response["Content-Disposition"] == f'attachment; filename="ledger-2026-06-15.{fmt}"'
        assert response["X-Content-Type-Options"] == "nosniff"


def test_bad_filters_are_a_400_with_the_messages_never_a_500(world, browser):
    response = browser.get("/analytics/reports/ledger/?department=999999&from=2026-02-30")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice" in html and "Enter a valid date (YYYY-MM-DD)." in html
    assert browser.get("/analytics/reports/ledger/?format=docx").status_code == 400
    assert browser.get("/analytics/reports/ledger/?owner=abc&format=xlsx").status_code == 400
    assert browser.get("/analytics/reports/nope/").status_code == 404


def test_the_receivables_page_hides_the_period(world, browser):
    html = browser.get("/analytics/reports/receivables/").content.decode()
    assert 'name="from"' not in html and 'name="department"' in html


# --- API v1 ----------------------------------------------------------------------------------------------------


@pytest.fixture
def api_as(token_for):
    def make(user) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")

    return make


def test_api_lists_the_reports_with_their_columns(world, api_as, sales_owner):
    response = api_as(sales_owner).get("/api/v1/reports", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    found = {r["key"]: r for r in response.json()}
    assert list(found) == list(reports.REGISTRY)
    assert found["ledger"]["title"] == "Contract ledger"
    assert found["ledger"]["columns"][0] == {"key": "number", "label": "Number", "kind": "text"}
    assert found["receivables"]["uses_period"] is False


def test_api_exports_a_report_scoped_to_the_caller(world, api_as, sales_owner):
    response = api_as(sales_owner).get("/api/v1/reports/ledger?format=csv&from=2026-01-01&to=2026-12-31")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert world["ca1"].number in text and world["cc1"].number not in text
    default = api_as(sales_owner).get("/api/v1/reports/customer_summary")
    assert default.status_code == 200 and "spreadsheetml" in default["Content-Type"]


def test_api_refuses_bad_input_with_400_and_unknown_reports_with_404(world, api_as, sales_owner):
    client = api_as(sales_owner)
    bad = client.get("/api/v1/reports/ledger?department=999999&to=nope")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid" and set(bad.json()["errors"]) == {"department", "to"}
    assert client.get("/api/v1/reports/ledger?format=exe").status_code == 400
    assert client.get("/api/v1/reports/nope").json()["code"] == "not_found"
    assert Client().get("/api/v1/reports").status_code == 401
