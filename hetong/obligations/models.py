"""A contract's obligations and milestones (履约义务 / 里程碑), and the evidence that they were carried out."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Case, Min, Q, Value, When
from django.utils.translation import gettext_lazy as _

from hetong.contracts.models import Contract, Status
from hetong.core.dates import add_months, company_today
from hetong.core.models import StoredFile, Versioned


class Kind(models.TextChoices):
    MILESTONE = "milestone", _("Milestone")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")
    REPORT = "report", _("Report")
    OTHER = "other", _("Other")


class Party(models.TextChoices):
    OURS = "ours", _("Our side")
    CUSTOMER = "customer", _("Customer side")


class ObligationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    WAIVED = "waived", _("Waived")


class Recurrence(models.TextChoices):
    NONE = "none", _("Does not repeat")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


# Months between two occurrences of a recurring obligation.
STEP_MONTHS = {Recurrence.MONTHLY: 1, Recurrence.QUARTERLY: 3, Recurrence.YEARLY: 12}
# The contract statuses whose obligations still call for a reminder.
REMINDED_STATUSES = frozenset({Status.SIGNED, Status.ACTIVE})
# Nothing more is planned or changed on a contract that has ended or never came to be.
CLOSED_STATUSES = frozenset({Status.CANCELLED, Status.TERMINATED, Status.EXPIRED, Status.RENEWED})


class ObligationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(contract__in=Contract.objects.visible_to(user))

    def open(self):
        return self.filter(status=ObligationStatus.OPEN)

    def overdue(self, on: dt.date | None = None):
        """Open and past due: overdue is a fact of the date, never a stored status."""
        return self.filter(status=ObligationStatus.OPEN, due_date__lt=on or company_today())

    def due_within(self, days: int, on: dt.date | None = None):
        on = on or company_today()
        return self.filter(status=ObligationStatus.OPEN, due_date__lte=on + dt.timedelta(days=days))

    def with_overdue(self, on: dt.date | None = None):
        """Annotate `overdue` (the database's answer to is_overdue), to filter or sort on it."""
        return self.annotate(overdue=Case(
            When(status=ObligationStatus.OPEN, due_date__lt=on or company_today(), then=Value(True)),
            default=Value(False), output_field=models.BooleanField(),
        ))


class Obligation(Versioned):
    Kind = Kind
    Party = Party
    Recurrence = Recurrence

    Status = ObligationStatus

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="obligations", db_index=False
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MILESTONE)
    party = models.CharField(_("responsible party"), max_length=20, choices=Party.choices, default=Party.OURS)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="obligations", db_index=False,
    )
    due_date = models.DateField(_("due date"))
    recurrence = models.CharField(_("repeats"), max_length=20, choices=Recurrence.choices, default=Recurrence.NONE)
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    waived_reason = models.CharField(_("reason for waiving"), max_length=500, blank=True)
    # Occurrences of a recurring obligation point at the first one; the n-th falls n-1 steps after the first's
    # due date (31 Jan, 28 Feb, 31 Mar), never a step after the one before (which would drift to the 28th).
    series = models.ForeignKey(
        "self", verbose_name=_("series"), null=True, blank=True, on_delete=models.PROTECT, related_name="occurrences"
    )
    occurrence = models.PositiveSmallIntegerField(_("occurrence"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ObligationQuerySet.as_manager()

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ObligationStatus.values), name="obligation_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="obligation_kind_valid"),
            models.CheckConstraint(condition=Q(party__in=Party.values), name="obligation_party_valid"),
            models.CheckConstraint(condition=Q(recurrence__in=Recurrence.values), name="obligation_recurrence_valid"),
            models.CheckConstraint(condition=~Q(status="done") | Q(done_on__isnull=False), name="obligation_done_has_date"),
            models.CheckConstraint(condition=~Q(status="waived") | ~Q(waived_reason=""), name="obligation_waived_has_reason"),
            models.CheckConstraint(condition=Q(party="customer") | Q(owner__isnull=False), name="obligation_ours_has_owner"),
            models.CheckConstraint(
                condition=Q(recurrence="none") | (Q(repeat_until__isnull=False) & Q(repeat_until__gte=models.F("due_date"))),
                name="obligation_recurrence_has_end",
            ),
            models.UniqueConstraint(fields=["series", "occurrence"], name="obligation_series_occurrence_unique"),
        ]
        indexes = [
            models.Index(fields=["contract", "due_date", "id"], name="obligation_contract_due_idx"),
            models.Index(fields=["due_date", "id"], condition=Q(status="open"), name="obligation_open_due_idx"),
            models.Index(fields=["owner", "due_date", "id"], name="obligation_owner_due_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < company_today()

    @property
    def is_recurring(self) -> bool:
        return self.recurrence != Recurrence.NONE

    def occurrence_due(self, number: int, *, anchor: dt.date) -> dt.date:
        """The due date of occurrence `number` (1 is the first) of a series whose first falls on `anchor`."""
        return add_months(anchor, STEP_MONTHS[self.recurrence] * (number - 1))


def next_due_date_of(contract) -> dict:
    """The key date source: the earliest due date of an open obligation, while the contract is in force."""
    if contract.status not in REMINDED_STATUSES:
        return {}
    day = Obligation.objects.filter(contract=contract).open().aggregate(day=Min("due_date"))["day"]
    return {"obligation": day} if day else {}


class EvidenceFile(StoredFile):
    """Proof an obligation was carried out (an acceptance note, a delivery receipt, a report), kept like a
    contract's files: under a generated storage name, with the SHA-256 it had when it was uploaded."""

    obligation = models.ForeignKey(
        Obligation, verbose_name=_("obligation"), on_delete=models.PROTECT, related_name="evidence"
    )

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["obligation", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidencefile_size_positive"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="evidencefile_sha256_hex"),
        ]

    def __str__(self):
        return self.original_name
