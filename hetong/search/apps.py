from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_indexes(sender, using, **kwargs):
    from django.db import connections

    from .backend import INDEXED_TABLES, ensure_index

    if sender.label != "contracts":  # once per migrate, after every app's migrations ran
        return
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    for table in INDEXED_TABLES:
        if table in existing:
            ensure_index(connection, table)


class SearchConfig(AppConfig):
    name = "hetong.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self):
        post_migrate.connect(_ensure_indexes, dispatch_uid="hetong.search.ensure_indexes")
