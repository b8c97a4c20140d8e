"""Calendar arithmetic on contract dates (calendar dates in the company time zone)."""

import calendar
import datetime as dt

from django.utils import timezone


def company_today() -> dt.date:
    """Today in the company time zone (settings.TIME_ZONE), whatever zone the user reads in."""
    return timezone.localdate(timezone.now(), timezone.get_default_timezone())


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day of month `months` later (negative: earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def shift(day: dt.date, amount: int, unit: str) -> dt.date:
    """Move `day` by `amount` units (days, weeks, months, years); negative moves back."""
    if unit == "days":
        return day + dt.timedelta(days=amount)
    if unit == "weeks":
        return day + dt.timedelta(weeks=amount)
    if unit == "months":
        return add_months(day, amount)
    if unit == "years":
        return add_months(day, 12 * amount)
    raise ValueError(f"unknown unit {unit!r}")


def parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())
