"""Renewals (a contract and the one that continues it), and written notices (termination, non-renewal, change) with
the record of how each reached the customer."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hetong.core.money import DECIMAL_PLACES, MAX_DIGITS


class Renewal(models.Model):
    """One renewal: the predecessor continued by a successor contract (none for a tacit renewal, which only
    moves the predecessor's term on)."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Renewed by hand")
        BATCH = "batch", _("Batch renewal")
        TACIT = "tacit", _("Tacit renewal")

    predecessor = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("renewed contract"),
        on_delete=models.PROTECT,
        related_name="renewals",
    )
    successor = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("new contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal_of",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    start = models.DateField(_("term start"))
    end = models.DateField(_("term end"), null=True, blank=True)
    old_amount = models.DecimalField(
        _("previous amount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES
    )
    new_amount = models.DecimalField(_("new amount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    price_change_percent = models.DecimalField(
        _("price change (%)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    price_change_amount = models.DecimalField(
        _("price change (amount)"),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        ordering = ["start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["successor"], condition=Q(successor__isnull=False), name="renewal_successor_unique"
            ),
            models.CheckConstraint(
                condition=Q(price_change_percent__isnull=True) | Q(price_change_amount__isnull=True),
                name="renewal_one_price_change",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="renewal_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["manual", "batch", "tacit"]), name="renewal_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.predecessor_id} -> {self.successor_id}"


class ReasonCode(models.TextChoices):
    MUTUAL = "mutual", _("Mutual agreement (协商一致)")
    CUSTOMER_BREACH = "customer_breach", _("Breach by the customer (对方违约)")
    OUR_BREACH = "our_breach", _("Breach by us")
    FORCE_MAJEURE = "force_majeure", _("Force majeure (不可抗力)")
    CONVENIENCE = "convenience", _("Termination for convenience (单方任意解除)")
    OTHER = "other", pgettext_lazy("reason", "Other")


class Notice(models.Model):
    """A written notice to the customer about a contract, with the document it was generated as."""

    class Kind(models.TextChoices):
        TERMINATION = "termination", _("Termination notice (解除通知)")
        NON_RENEWAL = "non_renewal", _("Non-renewal notice (不续约通知)")
        CHANGE = "change", _("Change notice (变更通知)")

    Reason = ReasonCode

    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    document = models.ForeignKey(
        "documents.GeneratedDocument",
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ReasonCode.choices, blank=True)
    effective_on = models.DateField(_("effective date"))
    note = models.CharField(_("explanation"), max_length=1000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["termination", "non_renewal", "change"]), name="notice_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind="termination") | ~Q(reason=""), name="notice_termination_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["contract", "id"], name="notice_contract_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.contract_id}"


class NoticeDelivery(models.Model):
    """How a notice reached the customer, and the proof: a file (stored with its sha256), a tracking number, or the
    reference of a signing receipt."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        REGISTERED_MAIL = "registered_mail", _("Registered mail (挂号信)")
        COURIER = "courier", _("Courier (快递)")
        ESIGN = "esign", _("Electronic signature")
        HAND = "hand", _("Hand delivery (专人送达)")

    notice = models.ForeignKey(
        Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    delivered_at = models.DateTimeField(_("delivered at"))
    recipient = models.CharField(_("recipient"), max_length=200)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    signing_reference = models.CharField(_("signing receipt reference"), max_length=200, blank=True)
    proof = models.FileField(_("proof"), max_length=255, blank=True)  # a generated storage name
    proof_name = models.CharField(_("file name"), max_length=255, blank=True)
    proof_content_type = models.CharField(max_length=100, blank=True)
    proof_size = models.PositiveBigIntegerField(null=True, blank=True)
    proof_sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")
        ordering = ["delivered_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["email", "registered_mail", "courier", "esign", "hand"]),
                name="noticedelivery_channel_valid",
            ),
            models.CheckConstraint(
                condition=~Q(proof_sha256="") | ~Q(tracking_number="") | ~Q(signing_reference=""),
                name="noticedelivery_has_proof",
            ),
        ]

    def __str__(self):
        return f"{self.notice_id} {self.channel} {self.delivered_at:%Y-%m-%d}"


class Amendment(models.Model):
    """A supplementary agreement (补充协议): the terms it changes, from its effective date, once it is signed.

    It goes through its own approval (approvals.Instance.amendment) and signature (esign.SignatureRequest.amendment)
    on the same engines as a contract. When signed, `before` and `after` keep the whole set of amendable terms in
    force just before and from its effective date, so the terms on any day are read without replaying history."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        SIGNING = "signing", _("Signing")
        SIGNED = "signed", _("Signed")
        CANCELLED = "cancelled", _("Cancelled")

    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="amendments"
    )
    sequence = models.PositiveSmallIntegerField(_("number"))  # B1, B2… within the contract
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason for the change"), blank=True)
    effective_date = models.DateField(_("effective date"))
    changes = models.JSONField(_("changed terms"), default=dict)  # {term: new value, as JSON}
    before = models.JSONField(_("terms before"), null=True, blank=True, editable=False)
    after = models.JSONField(_("terms after"), null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    document = models.ForeignKey(
        "documents.GeneratedDocument", verbose_name=_("document"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    signed_file = models.ForeignKey(
        "contracts.ContractFile", verbose_name=_("signed copy"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    signed_date = models.DateField(_("signed date"), null=True, blank=True)
    applied_at = models.DateTimeField(_("became part of the contract"), null=True, blank=True)
    status_note = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["contract", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="amendment_sequence_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review", "approved", "signing", "signed", "cancelled"]),
                name="amendment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="signed") | (Q(before__isnull=False) & Q(after__isnull=False)),
                name="amendment_signed_has_terms",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "effective_date"], name="amendment_due_idx",
                         condition=Q(status="signed", applied_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.contract.number}-{self.label}"

    @property
    def label(self) -> str:
        return f"B{self.sequence}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT
