import os

from django.core.management.base import BaseCommand

from hetong.core.web import serve


class Command(BaseCommand):
    help = "Serve only the web (scaled out: several of these behind a load balancer)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HETONG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("HETONG_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("HETONG_WEB_WORKERS", "2")))

    def handle(self, *args, host, port, workers, **options):
        serve(host=host, port=port, workers=workers)
