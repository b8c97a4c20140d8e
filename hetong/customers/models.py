from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hetong.core.models import Tag, TimeStamped, Versioned
from hetong.core.uscc import validate_uscc
from hetong.search.backend import SearchableQuerySet


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    LOGISTICS = "logistics", _("Logistics")
    RETAIL = "retail", _("Retail and wholesale")
    IT = "it", _("Information technology")
    FINANCE = "finance", _("Finance and insurance")
    CONSTRUCTION = "construction", _("Construction and real estate")
    ENERGY = "energy", _("Energy")
    HEALTHCARE = "healthcare", _("Healthcare")
    EDUCATION = "education", _("Education")
    GOVERNMENT = "government", _("Government and public sector")
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    NORMAL = "normal", _("Normal")
    SMALL = "small", _("Small")


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", pgettext_lazy("customer status", "Active")
    DORMANT = "dormant", _("Dormant")
    BLOCKED = "blocked", _("Blocked")


class CustomerQuerySet(SearchableQuerySet):
    def visible_to(self, user):
        if not user or not user.is_authenticated:
            return self.none()
        q = user.scope_q()
        if q:
            # A salesperson also sees the customers of the contracts they own.
            from hetong.contracts.models import Contract

            q |= Exists(Contract.objects.filter(customer=OuterRef("pk"), owner=user))
        return self.filter(q)


class Customer(Versioned):
    Status = CustomerStatus

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc]
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, default=Industry.OTHER)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.NORMAL)
    region = models.CharField(_("region"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    # The (fk, id) indexes in Meta serve these foreign keys.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="customers",
        db_index=False,
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="customers", db_index=False,
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    status = models.CharField(_("status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE)
    notes = models.TextField(_("notes"), blank=True)
    search_tokens = models.TextField(editable=False, default="")

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="customer_credit_code_unique"
            ),
            models.CheckConstraint(condition=Q(status__in=CustomerStatus.values), name="customer_status_valid"),
        ]
        indexes = [
            models.Index(fields=["owner", "id"], name="customer_owner_idx"),
            models.Index(fields=["department", "id"], name="customer_department_idx"),
            models.Index(fields=["name", "id"], name="customer_name_idx"),
        ]

    def __str__(self):
        return self.name

    def search_text(self) -> list[str]:
        return [self.name, self.credit_code, self.region]


class Contact(Versioned):
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    title = models.CharField(_("job title"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_signatory = models.BooleanField(_("authorised signatory"), default=False)
    notes = models.CharField(_("notes"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_signatory", "name"]

    def __str__(self):
        return self.name


class InteractionKind(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("Email")
    NOTE = "note", _("Note")


class Interaction(TimeStamped):
    Kind = InteractionKind

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="interactions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InteractionKind.choices, default=InteractionKind.NOTE)
    date = models.DateField(_("date"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="interactions"
    )
    text = models.TextField(_("text"))
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL, related_name="interactions"
    )
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="interactions",
    )

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["customer", "-date"], name="interaction_customer_date_idx")]
        constraints = [models.CheckConstraint(condition=Q(kind__in=InteractionKind.values), name="interaction_kind_valid")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date}"
