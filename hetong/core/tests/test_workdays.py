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
