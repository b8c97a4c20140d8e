from django.conf import settings
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


class HolidayOverride(models.Model):
    """An admin's correction to the business-day calendar: a day off or a make-up workday (调休), for years the
    holiday library does not know yet or for company-specific days."""

    day = models.DateField(_("date"))
    is_workday = models.BooleanField(_("is a workday"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday override")
        verbose_name_plural = _("holiday overrides")
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["day"], name="holidayoverride_day_unique")]

    def __str__(self):
        return f"{self.day} {'+' if self.is_workday else '-'} {self.note}"


class StoredFile(models.Model):
    """An uploaded file kept under a generated storage name, with the SHA-256 it had when it was uploaded: a contract
    file's version, an obligation's evidence. Served only while it still has that SHA-256."""

    blob = models.FileField(max_length=255)  # a generated storage name, never the uploaded one
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True

    def intact(self) -> bool:
        from .files import digest_matches

        return digest_matches(self.blob, self.sha256)

    def response(self):
        """The download (check intact() first)."""
        from .files import attachment

        return attachment(self.blob, filename=self.original_name, content_type=self.content_type, sha256=self.sha256)
