from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    name = "hetong.changes"
    verbose_name = _("Renewals and notices")

    def ready(self):
        from . import rules  # noqa: F401  (registers the app's permissions)
