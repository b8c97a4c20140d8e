"""Bulk imports in API v1 (tag "imports"): upload a file (its check starts at once), read the job's progress and
report, commit it, download a kind's template. The rules are hetong.imports.services'."""

import datetime as dt

from django.http import HttpResponse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus

from hetong.api.errors import errors
from hetong.api.schemas import InputSchema
from hetong.imports import files, services
from hetong.imports.models import ImportJob, JobStatus, Kind

router = Router(tags=["imports"])


class ProblemOut(Schema):
    row: int | None = Field(description="The spreadsheet's row number (the header is row 1).")
    column: str = Field(description="The column's header as the file has it.")
    field: str = Field("", description="The column's key.")
    message: str


class JobOut(Schema):
    id: int
    kind: Kind
    file_name: str = Field(alias="original_name")
    sha256: str
    status: JobStatus
    total_rows: int
    processed_rows: int
    percent: int
    created: int = Field(alias="created_count")
    updated: int = Field(alias="updated_count")
    unchanged: int = Field(alias="unchanged_count")
    can_commit: bool
    problems: list[ProblemOut]
    created_at: dt.datetime
    checked_at: dt.datetime | None
    committed_at: dt.datetime | None

    @staticmethod
    def resolve_processed_rows(obj):
        return services.progress_of(obj)

    @staticmethod
    def resolve_percent(obj):
        return services.percent_of(obj)


def _job(request, job_id: int) -> ImportJob:
    services.require_import(request.auth)
    return ImportJob.objects.visible_to(request.auth).select_related("created_by").get(pk=job_id)


@router.post(
    "/imports",
    response={201: JobOut, **errors(400, 401, 403)},
    description="Upload a file to import (multipart: `kind` and `file`, an XLSX or a CSV in UTF-8 or GB18030, with "
    "the template's header row). The check (a dry run: nothing is written) starts at once: a file of up to "
    f"{services.BACKGROUND_ROWS} rows comes back checked, a larger one `checking`; poll GET /imports/{{id}}.",
)
def upload(request, kind: Form[Kind], file: File[UploadedFile]):
    job = services.start_import(by=request.auth, kind=kind, upload=file)
    return HttpStatus(201, _job(request, job.pk))


@router.get("/imports/{int:job_id}", response={200: JobOut, **errors(401, 403, 404)},
            description="The job: its status, progress (processed_rows of total_rows), counts and every problem "
            "found (row, column, message).")
def get_job(request, job_id: int):
    return _job(request, job_id)


@router.post(
    "/imports/{int:job_id}/commit",
    response={200: JobOut, **errors(400, 401, 403, 404, 409)},
    description="Import a checked file that had no problems, all or nothing. A small file comes back `committed` "
    "(or `failed`, with its problems, when the data changed since the check); a large one `committing`.",
)
def commit(request, job_id: int):
    job = services.commit_import(_job(request, job_id), by=request.auth)
    return _job(request, job.pk)


class TemplateQuery(InputSchema):
    format: str = Field("xlsx", pattern="^(xlsx|csv)$", description="xlsx or csv.")


@router.get(
    "/imports/templates/{kind}",
    response={**errors(400, 401, 403, 404)},
    openapi_extra={"responses": {200: {
        "description": "The template: the header row in the caller's language and an example row (XLSX: and a "
                       "sheet explaining each column).",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}},
)
def template(request, kind: Kind, query: Query[TemplateQuery]):
    services.require_import(request.auth)
    if query.format == "xlsx":
        response = HttpResponse(files.template_xlsx(kind, request.auth),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        response = HttpResponse(files.template_csv(kind, request.auth), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hetong-{kind.value}-template.{query.format}"'
    return response
