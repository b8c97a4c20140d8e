from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_triggers(sender, using, **kwargs):
    from django.db import connections

    from . import triggers

    # A migration that rebuilds the table on SQLite drops its triggers: put them back after every migrate.
    if sender.label == "audit":
        triggers.install(connections[using])


class AuditConfig(AppConfig):
    name = "hetong.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self):
        post_migrate.connect(_ensure_triggers, dispatch_uid="hetong.audit.ensure_triggers")
