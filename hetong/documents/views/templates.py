"""The template pages: list, create, detail (metadata, version history, new versions, downloads), the preview
with the catalogue's sample data (HTML sanitised into the page or as a PDF, Word as its text) and the variable
catalogue. Everyone signed in may read them; changing them is for those with documents.manage_template."""

import logging
import re

import nh3
import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError

from hetong.contracts.models import ExtraField
from hetong.core.errors import Conflict, DomainError
from hetong.core.files import ALLOWED, clean_filename
from hetong.core.forms import add_domain_error

from .. import engine, pdf, services, variables
from ..forms import (
    NewTemplateForm,
    TemplateFilterForm,
    TemplateForm,
    TemplateVersionForm,
    show_template_error,
)
from ..models import Clause, Language, Template, TemplateVersion

log = logging.getLogger(__name__)
DOCX_TYPE = ALLOWED["docx"][0]

# What a preview keeps of a template's HTML: text formatting, lists and tables; no scripts, styles, links,
# images, forms or attributes beyond table spans.
PREVIEW_TAGS = {
    "p", "br", "hr", "div", "span", "section", "article", "header", "footer", "blockquote", "pre", "code",
    "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "s", "del", "ins", "sub", "sup", "small",
    "mark", "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot",
    "tr", "th", "td",
}
PREVIEW_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}, "ol": {"start"}}
PREVIEW_SET = {"table": {"class": "table table-sm table-bordered"}}  # the page's own look for the template's tables


def sanitise(html: str) -> str:
    return nh3.clean(html, tags=PREVIEW_TAGS, attributes=PREVIEW_ATTRIBUTES, set_tag_attribute_values=PREVIEW_SET)

CATALOGUE_ROOTS = {
    "customer": gettext_lazy("Customer"),
    "entity": gettext_lazy("Our signing entity"),
    "contract": gettext_lazy("Contract"),
    "extra": gettext_lazy("Extra fields of the contract type"),
    "items": gettext_lazy("Line items (a list)"),
    "totals": gettext_lazy("Totals of the line items"),
    "notice": gettext_lazy("Written notice (notice templates only)"),
    "amendment": gettext_lazy("Amendment (amendment templates only)"),
    "today": gettext_lazy("Today"),
    "clauses": gettext_lazy("Clauses"),
}


def _require(request, perm: str, obj=None) -> None:
    if not rules.has_perm(perm, request.user, obj):
        raise PermissionDenied


def _template(pk) -> Template:
    # The current version's Word file can be megabytes; the pages that need it load that version themselves.
    return get_object_or_404(Template.objects.select_related("current", "created_by").defer("current__docx"), pk=pk)


def _version(template: Template, number) -> TemplateVersion:
    """The version with this number (the current one when none is given); 404 for anything else."""
    if number in (None, ""):
        if template.current_id is None:
            raise Http404
        number = template.current.number
    try:
        return template.versions.select_related("template").get(number=int(number))
    except (ValueError, TemplateVersion.DoesNotExist):
        raise Http404 from None


def _attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, clean_filename(filename))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def catalogue() -> dict:
    """The variable catalogue grouped by root, with the active clauses and the contract types' extra fields."""
    groups: dict[str, list] = {root: [] for root in CATALOGUE_ROOTS}
    for variable in variables.CATALOGUE:
        root = re.split(r"[.\[]", variable.path, maxsplit=1)[0]
        groups.setdefault("clauses" if root in variables.CLAUSE_ROOTS else root, []).append(variable)
    return {
        "variable_groups": [
            {"root": root, "label": CATALOGUE_ROOTS.get(root, root), "variables": found} for root, found in groups.items()
        ],
        "catalogue_clauses": Clause.objects.filter(is_active=True).only("key", "title", "language").order_by("key", "language"),
        "catalogue_extra": ExtraField.objects.select_related("contract_type").order_by("key", "contract_type__code"),
    }


# --- the sample preview ---------------------------------------------------------------------------------------

def _language(template: Template) -> str:
    return Language.ZH if template.language == Language.BILINGUAL else template.language


def _sample_clause(text, key: str, context: dict, *, language: str, kind: str):
    if text is None:
        return f"〔{key}〕"
    try:
        return engine.render_clause(text, context, language=language, kind=kind)
    except (DomainError, TemplateError):
        return f"〔{key}〕"


def sample_context(version: TemplateVersion) -> dict:
    """The catalogue's examples, the extra fields the version reads as placeholders, and its clauses filled from
    the library's approved texts (a placeholder for a clause without one)."""
    template = version.template
    language = _language(template)
    context = variables.sample_context()
    context["extra"] = {
        path.split(".", 1)[1]: f"〔{path}〕" for path in version.variables if path.startswith("extra.") and path.count(".") == 1
    }
    keys = sorted(version.clause_keys)
    approved = {
        (clause.key, clause.language): clause.current.text
        for clause in Clause.objects.filter(key__in=keys, is_active=True, current__isnull=False).select_related("current")
    }
    clauses: dict[str, dict] = {root: {} for root in variables.CLAUSE_ROOTS}
    order = (Language.EN, Language.ZH) if language == Language.EN else (Language.ZH, Language.EN)
    for key in keys:
        for root, lang in (("clauses_zh", Language.ZH), ("clauses_en", Language.EN)):
            clauses[root][key] = _sample_clause(approved.get((key, lang)), key, context, language=lang, kind=template.kind)
        lang = next((lang for lang in order if (key, lang) in approved), order[0])
        clauses["clauses"][key] = clauses["clauses_zh" if lang == Language.ZH else "clauses_en"][key]
    context.update(clauses)
    return context


def render_sample(version: TemplateVersion) -> tuple[str, str, bytes | None]:
    """(html, text, docx) of a version filled with the sample data; raises a DomainError it cannot be filled."""
    context, language = sample_context(version), _language(version.template)
    try:
        if version.template.kind == Template.Kind.DOCX:
            docx = engine.render_docx(bytes(version.docx), context, language=language)
            return "", engine.docx_text(docx), docx
        return engine.render_html(version.html, context, language=language), "", None
    except SecurityError:
        raise engine.TemplateInvalid(_("The template tried something that is not allowed.")) from None
    except TemplateError as exc:
        raise engine.TemplateInvalid(_("The template could not be filled in: %(error)s") % {"error": exc}) from None


# --- pages ----------------------------------------------------------------------------------------------------

@login_required
@require_safe
def template_list(request):
    form = TemplateFilterForm(request.GET)
    templates = Template.objects.select_related("current").defer("current__docx", "current__html").prefetch_related(
        "contract_types"
    )
    valid = form.is_valid()
    return render(request, "documents/template_list.html", {
        "form": form, "templates": form.filter(templates) if valid else [],
        "can_manage": rules.has_perm("documents.manage_template", request.user),
    }, status=200 if valid else 400)


@login_required
def template_create(request):
    _require(request, "documents.manage_template")
    kind = request.POST.get("kind") or request.GET.get("kind")
    kind = kind if kind in Template.Kind.values else Template.Kind.HTML
    form = NewTemplateForm(request.POST or None, request.FILES or None, kind=kind)
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        try:
            template = services.create_template(by=request.user, data=form.service_data(), **form.source())
        except DomainError as exc:
            show_template_error(form, exc, source_field="html" if kind == Template.Kind.HTML else "file")
            status = exc.status
        else:
            messages.success(request, _("The template %(name)s was created.") % {"name": template.name})
            return redirect("documents:template_detail", pk=template.pk)
    return render(request, "documents/template_form.html", {"form": form, "kind": kind, **catalogue()}, status=status)


def _detail(request, template: Template, *, meta_form=None, status=200, error=None):
    can_manage = rules.has_perm("documents.manage_template", request.user, template)
    if can_manage and meta_form is None:
        meta_form = TemplateForm(template=template)
    versions = template.versions.select_related("created_by").defer("docx", "html")
    return render(request, "documents/template_detail.html", {
        "template": template, "versions": versions, "types": template.contract_types.order_by("code"),
        "can_manage": can_manage, "meta_form": meta_form, "error": error,
    }, status=error.status if error else status)


@login_required
@require_safe
def template_detail(request, pk):
    return _detail(request, _template(pk))


@login_required
@require_POST
def template_edit(request, pk):
    template = _template(pk)
    _require(request, "documents.manage_template", template)
    form = TemplateForm(request.POST, template=template)
    if not form.is_valid():
        return _detail(request, template, meta_form=form, status=400)
    try:
        services.update_template(template, by=request.user, data=form.service_data())
    except DomainError as exc:
        add_domain_error(form, exc)
        return _detail(request, _template(pk), meta_form=form, status=exc.status)
    messages.success(request, _("The template was saved."))
    return redirect("documents:template_detail", pk=template.pk)


@login_required
def template_version_create(request, pk):
    template = _template(pk)
    _require(request, "documents.manage_template", template)
    form = TemplateVersionForm(request.POST or None, request.FILES or None, template=template)
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        try:
            version = services.add_template_version(
                template, by=request.user, note=form.cleaned_data["note"], **form.source()
            )
        except DomainError as exc:
            show_template_error(form, exc, source_field="html" if template.kind == Template.Kind.HTML else "file")
            status = exc.status
        else:
            messages.success(request, _("Version %(number)s was saved.") % {"number": version.number})
            return redirect("documents:template_detail", pk=template.pk)
    return render(request, "documents/template_version_form.html", {
        "form": form, "template": template, **catalogue(),
    }, status=status)


@login_required
@require_safe
def template_version_download(request, pk, number):
    """A version's Word file, or an HTML version's source as text (never served as a page)."""
    version = _version(get_object_or_404(Template, pk=pk), number)
    data = version.html.encode("utf-8") if version.docx is None else bytes(version.docx)
    if services.sha256(data) != version.sha256:
        # Never hand out a text that is not the one recorded: whoever restored or edited the database must look.
        log.error("template %s version %s does not match its sha256", pk, version.number)
        error = Conflict(_("The stored file no longer matches its recorded SHA-256; it is not served."), code="file_changed")
        return _detail(request, version.template, error=error)
    name = f"{version.template.name} v{version.number}"
    if version.docx is None:
        return _attachment(data, "text/plain; charset=utf-8", f"{name}.html")
    return _attachment(data, DOCX_TYPE, f"{name}.docx")


@login_required
@require_safe
def template_preview(request, pk):
    template = _template(pk)
    version = _version(template, request.GET.get("version"))
    html = text = ""
    error = None
    try:
        html, text, _docx = render_sample(version)
    except DomainError as exc:
        error = exc
    return render(request, "documents/template_preview.html", {
        "template": template, "version": version, "error": error, "text": text,
        "html": mark_safe(sanitise(html)),  # noqa: S308 - sanitised by nh3 with a short allow-list
    }, status=error.status if error else 200)


@login_required
@require_safe
def template_preview_download(request, pk):
    """The sample as a file: the PDF an HTML template makes, or the filled-in Word file."""
    template = _template(pk)
    version = _version(template, request.GET.get("version"))
    try:
        html, _text, docx = render_sample(version)
        name = _("%(name)s v%(number)s sample") % {"name": template.name, "number": version.number}
        if docx is not None:
            return _attachment(docx, DOCX_TYPE, f"{name}.docx")
        data = pdf.html_to_pdf(pdf.wrap_html(html, title=escape(template.name), language=template.language))
    except DomainError as exc:
        return render(request, "documents/template_preview.html", {
            "template": template, "version": version, "error": exc,
        }, status=exc.status)
    return _attachment(data, "application/pdf", f"{name}.pdf")


@login_required
@require_safe
def template_variables(request):
    return render(request, "documents/template_variables.html", catalogue())
