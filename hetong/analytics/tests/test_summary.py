"""The dashboard's figures on the demo data, each computed again here from the tables with plain SQL; every chart
element's drill-down list has exactly as many contracts as the element counts; the page and API v1."""

import datetime as dt
import io
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from hetong.accounts.models import User
from hetong.analytics import selectors
from hetong.core.dates import company_today
from hetong.core.money import rate

CENT = Decimal("0.01")
TODAY = company_today()
YEAR = TODAY.year


@pytest.fixture
def demo(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--customers", "10", "--contracts", "80", stdout=io.StringIO())
    return User.objects.get(username="admin")


def sql(query: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def dec(value) -> Decimal:
    """A money value as the database returns it (SQLite sums come back as floats) to the cent."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def cny(rows) -> Decimal:
    """rows of (currency, amount)"""
    return sum((dec(amount) * rate(currency) for currency, amount in rows), Decimal(0)).quantize(
        CENT, rounding=ROUND_HALF_UP)


def as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def test_every_figure_matches_sql_on_the_demo(demo):
    figures = selectors.summary(demo, {})
    assert figures["year"] == YEAR

    # Counts by status.
    assert figures["by_status"] == {**{s: 0 for s in figures["by_status"]},
                                    **dict(sql("SELECT status, COUNT(*) FROM contracts_contract GROUP BY status"))}

    # Value signed: this year, per month this year and last, by owner, by department, by top-level type, top customers.
    rows = [(as_date(day), currency, Decimal(amount), owner, dept, ctype, customer) for day, currency, amount, owner,
            dept, ctype, customer in sql(
        "SELECT signed_date, currency, amount, owner_id, department_id, contract_type_id, customer_id "
        "FROM contracts_contract WHERE status <> 'cancelled' AND signed_date IS NOT NULL")]
    this_year = [r for r in rows if r[0].year == YEAR]
    assert figures["signed"]["count"] == len(this_year)
    assert figures["signed"]["amount"] == cny((r[1], r[2]) for r in this_year)
    for entry in figures["signed_by_month"]:
        for key, year in (("this_year", YEAR), ("last_year", YEAR - 1)):
            month = [r for r in rows if r[0].year == year and r[0].month == entry["month"]]
            assert entry[key]["count"] == len(month)
            assert entry[key]["amount"] == cny((r[1], r[2]) for r in month)

    def grouped(index):
        out = defaultdict(list)
        for r in this_year:
            out[r[index]].append((r[1], r[2]))
        return {k: (len(v), cny(v)) for k, v in out.items()}

    assert {r["key"]: (r["count"], r["amount"]) for r in figures["signed_by_owner"]} == grouped(3)
    assert {r["key"]: (r["count"], r["amount"]) for r in figures["signed_by_department"]} == grouped(4)
    parents = dict(sql("SELECT id, parent_id FROM contracts_contracttype"))

    def root(pk):
        while parents.get(pk):
            pk = parents[pk]
        return pk

    by_root = defaultdict(list)
    for r in this_year:
        by_root[root(r[5])].append((r[1], r[2]))
    assert {r["key"]: (r["count"], r["amount"]) for r in figures["signed_by_type"]} == {
        k: (len(v), cny(v)) for k, v in by_root.items()}
    customers = grouped(6)
    expected_top = sorted(customers.items(), key=lambda item: (-item[1][1], -item[1][0], item[0]))[:selectors.TOP]
    assert [(r["key"], r["count"], r["amount"]) for r in figures["top_customers"]] == [
        (k, n, a) for k, (n, a) in expected_top]

    # Ending within 0–30 / 31–60 / 61–90 / over 90 days (contracts in force).
    ends = [as_date(d) for (d,) in sql("SELECT end_date FROM contracts_contract WHERE status IN ('signed', 'active') "
                                       "AND end_date IS NOT NULL")]
    days = [(d - TODAY).days for d in ends if d >= TODAY]
    assert [r["count"] for r in figures["ending"]] == [
        sum(0 <= n <= 30 for n in days), sum(31 <= n <= 60 for n in days), sum(61 <= n <= 90 for n in days),
        sum(n >= 91 for n in days)]

    # Notice deadlines in the next 30 days.
    (notices,) = sql("SELECT COUNT(*) FROM contracts_contract WHERE status IN ('signed', 'active') AND "
                     "notice_deadline >= %s AND notice_deadline <= %s", [TODAY, TODAY + dt.timedelta(days=30)])[0]
    assert figures["notice_deadlines"]["count"] == notices

    # Renewal rate and churn among the contracts whose term ended this year.
    ended = dict(sql("SELECT status, COUNT(*) FROM contracts_contract WHERE status IN ('renewed', 'expired') AND "
                     "end_date >= %s AND end_date <= %s GROUP BY status", [dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)]))
    renewed, expired = ended.get("renewed", 0), ended.get("expired", 0)
    assert figures["renewal"]["renewed"]["count"] == renewed and figures["renewal"]["expired"]["count"] == expired
    if renewed + expired:
        assert figures["renewal"]["renewal_rate"] == (Decimal(renewed) * 100 / (renewed + expired)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)

    # Stuck in review for more than 7 days.
    (stuck,) = sql("SELECT COUNT(*) FROM contracts_contract WHERE status = 'in_review' AND status_changed_at < %s",
                   [timezone.now() - dt.timedelta(days=7)])[0]
    assert figures["stuck"]["count"] == stuck

    # Approval time per step: finished steps this year, by name.
    nodes = sql("SELECT name, COUNT(*), AVG(business_seconds) FROM approvals_noderun WHERE status = 'done' AND "
                "finished_at >= %s AND finished_at < %s GROUP BY name",
                [timezone.make_aware(dt.datetime(YEAR, 1, 1)), timezone.make_aware(dt.datetime(YEAR + 1, 1, 1))])
    assert {r["node"]: (r["runs"], r["avg_business_hours"]) for r in figures["approval_cycle"]} == {
        name: (n, (Decimal(str(avg or 0)) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        for name, n, avg in nodes}

    # Collection rate and receivables aging, from installments, allocations and receipts.
    installments = sql(
        "SELECT i.id, i.amount, i.due_date, c.currency, COALESCE((SELECT SUM(a.amount) FROM payments_allocation a "
        "JOIN payments_receipt r ON r.id = a.receipt_id WHERE a.installment_id = i.id AND r.reversed_at IS NULL), 0) "
        "FROM payments_installment i JOIN contracts_contract c ON c.id = i.contract_id WHERE i.cancelled_at IS NULL "
        "AND c.status IN ('signed', 'active', 'expired', 'renewed', 'terminated')")
    due = [(currency, dec(amount), dec(paid)) for _pk, amount, day, currency, paid in installments
           if day is not None and as_date(day) <= TODAY]
    assert figures["collection"]["due"] == cny((c, a) for c, a, _p in due)
    assert figures["collection"]["collected"] == cny((c, p) for c, _a, p in due)
    assert figures["collection"]["rate"] is not None
    buckets = defaultdict(Decimal)
    for _pk, amount, day, currency, paid in installments:
        owed = dec(amount) - dec(paid)
        if owed <= 0 or day is None:
            continue
        owed *= rate(currency)  # the dashboard's money is in CNY
        late = (TODAY - as_date(day)).days
        for key, _label, first, last in (("d0_30", "", 1, 30), ("d31_60", "", 31, 60), ("d61_90", "", 61, 90),
                                         ("d91_180", "", 91, 180), ("d181_365", "", 181, 365), ("over_365", "", 366, None)):
            if late >= first and (last is None or late <= last):
                buckets[key] += owed
    owing = Counter()  # installments still owed on, by bucket
    for _pk, amount, day, _currency, paid in installments:
        if day is not None and dec(amount) > dec(paid) and as_date(day) < TODAY:
            late = (TODAY - as_date(day)).days
            owing[next(k for k, f, t in (("d0_30", 1, 30), ("d31_60", 31, 60), ("d61_90", 61, 90),
                                         ("d91_180", 91, 180), ("d181_365", 181, 365), ("over_365", 366, 10**6))
                       if f <= late <= t)] += 1
    assert {r["key"]: r["installments"] for r in figures["aging"]} == {
        key: owing[key] for key in ("d0_30", "d31_60", "d61_90", "d91_180", "d181_365", "over_365")}
    assert {r["key"]: r["amount"] for r in figures["aging"]} == {
        key: buckets.get(key, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP) for key in ("d0_30", "d31_60", "d61_90", "d91_180", "d181_365", "over_365")}
    assert figures["signed"]["count"] and figures["top_customers"] and sum(figures["by_status"].values())


def elements(figures) -> list[tuple[str, int, str]]:
    out = [("signed", figures["signed"]["count"], figures["signed"]["url"])]
    out += [(f"status {r['key']}", r["count"], r["url"]) for r in figures["status"]]
    for m in figures["signed_by_month"]:
        out += [(f"month {m['month']} {k}", m[k]["count"], m[k]["url"]) for k in ("this_year", "last_year")]
    for name in ("signed_by_type", "signed_by_department", "signed_by_owner", "top_customers", "ending",
                 "approval_cycle"):
        out += [(f"{name} {r.get('key', r.get('node'))}", r["count"], r["url"]) for r in figures[name] if r.get("url")]
    out += [("renewed", figures["renewal"]["renewed"]["count"], figures["renewal"]["renewed"]["url"]),
            ("expired", figures["renewal"]["expired"]["count"], figures["renewal"]["expired"]["url"]),
            ("notices", figures["notice_deadlines"]["count"], figures["notice_deadlines"]["url"]),
            ("stuck", figures["stuck"]["count"], figures["stuck"]["url"])]
    return out


def test_each_drill_down_lists_exactly_what_the_element_counts(demo):
    client = Client()
    client.force_login(demo)
    some_type = selectors.summary(demo, {})["signed_by_type"][0]["key"]
    for filters in ({}, {"type": some_type, "customer_level": ["key", "strategic"]}):
        figures = selectors.summary(demo, filters)
        checked = 0
        for name, count, url in elements(figures):
            response = client.get(url)
            assert response.status_code == 200, (name, url)
            assert response.context["page"].count == count, (name, url)
            checked += count > 0
        for bucket in figures["aging"]:  # counted in installments: the list has the contracts they belong to
            listed = client.get(bucket["url"]).context["page"].count
            assert listed <= bucket["installments"] and (listed > 0) == (bucket["installments"] > 0), bucket
        assert checked >= 10


def test_a_user_sees_the_figures_of_what_they_may_see(demo):
    sales = User.objects.filter(username="sales1").first()
    mine = selectors.summary(sales, {})
    everything = selectors.summary(demo, {})
    assert 0 < sum(mine["by_status"].values()) < sum(everything["by_status"].values())
    (visible,) = sql("SELECT COUNT(*) FROM contracts_contract WHERE owner_id = %s", [sales.pk])[0]
    assert sum(mine["by_status"].values()) >= visible


def test_the_page_and_the_api(demo, token_for):
    client = Client()
    client.force_login(demo)
    page = client.get("/analytics/")
    body = page.content.decode()
    assert page.status_code == 200 and "chart-months" in body and "dashboard-data" in body
    assert "vendor/echarts/echarts.min.js" in body and "cdn" not in body.lower()
    assert client.get("/analytics/?owner=999999").status_code == 400
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(demo)}")
    data = api.get("/api/v1/analytics/summary", {"year": YEAR}).json()
    assert data["by_status"] == selectors.summary(demo, {})["by_status"]
    assert set(data) >= {"signed_by_month", "ending", "renewal", "approval_cycle", "collection", "aging",
                         "top_customers", "notice_deadlines", "stuck", "signed_by_type"}
    bad = api.get("/api/v1/analytics/summary", {"year": "abc"})
    assert bad.status_code == 400 and "year" in bad.json()["errors"]
