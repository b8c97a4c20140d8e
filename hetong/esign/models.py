"""Hetong's own signing PKI: one certificate authority per deployment and the signers' identities it issued.

Private keys are stored encrypted (see pki.py); certificates are public and stored as PEM.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Authority(models.Model):
    """The deployment's certificate authority and the time-stamping certificate it issued. Exactly one row."""

    # A fixed slot under a unique constraint: two first callers racing to create the CA store one.
    slot = models.PositiveSmallIntegerField(_("slot"), default=1, editable=False)
    name = models.CharField(_("name"), max_length=200)
    ca_certificate_pem = models.TextField(_("CA certificate"))
    ca_key_encrypted = models.BinaryField(_("CA private key (encrypted)"))
    tsa_certificate_pem = models.TextField(_("time-stamping certificate"))
    tsa_key_encrypted = models.BinaryField(_("time-stamping private key (encrypted)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("signing authority")
        verbose_name_plural = _("signing authorities")
        constraints = [
            models.UniqueConstraint(fields=["slot"], name="esign_authority_single"),
            models.CheckConstraint(condition=Q(slot=1), name="esign_authority_slot_one"),
        ]

    def __str__(self):
        return self.name


class SigningIdentity(models.Model):
    """A signer's key and the certificate our authority issued for it."""

    name = models.CharField(_("subject name"), max_length=200)
    email = models.EmailField(_("email"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="signing_identities",
    )
    # SET_NULL: a customer's contact may be removed; the identity keeps the name and email it was issued to.
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="signing_identities",
    )
    certificate_pem = models.TextField(_("certificate"))
    key_encrypted = models.BinaryField(_("private key (encrypted)"))
    serial = models.CharField(_("serial number"), max_length=64)  # hex, as certificates print it
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("signing identity")
        verbose_name_plural = _("signing identities")
        constraints = [
            models.UniqueConstraint(fields=["serial"], name="esign_identity_serial_unique"),
            models.CheckConstraint(condition=Q(not_after__gt=F("not_before")), name="esign_identity_validity_order"),
        ]
        indexes = [models.Index(fields=["email", "-created_at"], name="esign_identity_email_idx")]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class SignatureRequest(models.Model):
    """A contract's generated document sent out for online signature, to our signatory and the customer's."""

    class Order(models.TextChoices):
        SEQUENTIAL = "sequential", _("One after another")
        PARALLEL = "parallel", _("All at once")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Out for signature")
        COMPLETED = "completed", _("Completed")
        VOIDED = "voided", _("Voided")
        EXPIRED = "expired", _("Expired")

    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="signature_requests"
    )
    # Set when the document signed is an amendment of the contract (补充协议), not the contract itself.
    amendment = models.ForeignKey(
        "changes.Amendment", verbose_name=_("amendment"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="signature_requests",
    )
    document = models.ForeignKey(
        "documents.GeneratedDocument", verbose_name=_("document"), on_delete=models.PROTECT, related_name="+"
    )
    document_sha256 = models.CharField(_("document SHA-256 when sent"), max_length=64, blank=True)
    order = models.CharField(_("signing order"), max_length=10, choices=Order.choices, default=Order.SEQUENTIAL)
    deadline = models.DateField(_("sign by"))
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    voided_reason = models.CharField(_("reason for voiding"), max_length=500, blank=True)
    signed_pdf = models.BinaryField(_("signed PDF"), null=True, editable=False)
    signed_sha256 = models.CharField(_("signed PDF SHA-256"), max_length=64, blank=True)
    certificate_pdf = models.BinaryField(_("certificate of completion"), null=True, editable=False)
    certificate_sha256 = models.CharField(_("certificate SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("signature request")
        verbose_name_plural = _("signature requests")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "sent", "completed", "voided", "expired"]),
                name="esign_request_status_valid",
            ),
            models.CheckConstraint(condition=Q(order__in=["sequential", "parallel"]), name="esign_request_order_valid"),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="esign_request_due_idx")]

    def __str__(self):
        return f"{self.contract} #{self.pk}"


class Signer(models.Model):
    """One person asked to sign a request: reached by an emailed single-use link and a one-time code."""

    class Side(models.TextChoices):
        OURS = "ours", _("Our side")
        CUSTOMER = "customer", _("Customer")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for earlier signers")
        PENDING = "pending", _("Link sent")
        VIEWED = "viewed", _("Viewed")
        SIGNED = "signed", _("Signed")
        DECLINED = "declined", _("Declined")

    request = models.ForeignKey(SignatureRequest, verbose_name=_("signature request"), on_delete=models.CASCADE,
                                related_name="signers")
    position = models.PositiveSmallIntegerField(_("position"))
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    email = models.EmailField(_("email"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    token_used_at = models.DateTimeField(null=True, blank=True)
    session_key_bound = models.CharField(max_length=64, blank=True, editable=False)
    otp_hash = models.CharField(max_length=64, blank=True, editable=False)
    otp_expires_at = models.DateTimeField(null=True, blank=True)
    otp_attempts = models.PositiveSmallIntegerField(default=0)
    otp_sent_count = models.PositiveSmallIntegerField(default=0)
    otp_last_sent_at = models.DateTimeField(null=True, blank=True)
    otp_window_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    viewed_at = models.DateTimeField(_("viewed at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    link_sent_at = models.DateTimeField(_("latest link sent at"), null=True, blank=True)  # sent_at is the first
    reminder_count = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    identity = models.ForeignKey(SigningIdentity, verbose_name=_("signing identity"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("signer")
        verbose_name_plural = _("signers")
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="esign_signer_position_unique"),
            models.UniqueConstraint(fields=["token_hash"], condition=~Q(token_hash=""),
                                    name="esign_signer_token_unique"),
            models.CheckConstraint(condition=Q(side__in=["ours", "customer"]), name="esign_signer_side_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "pending", "viewed", "signed", "declined"]),
                name="esign_signer_status_valid",
            ),
            models.CheckConstraint(condition=~Q(side="ours") | Q(user__isnull=False), name="esign_signer_ours_is_user"),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"
