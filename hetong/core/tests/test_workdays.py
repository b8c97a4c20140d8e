import datetime as dt

from hetong.core.models import HolidayOverride
from hetong.core.workdays import WorkCalendar, company_calendar

D = dt.date.fromisoformat


def test_company_calendar_reads_the_admins_overrides(db):
    HolidayOverride.objects.create(day=D("2027-10-01"), is_workday=False, note="国庆节")
    HolidayOverride.objects.create(day=D("2027-09-26"), is_workday=True, note="调休")
    calendar = company_calendar()
    assert not calendar.is_workday(D("2027-10-01"))  # a Friday, made a holiday
    assert calendar.is_workday(D("2027-09-26"))  # a Sunday, made a workday
    assert calendar.previous_workday(D("2027-10-01")) == D("2027-09-30")


def test_adding_workdays_skips_holidays():
    calendar = WorkCalendar()
    assert calendar.add_workdays(D("2026-09-30"), 1) == D("2026-10-08")  # over National Day
    assert calendar.add_workdays(D("2026-10-08"), -1) == D("2026-09-30")
    assert calendar.add_workdays(D("2026-10-09"), 1) == D("2026-10-10")  # the make-up Saturday
    assert calendar.add_workdays(D("2026-10-09"), 0) == D("2026-10-09")


def test_admin_is_warned_about_years_the_calendar_does_not_know(client, admin, sales_owner):
    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)):
        client.force_login(admin)
        page = client.get("/").content.decode()
        assert "holiday calendar does not know" in page and "2027" in page
        HolidayOverride.objects.create(day=D("2027-01-01"), is_workday=False, note="元旦")
        assert "holiday calendar does not know" not in client.get("/").content.decode()
        client.force_login(sales_owner)
        assert "holiday calendar" not in client.get("/").content.decode()
