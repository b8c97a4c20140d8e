from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_tallies(sender, using, **kwargs):
    from django.db import connections

    from . import tallies

    # A migration that rebuilds the contract or customer table on SQLite drops the triggers that keep the tallies:
    # put them back (and count afresh) after every migrate, once the last app's migrations ran.
    if sender.label == "analytics" and "analytics_receivabletally" in connections[using].introspection.table_names():
        tallies.ensure(connections[using])


class AnalyticsConfig(AppConfig):
    name = "hetong.analytics"
    verbose_name = _("Analytics")

    def ready(self):
        post_migrate.connect(_ensure_tallies, dispatch_uid="hetong.analytics.ensure_tallies")
