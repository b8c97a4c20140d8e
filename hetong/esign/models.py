"""Hetong's own signing PKI: one certificate authority per deployment and the signers' identities it issued.

Private keys are stored encrypted (see pki.py); certificates are public and stored as PEM.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


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
