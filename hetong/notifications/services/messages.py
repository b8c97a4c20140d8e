"""Messages: the inbox entry, and the deliveries (email, robots, webhooks) queued with it and sent after commit.

Everything a person reads is rendered in their own language when it is queued, and stored, so a retry sends
exactly what was meant. Sending happens in a job after the commit, one delivery at a time: a delivery is
claimed (pending -> sending) by a conditional UPDATE, sent, and marked sent or scheduled again with backoff;
after the last attempt it is failed, and admins see it on the deliveries page with the error.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import transports
from ..models import Channel, Delivery, DeliveryAttachment, Notification

log = logging.getLogger(__name__)

BACKOFF_MINUTES = [1, 5, 15, 60, 240]  # after attempt 1, 2, ...; then it has failed
STALE_SENDING = dt.timedelta(minutes=15)  # a worker killed while sending left the row in "sending"


def absolute(path: str) -> str:
    return f"{settings.HETONG_BASE_URL}{path}"


@dataclass(frozen=True)
class ReminderItem:
    """One line of a reminder message: a contract's key date and how near it is."""

    contract_id: int
    number: str
    title: str
    customer: str
    kind: str
    date: dt.date
    offset: int
    days_left: int
    contract_type: object = None
    escalated_from: str = ""

    @classmethod
    def of(cls, dispatch, *, today: dt.date, escalated_from=None) -> "ReminderItem":
        contract = dispatch.contract
        return cls(
            contract_id=contract.pk, number=contract.number, title=contract.title,
            customer=contract.customer.name if contract.customer_id else "", kind=dispatch.kind, date=dispatch.date,
            offset=dispatch.offset, days_left=(dispatch.date - today).days, contract_type=contract.contract_type,
            escalated_from=str(escalated_from) if escalated_from is not None else "",
        )

    @property
    def label(self) -> str:
        from hetong.contracts.models import key_date_label

        return key_date_label(self.kind, self.contract_type)

    @property
    def when(self) -> str:
        if self.days_left > 0:
            return ngettext("in %(days)d day", "in %(days)d days", self.days_left) % {"days": self.days_left}
        if self.days_left == 0:
            return _("today")
        return ngettext("%(days)d day ago", "%(days)d days ago", -self.days_left) % {"days": -self.days_left}

    @property
    def path(self) -> str:
        return reverse("contracts:detail", args=[self.contract_id])

    @property
    def url(self) -> str:
        return absolute(self.path)

    def line(self) -> str:
        text = _("%(number)s %(title)s: %(label)s %(date)s, %(when)s") % {
            "number": self.number, "title": self.title, "label": self.label, "date": self.date.isoformat(),
            "when": self.when,
        }
        if self.escalated_from:
            text += " · " + _("not acknowledged by %(name)s") % {"name": self.escalated_from}
        return text

    def as_event(self) -> dict:
        return {"contract": self.number, "contract_id": self.contract_id, "title": self.title, "customer": self.customer,
                "date_kind": self.kind, "date_label": self.label, "date": self.date.isoformat(),
                "days_left": self.days_left, "offset": self.offset, "url": self.url}


def _title(items: list[ReminderItem], kind: str) -> str:
    if kind == Notification.Kind.ESCALATION:
        return ngettext("%(count)d reminder was not acknowledged", "%(count)d reminders were not acknowledged",
                        len(items)) % {"count": len(items)}
    if len(items) == 1:
        item = items[0]
        return _("%(label)s of %(number)s %(when)s") % {"label": item.label, "number": item.number, "when": item.when}
    return ngettext("%(count)d contract date needs your attention", "%(count)d contract dates need your attention",
                    len(items)) % {"count": len(items)}


def _on_commit_send(delivery: Delivery) -> None:
    from ..tasks import deliver

    transaction.on_commit(partial(deliver, delivery.pk))


def queue_email(user, *, subject: str, text: str, html: str, now=None, to: str = "",
                attachments=()) -> Delivery | None:
    """An email through the outbox, sent after commit: to the user, or to `to`, an address that may belong to no
    user (a customer's contact; `user` is then None or the user it concerns). `attachments` are files sent with
    it, as (file name, bytes, content type); they are stored with the delivery, so a retry sends them again."""
    address = to or (user.email if user is not None else "")
    if not address:
        return None
    # Real time, not the pass's `now`: a pass run for another moment (catch-up, tests) still sends at once.
    delivery = Delivery.objects.create(kind=Delivery.Kind.EMAIL, user=user, to=address, subject=subject[:200],
                                       text=text, html=html)
    if attachments:
        DeliveryAttachment.objects.bulk_create(
            DeliveryAttachment(delivery=delivery, name=str(name)[:200], content_type=content_type,
                               content=bytes(content), size=len(content))
            for name, content, content_type in attachments
        )
    _on_commit_send(delivery)
    return delivery


def queue_reminder_messages(user, items: list[ReminderItem], *, kind: str, email: bool, now=None) -> Notification:
    """The inbox entry for these items, and the email with them if wanted; in the user's language."""
    now = now or timezone.now()
    with translation.override(user.language or settings.LANGUAGE_CODE):
        title = _title(items, kind)
        body = "\n".join(item.line() for item in items)
        url = items[0].path if len(items) == 1 else reverse("notifications:reminders")
        notification = Notification.objects.create(
            user=user, kind=kind, title=title[:200], body=body, url=url, created_at=now,
            contract_id=items[0].contract_id if len(items) == 1 else None,
        )
        if email:
            context = {"user": user, "title": title, "items": items, "kind": kind,
                       "inbox_url": absolute(reverse("notifications:reminders"))}
            queue_email(user, subject=title, text=render_to_string("notifications/email/reminders.txt", context),
                        html=render_to_string("notifications/email/reminders.html", context), now=now)
    return notification


def queue_channel_message(channel: Channel, items: list[ReminderItem], *, now=None) -> Delivery:
    """One message to a group robot or webhook, in the company's language."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        title = _title(items, Notification.Kind.REMINDER)
        if channel.kind == Channel.Kind.WEBHOOK:
            payload = {"type": "reminders", "title": title, "reminders": [item.as_event() for item in items]}
        else:
            payload = {"title": title, "lines": [{"text": item.line(), "url": item.url} for item in items],
                       "footer": _("Hetong contract reminders")}
    delivery = Delivery.objects.create(kind=channel.kind, channel=channel, to=channel.name[:254], subject=title[:200],
                                       payload=payload)
    _on_commit_send(delivery)
    return delivery


def notify(user, *, kind: str, title: str, body: str = "", url: str = "", contract=None, email: bool = True,
           now=None) -> Notification:
    """A one-off message to a person: inbox, and email if they have an address. Call inside the transaction of
    the change it tells about. Pass lazily translated strings: they are rendered in the user's language."""
    now = now or timezone.now()
    with translation.override(user.language or settings.LANGUAGE_CODE):
        title, body = str(title), str(body)
        notification = Notification.objects.create(user=user, kind=kind, title=title[:200], body=body, url=url,
                                                   contract=contract, created_at=now)
        if email:
            context = {"user": user, "title": title, "body": body, "url": absolute(url) if url else ""}
            queue_email(user, subject=title, text=render_to_string("notifications/email/message.txt", context),
                        html=render_to_string("notifications/email/message.html", context), now=now)
    return notification


# --- sending ---------------------------------------------------------------------------------------------


def send_delivery(delivery_id: int, *, now=None) -> str:
    """Send one delivery if it is due; returns its state afterwards. Called by the job after commit."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, state=Delivery.State.PENDING, next_attempt_at__lte=now
    ).update(state=Delivery.State.SENDING, attempts=F("attempts") + 1, next_attempt_at=now)
    if not claimed:  # sent, failed, not due yet, or another worker has it
        return Delivery.objects.filter(pk=delivery_id).values_list("state", flat=True).first() or "missing"
    delivery = Delivery.objects.select_related("channel").get(pk=delivery_id)
    try:
        _send(delivery)
    except transports.DeliveryFailed as exc:
        final = not exc.retryable or delivery.attempts > len(BACKOFF_MINUTES)
        state = Delivery.State.FAILED if final else Delivery.State.PENDING
        next_at = now if final else now + dt.timedelta(minutes=BACKOFF_MINUTES[delivery.attempts - 1])
        Delivery.objects.filter(pk=delivery.pk).update(state=state, last_error=str(exc.message)[:2000], next_attempt_at=next_at)
        log.warning("delivery %s (%s) failed, attempt %s: %s", delivery.pk, delivery.kind, delivery.attempts, exc.message)
        return state
    except Exception as exc:  # a bug must not leave the row in "sending" nor stop the worker
        log.exception("delivery %s crashed", delivery.pk)
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.PENDING, last_error=repr(exc)[:2000],
            next_attempt_at=now + dt.timedelta(minutes=BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1]),
        )
        return Delivery.State.PENDING
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENT, sent_at=timezone.now(), last_error="")
    return Delivery.State.SENT


def _send(delivery: Delivery) -> None:
    if delivery.kind == Delivery.Kind.EMAIL:
        files = [(a.name, bytes(a.content), a.content_type) for a in delivery.attachments.all()]
        transports.send_email(to=delivery.to, subject=delivery.subject, text=delivery.text, html=delivery.html,
                              attachments=files)
        return
    channel = delivery.channel
    if channel is None or not channel.is_active:
        raise transports.DeliveryFailed(_("The channel is switched off or was removed."), retryable=False)
    if channel.kind == Channel.Kind.WEBHOOK:
        transports.send_webhook(channel, delivery.payload)
    elif delivery.payload.get("type") == "test":
        transports.send_test(channel)
    else:
        message = transports.Message(
            title=delivery.payload.get("title", delivery.subject),
            lines=[transports.MessageLine(line["text"], line.get("url", "")) for line in delivery.payload.get("lines", [])],
            footer=delivery.payload.get("footer", ""),
        )
        transports.send_robot(channel, message)


def retry_due_deliveries(*, now=None) -> int:
    """Hand due deliveries to the workers again: retries whose backoff is over, and rows a killed worker left in
    "sending". Returns how many were queued."""
    from ..tasks import deliver

    now = now or timezone.now()
    Delivery.objects.filter(state=Delivery.State.SENDING, next_attempt_at__lt=now - STALE_SENDING).update(
        state=Delivery.State.PENDING
    )
    due = list(Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
               .values_list("pk", flat=True)[:1000])
    for pk in due:
        deliver(pk)
    return len(due)


def retry_delivery(delivery: Delivery, *, by) -> Delivery:
    """An admin sends a failed delivery again, now."""
    from hetong.audit.services import record
    from hetong.core.errors import InvalidInput, PermissionDenied

    if not by.is_admin:
        raise PermissionDenied()
    with transaction.atomic():
        if not Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.FAILED).update(
            state=Delivery.State.PENDING, next_attempt_at=timezone.now(), attempts=0
        ):
            raise InvalidInput(_("Only a failed delivery can be sent again."), code="not_failed")
        record(actor=by, verb="delivery.retry", target=delivery, data={"kind": delivery.kind, "to": delivery.to})
        delivery.refresh_from_db()
        _on_commit_send(delivery)
    return delivery


def send_test_message(channel: Channel, *, by) -> Delivery:
    """Queue a test message through a channel; its delivery shows the result."""
    from hetong.audit.services import record
    from hetong.core.errors import PermissionDenied

    if not by.is_admin:
        raise PermissionDenied()
    with transaction.atomic():
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Hetong test message")
        delivery = Delivery.objects.create(kind=channel.kind, channel=channel, to=channel.name[:254], subject=subject,
                                           payload={"type": "test"})
        record(actor=by, verb="channel.test", target=channel, data={"delivery": delivery.pk})
        _on_commit_send(delivery)
    return delivery

