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
