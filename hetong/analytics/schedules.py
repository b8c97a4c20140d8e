"""Scheduled reports: each user's reports emailed weekly or monthly in their language.

A schedule falls due at HETONG_DIGEST_HOUR (company time) on its weekday or day of the month, and stays due until the
week or month is over, so a scheduler that was down catches up once. Each week or month is claimed by a conditional
UPDATE of `last_period` in the transaction that queues the email: two schedulers never both send it, and a pass that
dies before its commit leaves it to the next. The report is made as the schedule's owner (their data scope, their
language) before the claim, so no write lock is held while it is built.
"""

import calendar
import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hetong.audit.services import record
from hetong.core.errors import DomainError, InvalidInput

from . import reports, selectors
from .models import ReportSchedule

log = logging.getLogger(__name__)

MAX_SCHEDULES = 20  # per person: more is a mistake, not a need
S = ReportSchedule


# --- changes ---------------------------------------------------------------------------------------------------


def _whole(value, name: str, low: int, high: int, errors: dict) -> int | None:
    if value in (None, ""):
        errors[name] = [_("This field is required.")]
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or isinstance(value, bool) or not low <= number <= high:
        errors[name] = [_("Enter a whole number between %(low)s and %(high)s.") % {"low": low, "high": high}]
        return None
    return number


def _filters(raw, errors: dict) -> dict:
    """{filter: [values as text]}: only the report filters, each one value or a list."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        errors["filters"] = [_("Enter an object of names and values.")]
        return {}
    out = {}
    for name, value in raw.items():
        if name not in selectors.FILTERS:
            errors[f"filters.{name}"] = [_("There is no such filter.")]
            continue
        values = value if isinstance(value, list | tuple) else [value]
        if any(not isinstance(v, str | int) or isinstance(v, bool) for v in values):
            errors[f"filters.{name}"] = [_("Enter a valid value.")]
            continue
        cleaned = [str(v).strip() for v in values if str(v).strip()]
        if cleaned:
            out[name] = cleaned
    return out


def create_schedule(*, by, data: dict) -> ReportSchedule:
    """A schedule of `by`'s: a report with its filters, emailed weekly on a weekday (0 Monday … 6 Sunday) or monthly
    on a day 1–28, as XLSX or PDF, covering this year or the previous week or month."""
    errors: dict = {}
    key = str(data.get("report") or "")
    if reports.get(key) is None:
        errors["report"] = [_("There is no such report.")]
    choices = {"format": (S.Format, S.Format.XLSX), "frequency": (S.Frequency, None), "period": (S.Period, S.Period.YEAR)}
    picked = {}
    for name, (options, default) in choices.items():
        value = data.get(name) or default
        if value not in options.values:
            errors[name] = [_("Select a valid choice; that one does not exist.")]
        picked[name] = value
    weekday = day = None
    if picked["frequency"] == S.Frequency.WEEKLY:
        weekday = _whole(data.get("weekday"), "weekday", 0, 6, errors)
    elif picked["frequency"] == S.Frequency.MONTHLY:
        day = _whole(data.get("day_of_month"), "day_of_month", 1, 28, errors)
    filters = _filters(data.get("filters"), errors)
    if not errors:
        try:
            reports.query(by, filters)  # the filters must name things that exist
        except InvalidInput as exc:
            errors.update({f"filters.{name}": messages for name, messages in exc.errors.items()})
    if errors:
        raise InvalidInput(_("The schedule was not saved: please correct the errors."), errors=errors)
    with transaction.atomic():
        if ReportSchedule.objects.filter(user=by).count() >= MAX_SCHEDULES:
            raise InvalidInput(_("You have %(max)s scheduled reports already: delete one first.")
                               % {"max": MAX_SCHEDULES}, code="too_many_schedules")
        schedule = ReportSchedule.objects.create(user=by, report=key, filters=filters, weekday=weekday,
                                                 day_of_month=day, **picked)
        record(actor=by, verb="report_schedule.create", target=schedule, data={
            "report": key, "filters": filters, "frequency": schedule.frequency, "weekday": weekday,
            "day_of_month": day, "format": schedule.format, "period": schedule.period})
    return schedule


def delete_schedule(schedule: ReportSchedule, *, by) -> None:
    """Remove one of `by`'s own schedules (anyone else's does not exist for them)."""
    with transaction.atomic():
        if not ReportSchedule.objects.filter(pk=schedule.pk, user=by).exists():
            raise ReportSchedule.DoesNotExist
        record(actor=by, verb="report_schedule.delete", target=schedule,
               data={"report": schedule.report, "frequency": schedule.frequency})
        ReportSchedule.objects.filter(pk=schedule.pk, user=by).delete()


# --- when --------------------------------------------------------------------------------------------------------


def week_key(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_key(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def due_slot(schedule: ReportSchedule, local: dt.datetime) -> str | None:
    """The week or month this schedule is due for at `local` (company time), or None: due from its day at the send
    hour until the week or month ends, unless it was made after that moment or that period was sent already."""
    today = local.date()
    if schedule.frequency == S.Frequency.WEEKLY:
        day, slot = today - dt.timedelta(days=today.weekday() - schedule.weekday), week_key(today)
    else:
        day, slot = today.replace(day=schedule.day_of_month), month_key(today)
    moment = dt.datetime.combine(day, dt.time(settings.HETONG_DIGEST_HOUR), tzinfo=local.tzinfo)
    made = timezone.localtime(schedule.created_at, local.tzinfo)
    if day > today or moment > local or moment < made or schedule.last_period == slot:
        return None
    return slot


def period_of(schedule: ReportSchedule, today: dt.date) -> tuple[dt.date, dt.date]:
    """The dates the report covers: this year, or the full week or month before `today`'s."""
    if schedule.period == S.Period.YEAR:
        return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    if schedule.frequency == S.Frequency.WEEKLY:
        monday = today - dt.timedelta(days=today.weekday() + 7)
        return monday, monday + dt.timedelta(days=6)
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last.replace(day=calendar.monthrange(last.year, last.month)[1])


# --- sending -----------------------------------------------------------------------------------------------------


def send_due(now) -> int:
    """Send the schedules due at `now` (each once per period); returns how many were sent."""
    now = now or timezone.now()
    local = timezone.localtime(now, timezone.get_default_timezone())
    today = local.date()
    candidates = (
        ReportSchedule.objects.filter(is_active=True, user__is_active=True)
        .filter((Q(frequency=S.Frequency.WEEKLY, weekday__lte=today.weekday()) & ~Q(last_period=week_key(today)))
                | (Q(frequency=S.Frequency.MONTHLY, day_of_month__lte=today.day) & ~Q(last_period=month_key(today))))
        .select_related("user__department").order_by("pk")
    )
    sent = 0
    for schedule in candidates:
        slot = due_slot(schedule, local)
        if slot is None:
            continue
        try:
            sent += send_schedule(schedule, slot=slot, now=now, today=today)
        except Exception:  # one broken schedule must not stop the others; the next pass tries it again
            log.exception("scheduled report %s failed", schedule.pk)
    return sent


def _message(schedule: ReportSchedule, report, *, today: dt.date, q=None, file=None, error=None) -> dict:
    title = str(report.title) if report else schedule.report
    context = {
        "user": schedule.user, "title": title, "today": today, "report": report, "q": q, "file": file,
        "filters": q.described() if q else [], "schedules_url": _absolute_url("analytics:schedules"),
        "report_url": _absolute_url("analytics:report", schedule.report) if report else "",
        "problems": [str(m) for messages in (error.errors.values() if error else []) for m in messages]
        or ([str(error.message)] if error else []),
    }
    if file is not None:
        subject = _("%(title)s (%(date)s)") % {"title": title, "date": today.isoformat()}
        lines = [_("Your scheduled report “%(title)s” is attached.") % {"title": title}]
        if report.uses_period:
            lines.append(_("Period: %(first)s – %(last)s") % {"first": q.first.isoformat(), "last": q.last.isoformat()})
        lines += [f"{label}: {value}" for label, value in context["filters"]]
    else:
        subject = _("Your scheduled report “%(title)s” could not be made") % {"title": title}
        lines = [_("The report could not be made with the filters of your schedule:")] + context["problems"]
    lines += ["", _("Change or stop your scheduled reports: %(url)s") % {"url": context["schedules_url"]}]
    context["subject"], context["lines"] = subject, lines
    return {"subject": subject, "text": "\n".join(lines), "html": render_to_string("analytics/schedule_email.html",
                                                                                     context)}


def _absolute_url(name: str, *args) -> str:
    from hetong.notifications.services.messages import absolute

    return absolute(reverse(name, args=args))


def send_schedule(schedule: ReportSchedule, *, slot: str, now: dt.datetime, today: dt.date) -> int:
    """Make the report as its owner, in their language, and queue it by email with the file, once for `slot`.
    Returns 1 if this pass claimed and queued it, 0 if another did."""
    from hetong.notifications.services.messages import queue_email

    user = schedule.user
    report = reports.get(schedule.report)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        q = file = error = None
        if report is None:
            error = InvalidInput(_("There is no such report."))
        else:
            try:
                q = reports.query(user, schedule.filters, today=today, period=period_of(schedule, today))
                file = reports.export(report, q, schedule.format)
            except DomainError as exc:  # a filter that no longer exists: tell the user, do not widen the report
                error = exc
        message = _message(schedule, report, today=today, q=q, file=file, error=error)
    attachments = [(file.filename, file.content, file.content_type.split(";")[0])] if file else []
    with transaction.atomic():
        claimed = (ReportSchedule.objects.filter(pk=schedule.pk, is_active=True).exclude(last_period=slot)
                   .update(last_period=slot, last_sent_at=now))
        if not claimed:
            return 0
        queue_email(user, attachments=attachments, now=now, **message)
    return 1
