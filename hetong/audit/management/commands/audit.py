import json
import sys

from django.core.management.base import BaseCommand, CommandError

from hetong.audit.services import iter_chain, verify_chain


class Command(BaseCommand):
    help = "Verify the audit hash chain (`hetong audit verify`) or export it as JSON lines (`hetong audit export FILE`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check the whole chain; exits 1 naming the first broken event")
        export = sub.add_parser("export", help="write the chain as JSON lines, for python -m hetong.audit.chain")
        export.add_argument("path", help="output file, or - for standard output")

    def handle(self, *args, action, **options):
        if action == "verify":
            ok, checked, problem = verify_chain()
            if not ok:
                raise CommandError(f"audit chain BROKEN at {problem} ({checked} events before it verified)", returncode=1)
            self.stdout.write(self.style.SUCCESS(f"audit chain OK: {checked} events"))
            return
        out = sys.stdout if options["path"] == "-" else open(options["path"], "w", encoding="utf-8")  # noqa: SIM115
        count = 0
        try:
            for event in iter_chain():
                out.write(json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        finally:
            if out is not sys.stdout:
                out.close()
        self.stderr.write(f"exported {count} events")
