"""Scheduled reports: due weekly or monthly in company time, sent once per week or month even when two passes find
them due, made as their owner (scope and language) and emailed with the file; set up on the page and API v1."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from hetong.accounts.models import Department
from hetong.analytics import schedules
from hetong.analytics.models import ReportSchedule
from hetong.core.errors import InvalidInput
from hetong.notifications.models import Delivery

from .test_reports import at, make_world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _setting_up(settings):
    """The data and the schedules are made on Sunday 14 June 2026; schedules are sent at 08:00 company time."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.HETONG_DIGEST_HOUR = 8
    with time_machine.travel(at("2026-06-14"), tick=False):
        yield


@pytest.fixture
def world(sales_owner, other_sales, manager, finance, make_customer, make_contract):
    return make_world(sales_owner, other_sales, manager, finance, make_customer, make_contract)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """send("2026-06-15", 8): one scheduler pass at that moment, with the emails it queued sent after commit."""

    def run(day: str, hour: int = 10, minute: int = 0) -> int:
        moment = at(day, hour) + dt.timedelta(minutes=minute)
        with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
            return schedules.send_due(moment)

    return run


def weekly(user, **data) -> ReportSchedule:
    return schedules.create_schedule(by=user, data={"report": "ledger", "frequency": "weekly", "weekday": 0, **data})


def attached_rows(message) -> list[list]:
    (name, content, mimetype), = message.attachments
    assert mimetype == XLSX and name.endswith(".xlsx")
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(content)).active.iter_rows()]


def test_weekly_schedule_is_sent_once_on_its_day_from_the_send_hour(world, sales_owner, send):
    weekly(sales_owner)  # Mondays
    assert send("2026-06-15", 7, 59) == 0
    assert send("2026-06-15", 8) == 1
    assert send("2026-06-15", 8, 1) == 0  # the same week again: nothing
    assert send("2026-06-16", 9) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [sales_owner.email] and "2026-06-15" in message.subject
    assert message.attachments[0][0] == "ledger-2026-06-15.xlsx"
    assert send("2026-06-22", 8) == 1  # next Monday
    assert len(mail.outbox) == 2 and mail.outbox[1].attachments[0][0] == "ledger-2026-06-22.xlsx"
    schedule = ReportSchedule.objects.get()
    assert schedule.last_period == "2026-W26" and schedule.last_sent_at == at("2026-06-22", 8)


def test_a_week_missed_while_down_is_caught_up_once_later_that_week(world, sales_owner, send):
    weekly(sales_owner, weekday=1)  # Tuesdays; the scheduler is down all Tuesday 16 June
    assert send("2026-06-18", 11) == 1
    assert send("2026-06-21", 23) == 0
    assert len(mail.outbox) == 1


def test_a_schedule_made_after_this_weeks_moment_starts_next_week(world, sales_owner, send):
    with time_machine.travel(at("2026-06-15", 9), tick=False):
        weekly(sales_owner)  # made on Monday after 08:00
    assert send("2026-06-15", 10) == 0
    assert send("2026-06-22", 8) == 1


def test_monthly_schedule_covers_the_previous_month_as_pdf(world, sales_owner, send):
    schedules.create_schedule(by=sales_owner, data={"report": "period_summary", "frequency": "monthly",
                                                    "day_of_month": 20, "format": "pdf", "period": "previous"})
    assert send("2026-06-19", 23) == 0
    assert send("2026-06-22", 8) == 1  # down on the 20th and 21st: caught up once
    assert send("2026-06-30", 8) == 0
    (name, content, mimetype), = mail.outbox[0].attachments
    assert (name, mimetype) == ("period_summary-2026-06-22.pdf", "application/pdf") and content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "2026-05-01" in text and "2026-05-31" in text
    assert "2026-05-01" in mail.outbox[0].body
    assert send("2026-07-20", 8) == 1


def test_two_passes_that_both_find_it_due_send_it_once(world, sales_owner, django_capture_on_commit_callbacks):
    schedule = weekly(sales_owner)
    moment = at("2026-06-15", 8)
    first, second = ReportSchedule.objects.get(pk=schedule.pk), ReportSchedule.objects.get(pk=schedule.pk)
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        slot = schedules.due_slot(first, moment)
        assert slot == schedules.due_slot(second, moment) == "2026-W25"
        assert schedules.send_schedule(first, slot=slot, now=moment, today=moment.date()) == 1
        assert schedules.send_schedule(second, slot=slot, now=moment, today=moment.date()) == 0
    assert len(mail.outbox) == 1 and Delivery.objects.count() == 1


def test_each_report_is_made_as_its_owner_in_their_language(world, sales_owner, other_sales, send):
    sales_owner.language = "zh-hans"
    sales_owner.save(update_fields=["language"])
    weekly(sales_owner)
    weekly(other_sales)
    assert send("2026-06-15", 8) == 2
    sent = {m.to[0]: m for m in mail.outbox}
    zh = attached_rows(sent[sales_owner.email])
    assert {"编号", "客户", "状态"} <= set(zh[0])
    assert {row[0] for row in zh[1:]} == {world[k].number for k in ("ca1", "usd", "draft", "stuck")}
    en = attached_rows(sent[other_sales.email])
    assert {"Number", "Customer", "Status"} <= set(en[0])
    assert [row[0] for row in en[1:]] == [world["cc1"].number]


def test_filters_are_kept_and_applied(world, admin, org, send):
    weekly(admin, filters={"department": [str(org["north"].pk)]})
    assert send("2026-06-15", 8) == 1
    rows = attached_rows(mail.outbox[0])
    assert [row[0] for row in rows[1:]] == [world["cc1"].number]
    assert "华北区" in mail.outbox[0].body


def test_filters_that_no_longer_exist_are_reported_once_not_widened(world, admin, send):
    gone = Department.objects.create(name="临时项目部")
    weekly(admin, filters={"department": [str(gone.pk)]})
    gone.delete()
    assert send("2026-06-15", 8) == 1
    assert send("2026-06-15", 9) == 0
    message = mail.outbox[0]
    assert "could not be made" in message.subject and message.attachments == []
    assert "Select a valid choice" in message.body


def test_inactive_schedules_and_people_get_nothing(world, sales_owner, other_sales, send):
    weekly(sales_owner)
    ReportSchedule.objects.filter(user=sales_owner).update(is_active=False)
    weekly(other_sales)
    other_sales.is_active = False
    other_sales.save(update_fields=["is_active"])
    assert send("2026-06-15", 8) == 0 and mail.outbox == []


def test_bad_schedules_are_refused_and_nothing_is_saved(world, sales_owner):
    cases = [
        ({"report": "nope", "frequency": "weekly", "weekday": 0}, {"report"}),
        ({"report": "ledger", "frequency": "weekly"}, {"weekday"}),
        ({"report": "ledger", "frequency": "weekly", "weekday": 7}, {"weekday"}),
        ({"report": "ledger", "frequency": "monthly", "day_of_month": 29}, {"day_of_month"}),
        ({"report": "ledger", "frequency": "daily"}, {"frequency"}),
        ({"report": "ledger", "frequency": "weekly", "weekday": 0, "format": "csv"}, {"format"}),
        ({"report": "ledger", "frequency": "weekly", "weekday": 0, "period": "forever"}, {"period"}),
        ({"report": "ledger", "frequency": "weekly", "weekday": 0, "filters": {"status": ["draft"]}}, {"filters.status"}),
        ({"report": "ledger", "frequency": "weekly", "weekday": 0, "filters": {"owner": ["999999"]}}, {"filters.owner"}),
        ({"report": "ledger", "frequency": "weekly", "weekday": "x"}, {"weekday"}),
    ]
    for data, fields in cases:
        with pytest.raises(InvalidInput) as caught:
            schedules.create_schedule(by=sales_owner, data=data)
        assert set(caught.value.errors) == fields, data
    assert not ReportSchedule.objects.exists()


def test_a_person_has_at_most_twenty_schedules(world, sales_owner):
    for _n in range(schedules.MAX_SCHEDULES):
        weekly(sales_owner)
    with pytest.raises(InvalidInput) as caught:
        weekly(sales_owner)
    assert caught.value.code == "too_many_schedules"


# --- pages -----------------------------------------------------------------------------------------------------


def test_email_me_this_report_on_the_page_then_list_and_delete(world, sales_owner, other_sales, org):
    client = Client()
    client.force_login(sales_owner)
    response = client.post("/analytics/reports/customer_summary/schedule/", {
        "department": str(org["east"].pk), "frequency": "monthly", "day_of_month": "5", "format": "pdf",
        "period": "previous"})
    assert response.status_code == 302 and response["Location"] == "/analytics/schedules/"
    schedule = ReportSchedule.objects.get()
    assert (schedule.user, schedule.report, schedule.filters, schedule.day_of_month, schedule.weekday) == (
        sales_owner, "customer_summary", {"department": [str(org["east"].pk)]}, 5, None)
    page = client.get("/analytics/schedules/").content.decode()
    assert "Customer summary" in page and "华东区" in page
    intruder = Client()
    intruder.force_login(other_sales)
    assert intruder.post(f"/analytics/schedules/{schedule.pk}/delete/").status_code == 404
    assert client.post(f"/analytics/schedules/{schedule.pk}/delete/").status_code == 302
    assert not ReportSchedule.objects.exists()


def test_a_bad_schedule_on_the_page_is_a_400_with_the_messages(world, sales_owner):
    client = Client()
    client.force_login(sales_owner)
    response = client.post("/analytics/reports/ledger/schedule/", {"frequency": "monthly", "day_of_month": "31",
                                                                   "format": "xlsx", "period": "year"})
    assert response.status_code == 400
    assert "Enter a whole number between 1 and 28." in response.content.decode()
    assert not ReportSchedule.objects.exists()


# --- API v1 ----------------------------------------------------------------------------------------------------


def test_api_schedules_are_the_callers_own(world, sales_owner, other_sales, token_for, org):
    mine = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(sales_owner)}")
    theirs = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(other_sales)}")
    created = mine.post("/api/v1/report-schedules", {
        "report": "receivables", "frequency": "weekly", "weekday": 4, "filters": {"department": [org["east"].pk]}},
        content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert (body["report"], body["weekday"], body["format"], body["period"], body["filters"]) == (
        "receivables", 4, "xlsx", "year", {"department": [str(org["east"].pk)]})
    assert [s["id"] for s in mine.get("/api/v1/report-schedules").json()] == [body["id"]]
    assert theirs.get("/api/v1/report-schedules").json() == []
    assert theirs.delete(f"/api/v1/report-schedules/{body['id']}").status_code == 404
    assert mine.delete(f"/api/v1/report-schedules/{body['id']}").status_code == 204
    assert not ReportSchedule.objects.exists()


def test_api_refuses_a_bad_schedule_with_400(world, sales_owner, token_for):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(sales_owner)}")
    response = client.post("/api/v1/report-schedules", {"report": "ledger", "frequency": "monthly"},
                           content_type="application/json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"day_of_month"}
    unknown = client.post("/api/v1/report-schedules", {"report": "ledger", "frequency": "weekly", "weekday": 0,
                                                       "user": 1}, content_type="application/json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "forbidden_field"
