from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "hetong.imports"
    verbose_name = _("Imports")

    def ready(self):
        from . import rules  # noqa: F401  (registers the permission)
