"""The daily digest: each morning, one email per person with their open reminders and the week's key dates."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hetong.contracts.models import KeyDate, key_date_label

from ..models import JobRun, Reminder
from .messages import absolute, queue_email

User = get_user_model()
WEEK = dt.timedelta(days=7)


def _local(now: dt.datetime, user) -> dt.datetime:
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    return now.astimezone(zone)


def send_digests(*, now: dt.datetime | None = None) -> int:
    """Queue today's digest for everyone whose morning has come and who has not had it; returns how many."""
    now = now or timezone.now()
    sent = 0
    users = User.objects.filter(is_active=True, daily_digest=True).exclude(email="")
    # The scheduler calls this every minute: read the slots already claimed in one query, not one per person.
    days = {(now - dt.timedelta(days=1)).date(), now.date(), (now + dt.timedelta(days=1)).date()}
    started = Q()
    for day in days:
        started |= Q(slot__startswith=f"{day.isoformat()}:")
    claimed = set(JobRun.objects.filter(started, job="digest").values_list("slot", flat=True))
    for user in users.iterator():
        local = _local(now, user)
        if local.hour < settings.HETONG_DIGEST_HOUR:
            continue
        slot = f"{local.date().isoformat()}:{user.pk}"
        if slot in claimed:
            continue
        try:
            with transaction.atomic():
                JobRun.objects.create(job="digest", slot=slot, claimed_at=now)  # the claim: once per person and day
                sent += _queue_digest(user, today=local.date(), now=now)
        except IntegrityError:  # another scheduler claimed it first
            continue
    return sent


def _queue_digest(user, *, today: dt.date, now: dt.datetime) -> int:
    reminders = list(
        Reminder.objects.filter(user=user, state__in=[Reminder.State.OPEN, Reminder.State.SNOOZED])
        .select_related("dispatch__contract__contract_type").order_by("dispatch__date", "id")[:50]
    )
    dates = list(
        KeyDate.objects.filter(contract__owner=user, date__gte=today, date__lt=today + WEEK)
        .select_related("contract__contract_type").order_by("date", "id")[:50]
    )
    if not reminders and not dates:
        return 0
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Your Hetong digest for %(date)s") % {"date": today.isoformat()}
        context = {
            "user": user, "title": subject, "today": today,
            "reminders": [{"number": r.dispatch.contract.number, "title": r.dispatch.contract.title,
                           "label": key_date_label(r.dispatch.kind, r.dispatch.contract.contract_type),
                           "date": r.dispatch.date, "state": r.get_state_display(),
                           "url": absolute(reverse("contracts:detail", args=[r.dispatch.contract_id]))} for r in reminders],
            "dates": [{"number": k.contract.number, "title": k.contract.title, "label": k.label, "date": k.date,
                       "url": absolute(reverse("contracts:detail", args=[k.contract_id]))} for k in dates],
            "inbox_url": absolute(reverse("notifications:reminders")),
        }
        queue_email(user, subject=subject, text=render_to_string("notifications/email/digest.txt", context),
                    html=render_to_string("notifications/email/digest.html", context), now=now)
    return 1

