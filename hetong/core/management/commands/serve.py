"""`hetong serve`: the embedded deployment in one command.

Runs gunicorn (a production WSGI server) for the web, a huey consumer (the jobs: email, robots, webhooks) and
`hetong scheduler` (the periodic work) as child processes, with SQLite and files under HETONG_HOME. Scaled out, run `hetong web`, `hetong worker` and
`hetong scheduler` separately instead (see docs/operations.md).
"""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Hetong: web server, background worker and scheduler."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HETONG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("HETONG_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("HETONG_WEB_WORKERS", "2")))
        parser.add_argument("--no-worker", action="store_true", help="do not start the background worker")

    def handle(self, *args, host, port, workers, no_worker, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        children = []
        if not no_worker:
            children.append(subprocess.Popen([sys.executable, "-m", "hetong.cli", "run_huey", "--workers", "2", "-k", "thread", "-n"]))
            children.append(subprocess.Popen([sys.executable, "-m", "hetong.cli", "scheduler"]))
        self.stdout.write(f"Hetong is serving on http://{host}:{port}/ (data in {settings.HOME})")
        try:
            from hetong.core.web import serve

            serve(host=host, port=port, workers=workers)
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=15)
