"""Templates, the clause library, generated documents and batch generation."""

import datetime as dt

from django.db.models import Prefetch
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus

from hetong.contracts.models import Contract
from hetong.core.pagination import Sort
from hetong.documents import selectors, services
from hetong.documents.models import (
    Clause,
    ClauseVersion,
    GeneratedDocument,
    GenerationJob,
    Language,
    Template,
    TemplateVersion,
)

from .errors import errors
from .schemas import BodySchema, PageQuery, page_of

router = Router(tags=["documents"])
BY_ID = Sort("id", kind=int)
NEWEST_FIRST = Sort("id", descending=True, kind=int)


# --- templates ------------------------------------------------------------------------------------------------

class TemplateVersionOut(Schema):
    id: int
    number: int
    sha256: str
    variables: list[str]
    clause_keys: list[str]
    note: str
    created_at: dt.datetime


class TemplateOut(Schema):
    id: int
    name: str
    kind: Template.Kind
    language: Language
    purpose: Template.Purpose
    description: str
    is_standard: bool
    is_active: bool
    contract_types: list[int]
    current_version: TemplateVersionOut | None

    @staticmethod
    def resolve_contract_types(obj):
        return [t.pk for t in obj.contract_types.all()]

    @staticmethod
    def resolve_current_version(obj):
        return obj.current


class TemplateDetail(TemplateOut):
    versions: list[TemplateVersionOut]

    @staticmethod
    def resolve_versions(obj):
        return list(obj.versions.all())


class TemplatePage(Schema):
    items: list[TemplateOut]
    count: int
    next_cursor: str | None


class TemplateQuery(PageQuery):
    kind: Template.Kind | None = None
    purpose: Template.Purpose | None = None
    active: bool | None = None
    contract: int | None = Field(None, description="Only the templates offered for this contract.")


VERSION_FIELDS = ("id", "template_id", "number", "sha256", "variables", "clause_keys", "note", "created_at")


def _templates():
    return Template.objects.select_related("current").defer("current__docx", "current__html").prefetch_related(
        "contract_types"
    )


@router.get("/templates", response={200: TemplatePage, **errors(400, 401, 404)})
def list_templates(request, query: Query[TemplateQuery]):
    qs = _templates()
    if query.contract is not None:
        contract = Contract.objects.visible_to(request.auth).get(pk=query.contract)
        qs = qs.filter(pk__in=services.templates_for(contract).values("pk"))
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.purpose:
        qs = qs.filter(purpose=query.purpose)
    if query.active is not None:
        qs = qs.filter(is_active=query.active)
    return page_of(qs, BY_ID, query)


@router.get("/templates/{int:template_id}", response={200: TemplateDetail, **errors(401, 404)})
def get_template(request, template_id: int):
    return _templates().prefetch_related(
        Prefetch("versions", queryset=TemplateVersion.objects.only(*VERSION_FIELDS))
    ).get(pk=template_id)


@router.post(
    "/templates",
    response={201: TemplateDetail, **errors(400, 401, 403)},
    description="Create a template: `kind=html` with `html`, or `kind=docx` with a Word `file`. The text is "
    "checked: unknown variables, unsafe expressions and syntax errors are refused with a 400 naming them.",
)
def create_template(
    request,
    name: Form[str],
    kind: Form[Template.Kind],
    language: Form[Language] = Language.ZH,
    purpose: Form[Template.Purpose] = Template.Purpose.CONTRACT,
    description: Form[str] = "",
    is_standard: Form[bool] = False,
    contract_types: Form[list[int]] = None,  # noqa: RUF013 - ninja reads a missing list as None
    html: Form[str] = "",
    file: File[UploadedFile] = None,
):
    data = {"name": name, "kind": kind, "language": language, "purpose": purpose, "description": description,
            "is_standard": is_standard, "contract_types": contract_types or []}
    template = services.create_template(
        by=request.auth, data=data, html=html, docx=file.read() if file is not None else None,
        original_name=file.name if file is not None else "",
    )
    return HttpStatus(201, get_template(request, template.pk))


@router.post(
    "/templates/{int:template_id}/versions",
    response={201: TemplateVersionOut, **errors(400, 401, 403, 404)},
    description="A new version of the template's text; documents made earlier keep theirs.",
)
def add_template_version(request, template_id: int, html: Form[str] = "", note: Form[str] = "",
                         file: File[UploadedFile] = None):
    template = Template.objects.get(pk=template_id)
    version = services.add_template_version(
        template, by=request.auth, html=html, docx=file.read() if file is not None else None,
        original_name=file.name if file is not None else "", note=note,
    )
    return HttpStatus(201, version)


# --- clauses --------------------------------------------------------------------------------------------------

class Alternative(Schema):
    label: str = Field(..., max_length=100)
    text: str


class ClauseVersionOut(Schema):
    id: int
    number: int
    state: ClauseVersion.State
    text: str
    alternatives: list[Alternative]
    note: str
    created_at: dt.datetime
    approved_at: dt.datetime | None


class ClauseOut(Schema):
    id: int
    key: str
    language: str
    category: Clause.Category
    title: str
    is_active: bool
    current_version: ClauseVersionOut | None

    @staticmethod
    def resolve_current_version(obj):
        return obj.current


class ClauseDetail(ClauseOut):
    versions: list[ClauseVersionOut]

    @staticmethod
    def resolve_versions(obj):
        return list(obj.versions.all())


class ClausePage(Schema):
    items: list[ClauseOut]
    count: int
    next_cursor: str | None


class ClauseQuery(PageQuery):
    key: str | None = Field(None, max_length=40)
    category: Clause.Category | None = None
    language: str | None = Field(None, max_length=10)


class ClauseIn(BodySchema):
    key: str = Field(..., max_length=40)
    language: str = Field("zh-hans", max_length=10)
    category: Clause.Category = Clause.Category.OTHER
    title: str = Field(..., max_length=100)
    text: str
    alternatives: list[Alternative] = []


class ClauseVersionIn(BodySchema):
    text: str
    alternatives: list[Alternative] = []
    note: str = Field("", max_length=255)


def _clauses():
    return Clause.objects.select_related("current")


@router.get("/clauses", response={200: ClausePage, **errors(400, 401)})
def list_clauses(request, query: Query[ClauseQuery]):
    qs = _clauses()
    if query.key:
        qs = qs.filter(key=query.key)
    if query.category:
        qs = qs.filter(category=query.category)
    if query.language:
        qs = qs.filter(language=query.language)
    return page_of(qs, BY_ID, query)


@router.get("/clauses/{int:clause_id}", response={200: ClauseDetail, **errors(401, 404)})
def get_clause(request, clause_id: int):
    return _clauses().prefetch_related("versions").get(pk=clause_id)


@router.post(
    "/clauses",
    response={201: ClauseDetail, **errors(400, 401, 403)},
    description="A new clause; its first version is a draft until approved.",
)
def create_clause(request, payload: ClauseIn):
    data = payload.model_dump(exclude={"text", "alternatives"})
    clause = services.create_clause(
        by=request.auth, data=data, text=payload.text, alternatives=[a.model_dump() for a in payload.alternatives]
    )
    return HttpStatus(201, get_clause(request, clause.pk))


@router.post(
    "/clauses/{int:clause_id}/versions",
    response={201: ClauseVersionOut, **errors(400, 401, 403, 404)},
    description="Propose a new text (a draft); documents use the approved version until this one is approved.",
)
def propose_clause_version(request, clause_id: int, payload: ClauseVersionIn):
    clause = Clause.objects.get(pk=clause_id)
    version = services.propose_clause_version(
        clause, by=request.auth, text=payload.text, alternatives=[a.model_dump() for a in payload.alternatives],
        note=payload.note,
    )
    return HttpStatus(201, version)


@router.post(
    "/clause-versions/{int:version_id}/approve", response={200: ClauseVersionOut, **errors(400, 401, 403, 404, 409)}
)
def approve_clause_version(request, version_id: int):
    version = ClauseVersion.objects.select_related("clause").get(pk=version_id)
    return services.approve_clause_version(version, by=request.auth)


# --- generated documents --------------------------------------------------------------------------------------

class DocumentClauseOut(Schema):
    key: str
    language: str
    clause_version: int
    choice: int = Field(description="0 for the standard text, n for the n-th alternative.")
    label: str

    @staticmethod
    def resolve_key(obj):
        return obj.clause_version.clause.key

    @staticmethod
    def resolve_language(obj):
        return obj.clause_version.clause.language

    @staticmethod
    def resolve_clause_version(obj):
        return obj.clause_version.number


class DocumentOut(Schema):
    id: int
    contract: int
    version: int = Field(description="The document's version among the contract's documents (1, 2, ...).")
    sha256: str = Field(description="SHA-256 of the primary file: the DOCX for a Word template, else the PDF.")
    text_sha256: str = Field(description="SHA-256 of the document's text: identical inputs give the same value.")
    template: int
    template_name: str
    template_version: int
    formats: list[str]
    docx_sha256: str
    pdf_sha256: str
    pdf_status: GeneratedDocument.PdfStatus
    pdf_engine: str
    nonstandard: bool
    clauses: list[DocumentClauseOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_contract(obj):
        return obj.contract_id

    @staticmethod
    def resolve_version(obj):
        return obj.number

    @staticmethod
    def resolve_template(obj):
        return obj.template_version.template_id

    @staticmethod
    def resolve_template_name(obj):
        return obj.template_version.template.name

    @staticmethod
    def resolve_template_version(obj):
        return obj.template_version.number

    @staticmethod
    def resolve_formats(obj):
        return [f for f, digest in (("docx", obj.docx_sha256), ("pdf", obj.pdf_sha256)) if digest]

    @staticmethod
    def resolve_clauses(obj):
        return list(obj.clauses.all())


class DocumentIn(BodySchema):
    template: int
    choices: dict[str, int] = Field(
        {}, description="Per clause key, 0 for the standard text or n for its n-th alternative."
    )


class DocumentPage(Schema):
    items: list[DocumentOut]
    count: int
    next_cursor: str | None


def _documents(request):
    return selectors.documents_visible_to(request.auth).prefetch_related("clauses__clause_version__clause")


@router.get("/contracts/{int:contract_id}/documents", response={200: DocumentPage, **errors(400, 401, 404)})
def list_documents(request, contract_id: int, query: Query[PageQuery]):
    contract = Contract.objects.visible_to(request.auth).get(pk=contract_id)
    return page_of(_documents(request).filter(contract=contract), NEWEST_FIRST, query)


@router.post(
    "/contracts/{int:contract_id}/documents",
    response={201: DocumentOut, **errors(400, 401, 403, 404)},
    description="Generate a document from a template's current version; returns its id, version and sha256. "
    "A Word template's PDF is made in the background (`pdf_status` pending, then ready).",
)
def generate_document(request, contract_id: int, payload: DocumentIn):
    contract = Contract.objects.visible_to(request.auth).select_related(
        "customer", "entity", "owner", "department", "contract_type"
    ).get(pk=contract_id)
    template = Template.objects.select_related("current").get(pk=payload.template)
    document = services.generate_document(contract, template, by=request.auth, choices=payload.choices)
    return HttpStatus(201, _documents(request).get(pk=document.pk))


@router.get("/documents/{int:document_id}", response={200: DocumentOut, **errors(401, 404)})
def get_document(request, document_id: int):
    return _documents(request).get(pk=document_id)


@router.get(
    "/documents/{int:document_id}/file",
    response={**errors(400, 401, 404, 409)},
    description="Download the PDF or DOCX as an attachment. 409 `pdf_pending` while the PDF is being made; "
    "409 `document_changed` if the stored bytes no longer match their recorded SHA-256.",
    openapi_extra={"responses": {200: {"description": "The file.", "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        selectors.CONTENT_TYPES["docx"]: {"schema": {"type": "string", "format": "binary"}},
    }}}},
)
def download_document(request, document_id: int, format: str = "pdf"):  # noqa: A002 - the documented parameter
    document = selectors.documents_visible_to(request.auth).get(pk=document_id)
    return selectors.file_response(document, format)


# --- batch generation -----------------------------------------------------------------------------------------

class JobIn(BodySchema):
    template: int
    contracts: list[int] = Field(..., min_length=1, max_length=services.MAX_JOB_CONTRACTS)


class JobOut(Schema):
    id: int
    template: int
    status: GenerationJob.Status
    total: int
    done: int
    failed: int
    percent: int
    errors: list[dict]
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_template(obj):
        return obj.template_id


@router.post(
    "/generation-jobs",
    response={202: JobOut, **errors(400, 401, 403, 404)},
    description="Generate one document per contract in the background; poll the job for progress.",
)
def start_job(request, payload: JobIn):
    template = Template.objects.get(pk=payload.template)
    job = services.start_generation_job(by=request.auth, template=template, contracts=payload.contracts)
    job.refresh_from_db()
    return HttpStatus(202, job)


@router.get("/generation-jobs/{int:job_id}", response={200: JobOut, **errors(401, 404)})
def get_job(request, job_id: int):
    jobs = GenerationJob.objects.all()
    if not request.auth.is_superuser:
        jobs = jobs.filter(created_by=request.auth)
    return jobs.get(pk=job_id)
