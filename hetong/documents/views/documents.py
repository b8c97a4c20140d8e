"""A contract's documents: generate (with a preview and clause choices), download, compare two versions, and make
documents for many contracts at once with a job page that shows its progress."""

import logging

import nh3
import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hetong.contracts.filters import ContractFilter
from hetong.contracts.forms import style_contract_filters
from hetong.contracts.models import Contract
from hetong.core.errors import Conflict, DomainError, InvalidInput

from .. import selectors, services
from ..models import Clause, GeneratedDocument, GenerationJob, Language, Template

log = logging.getLogger(__name__)
# The job page lists this many of the documents made (newest first); the contracts' own pages hold them all.
JOB_DOCUMENTS_SHOWN = 100


def _contract(request, pk) -> Contract:
    """A contract the user may see; any other id is a 404."""
    return get_object_or_404(
        Contract.objects.visible_to(request.user).select_related(
            "contract_type", "customer", "entity", "owner", "department"
        ),
        pk=pk,
    )


def _documents_anchor(contract) -> str:
    return reverse("contracts:detail", args=[contract.pk]) + "#documents"


# --- generate --------------------------------------------------------------------------------------------


def _clause_options(template: Template) -> list[dict]:
    """For each clause the template's current version uses: its approved text(s) and the alternatives one may
    choose instead. A bilingual template (or a missing translation) shows both languages' texts."""
    keys = template.current.clause_keys if template.current_id else []
    clauses = Clause.objects.filter(key__in=keys, is_active=True, current__isnull=False).select_related(
        "current"
    )
    preferred = Language.EN if template.language == Language.EN else Language.ZH
    by_key: dict[str, list[Clause]] = {}
    for clause in sorted(clauses, key=lambda c: c.language != preferred):
        if template.language == Language.BILINGUAL or not by_key.get(clause.key):
            by_key.setdefault(clause.key, []).append(clause)
    groups = []
    for key in sorted(by_key):
        versions = [c.current for c in by_key[key]]
        # The service checks a choice against every language's version: offer only the ones all of them have.
        count = min(len(v.alternatives) for v in versions)
        options = [{"value": 0, "label": _("Standard text"), "texts": [v.text for v in versions]}]
        options += [
            {
                "value": n,
                "label": versions[0].alternatives[n - 1]["label"],
                "texts": [v.alternatives[n - 1]["text"] for v in versions],
            }
            for n in range(1, count + 1)
        ]
        groups.append({"key": key, "title": by_key[key][0].title, "options": options, "selected": "0"})
    return groups


def _choices(request, groups) -> dict:
    """{clause key: the chosen alternative} as posted; the service refuses one the clause does not have."""
    for group in groups:
        group["selected"] = request.POST.get(f"clause-{group['key']}", "0")
    return {group["key"]: group["selected"] for group in groups}


def _chosen_template(request, offered):
    raw = request.POST.get("template") if request.method == "POST" else request.GET.get("template")
    if raw in (None, ""):
        return offered[0] if offered else None
    for template in offered:
        if str(template.pk) == raw:
            return template
    raise InvalidInput(_("Choose one of the templates offered for this contract."), code="invalid_template")


def _preview(rendered) -> dict:
    if rendered.kind == Template.Kind.HTML:
        return {"html": nh3.clean(rendered.html)}
    return {"text": rendered.text}


@login_required
def generate(request, pk):
    """GET: choose a template and clause texts. POST do=preview renders without storing anything (as a fragment
    for htmx); POST do=generate stores the next version of the document."""
    contract = _contract(request, pk)
    if not rules.has_perm("documents.generate_document", request.user, contract):
        raise PermissionDenied
    offered = list(services.templates_for(contract).select_related("current"))
    context = {"contract": contract, "templates": offered, "template": None, "groups": []}
    error, status = None, 200
    try:
        template = context["template"] = _chosen_template(request, offered)
        if template is not None:
            context["groups"] = _clause_options(template)
        if request.method == "POST" and template is not None:
            choices = _choices(request, context["groups"])
            if request.POST.get("do") == "generate":
                document = services.generate_document(contract, template, by=request.user, choices=choices)
                messages.success(
                    request, _("Version %(number)s of the document was made.") % {"number": document.number}
                )
                return redirect(_documents_anchor(contract))
            context["preview"] = _preview(services.preview(contract, template, choices=choices))
    except DomainError as exc:
        error, status = exc, exc.status
    context["error"] = error
    if request.htmx and request.method == "POST":
        # htmx swaps only 2xx answers: the refusal is in the fragment, shown where the preview would be.
        return render(request, "documents/doc_generate.html#preview", context)
    return render(request, "documents/doc_generate.html", context, status=status)


# --- files -----------------------------------------------------------------------------------------------


def _document(request, pk) -> GeneratedDocument:
    return get_object_or_404(selectors.documents_visible_to(request.user), pk=pk)


@login_required
@require_safe
def download(request, pk, fmt):
    document = _document(request, pk)
    if fmt not in selectors.CONTENT_TYPES:
        raise Http404
    try:
        return selectors.file_response(document, fmt)
    except Conflict as exc:
        if exc.code == "document_changed":
            # Never hand out bytes other than the ones made: an administrator must look at it first.
            log.error("stored %s of generated document %s does not match its sha256", fmt, document.pk)
        return _unavailable(request, document, exc)
    except InvalidInput:
        raise Http404 from None


def _unavailable(request, document, exc):
    can_retry = document.pdf_status == GeneratedDocument.PdfStatus.FAILED and rules.has_perm(
        "documents.generate_document", request.user, document.contract
    )
    context = {"document": document, "contract": document.contract, "error": exc, "can_retry": can_retry}
    return render(request, "documents/doc_unavailable.html", context, status=exc.status)


@login_required
@require_POST
def convert_again(request, pk):
    document = _document(request, pk)
    try:
        services.retry_conversion(document, by=request.user)
    except DomainError as exc:
        return _unavailable(request, document, exc)
    messages.success(request, _("The PDF is being made again; reload the page in a moment."))
    return redirect(_documents_anchor(document.contract))


# --- compare ---------------------------------------------------------------------------------------------


def _compared(contract, raw_a, raw_b):
    """The two documents to compare, older first; both must be this contract's (any other id is a 404)."""
    try:
        ids = [int(raw_a), int(raw_b)]
    except (TypeError, ValueError):
        raise InvalidInput(_("Choose two versions to compare."), code="choose_two") from None
    found = {
        d.pk: d
        for d in GeneratedDocument.objects.filter(contract=contract, pk__in=ids)
        .select_related("template_version__template", "created_by")
        .prefetch_related("clauses__clause_version__clause")
    }
    if len(found) != len(set(ids)):
        raise Http404
    return sorted((found[i] for i in ids), key=lambda d: d.number)


@login_required
@require_safe
def compare(request, pk):
    contract = _contract(request, pk)
    versions = contract.documents.only("pk", "number", "created_at", "contract_id").order_by("-number")
    context = {
        "contract": contract,
        "versions": versions,
        "a": request.GET.get("a"),
        "b": request.GET.get("b"),
    }
    try:
        older, newer = _compared(contract, context["a"], context["b"])
    except InvalidInput as exc:
        context["error"] = exc
        return render(
            request, "documents/doc_compare.html", context, status=400 if "a" in request.GET else 200
        )
    context.update(
        older=older,
        newer=newer,
        pair=[older, newer],
        lines=services.redline(older.text, newer.text),
        old_label=f"v{older.number}",
        new_label=f"v{newer.number}",
    )
    return render(request, "documents/doc_compare.html", context)


# --- many at once ----------------------------------------------------------------------------------------


def _batch_page(request, filterset, *, error=None, status=200):
    count = filterset.qs.count() if filterset.is_valid() else None
    context = {
        "filter": filterset,
        "count": count,
        "too_many": count is not None and count > services.MAX_JOB_CONTRACTS,
        "max_contracts": services.MAX_JOB_CONTRACTS,
        "templates": Template.objects.filter(is_active=True, current__isnull=False).order_by(
            "-is_standard", "name"
        ),
        "query": request.GET.urlencode(),
        "error": error,
    }
    if filterset.errors and not error:
        context["error"] = InvalidInput(_("Some filters are not valid; correct them on the contract list."))
        status = 400
    return render(request, "documents/job_batch.html", context, status=status)


@login_required
def batch(request):
    if not rules.has_perm("documents.generate_many", request.user):
        raise PermissionDenied
    filterset = ContractFilter(
        request.GET, queryset=Contract.objects.visible_to(request.user), request=request
    )
    style_contract_filters(filterset.form)
    if request.method != "POST" or not filterset.is_valid():
        return _batch_page(request, filterset)
    try:
        template = Template.objects.filter(pk=request.POST.get("template") or None).first()
        if template is None:
            raise InvalidInput(_("Choose a template."), code="invalid_template")
        # One more than the cap, so the service can say "too many" without reading a million ids.
        ids = list(filterset.qs.order_by("pk").values_list("pk", flat=True)[: services.MAX_JOB_CONTRACTS + 1])
        job = services.start_generation_job(by=request.user, template=template, contracts=ids)
    except DomainError as exc:
        return _batch_page(request, filterset, error=exc, status=exc.status)
    return redirect("documents:job", pk=job.pk)


@login_required
@require_safe
def job_detail(request, pk):
    job = get_object_or_404(GenerationJob.objects.select_related("template", "created_by"), pk=pk)
    if job.created_by_id != request.user.pk and not request.user.is_admin:
        raise Http404  # someone else's job does not exist for you
    documents = (
        job.documents.select_related("contract")
        .defer("docx", "pdf", "text")
        .order_by("-id")[:JOB_DOCUMENTS_SHOWN]
    )
    context = {
        "job": job,
        "finished": job.status in (GenerationJob.Status.DONE, GenerationJob.Status.FAILED),
        "documents": documents,
        "shown": JOB_DOCUMENTS_SHOWN,
        "Status": GenerationJob.Status,
        "PdfStatus": GeneratedDocument.PdfStatus,
    }
    if request.htmx:
        return render(request, "documents/job_detail.html#progress", context)
    return render(request, "documents/job_detail.html", context)
