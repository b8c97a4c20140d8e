from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from hetong.analytics import tallies


class Command(BaseCommand):
    help = ("The dashboard's tallies of the contracts and installments, and what was paid on each installment (kept by "
            "database triggers): `hetong tallies check` compares them with a fresh count, `hetong tallies rebuild` "
            "counts afresh (after a restore of only some tables).")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "rebuild"])

    def handle(self, *args, action, **options):
        if action == "rebuild":
            with transaction.atomic():
                tallies.ensure(connection) or tallies.rebuild(connection)
            self.stdout.write("tallies counted afresh")
            return
        off = tallies.differences(connection)
        if off:
            raise CommandError(f"{off} tally rows differ from the contracts and installments: run `hetong tallies rebuild`")
        self.stdout.write("tallies match the contracts and installments")
