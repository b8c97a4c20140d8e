"""Bulk imports: a job per uploaded file (checked, then committed all or nothing), and the external keys that make
a second import of the same records update them instead of adding them again."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    CONTACTS = "contacts", _("Contacts")
    CONTRACTS = "contracts", _("Contracts")
    INSTALLMENTS = "installments", _("Installments")
    RECEIPTS = "receipts", _("Receipts")


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    FAILED_CHECK = "failed_check", _("Problems found")
    COMMITTING = "committing", _("Importing")
    COMMITTED = "committed", _("Imported")
    FAILED = "failed", _("Import failed")


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see every import; others their own."""
        if not user or not user.is_authenticated:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(created_by=user)


class ImportJob(models.Model):
    Kind = Kind
    Status = JobStatus

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Kept under a generated storage name; the name it was uploaded with is only shown.
    file = models.FileField(_("file"), max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField("SHA-256", max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("changed"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    # [{"row": spreadsheet row number (the header is row 1), "column": header, "field": column key, "message"}]
    problems = models.JSONField(_("problems"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="importjob_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="importjob_status_valid"),
        ]
        indexes = [models.Index(fields=["created_by", "-id"], name="importjob_creator_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def running(self) -> bool:
        return self.status in (JobStatus.UPLOADED, JobStatus.CHECKING, JobStatus.COMMITTING)

    @property
    def colour(self) -> str:
        """The Tabler colour of the status badge."""
        return {JobStatus.CHECKED: "blue", JobStatus.COMMITTED: "green", JobStatus.FAILED_CHECK: "red",
                JobStatus.FAILED: "red"}.get(self.status, "yellow")

    @property
    def can_commit(self) -> bool:
        return self.status == JobStatus.CHECKED and not self.problems


class ImportKey(models.Model):
    """The record an external key (the id a row had in the system it comes from) was imported as."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    external_key = models.CharField(_("external key"), max_length=255)
    object_id = models.BigIntegerField(_("record"))
    job = models.ForeignKey(ImportJob, verbose_name=_("import"), null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("import key")
        verbose_name_plural = _("import keys")
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_key"], name="importkey_kind_key_unique"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="importkey_kind_valid"),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="importkey_object_idx")]

    def __str__(self):
        return f"{self.kind}:{self.external_key} → {self.object_id}"
