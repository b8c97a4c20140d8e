import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from hetong.core.dates import company_today
from hetong.core.models import StoredFile, Tag, TimeStamped, Versioned
from hetong.core.money import CURRENCIES, DECIMAL_PLACES, MAX_DIGITS
from hetong.core.uscc import validate_uscc
from hetong.search.backend import SearchableQuerySet


class PeriodUnit(models.TextChoices):
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")


class ContractType(models.Model):
    """A node of the contract type tree. `code` goes into contract numbers (HT-XS-2026-00042)."""

    code = models.CharField(_("code"), max_length=10, help_text=_("Letters used in contract numbers, e.g. XS."))
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("contract type")
        verbose_name_plural = _("contract types")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["code"], name="contracttype_code_unique")]

    def __str__(self):
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def lineage(self) -> list["ContractType"]:
        """This type and its ancestors, root first."""
        chain, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def lineage_extra_fields(self) -> list["ExtraField"]:
        """The extra fields of this type and its ancestors."""
        return list(ExtraField.objects.filter(contract_type__in=[t.pk for t in self.lineage()]))

    def date_fields(self) -> list["ExtraField"]:
        """The date-typed extra fields of this type and its ancestors: custom key dates for reminders."""
        return list(ExtraField.objects.filter(contract_type__in=[t.pk for t in self.lineage()], kind=ExtraField.Kind.DATE))


class ExtraField(models.Model):
    """An admin-defined, typed field on the contracts of a type (and of its sub-types)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", pgettext_lazy("field kind", "Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        BOOLEAN = "boolean", _("Yes / no")

    contract_type = models.ForeignKey(
        ContractType, verbose_name=_("contract type"), on_delete=models.CASCADE, related_name="extra_fields"
    )
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=60)
    label_en = models.CharField(_("English label"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One choice per line."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("extra field")
        verbose_name_plural = _("extra fields")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["contract_type", "key"], name="extrafield_key_unique")]

    def __str__(self):
        if self.label_en and (get_language() or "").startswith("en"):
            return self.label_en
        return self.label

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class LegalEntity(models.Model):
    """One of our own companies that signs contracts."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, validators=[validate_uscc])
    address = models.CharField(_("address"), max_length=255, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    address_en = models.CharField(_("English address"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The company seal (公章) stamped on our electronic signatures: a PNG re-encoded on upload (hetong.esign.seals).
    seal = models.BinaryField(_("company seal"), null=True, editable=False)
    seal_sha256 = models.CharField(_("seal SHA-256"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("signing entity")
        verbose_name_plural = _("signing entities")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["credit_code"], name="legalentity_credit_code_unique")]

    def __str__(self):
        return self.name


class NumberSequence(models.Model):
    """The last number handed out for one key (type code and year)."""

    key = models.CharField(max_length=60)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="numbersequence_key_unique")]

    def __str__(self):
        return f"{self.key}: {self.last}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    SIGNING = "signing", _("Signing")
    SIGNED = "signed", _("Signed")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    RENEWED = "renewed", _("Renewed")
    TERMINATED = "terminated", _("Terminated")
    CANCELLED = "cancelled", _("Cancelled")


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str
    label: object  # lazy translated verb for buttons


S = Status
TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({S.DRAFT}), S.IN_REVIEW, _("Submit for review")),
    "withdraw": Transition(frozenset({S.IN_REVIEW}), S.DRAFT, _("Withdraw")),
    "approve": Transition(frozenset({S.IN_REVIEW}), S.APPROVED, _("Approve")),
    "reject": Transition(frozenset({S.IN_REVIEW}), S.DRAFT, _("Reject")),
    "return_for_changes": Transition(frozenset({S.IN_REVIEW}), S.DRAFT, _("Return for changes")),
    "send_for_signing": Transition(frozenset({S.APPROVED}), S.SIGNING, _("Send for signing")),
    "sign": Transition(frozenset({S.APPROVED, S.SIGNING}), S.SIGNED, _("Record signature")),
    "activate": Transition(frozenset({S.SIGNED}), S.ACTIVE, _("Activate")),
    "expire": Transition(frozenset({S.ACTIVE}), S.EXPIRED, _("Mark expired")),
    "renew": Transition(frozenset({S.ACTIVE, S.EXPIRED}), S.RENEWED, _("Mark renewed")),
    "terminate": Transition(frozenset({S.SIGNED, S.ACTIVE}), S.TERMINATED, _("Terminate")),
    "cancel": Transition(
        frozenset({S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SIGNING, S.SIGNED}), S.CANCELLED, pgettext_lazy("contract action", "Cancel")
    ),
}
# Terms (parties, money, dates, files) may change only while the contract is a draft: signed means frozen.
EDITABLE_STATES = frozenset({S.DRAFT})
OPEN_STATES = frozenset({S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SIGNING})
IN_FORCE_STATES = frozenset({S.SIGNED, S.ACTIVE})
# Which kinds of file (ContractFile.Kind values) may be added or versioned in which states.
FILE_KIND_STATES = {
    "draft": frozenset({S.DRAFT}),
    "signed": frozenset({S.APPROVED, S.SIGNING}),
    "attachment": frozenset(set(S) - {S.CANCELLED}),
}


class ContractQuerySet(SearchableQuerySet):
    def visible_to(self, user):
        if not user or not user.is_authenticated:
            return self.none()
        return self.filter(user.scope_q())

    def in_force(self, on: dt.date | None = None):
        on = on or company_today()
        return self.filter(status__in=IN_FORCE_STATES, effective_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )

    def expiring(self, within: int, on: dt.date | None = None):
        on = on or company_today()
        return self.filter(status__in=IN_FORCE_STATES, end_date__gte=on, end_date__lte=on + dt.timedelta(days=within))

    def stuck(self, days: int, now=None):
        """In review for longer than `days` days."""
        from django.utils import timezone

        since = (now or timezone.now()) - dt.timedelta(days=days)
        return self.filter(status=Status.IN_REVIEW, status_changed_at__lt=since)

    def notice_due(self, within: int, on: dt.date | None = None):
        on = on or company_today()
        return self.filter(
            status__in=IN_FORCE_STATES, notice_deadline__gte=on, notice_deadline__lte=on + dt.timedelta(days=within)
        )


class Contract(Versioned):
    Status = Status

    number = models.CharField(_("number"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    # The (fk, id) indexes in Meta serve these foreign keys, so they need no index of their own.
    contract_type = models.ForeignKey(
        ContractType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="contracts", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts", db_index=False
    )
    entity = models.ForeignKey(
        LegalEntity, verbose_name=_("our signing entity"), on_delete=models.PROTECT, related_name="contracts"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="contracts", db_index=False
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="contracts", db_index=False,
    )
    amount = models.DecimalField(_("amount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, default="CNY")
    signed_date = models.DateField(_("signed date"), null=True, blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("Leave empty for an evergreen contract."))
    auto_renew = models.BooleanField(_("renews automatically"), default=False)
    renewal_term = models.PositiveSmallIntegerField(_("renewal term"), null=True, blank=True)
    renewal_unit = models.CharField(_("renewal term unit"), max_length=10, choices=PeriodUnit.choices, default=PeriodUnit.YEARS)
    notice_period = models.PositiveSmallIntegerField(_("notice period"), null=True, blank=True)
    notice_unit = models.CharField(_("notice period unit"), max_length=10, choices=PeriodUnit.choices, default=PeriodUnit.DAYS)
    # After each tacit renewal end_date moves to the end of the new term; later terms are always counted from
    # the first term's end (31 Jan + 2 months is 31 Mar, not 28 Mar), which is kept here.
    first_term_end = models.DateField(_("end of the first term"), null=True, blank=True, editable=False)
    renewal_count = models.PositiveSmallIntegerField(_("tacit renewals"), default=0, editable=False)
    # Derived by the deadline engine from the current term and the notice period; stored so it can be indexed.
    notice_deadline = models.DateField(_("notice deadline"), null=True, blank=True, editable=False)
    signing_deadline = models.DateField(_("signing deadline"), null=True, blank=True)
    review_date = models.DateField(
        _("next review date"), null=True, blank=True,
        help_text=_("When the contract is next reviewed; evergreen contracts are reminded of this date instead of an end."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="contracts")
    extra = models.JSONField(_("extra fields"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True, editable=False)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True, editable=False)
    status_note = models.CharField(_("reason"), max_length=500, blank=True, editable=False)
    search_tokens = models.TextField(editable=False, default="")

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(fields=["number"], name="contract_number_unique"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(effective_date__isnull=True) | Q(end_date__gte=models.F("effective_date")),
                name="contract_end_after_start",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="contract_amount_not_negative"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="contract_status_valid"),
            models.CheckConstraint(
                condition=Q(auto_renew=False) | Q(renewal_term__gt=0), name="contract_auto_renew_has_term"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "id"], name="contract_status_idx"),
            models.Index(fields=["owner", "id"], name="contract_owner_idx"),
            models.Index(fields=["department", "id"], name="contract_department_idx"),
            models.Index(fields=["customer", "id"], name="contract_customer_idx"),
            models.Index(fields=["contract_type", "id"], name="contract_type_idx"),
            models.Index(fields=["end_date", "id"], name="contract_end_idx"),
            models.Index(fields=["status", "end_date", "id"], name="contract_status_end_idx"),
            models.Index(fields=["status", "notice_deadline", "id"], name="contract_status_notice_idx"),
            models.Index(fields=["amount", "id"], name="contract_amount_idx"),
            models.Index(fields=["updated_at"], name="contract_updated_idx"),
            # The signed-date filters, and the dashboard's top customers of a year read from this index alone.
            models.Index(fields=["signed_date", "status", "customer", "currency", "amount"], name="contract_signed_idx"),
            # Reviews stuck for more than N days (the dashboard and its list) from the index alone.
            models.Index(fields=["status", "status_changed_at"], name="contract_status_changed_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def can(self, action: str) -> bool:
        """Whether the status allows `action` (who may take it is services.allowed())."""
        rule = TRANSITIONS.get(action)
        return bool(rule) and self.status in rule.sources

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES

    def accepts_file(self, kind: str) -> bool:
        """The contract text changes only in a draft, the signed copy arrives before or with the signature,
        and attachments may be added until the contract is cancelled."""
        return self.status in FILE_KIND_STATES.get(kind, ())

    @property
    def file_kinds_accepted(self) -> list[str]:
        return [kind for kind in FILE_KIND_STATES if self.accepts_file(kind)]

    @property
    def current_term(self):
        """The term the contract is in, after its recorded tacit renewals (contracts.deadlines.Term)."""
        from .deadlines import KeyTerms, term

        return term(KeyTerms.of(self), self.renewal_count)

    @property
    def days_to_end(self) -> int | None:
        end = self.current_term.end
        return (end - company_today()).days if end else None

    def search_text(self) -> list[str]:
        return [self.number, self.title, self.customer.name if self.customer_id else ""]


class KeyDate(models.Model):
    """A date of a contract that reminders and calendars look at, one row per (contract, kind).

    Kept in step with the contract by the services (contracts.services.terms.sync_key_dates), and only for the
    statuses in which the date still matters, so the reminder scan and the calendar are one indexed range query
    on `date` instead of a scan of every contract. Kinds are the names in KEY_DATE_KINDS, or "x:<key>" for a
    date-typed extra field of the contract's type; later capabilities (payments, milestones) add their own kinds.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="key_dates", db_index=False)
    kind = models.CharField(_("kind"), max_length=50)
    date = models.DateField(_("date"))
    # The next day the reminder pass must look at this row (today when the date is new or changed, the next
    # reminder's day after a pass, empty when nothing more is due), so each pass reads only the due rows.
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("key date")
        verbose_name_plural = _("key dates")
        constraints = [models.UniqueConstraint(fields=["contract", "kind"], name="keydate_contract_kind_unique")]
        indexes = [
            models.Index(fields=["date", "id"], name="keydate_date_idx"),
            models.Index(fields=["due_on", "id"], condition=Q(due_on__isnull=False), name="keydate_due_idx"),
        ]

    def __str__(self):
        return f"{self.contract_id} {self.kind} {self.date}"

    @property
    def label(self) -> str:
        return key_date_label(self.kind, getattr(self.contract, "contract_type", None))


# The kinds of key dates, and the statuses in which each still calls for a reminder.
KEY_DATE_KINDS = {
    "end": (_("End date"), {Status.SIGNED, Status.ACTIVE}),
    "notice": (_("Notice deadline"), {Status.SIGNED, Status.ACTIVE}),
    "effective": (_("Effective date"), {Status.APPROVED, Status.SIGNING, Status.SIGNED}),
    "signing": (_("Signing deadline"), {Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.SIGNING}),
    "review": (_("Review date"), {Status.SIGNED, Status.ACTIVE}),
}
EXTRA_KEY_DATE_STATUSES = {Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.SIGNING, Status.SIGNED, Status.ACTIVE}


def key_date_label(kind: str, contract_type=None) -> str:
    if kind in KEY_DATE_KINDS:
        return str(KEY_DATE_KINDS[kind][0])
    if kind.startswith("x:") and contract_type is not None:
        for field in contract_type.date_fields():
            if field.key == kind[2:]:
                return str(field)
    return kind


class ContractParty(models.Model):
    class Role(models.TextChoices):
        OURS = "ours", _("Our side")
        CUSTOMER = "customer", pgettext_lazy("party role", "Customer")
        THIRD = "third", _("Third party")
        GUARANTOR = "guarantor", _("Guarantor")

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc])
    address = models.CharField(_("address"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class Signatory(models.Model):
    party = models.ForeignKey(ContractParty, verbose_name=_("party"), on_delete=models.CASCADE, related_name="signatories")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    title = models.CharField(_("job title"), max_length=60, blank=True)
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        ordering = ["id"]

    def __str__(self):
        return self.name


class ContractFile(TimeStamped):
    """A document of a contract; each upload under it is a new FileVersion, and none is ever overwritten."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft text")
        SIGNED = "signed", _("Signed copy")
        ATTACHMENT = "attachment", _("Attachment")

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="files")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ATTACHMENT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["id"]

    def __str__(self):
        return self.name


class FileVersion(StoredFile):
    file = models.ForeignKey(ContractFile, verbose_name=_("file"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))

    class Meta:
        verbose_name = _("file version")
        verbose_name_plural = _("file versions")
        ordering = ["file", "-number"]
        constraints = [models.UniqueConstraint(fields=["file", "number"], name="fileversion_number_unique")]

    def __str__(self):
        return f"{self.original_name} v{self.number}"


class Product(Versioned):
    """An entry of the price catalogue. Line items copy what they need, so a catalogue edit never changes a
    contract that already uses the product."""

    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="", blank=True)
    list_price = models.DecimalField(_("list price"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCIES, default="CNY")
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=13)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="product_code_unique"),
            models.CheckConstraint(condition=Q(list_price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=100), name="product_tax_rate_range"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class LineItem(models.Model):
    """One line of a contract's price schedule. Prices include tax (含税); the line total is
    quantity x unit price x (1 - discount %), rounded half up to the cent."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="line_items")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="line_items"
    )
    name = models.CharField(_("name"), max_length=200)
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    discount = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=0)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=13)
    total = models.DecimalField(_("line total"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("line item")
        verbose_name_plural = _("line items")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="lineitem_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="lineitem_price_not_negative"),
            models.CheckConstraint(condition=Q(discount__gte=0) & Q(discount__lte=100), name="lineitem_discount_range"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lt=100), name="lineitem_tax_rate_range"),
            models.CheckConstraint(condition=Q(total__gte=0), name="lineitem_total_not_negative"),
        ]
        indexes = [models.Index(fields=["contract", "position"], name="lineitem_contract_idx")]

    def __str__(self):
        return self.name
