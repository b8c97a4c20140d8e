from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EsignConfig(AppConfig):
    name = "hetong.esign"
    verbose_name = _("Online signing")
