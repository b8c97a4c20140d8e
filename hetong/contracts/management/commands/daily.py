from django.core.management.base import BaseCommand

from hetong.contracts.services import apply_date_transitions
from hetong.core.dates import parse_date


class Command(BaseCommand):
    help = "Run the daily status job now: activate signed contracts on their effective date, expire ended ones."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the company date to run as (YYYY-MM-DD); default today")

    def handle(self, *args, today=None, **options):
        counts = apply_date_transitions(today=parse_date(today))
        self.stdout.write(f"activated {counts['activated']}, renewed {counts['renewed']}, expired {counts['expired']}")
