from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


def _drop_tallies(sender, using, plan=None, **kwargs):
    from django.db import connections

    from . import tallies

    # On SQLite, a migration that rebuilds a table fails while a trigger on another table names it (the tallies'
    # triggers name the contract, customer and payment tables): they are dropped before any migration runs and put
    # back afterwards.
    if sender.label == "analytics" and plan and connections[using].vendor == "sqlite":
        tallies.drop(connections[using])


def _ensure_tallies(sender, using, **kwargs):
    from django.db import connections

    from . import tallies

    # Put the triggers that keep the tallies in place (and count afresh if any was missing) after every migrate,
    # once the last app's migrations ran.
    if sender.label == "analytics" and "analytics_receivabletally" in connections[using].introspection.table_names():
        tallies.ensure(connections[using])


class AnalyticsConfig(AppConfig):
    name = "hetong.analytics"
    verbose_name = _("Analytics")

    def ready(self):
        pre_migrate.connect(_drop_tallies, dispatch_uid="hetong.analytics.drop_tallies")
        post_migrate.connect(_ensure_tallies, dispatch_uid="hetong.analytics.ensure_tallies")
