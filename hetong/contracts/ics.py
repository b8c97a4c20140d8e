"""iCalendar files of key dates (RFC 5545): a user's personal feed and one contract's own file.

Every key date is an all-day event whose UID names the contract and the kind of date, never the date itself:
when a date moves (an edit, a tacit renewal) the calendar app updates the event it already has instead of
adding a second one, and SEQUENCE (the contract's version) tells it which copy is newer. The `icalendar`
library does the escaping and the line folding.
"""

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from . import selectors
from .models import Contract, KeyDate

PRODID = "-//Hetong//Hetong contract dates//ZH"
# How often subscribed calendar apps should fetch the feed again (for the apps that honour the hint).
REFRESH_INTERVAL = dt.timedelta(hours=4)


def event_uid(contract_id: int, kind: str) -> str:
    return f"{contract_id}-{kind}@{settings.HETONG_ICAL_DOMAIN}"


def contract_url(contract: Contract) -> str:
    # Absolute, from the configured address: calendar apps fetch the feed without a page to be relative to.
    return settings.HETONG_BASE_URL + reverse("contracts:detail", args=[contract.pk])


def _event(row: KeyDate) -> Event:
    contract = row.contract
    url = contract_url(contract)
    event = Event()
    event.add("uid", event_uid(contract.pk, row.kind))
    event.add("sequence", contract.version)
    # Without a METHOD, DTSTAMP is when the event's information last changed: the contract's last write.
    event.add("dtstamp", contract.updated_at.astimezone(dt.UTC))
    event.add("last-modified", contract.updated_at.astimezone(dt.UTC))
    event.add("dtstart", row.date)
    event.add("dtend", row.date + dt.timedelta(days=1))
    event.add("summary", f"{row.kind_label} · {contract.number} {contract.title}")
    event.add(
        "description",
        "\n".join(
            [
                _("Customer: %(customer)s") % {"customer": contract.customer.name},
                _("Status: %(status)s") % {"status": contract.get_status_display()},
                url,
            ]
        ),
    )
    event.add("url", url)
    event.add("categories", [row.kind_label])
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy for the day
    return event


def calendar_bytes(rows: list[KeyDate], *, name: str) -> bytes:
    """An iCalendar file of labelled key dates (see selectors.label_key_dates), each with its contract,
    the contract's customer and type loaded."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    for row in rows:
        cal.add_component(_event(row))
    return cal.to_ical()


def user_feed(user, *, today: dt.date | None = None) -> bytes:
    """The personal feed of `user`: the key dates they may see around today (selectors.feed_key_dates), in
    their own language whoever asks, since calendar apps fetch it without a session."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        rows = selectors.feed_key_dates(user, today=today)
        return calendar_bytes(rows, name=_("Hetong contract dates"))


def contract_calendar(contract: Contract) -> bytes:
    """One contract's key dates, in the active language; `contract` comes with its type and customer."""
    return calendar_bytes(selectors.contract_key_dates(contract), name=f"{contract.number} {contract.title}")
