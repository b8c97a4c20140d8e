"""A user's personal iCalendar feed: a secret address that calendar apps poll without signing in."""

from django.db import transaction
from django.utils import timezone

from hetong.audit.services import record
from hetong.notifications.models import CalendarFeed


def issue_calendar_feed(*, by) -> str:
    """A new secret feed address for `by`, replacing (and so revoking) any earlier one. Returns the raw token,
    which is shown once: only its SHA-256 is stored."""
    raw, digest = CalendarFeed.new_token()
    with transaction.atomic():
        # Lock the user's row: two clicks on "replace" at once must not leave two live addresses behind.
        feed = CalendarFeed.objects.select_for_update().filter(user=by).first()
        replaced = feed is not None
        if feed is None:
            CalendarFeed.objects.create(user=by, digest=digest)
        else:
            feed.digest, feed.created_at = digest, timezone.now()
            feed.save(update_fields=["digest", "created_at"])
        record(actor=by, verb="calendar_feed.issue", target=by, data={"replaced": replaced})
    return raw


def revoke_calendar_feed(*, by) -> None:
    """The user's feed address stops working at once; calendar apps subscribed to it get 404 from now on."""
    with transaction.atomic():
        deleted, _rows = CalendarFeed.objects.filter(user=by).delete()
        if deleted:
            record(actor=by, verb="calendar_feed.revoke", target=by, data={})
