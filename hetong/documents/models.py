"""Templates, the clause library and generated documents.

Templates and clauses are versioned: an edit makes a new version and only future documents use it. A generated
document is frozen: its bytes, their sha256 and the exact template and clause versions it was made from.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hetong.core.models import TimeStamped


class Language(models.TextChoices):
    ZH = "zh-hans", _("Chinese")
    EN = "en", _("English")
    BILINGUAL = "bilingual", _("Chinese and English")


class Template(TimeStamped):
    class Kind(models.TextChoices):
        DOCX = "docx", _("Word (DOCX)")
        HTML = "html", _("HTML (edited here)")

    class Purpose(models.TextChoices):
        CONTRACT = "contract", _("Contract")
        RENEWAL = "renewal", _("Renewal letter")
        NOTICE = "notice", _("Notice")
        TERMINATION = "termination", _("Termination notice")
        NON_RENEWAL = "non_renewal", _("Non-renewal notice")
        CHANGE_NOTICE = "change_notice", _("Change notice")
        AMENDMENT = "amendment", _("Amendment (补充协议)")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.CONTRACT)
    description = models.CharField(_("description"), max_length=255, blank=True)
    contract_types = models.ManyToManyField(
        "contracts.ContractType", verbose_name=_("contract types"), blank=True, related_name="templates",
        help_text=_("Offered for contracts of these types and their sub-types; none means every type."),
    )
    is_standard = models.BooleanField(
        _("standard template"), default=False,
        help_text=_("The company's standard text; contracts made from another template are marked for review."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    current = models.ForeignKey(
        "TemplateVersion", verbose_name=_("current version"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="template_name_unique"),
            models.CheckConstraint(condition=Q(kind__in=["docx", "html"]), name="template_kind_valid"),
        ]

    def __str__(self):
        return self.name


class TemplateVersion(models.Model):
    template = models.ForeignKey(Template, verbose_name=_("template"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    docx = models.BinaryField(_("Word file"), null=True, editable=False)
    html = models.TextField(_("HTML source"), blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    variables = models.JSONField(_("variables used"), default=list)
    clause_keys = models.JSONField(_("clauses used"), default=list)
    note = models.CharField(_("change note"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        ordering = ["template", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="templateversion_number_unique")]

    def __str__(self):
        return f"{self.template} v{self.number}"


class Clause(TimeStamped):
    class Category(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        DELIVERY = "delivery", _("Delivery")
        ACCEPTANCE = "acceptance", _("Acceptance")
        WARRANTY = "warranty", _("Warranty")
        CONFIDENTIALITY = "confidentiality", _("Confidentiality")
        LIABILITY = "liability", _("Limitation of liability")
        TERMINATION = "termination", _("Termination")
        DISPUTES = "disputes", _("Dispute resolution")
        GOVERNING_LAW = "governing_law", _("Governing law")
        SERVICE = "service", _("Service levels")
        OTHER = "other", _("Other")

    key = models.SlugField(_("key"), max_length=40, help_text=_("Templates include the clause as clauses.<key>."))
    language = models.CharField(
        _("language"), max_length=10, choices=[(Language.ZH, Language.ZH.label), (Language.EN, Language.EN.label)],
        default=Language.ZH,
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    title = models.CharField(_("title"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    current = models.ForeignKey(
        "ClauseVersion", verbose_name=_("approved version"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("The version new documents use: the latest approved one."),
    )

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["category", "key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="clause_key_language_unique")]

    def __str__(self):
        return f"{self.title} ({self.key})"


class ClauseVersion(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        RETIRED = "retired", _("Superseded")

    clause = models.ForeignKey(Clause, verbose_name=_("clause"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("standard text"))
    # [{"label": "...", "text": "..."}, ...]: fallback positions a negotiator may choose instead of the standard.
    alternatives = models.JSONField(_("alternatives"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    note = models.CharField(_("change note"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clause version")
        verbose_name_plural = _("clause versions")
        ordering = ["clause", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["clause", "number"], name="clauseversion_number_unique"),
            models.CheckConstraint(condition=Q(state__in=["draft", "approved", "retired"]), name="clauseversion_state_valid"),
        ]

    def __str__(self):
        return f"{self.clause.key} v{self.number}"


class GenerationJob(TimeStamped):
    """Many documents from one template, made in the background (renewal letters for 300 contracts)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    template = models.ForeignKey(Template, verbose_name=_("template"), on_delete=models.PROTECT, related_name="jobs")
    contract_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(_("documents"), default=0)
    done = models.PositiveIntegerField(_("made"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"contract": id, "number": "...", "error": "..."}]
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("generation job")
        verbose_name_plural = _("generation jobs")
        ordering = ["-id"]

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * (self.done + self.failed) / self.total))


class GeneratedDocument(models.Model):
    """A document made for a contract from one template version: frozen bytes and their sha256."""

    class PdfStatus(models.TextChoices):
        READY = "ready", _("Ready")
        PENDING = "pending", _("Being converted")
        FAILED = "failed", _("Conversion failed")

    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="documents"
    )
    number = models.PositiveIntegerField(_("version"))
    template_version = models.ForeignKey(
        TemplateVersion, verbose_name=_("template version"), on_delete=models.PROTECT, related_name="documents"
    )
    docx = models.BinaryField(null=True, editable=False)
    docx_sha256 = models.CharField("DOCX SHA-256", max_length=64, blank=True)
    pdf = models.BinaryField(null=True, editable=False)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    pdf_status = models.CharField(_("PDF"), max_length=10, choices=PdfStatus.choices, default=PdfStatus.READY)
    pdf_engine = models.CharField(_("PDF made by"), max_length=20, blank=True)
    pdf_error = models.CharField(max_length=500, blank=True)
    text = models.TextField(_("text"))
    text_sha256 = models.CharField(_("text SHA-256"), max_length=64)
    nonstandard = models.BooleanField(
        _("non-standard clauses"), default=False, help_text=_("A fallback alternative was chosen for at least one clause.")
    )
    job = models.ForeignKey(GenerationJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        ordering = ["contract", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="generateddocument_number_unique"),
            models.CheckConstraint(condition=Q(pdf_status__in=["ready", "pending", "failed"]), name="generateddocument_pdf_status_valid"),
        ]

    def __str__(self):
        return f"{self.contract_id} v{self.number}"

    @property
    def sha256(self) -> str:
        """The hash of the primary file: the Word file for a Word template, the PDF otherwise."""
        return self.docx_sha256 or self.pdf_sha256


class DocumentClause(models.Model):
    """Which version of which clause a document used, and which text: the standard (choice 0) or a fallback."""

    document = models.ForeignKey(GeneratedDocument, on_delete=models.CASCADE, related_name="clauses")
    clause_version = models.ForeignKey(ClauseVersion, on_delete=models.PROTECT, related_name="uses")
    choice = models.PositiveSmallIntegerField(_("choice"), default=0)
    label = models.CharField(_("alternative"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("clause used")
        verbose_name_plural = _("clauses used")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["document", "clause_version"], name="documentclause_unique")]

    def __str__(self):
        return f"{self.document_id}: {self.clause_version_id} ({self.choice})"

    @property
    def is_standard(self) -> bool:
        return self.choice == 0
