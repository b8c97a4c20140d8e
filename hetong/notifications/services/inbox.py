"""What a person does with their reminders and inbox: acknowledge, snooze, read."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hetong.core.errors import InvalidInput, PermissionDenied

from ..models import Notification, Reminder

MAX_SNOOZE = dt.timedelta(days=30)
OPEN_STATES = [Reminder.State.OPEN, Reminder.State.SNOOZED]


def _own(reminder: Reminder, by) -> None:
    if reminder.user_id != by.pk:
        raise PermissionDenied()


def _same_date(reminder: Reminder, by):
    """The user's open reminders of the same contract date: acknowledging one date settles all its offsets."""
    dispatch = reminder.dispatch
    return Reminder.objects.filter(user=by, state__in=OPEN_STATES, dispatch__contract_id=dispatch.contract_id,
                                   dispatch__kind=dispatch.kind, dispatch__date=dispatch.date)


def acknowledge_reminder(reminder: Reminder, *, by) -> Reminder:
    _own(reminder, by)
    with transaction.atomic():
        if reminder.state not in OPEN_STATES:
            raise InvalidInput(_("This reminder is already settled."), code="reminder_settled")
        now = timezone.now()
        _same_date(reminder, by).update(state=Reminder.State.ACKNOWLEDGED, acknowledged_at=now, snoozed_until=None)
        Notification.objects.filter(pk=reminder.notification_id, read_at__isnull=True).update(read_at=now)
    reminder.refresh_from_db()
    return reminder


def snooze_reminder(reminder: Reminder, *, by, until: dt.datetime | None = None, days: int | None = None) -> Reminder:
    """Hide a reminder until `until` (or for `days` days); it comes back then, with a new message."""
    _own(reminder, by)
    now = timezone.now()
    if until is None:
        try:
            days = int(days if days is not None else 1)
        except (TypeError, ValueError):
            days = 0
        if not 1 <= days <= MAX_SNOOZE.days:
            raise InvalidInput(_("Snooze for 1 to 30 days."), code="invalid_snooze", errors={"days": [_("Snooze for 1 to 30 days.")]})
        until = now + dt.timedelta(days=days)
    elif timezone.is_naive(until) or not now < until <= now + MAX_SNOOZE:
        raise InvalidInput(_("Choose a time within the next 30 days."), code="invalid_snooze",
                           errors={"until": [_("Choose a time within the next 30 days.")]})
    with transaction.atomic():
        if reminder.state not in OPEN_STATES:
            raise InvalidInput(_("This reminder is already settled."), code="reminder_settled")
        _same_date(reminder, by).update(state=Reminder.State.SNOOZED, snoozed_until=until)
        Notification.objects.filter(pk=reminder.notification_id, read_at__isnull=True).update(read_at=now)
    reminder.refresh_from_db()
    return reminder


def mark_read(notification: Notification, *, by) -> Notification:
    if notification.user_id != by.pk:
        raise PermissionDenied()
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    notification.refresh_from_db()
    return notification


def mark_all_read(*, by) -> int:
    return Notification.objects.filter(user=by, read_at__isnull=True).update(read_at=timezone.now())
