"""`hetong demo`: load believable demo data into an empty database (see hetong/core/demo.py)."""

import time

from django.core.management.base import BaseCommand, CommandError

from hetong.core import demo


class Command(BaseCommand):
    help = "Load demo data (an organisation, customers, contracts in every state) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=42, help="the same seed gives the same data (default 42)"
        )
        parser.add_argument("--customers", type=int, default=200, help="number of customers (default 200)")
        parser.add_argument("--contracts", type=int, default=1000, help="number of contracts (default 1000)")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing, successfully, when the database already holds customers or contracts",
        )

    def handle(self, *args, seed, customers, contracts, if_empty, **options):
        if customers < 1 or contracts < 0:
            raise CommandError("--customers must be at least 1 and --contracts at least 0")
        if not demo.is_empty():
            if if_empty:
                self.stdout.write("The database already holds data: demo data not loaded.")
                return
            # Demo rows mixed into real ones could not be told apart afterwards, so never load into those.
            raise CommandError(
                "The database already holds customers or contracts; hetong demo loads only into an empty "
                "database. Point HETONG_HOME (or DATABASE_URL) at a new one."
            )
        started = time.perf_counter()
        plan = demo.make_plan(seed=seed, customers=customers, contracts=contracts)
        verbose = options["verbosity"] >= 1
        progress = self.stdout.write if verbose else (lambda _line: None)
        counts = demo.load(plan, progress=progress)
        from hetong.accounts.models import User
        from hetong.approvals import demo as approvals_demo
        from hetong.documents import demo as documents_demo

        admin = User.objects.get(username="admin")
        documents_demo.load_library(admin, progress=progress)
        documents_demo.generate_samples(admin, progress=progress)
        approvals_demo.load_workflows(admin, progress=progress)
        approvals_demo.submit_some(progress=progress)
        from hetong.esign import demo as esign_demo

        esign_demo.send_some(progress=progress)
        from hetong.changes import demo as changes_demo
        changes_demo.load(progress=progress)
        from hetong.obligations import demo as obligations_demo
        obligations_demo.load(progress=progress)
        from hetong.payments import demo as payments_demo
        payments_demo.load(progress=progress)
        from django.db.models import Count

        from hetong.contracts.models import Contract

        now = dict(Contract.objects.values_list("status").annotate(n=Count("id")).order_by())  # after the submissions
        states = ", ".join(f"{state} {now.get(state, 0)}" for state in demo.STATES)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {time.perf_counter() - started:.1f} s: {counts['customers']} customers, "
                f"{counts['contracts']} contracts ({states})."
            )
        )
        self.stdout.write(
            f"Log in as admin / {demo.ADMIN_PASSWORD}, or as legal, finance, manager, east_manager, sales1-sales4 "
            f"or viewer / {demo.DEMO_PASSWORD}."
        )
