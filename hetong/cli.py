"""The `hetong` command: Django's management commands plus Hetong's own (serve, demo, audit, token...)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hetong.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hetong", *sys.argv[1:]])


if __name__ == "__main__":
    main()
