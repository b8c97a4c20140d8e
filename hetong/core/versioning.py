"""Writes that never lose an update, and tags: the two things every editable aggregate shares."""

from django.db.models import F
from django.utils import timezone

from .errors import StaleVersion
from .models import Tag


def save_versioned(instance, fields: dict) -> None:
    """Write `fields` with `UPDATE ... WHERE id = ? AND version = ?` and bump the version.

    The conditional UPDATE is the real guard against a lost update (select_for_update is a no-op on SQLite):
    if someone else wrote first, nothing is written and StaleVersion is raised.
    """
    updated = type(instance).objects.filter(pk=instance.pk, version=instance.version).update(
        **fields, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise StaleVersion()


def tag_names(names) -> list[str]:
    """Tag names from a list or a comma-separated string (full-width commas too), cleaned and sorted."""
    if isinstance(names, str):
        names = names.replace("，", ",").split(",")
    return sorted({str(n).strip()[:40] for n in (names or []) if str(n).strip()})


def set_tags(instance, names) -> list[str]:
    """Replace the instance's tags; returns the new names."""
    names = tag_names(names)
    instance.tags.set([Tag.objects.get_or_create(name=name)[0] for name in names])
    return names


def retag(instance, names, diff: dict) -> None:
    """set_tags, recording [old, new] in an audit diff when they changed; `names` None leaves tags alone."""
    if names is None:
        return
    old = sorted(instance.tags.values_list("name", flat=True))
    new = set_tags(instance, names)
    if old != new:
        diff["tags"] = [old, new]
