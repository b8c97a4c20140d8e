"""A person's report, emailed to them weekly or monthly (analytics.schedules sends it)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReportSchedule(models.Model):
    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel (XLSX)")
        PDF = "pdf", "PDF"

    class Period(models.TextChoices):
        YEAR = "year", _("This year")
        PREVIOUS = "previous", _("The previous week or month")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="report_schedules")
    report = models.CharField(_("report"), max_length=40)
    # The report's contract filters ({"department": ["3"], ...}), checked again at each sending: a filter that no
    # longer exists is reported to the user instead of widening their report.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.YEAR)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.XLSX)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(_("weekday"), null=True, blank=True)  # 0 Monday … 6 Sunday
    day_of_month = models.PositiveSmallIntegerField(_("day of the month"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The week ("2026-W10") or month ("2026-03") last sent: claimed by a conditional UPDATE, so each is sent once.
    last_period = models.CharField(max_length=10, blank=True, editable=False)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ["user", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(frequency__in=["weekly", "monthly"]), name="reportschedule_frequency_valid"),
            models.CheckConstraint(condition=Q(format__in=["xlsx", "pdf"]), name="reportschedule_format_valid"),
            models.CheckConstraint(condition=Q(period__in=["year", "previous"]), name="reportschedule_period_valid"),
            models.CheckConstraint(
                condition=(Q(frequency="weekly", weekday__gte=0, weekday__lte=6, day_of_month__isnull=True)
                           | Q(frequency="monthly", day_of_month__gte=1, day_of_month__lte=28, weekday__isnull=True)),
                name="reportschedule_day_fits_frequency",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "frequency"], name="reportschedule_active_idx")]

    def __str__(self):
        return f"{self.user_id} {self.report} {self.frequency}"


def _dimension(model, name):
    # Tallies name the rows they count by id and outlive nothing: no constraint, no reverse accessor. A contract
    # without a department counts under department 0.
    return models.ForeignKey(model, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+", verbose_name=name)


class Dimensions(models.Model):
    """What the dashboard filters and scopes a tally's rows by, as the contracts it counts have them."""

    contract_type = _dimension("contracts.ContractType", _("type"))
    owner = _dimension(settings.AUTH_USER_MODEL, _("owner"))
    department = _dimension("accounts.Department", _("department"))
    customer_level = models.CharField(max_length=20)

    class Meta:
        abstract = True


class StatusTally(Dimensions):
    """How many contracts have each status, by the dashboard's dimensions; kept by triggers (analytics.tallies)."""

    status = models.CharField(max_length=20)
    contracts = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["status", "contract_type", "owner", "department", "customer_level"], name="statustally_key")]

    def __str__(self):
        return f"{self.status}: {self.contracts}"


class SignedTally(Dimensions):
    """How many contracts were signed in each month (yyyymm) and for how much, in cents of their currency, by the
    dashboard's dimensions; every status but cancelled. Kept by triggers (analytics.tallies)."""

    month = models.IntegerField()
    currency = models.CharField(max_length=3)
    contracts = models.IntegerField(default=0)
    cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["month", "contract_type", "owner", "department", "customer_level", "currency"],
            name="signedtally_key")]

    def __str__(self):
        return f"{self.month} {self.currency}: {self.contracts}"


class ReceivableTally(Dimensions):
    """The installments of the receivable contracts (signed, active, expired, renewed, terminated), not cancelled,
    by when they fall due and the dashboard's dimensions: how many, their amounts, what was paid on them (receipts
    not reversed) and what is still owed (never below 0 on one installment), in cents of the contract's currency.
    Each installment counts twice: in its month's row (period yyyymm; 0 with no due date yet) and in its day's row
    (period yyyymmdd), so whole months are read from a few rows and the days at a month's edge from theirs. Kept by
    triggers (analytics.tallies)."""

    period = models.IntegerField()
    currency = models.CharField(max_length=3)
    installments = models.IntegerField(default=0)
    cents = models.BigIntegerField(default=0)
    paid = models.BigIntegerField(default=0)
    owing = models.BigIntegerField(default=0)
    owing_installments = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["period", "contract_type", "owner", "department", "customer_level", "currency"],
            name="receivabletally_key")]
        # The dashboard reads every column of the rows of some periods: from the index alone, in period order,
        # however the rows were written over time.
        indexes = [models.Index(fields=["period", "contract_type", "owner", "department", "customer_level", "currency",
                                        "installments", "cents", "paid", "owing", "owing_installments"],
                                name="receivabletally_read_idx")]

    def __str__(self):
        return f"{self.period} {self.currency}: {self.installments}"


class CustomerTally(models.Model):
    """How many contracts each customer signed in a year and for how much, in cents of their currency (every status
    but cancelled); the whole book's top customers. Kept by triggers (analytics.tallies)."""

    year = models.IntegerField()
    customer = _dimension("customers.Customer", _("customer"))
    currency = models.CharField(max_length=3)
    contracts = models.IntegerField(default=0)
    cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "customer", "currency"], name="customertally_key")]
        indexes = [models.Index(fields=["year", "customer", "currency", "cents", "contracts"],
                                name="customertally_read_idx")]  # a year's ranking from the index alone

    def __str__(self):
        return f"{self.year} {self.customer_id} {self.currency}: {self.contracts}"
