from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Versioned(TimeStamped):
    """An editable aggregate: every write is `UPDATE ... WHERE id=? AND version=?` (see core.versioning)."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="tag_name_unique")]

    def __str__(self):
        return self.name
