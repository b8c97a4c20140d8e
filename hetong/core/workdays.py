"""Business days in mainland China: weekends, statutory holidays and make-up workdays (调休).

chinesecalendar knows the State Council's published schedule up to its last release year. An admin-edited
override table (core.HolidayOverride) wins over it, and for a year the library does not know, the calendar
falls back to weekends plus the overrides instead of failing; `unknown_years` tells the admin what to enter.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import chinese_calendar

KNOWN_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


@dataclass(frozen=True)
class WorkCalendar:
    overrides: Mapping[dt.date, bool] = field(default_factory=dict)  # day -> is a workday

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in KNOWN_YEARS:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def previous_workday(self, day: dt.date) -> dt.date:
        """`day` itself if it is a workday, else the closest workday before it."""
        for _ in range(366):
            if self.is_workday(day):
                return day
            day -= dt.timedelta(days=1)
        raise ValueError("no workday within a year before the given day; check the holiday overrides")

    def add_workdays(self, day: dt.date, count: int) -> dt.date:
        """The day `count` workdays after `day` (before it when negative)."""
        step = dt.timedelta(days=1 if count >= 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def unknown_years(self, days: Iterable[dt.date]) -> set[int]:
        """Years among `days` that neither the library nor any override covers."""
        covered = {d.year for d in self.overrides}
        return {d.year for d in days if d.year not in KNOWN_YEARS and d.year not in covered}


def company_calendar() -> WorkCalendar:
    """The calendar with the admin's overrides applied (one query)."""
    from .models import HolidayOverride

    return WorkCalendar(dict(HolidayOverride.objects.values_list("day", "is_workday")))


# Working hours on a workday, company time: 09:00–12:00 and 13:00–18:00 (eight hours). HETONG_WORKING_HOURS
# overrides them as "09:00-12:00,13:00-18:00".
DEFAULT_WORKING_HOURS = ((dt.time(9), dt.time(12)), (dt.time(13), dt.time(18)))


def working_hours() -> tuple[tuple[dt.time, dt.time], ...]:
    from django.conf import settings

    raw = getattr(settings, "HETONG_WORKING_HOURS", "")
    if not raw:
        return DEFAULT_WORKING_HOURS
    periods = []
    for part in raw.split(","):
        start, end = (dt.time.fromisoformat(x.strip()) for x in part.split("-"))
        if end <= start:
            raise ValueError(f"HETONG_WORKING_HOURS: {part} ends before it starts")
        periods.append((start, end))
    return tuple(sorted(periods))


def _periods(calendar: WorkCalendar, day: dt.date, tz, hours):
    if not calendar.is_workday(day):
        return []
    return [(dt.datetime.combine(day, a, tz), dt.datetime.combine(day, b, tz)) for a, b in hours]


def add_business_hours(start: dt.datetime, hours: float, calendar: WorkCalendar | None = None, tz=None) -> dt.datetime:
    """The moment `hours` working hours after `start` (an aware datetime), counting only working hours of
    workdays (holidays and make-up workdays included). The result is in the company time zone."""
    from django.utils import timezone

    calendar = calendar or company_calendar()
    tz = tz or timezone.get_default_timezone()
    periods_of_day = working_hours()
    remaining = dt.timedelta(hours=hours)
    moment = start.astimezone(tz)
    day = moment.date()
    for _ in range(3660):
        for begin, end in _periods(calendar, day, tz, periods_of_day):
            if moment >= end:
                continue
            begin = max(begin, moment)
            if begin + remaining <= end:
                return begin + remaining
            remaining -= end - begin
        day += dt.timedelta(days=1)
        moment = dt.datetime.combine(day, dt.time(0), tz)
    raise ValueError("no working hours within ten years; check the holiday overrides")


def business_seconds_between(start: dt.datetime, end: dt.datetime, calendar: WorkCalendar | None = None, tz=None) -> int:
    """Working seconds between two moments (0 if end is not after start)."""
    from django.utils import timezone

    if end <= start:
        return 0
    calendar = calendar or company_calendar()
    tz = tz or timezone.get_default_timezone()
    periods_of_day = working_hours()
    start, end = start.astimezone(tz), end.astimezone(tz)
    total, day = dt.timedelta(), start.date()
    while day <= end.date():
        for begin, finish in _periods(calendar, day, tz, periods_of_day):
            overlap = min(finish, end) - max(begin, start)
            if overlap > dt.timedelta():
                total += overlap
        day += dt.timedelta(days=1)
    return int(total.total_seconds())
