"""`hetong scheduler`: the periodic work (status job, reminders, digests, delivery retries) every minute.

Run exactly one in a scaled-out deployment; a second one does no harm (every step is claimed once).
"""

from django.core.management.base import BaseCommand

from hetong.core.scheduler import loop


class Command(BaseCommand):
    help = "Run the periodic work every minute: status job, reminders, digests, delivery retries."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one round and exit")
        parser.add_argument("--interval", type=int, default=60, help="seconds between rounds (default 60)")

    def handle(self, *args, once, interval, **options):
        loop(interval=max(1, interval), once=once)
