from django.core.management.base import BaseCommand, CommandError

from hetong.accounts.models import User
from hetong.accounts.services import create_api_token


class Command(BaseCommand):
    help = "Create an API token: `hetong token create USERNAME [--name NAME]` prints it once."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args, action, username, name, **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"no active user named {username!r}") from None
        _token, secret = create_api_token(user, by=None, name=name)
        self.stdout.write(secret)
