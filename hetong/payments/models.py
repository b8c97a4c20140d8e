"""Payment plans (回款计划), receipts (回款) with their allocation to installments, and invoices (开票).

What an installment has been paid is the sum of its allocations from receipts that are not reversed, so a reversal
(红冲) restores the outstanding amount by itself. The database keeps that sum on the installment (`paid_cents`) by
triggers on allocations and receipts (analytics.tallies), in the same transaction as the change;
`Installment.objects.with_paid()` reads it as money.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import DecimalField, F, Func, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hetong.contracts.models import Contract, Status
from hetong.core.dates import company_today
from hetong.core.money import DECIMAL_PLACES, MAX_DIGITS

ZERO = Decimal("0.00")
# Contracts whose unpaid installments are money owed to us: signed, and not cancelled before it.
RECEIVABLE_STATES = frozenset({Status.SIGNED, Status.ACTIVE, Status.EXPIRED, Status.RENEWED, Status.TERMINATED})


def _money(name, **kwargs):
    return models.DecimalField(name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)


class InstallmentQuerySet(models.QuerySet):
    def with_paid(self):
        """Annotate `paid`: the allocations of receipts that are not reversed (kept in cents by the database)."""
        money = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
        return self.annotate(paid=Func(F("paid_cents"), template="ROUND(%(expressions)s / 100.0, 2)", output_field=money))

    def live(self):
        return self.filter(cancelled_at__isnull=True)

    def unpaid(self):
        """Not cancelled and not fully paid (needs with_paid())."""
        return self.live().filter(paid__lt=F("amount"))

    def in_plan_order(self):
        return self.order_by("position", "id")


class Installment(models.Model):
    class Kind(models.TextChoices):
        PREPAYMENT = "prepayment", _("Prepayment (预付款)")
        PROGRESS = "progress", _("Progress payment (进度款)")
        DELIVERY = "delivery", _("Payment on delivery (到货款)")
        ACCEPTANCE = "acceptance", _("Payment on acceptance (验收款)")
        RETENTION = "retention", _("Retention (质保金)")
        OTHER = "other", pgettext_lazy("installment kind", "Other")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("installment status", "Open")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", pgettext_lazy("installment status", "Cancelled")

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                 related_name="installments", db_index=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("label"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    amount = _money(_("amount"))
    # When given, the amount is this share of the contract amount, computed and stored when the plan is saved.
    percent = models.DecimalField(_("percent of the contract amount"), max_digits=5, decimal_places=2,
                                  null=True, blank=True)
    # Empty while the installment waits for an event (signing, delivery, acceptance, end of retention).
    due_date = models.DateField(_("due date"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True, editable=False)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True, editable=False)
    # What the receipts not reversed paid on it, in cents: kept by the database's triggers on allocations and
    # receipts (analytics.tallies); read as money through `with_paid()`.
    paid_cents = models.BigIntegerField(default=0, editable=False)

    objects = InstallmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
            models.CheckConstraint(condition=Q(percent__isnull=True) | (Q(percent__gt=0) & Q(percent__lte=100)),
                                   name="installment_percent_range"),
            models.CheckConstraint(condition=Q(kind__in=["prepayment", "progress", "delivery", "acceptance",
                                                         "retention", "other"]),
                                   name="installment_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["contract", "position"], name="installment_contract_idx"),
            models.Index(fields=["due_date", "id"], name="installment_due_idx"),
        ]

    def __str__(self):
        return self.label or self.get_kind_display()

    @property
    def paid_amount(self) -> Decimal:
        paid = getattr(self, "paid", None)
        if paid is None:  # not annotated: one query, for single rows only
            paid = Installment.objects.filter(pk=self.pk).with_paid().values_list("paid", flat=True).first() or ZERO
        return Decimal(paid).quantize(Decimal("0.01"))

    @property
    def outstanding(self) -> Decimal:
        if self.cancelled_at:
            return ZERO
        return max(self.amount - self.paid_amount, ZERO)

    @property
    def status(self) -> str:
        if self.cancelled_at:
            return self.Status.CANCELLED
        paid = self.paid_amount
        if paid >= self.amount:
            return self.Status.PAID
        return self.Status.PARTLY_PAID if paid > 0 else self.Status.OPEN

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    def is_overdue(self, today=None) -> bool:
        today = today or company_today()
        return bool(self.due_date and self.due_date < today and self.outstanding > 0)

    def days_overdue(self, today=None) -> int:
        today = today or company_today()
        return (today - self.due_date).days if self.is_overdue(today) else 0


class Receipt(models.Model):
    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer (银行转账)")
        ACCEPTANCE_BILL = "acceptance_bill", _("Bank acceptance bill (承兑汇票)")
        CASH = "cash", _("Cash")
        OTHER = "other", pgettext_lazy("payment method", "Other")

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                 related_name="receipts", db_index=False)
    received_on = models.DateField(_("received on"))
    amount = _money(_("amount"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.BANK_TRANSFER)
    payer = models.CharField(_("payer"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True,
                                 help_text=_("Bank serial number, bill number or voucher number."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # A reversal (红冲) keeps the receipt and its allocations; they stop counting.
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True, editable=False)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True, editable=False, verbose_name=_("reversed by"))
    reversal_reason = models.CharField(_("reason for reversal"), max_length=500, blank=True, editable=False)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
            models.CheckConstraint(
                condition=(Q(reversed_at__isnull=True) & Q(reversed_by__isnull=True) & Q(reversal_reason=""))
                | (Q(reversed_at__isnull=False) & Q(reversed_by__isnull=False) & ~Q(reversal_reason="")),
                name="receipt_reversal_complete",
            ),
        ]
        indexes = [models.Index(fields=["contract", "received_on"], name="receipt_contract_idx")]

    def __str__(self):
        return f"{self.received_on} {self.amount}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class Allocation(models.Model):
    receipt = models.ForeignKey(Receipt, verbose_name=_("receipt"), on_delete=models.PROTECT,
                                related_name="allocations")
    installment = models.ForeignKey(Installment, verbose_name=_("installment"), on_delete=models.PROTECT,
                                    related_name="allocations")
    amount = _money(_("amount"))

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.UniqueConstraint(fields=["receipt", "installment"], name="allocation_receipt_installment_unique"),
        ]

    def __str__(self):
        return f"{self.receipt_id}→{self.installment_id} {self.amount}"


class Invoice(models.Model):
    class Kind(models.TextChoices):
        NORMAL = "normal", _("VAT general invoice (增值税普通发票)")
        SPECIAL = "special", _("VAT special invoice (增值税专用发票)")

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                 related_name="invoices", db_index=False)
    number = models.CharField(_("invoice number"), max_length=30)
    kind = models.CharField(_("invoice type"), max_length=10, choices=Kind.choices, default=Kind.SPECIAL)
    amount = _money(_("amount including tax"))
    tax_amount = _money(_("tax amount"))
    issued_on = models.DateField(_("issued on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="invoice_kind_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(condition=Q(tax_amount__gte=0) & Q(tax_amount__lt=F("amount")),
                                   name="invoice_tax_within_amount"),
            models.CheckConstraint(condition=Q(kind__in=["normal", "special"]), name="invoice_kind_valid"),
        ]
        indexes = [models.Index(fields=["contract", "issued_on"], name="invoice_contract_idx")]

    def __str__(self):
        return self.number
