"""`hetong reminders run [--now ISO-DATETIME]`: one reminder pass, printing what it sent (for cron and tests)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from hetong.notifications.services import retry_due_deliveries, run_reminders


def parse_now(value: str | None) -> dt.datetime:
    if not value:
        return timezone.now()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now: not an ISO date-time: {value!r} (e.g. 2026-12-01T09:00)") from None
    if timezone.is_naive(moment):  # a wall-clock time in the company's time zone
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class Command(BaseCommand):
    help = "Reminders: `run` does one pass (claim what fell due, send it, wake snoozes, escalate) and prints it."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="one reminder pass")
        run.add_argument("--now", help="the moment to run as, ISO 8601 (company time zone if no offset)")

    def handle(self, *args, action, now=None, **options):
        moment = parse_now(now)
        result = run_reminders(now=moment)
        retry_due_deliveries()  # and what an earlier, interrupted run queued but did not send
        with translation.override("en"):
            local = timezone.localtime(moment, timezone.get_default_timezone())
            self.stdout.write(f"reminders at {local:%Y-%m-%d %H:%M %Z}: {result.reminders} sent to "
                              f"{len(result.sent)} people, {result.escalated} escalated, {result.woken} back from snooze")
            for username, items in result.sent:
                for item in items:
                    self.stdout.write(f"  {username}: {item.number} {item.label} {item.date.isoformat()} "
                                      f"({item.when}) [-{item.offset}]")
