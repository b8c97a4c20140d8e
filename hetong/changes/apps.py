from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    name = "hetong.changes"
    verbose_name = _("Renewals and notices")

    def ready(self):
        from hetong.customers.archive import add_archive_source

        from . import rules  # noqa: F401  (registers the app's permissions)
        from .archive import source

        add_archive_source(source)  # what this app holds, in the customer's archive and dossier
