"""Templates, clauses and document generation: one function per business action.

Rendering (Jinja, docxtpl, WeasyPrint) happens before the transaction that stores its result, so a failure stores
nothing; Word→PDF conversion through LibreOffice runs afterwards in a job (effects after commit).
"""

import difflib
import hashlib
import logging
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError

from hetong.audit.services import record
from hetong.contracts.models import Contract, ContractType, ExtraField
from hetong.contracts.services import require
from hetong.core.dates import company_today
from hetong.core.errors import Conflict, InvalidInput, refuse_unknown_fields
from hetong.core.text import clean_text

from . import engine, pdf
from .models import (
    Clause,
    ClauseVersion,
    DocumentClause,
    GeneratedDocument,
    GenerationJob,
    Language,
    Template,
    TemplateVersion,
)
from .variables import CLAUSE_ROOTS, Schema, contract_context

log = logging.getLogger(__name__)

MAX_ALTERNATIVES = 5
MAX_CLAUSE_CHARS = 20_000


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def template_schema(*, with_clauses: bool = True) -> Schema:
    extra = ExtraField.objects.values_list("key", flat=True).distinct()
    clauses = Clause.objects.filter(is_active=True).values_list("key", flat=True).distinct() if with_clauses else ()
    return Schema(extra_keys=list(extra), clause_keys=list(clauses))


# --- templates ------------------------------------------------------------------------------------------------

@dataclass
class CheckedSource:
    html: str
    docx: bytes | None
    report: engine.Report

    @property
    def digest(self) -> str:
        return sha256(self.docx if self.docx is not None else self.html)


def check_template_source(kind: str, *, language: str, html: str = "", docx: bytes | None = None) -> CheckedSource:
    """A template's source checked against the variable catalogue; raises TemplateInvalid naming each problem."""
    schema = template_schema()
    if kind == Template.Kind.DOCX:
        if docx is None:
            raise engine.TemplateInvalid(_("Upload the Word (.docx) file."), errors={"file": [_("This field is required.")]})
        sources = engine.docx_sources(engine.open_docx(docx))
        return CheckedSource("", docx, engine.check_sources(sources, schema, language=language))
    if not html.strip():
        raise engine.TemplateInvalid(_("The template is empty."), errors={"html": [_("This field is required.")]})
    if len(html) > engine.MAX_HTML_CHARS:
        raise engine.TemplateInvalid(_("The template is too long."), errors={"html": [_("Too long.")]})
    if "\x00" in html:
        raise engine.TemplateInvalid(_("The template contains invalid characters."), errors={"html": [_("Invalid characters.")]})
    return CheckedSource(html, None, engine.check_sources([html], schema, language=language))


TEMPLATE_FIELDS = ("name", "kind", "language", "purpose", "description", "is_standard", "is_active", "contract_types")


def _template_data(data: dict, *, creating: bool) -> tuple[dict, list]:
    refuse_unknown_fields(data, TEMPLATE_FIELDS)
    cleaned, errors = {}, {}
    for name in ("name", "description"):
        if name in data:
            try:
                cleaned[name] = clean_text(str(data[name] or ""))
            except ValidationError as exc:
                errors[name] = exc.messages
    if creating and not cleaned.get("name"):
        errors["name"] = [_("This field is required.")]
    choices = {"kind": Template.Kind.values, "language": Language.values, "purpose": Template.Purpose.values}
    for name, allowed in choices.items():
        if name in data:
            if data[name] not in allowed:
                errors[name] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}]
            else:
                cleaned[name] = data[name]
    if creating and "kind" not in cleaned and "kind" not in errors:
        errors["kind"] = [_("This field is required.")]
    for name in ("is_standard", "is_active"):
        if name in data:
            cleaned[name] = bool(data[name])
    types = []
    if "contract_types" in data:
        ids = [getattr(t, "pk", t) for t in data["contract_types"] or []]
        types = list(ContractType.objects.filter(pk__in=[i for i in ids if isinstance(i, int)]))
        if len(types) != len(set(ids)):
            errors["contract_types"] = [_("Unknown contract type.")]
    if errors:
        raise InvalidInput(errors=errors)
    return cleaned, types


def _check_name_free(name: str, exclude=None):
    others = Template.objects.filter(name=name)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        raise InvalidInput(errors={"name": [_("A template with this name exists already.")]}, code="duplicate")


def create_template(*, by, data: dict, html: str = "", docx: bytes | None = None, original_name: str = "") -> Template:
    require(by, "documents.manage_template")
    cleaned, types = _template_data(data, creating=True)
    checked = check_template_source(cleaned["kind"], language=cleaned.get("language", Language.ZH), html=html, docx=docx)
    with transaction.atomic():
        _check_name_free(cleaned["name"])
        template = Template.objects.create(created_by=by, **cleaned)
        if "contract_types" in data:
            template.contract_types.set(types)
        version = _add_version(template, checked, by=by, original_name=original_name, note="")
        record(actor=by, verb="template.created", target=template, data={"version": version.number, "sha256": version.sha256})
    return template


def _add_version(template, checked: CheckedSource, *, by, original_name: str, note: str) -> TemplateVersion:
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = TemplateVersion.objects.create(
        template=template, number=number, docx=checked.docx, html=checked.html, original_name=original_name[:255],
        sha256=checked.digest, variables=sorted(checked.report.variables), clause_keys=sorted(checked.report.clause_keys),
        note=note[:255], created_by=by,
    )
    Template.objects.filter(pk=template.pk).update(current=version, updated_at=timezone.now())
    template.current = version
    return version


def add_template_version(template: Template, *, by, html: str = "", docx: bytes | None = None,
                         original_name: str = "", note: str = "") -> TemplateVersion:
    """A new version of the template's text; documents made earlier keep the version they were made from."""
    require(by, "documents.manage_template", template)
    checked = check_template_source(template.kind, language=template.language, html=html, docx=docx)
    with transaction.atomic():
        locked = Template.objects.select_for_update().get(pk=template.pk)
        if locked.current_id and locked.current.sha256 == checked.digest:
            raise InvalidInput(_("This text is the same as the current version."), code="unchanged")
        version = _add_version(locked, checked, by=by, original_name=original_name, note=clean_text(note or ""))
        record(actor=by, verb="template.version_added", target=locked, data={"version": version.number, "sha256": version.sha256})
    template.current = version
    return version


def update_template(template: Template, *, by, data: dict) -> Template:
    require(by, "documents.manage_template", template)
    data = {k: v for k, v in data.items() if k != "kind"}
    cleaned, types = _template_data(data, creating=False)
    with transaction.atomic():
        if "name" in cleaned:
            _check_name_free(cleaned["name"], exclude=template)
        for name, value in cleaned.items():
            setattr(template, name, value)
        template.save()
        if "contract_types" in data:
            template.contract_types.set(types)
        record(actor=by, verb="template.updated", target=template, data={k: str(v) for k, v in cleaned.items()})
    return template


def templates_for(contract: Contract):
    """Active templates offered for a contract: those for its type or an ancestor, and those for every type."""
    lineage = [t.pk for t in contract.contract_type.lineage()]
    return (
        Template.objects.filter(is_active=True, current__isnull=False)
        .filter(Q(contract_types__in=lineage) | Q(contract_types__isnull=True))
        .distinct()
        .order_by("-is_standard", "name")
    )


# --- clauses --------------------------------------------------------------------------------------------------

CLAUSE_FIELDS = ("key", "language", "category", "title", "is_active")


def _clause_text(text, alternatives) -> tuple[str, list]:
    errors = {}
    try:
        text = clean_text(str(text or ""))
    except ValidationError as exc:
        errors["text"] = exc.messages
    if not errors.get("text") and not text.strip():
        errors["text"] = [_("This field is required.")]
    elif len(text) > MAX_CLAUSE_CHARS:
        errors["text"] = [_("Too long.")]
    cleaned_alternatives = []
    if not isinstance(alternatives, list) or len(alternatives) > MAX_ALTERNATIVES:
        errors["alternatives"] = [_("Give at most %(n)s alternatives.") % {"n": MAX_ALTERNATIVES}]
    else:
        for n, alternative in enumerate(alternatives, start=1):
            if not isinstance(alternative, dict):
                errors["alternatives"] = [_("Alternative %(n)s needs a label and a text.") % {"n": n}]
                break
            try:
                label = clean_text(str(alternative.get("label") or ""))[:100]
                body = clean_text(str(alternative.get("text") or ""))
            except ValidationError as exc:
                errors["alternatives"] = exc.messages
                break
            if not label or not body.strip():
                errors["alternatives"] = [_("Alternative %(n)s needs a label and a text.") % {"n": n}]
                break
            cleaned_alternatives.append({"label": label, "text": body})
    if errors:
        raise InvalidInput(errors=errors)
    schema = template_schema(with_clauses=False)
    for body in [text, *(a["text"] for a in cleaned_alternatives)]:
        try:
            engine.check_sources([body], schema)
        except engine.TemplateInvalid as exc:
            raise engine.TemplateInvalid(exc.message, errors={"text": exc.errors.get("template", [])}) from None
    return text, cleaned_alternatives


def create_clause(*, by, data: dict, text: str, alternatives: list | None = None) -> Clause:
    """A new clause with its first version, a draft until someone approves it."""
    require(by, "documents.manage_clause")
    unknown = set(data) - set(CLAUSE_FIELDS)
    errors = {}
    if unknown:
        errors.update({f: [_("This field cannot be changed here.")] for f in unknown})
    key = str(data.get("key") or "").strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", key):
        errors["key"] = [_("Use lower-case letters, digits and underscores, starting with a letter (e.g. payment_terms).")]
    language = data.get("language", Language.ZH)
    if language not in (Language.ZH, Language.EN):
        errors["language"] = [_("Choose Chinese or English.")]
    category = data.get("category", Clause.Category.OTHER)
    if category not in Clause.Category.values:
        errors["category"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Clause.Category.values)}]
    try:
        title = clean_text(str(data.get("title") or ""))
    except ValidationError as exc:
        errors["title"], title = exc.messages, ""
    if not title and "title" not in errors:
        errors["title"] = [_("This field is required.")]
    if errors:
        raise InvalidInput(errors=errors)
    text, alternatives = _clause_text(text, alternatives or [])
    with transaction.atomic():
        if Clause.objects.filter(key=key, language=language).exists():
            raise InvalidInput(errors={"key": [_("A clause with this key and language exists already.")]}, code="duplicate")
        clause = Clause.objects.create(key=key, language=language, category=category, title=title[:100],
                                       is_active=bool(data.get("is_active", True)))
        version = ClauseVersion.objects.create(clause=clause, number=1, text=text, alternatives=alternatives, created_by=by)
        record(actor=by, verb="clause.created", target=clause, data={"version": version.number})
    return clause


def propose_clause_version(clause: Clause, *, by, text: str, alternatives: list | None = None, note: str = "") -> ClauseVersion:
    """An edit of a clause is a new draft version; documents keep using the approved one until it is approved."""
    require(by, "documents.manage_clause", clause)
    text, alternatives = _clause_text(text, alternatives or [])
    with transaction.atomic():
        locked = Clause.objects.select_for_update().get(pk=clause.pk)
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ClauseVersion.objects.create(
            clause=locked, number=number, text=text, alternatives=alternatives, note=clean_text(note or "")[:255], created_by=by
        )
        record(actor=by, verb="clause.version_proposed", target=locked, data={"version": number})
    return version


def approve_clause_version(version: ClauseVersion, *, by) -> ClauseVersion:
    """Approve a draft: it becomes the version new documents use; the previously approved one is superseded."""
    require(by, "documents.approve_clause", version.clause)
    with transaction.atomic():
        clause = Clause.objects.select_for_update().get(pk=version.clause_id)
        claimed = ClauseVersion.objects.filter(pk=version.pk, state=ClauseVersion.State.DRAFT).update(
            state=ClauseVersion.State.APPROVED, approved_by=by, approved_at=timezone.now()
        )
        if not claimed:
            raise Conflict(_("Only a draft version can be approved."), code="not_draft")
        ClauseVersion.objects.filter(clause=clause, state=ClauseVersion.State.APPROVED).exclude(pk=version.pk).update(
            state=ClauseVersion.State.RETIRED
        )
        Clause.objects.filter(pk=clause.pk).update(current=version, updated_at=timezone.now())
        record(actor=by, verb="clause.version_approved", target=clause, data={"version": version.number})
    version.refresh_from_db()
    return version


# --- generation -----------------------------------------------------------------------------------------------

@dataclass
class Rendered:
    kind: str
    docx: bytes | None
    html: str
    text: str
    clauses: list  # [(ClauseVersion, choice, label)]

    @property
    def nonstandard(self) -> bool:
        return any(choice for _version, choice, _label in self.clauses)


def _clause_versions(keys) -> dict:
    """{(key, language): approved ClauseVersion} for the keys a template uses, in both languages."""
    found = {}
    rows = ClauseVersion.objects.filter(
        clause__key__in=keys, clause__is_active=True, clause__current=F("pk")
    ).select_related("clause")
    for version in rows:
        found[(version.clause.key, version.clause.language)] = version
    return found


def _choice(choices: dict, key: str, version: ClauseVersion) -> tuple[int, str, str]:
    raw = (choices or {}).get(key, 0)
    try:
        choice = int(raw)
    except (TypeError, ValueError):
        choice = -1
    if choice < 0 or choice > len(version.alternatives):
        raise InvalidInput(
            _("Clause %(key)s has no alternative %(choice)s.") % {"key": key, "choice": raw},
            code="invalid_choice", errors={"choices": [key]},
        )
    if choice == 0:
        return 0, "", version.text
    alternative = version.alternatives[choice - 1]
    return choice, alternative["label"], alternative["text"]


def context_for(contract: Contract, version: TemplateVersion, *, choices: dict | None = None) -> tuple[dict, list, str]:
    """The values a template version is filled with for a contract, the clause versions it uses and the language."""
    template = version.template
    language = Language.ZH if template.language == Language.BILINGUAL else template.language
    context = contract_context(contract, language=language, today=company_today())
    keys = set(version.clause_keys)
    unknown_choices = set(choices or {}) - keys
    if unknown_choices:
        raise InvalidInput(
            _("The template does not use these clauses: %(keys)s.") % {"keys": ", ".join(sorted(unknown_choices))},
            code="invalid_choice", errors={"choices": sorted(unknown_choices)},
        )
    versions = _clause_versions(keys)
    used, by_language = [], {root: {} for root in CLAUSE_ROOTS}
    for key in sorted(keys):
        for root, lang in (("clauses_zh", Language.ZH), ("clauses_en", Language.EN)):
            clause_version = versions.get((key, lang))
            if clause_version is None:
                continue
            choice, label, text = _choice(choices, key, clause_version)
            by_language[root][key] = engine.render_clause(text, context, language=lang, kind=template.kind)
            used.append((clause_version, choice, label))
        preferred = "clauses_en" if language == Language.EN else "clauses_zh"
        fallback = "clauses_zh" if preferred == "clauses_en" else "clauses_en"
        if key in by_language[preferred] or key in by_language[fallback]:
            by_language["clauses"][key] = by_language[preferred].get(key, by_language[fallback].get(key))
    missing = sorted(k for k in keys if k not in by_language["clauses"])
    if missing:
        raise InvalidInput(
            _("These clauses have no approved version: %(keys)s. Approve them in the clause library first.")
            % {"keys": ", ".join(missing)},
            code="clause_not_approved", errors={"clauses": missing},
        )
    context.update(by_language)
    return context, used, language


def render_for(contract: Contract, version: TemplateVersion, *, choices: dict | None = None) -> Rendered:
    """Render one template version for one contract (no database writes)."""
    template = version.template
    context, used, language = context_for(contract, version, choices=choices)
    try:
        if template.kind == Template.Kind.DOCX:
            docx, text = engine.render_docx_and_text(bytes(version.docx), context, language=language)
            html = ""
        else:
            docx = None
            html = engine.render_html(version.html, context, language=language)
            text = engine.html_text(html)
    except (engine.MissingValue, engine.TemplateInvalid):
        raise
    except SecurityError:
        raise engine.TemplateInvalid(_("The template tried something that is not allowed.")) from None
    except TemplateError as exc:
        raise engine.TemplateInvalid(_("The template could not be filled in: %(error)s") % {"error": exc}) from None
    return Rendered(template.kind, docx, html, text, used)


def preview(contract: Contract, template: Template, *, choices: dict | None = None) -> Rendered:
    if template.current_id is None:
        raise InvalidInput(_("This template has no version yet."), code="no_version")
    return render_for(contract, template.current, choices=choices)


def generate_document(contract: Contract, template: Template, *, by, choices: dict | None = None,
                      job: GenerationJob | None = None) -> GeneratedDocument:
    """Render the template's current version for the contract and store the result as the next version."""
    require(by, "documents.generate_document", contract)
    if not template.is_active or template.current_id is None:
        raise InvalidInput(_("This template is not active."), code="template_inactive")
    version = template.current
    rendered = render_for(contract, version, choices=choices)
    pdf_bytes, engine_name, status = None, "", GeneratedDocument.PdfStatus.PENDING
    if rendered.kind == Template.Kind.HTML:
        pdf_bytes = pdf.html_to_pdf(pdf.wrap_html(rendered.html, title=contract.number, language=template.language))
        engine_name, status = "weasyprint", GeneratedDocument.PdfStatus.READY
    for attempt in range(3):
        try:
            with transaction.atomic():
                Contract.objects.select_for_update().filter(pk=contract.pk).exists()
                number = (GeneratedDocument.objects.filter(contract=contract).aggregate(n=Max("number"))["n"] or 0) + 1
                document = GeneratedDocument.objects.create(
                    contract=contract, number=number, template_version=version,
                    docx=rendered.docx, docx_sha256=sha256(rendered.docx) if rendered.docx else "",
                    pdf=pdf_bytes, pdf_sha256=sha256(pdf_bytes) if pdf_bytes else "", pdf_status=status,
                    pdf_engine=engine_name, text=rendered.text, text_sha256=engine.text_hash(rendered.text),
                    nonstandard=rendered.nonstandard, job=job, created_by=by,
                )
                DocumentClause.objects.bulk_create(
                    DocumentClause(document=document, clause_version=cv, choice=choice, label=label)
                    for cv, choice, label in rendered.clauses
                )
                record(actor=by, verb="document.generated", target=contract, data={
                    "document": document.pk, "version": number, "template": template.name,
                    "template_version": version.number, "sha256": document.sha256, "text_sha256": document.text_sha256,
                    "nonstandard": document.nonstandard,
                })
                if status == GeneratedDocument.PdfStatus.PENDING:
                    transaction.on_commit(lambda pk=document.pk: _enqueue_conversion(pk))
            return document
        except IntegrityError:  # two people generated at once: take the next number
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _enqueue_conversion(document_id: int):
    from .tasks import convert_to_pdf

    convert_to_pdf(document_id)


def convert_document(document_id: int) -> GeneratedDocument | None:
    """Make the PDF of a Word document (LibreOffice, or the HTML route) and store it once."""
    document = GeneratedDocument.objects.select_related("template_version__template").filter(pk=document_id).first()
    if document is None or document.pdf_status == GeneratedDocument.PdfStatus.READY or document.docx is None:
        return document
    try:
        data, engine_name = pdf.docx_to_pdf(bytes(document.docx), language=document.template_version.template.language)
    except Exception as exc:  # a converter crash must be recorded, not lost
        log.exception("PDF conversion of document %s failed", document_id)
        GeneratedDocument.objects.filter(pk=document_id).exclude(pdf_status=GeneratedDocument.PdfStatus.READY).update(
            pdf_status=GeneratedDocument.PdfStatus.FAILED, pdf_error=str(exc)[:500]
        )
        document.refresh_from_db()
        return document
    GeneratedDocument.objects.filter(pk=document_id).exclude(pdf_status=GeneratedDocument.PdfStatus.READY).update(
        pdf=data, pdf_sha256=sha256(data), pdf_engine=engine_name, pdf_status=GeneratedDocument.PdfStatus.READY, pdf_error=""
    )
    document.refresh_from_db()
    return document


def retry_conversion(document: GeneratedDocument, *, by) -> None:
    require(by, "documents.generate_document", document.contract)
    updated = GeneratedDocument.objects.filter(pk=document.pk, pdf_status=GeneratedDocument.PdfStatus.FAILED).update(
        pdf_status=GeneratedDocument.PdfStatus.PENDING, pdf_error=""
    )
    if updated:
        transaction.on_commit(lambda: _enqueue_conversion(document.pk))


# --- comparing ------------------------------------------------------------------------------------------------

TOKEN = re.compile(r"[A-Za-z0-9_.,%]+|\s+|.", re.S)


def redline(old: str, new: str) -> list[dict]:
    """A readable redline of two texts: lines that stayed, went or came, and within a changed line the words or
    characters (Chinese has no spaces) that changed. [{"op": "equal"|"delete"|"insert"|"change", ...}]."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    out = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            out.extend({"op": "equal", "text": line} for line in old_lines[a0:a1])
        elif op == "delete":
            out.extend({"op": "delete", "text": line} for line in old_lines[a0:a1])
        elif op == "insert":
            out.extend({"op": "insert", "text": line} for line in new_lines[b0:b1])
        else:
            pairs = max(a1 - a0, b1 - b0)
            for i in range(pairs):
                before = old_lines[a0 + i] if a0 + i < a1 else None
                after = new_lines[b0 + i] if b0 + i < b1 else None
                if before is None:
                    out.append({"op": "insert", "text": after})
                elif after is None:
                    out.append({"op": "delete", "text": before})
                else:
                    out.append({"op": "change", "parts": _inline(before, after)})
    return out


def _inline(before: str, after: str) -> list[tuple[str, str]]:
    a, b = TOKEN.findall(before), TOKEN.findall(after)
    parts = []
    for op, a0, a1, b0, b1 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("equal", "".join(a[a0:a1])))
        else:
            if a1 > a0:
                parts.append(("delete", "".join(a[a0:a1])))
            if b1 > b0:
                parts.append(("insert", "".join(b[b0:b1])))
    return parts


# --- many at once ---------------------------------------------------------------------------------------------

MAX_JOB_CONTRACTS = 5000


def start_generation_job(*, by, template: Template, contracts) -> GenerationJob:
    """Queue the generation of one document per contract; the job reports its progress as it goes."""
    require(by, "documents.generate_many")
    ids = list(Contract.objects.visible_to(by).filter(pk__in=[getattr(c, "pk", c) for c in contracts]).values_list("pk", flat=True))
    if not ids:
        raise InvalidInput(_("Choose at least one contract."), code="no_contracts")
    if len(ids) > MAX_JOB_CONTRACTS:
        raise InvalidInput(_("At most %(n)s contracts at once.") % {"n": MAX_JOB_CONTRACTS}, code="too_many")
    if not template.is_active or template.current_id is None:
        raise InvalidInput(_("This template is not active."), code="template_inactive")
    with transaction.atomic():
        job = GenerationJob.objects.create(template=template, contract_ids=sorted(ids), total=len(ids), created_by=by)
        record(actor=by, verb="document.batch_started", target=job.template, data={"job": job.pk, "contracts": len(ids)})
        transaction.on_commit(lambda: _enqueue_job(job.pk))
    return job


def _enqueue_job(job_id: int):
    from .tasks import generate_many

    generate_many(job_id)


def run_generation_job(job_id: int) -> GenerationJob:
    """Work through a job; each document is stored on its own, so a failure (or a crash) loses only that one, and
    a job picked up again skips the contracts it already made a document for."""
    claimed = GenerationJob.objects.filter(pk=job_id, status__in=[GenerationJob.Status.QUEUED, GenerationJob.Status.RUNNING]).update(
        status=GenerationJob.Status.RUNNING
    )
    job = GenerationJob.objects.select_related("template", "created_by").get(pk=job_id)
    if not claimed:
        return job
    made = set(job.documents.values_list("contract_id", flat=True))
    contracts = Contract.objects.select_related(
        "customer", "entity", "owner", "department", "contract_type"
    ).prefetch_related("customer__contacts")
    for contract in contracts.filter(pk__in=[pk for pk in job.contract_ids if pk not in made]).order_by("pk").iterator(chunk_size=100):
        error = None
        try:
            generate_document(contract, job.template, by=job.created_by, job=job)
        except InvalidInput as exc:
            error = str(exc.message)
        except Exception as exc:  # one bad contract must not stop the other 299
            log.exception("generating a document for contract %s in job %s failed", contract.pk, job_id)
            error = _("Unexpected error: %(error)s") % {"error": type(exc).__name__}
        if error:
            job.errors = [*job.errors, {"contract": contract.pk, "number": contract.number, "error": error}][-500:]
            job.failed += 1
            GenerationJob.objects.filter(pk=job_id).update(failed=job.failed, errors=job.errors)
        else:
            job.done += 1
            GenerationJob.objects.filter(pk=job_id).update(done=job.done)
    job.status = GenerationJob.Status.DONE if job.done or not job.failed else GenerationJob.Status.FAILED
    GenerationJob.objects.filter(pk=job_id).update(status=job.status, finished_at=timezone.now())
    return job


__all__ = [
    "add_template_version", "approve_clause_version", "check_template_source", "convert_document", "create_clause",
    "create_template", "generate_document", "preview", "propose_clause_version", "redline", "render_for",
    "retry_conversion", "run_generation_job", "start_generation_job", "templates_for", "update_template",
]
