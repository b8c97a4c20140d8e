"""Reports and their schedules in API v1 (tag "reports"): the same reports and rules as the pages."""

import datetime as dt
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router, Schema
from ninja.responses import Status as HttpStatus

from hetong.analytics import reports, schedules
from hetong.analytics.models import ReportSchedule
from hetong.api.errors import errors
from hetong.api.schemas import BodySchema

router = Router(tags=["reports"])

FILE_TYPES = {fmt: {"schema": {"type": "string", "format": "binary"}} for fmt in (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv", "application/pdf")}


class ColumnOut(Schema):
    key: str
    label: str
    kind: str


class ReportOut(Schema):
    key: str
    title: str
    description: str
    uses_period: bool
    columns: list[ColumnOut]


def _report_out(report: reports.Report) -> dict:
    return {"key": report.key, "title": str(report.title), "description": str(report.description),
            "uses_period": report.uses_period,
            "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in report.columns]}


@router.get("/reports", response={200: list[ReportOut], **errors(401)},
            description="The reports, with their column keys and headers in the caller's language.")
def list_reports(request):
    return [_report_out(r) for r in reports.REGISTRY.values()]


@router.get(
    "/reports/{key}",
    response={**errors(400, 401, 404)},
    description="One report as a file over the contracts the caller may see: `format` xlsx (default), csv or pdf; "
    "the dashboard's filters `department` (with the ones under it), `owner`, `type` (with its sub-types), "
    "`customer_level`, each repeatable; `from` and `to` (YYYY-MM-DD, default this calendar year). Text cells that "
    "a spreadsheet would run as a formula start with an apostrophe. Amounts of one contract are in its currency; "
    "totals are in CNY.",
    openapi_extra={"responses": {200: {"description": "The report file, as an attachment.", "content": FILE_TYPES}}},
)
def export_report(request, key: str):
    report = reports.get(key)
    if report is None:
        raise Http404
    made = reports.export(report, reports.query(request.auth, request.GET), request.GET.get("format") or "xlsx")
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = content_disposition_header(True, made.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class ScheduleIn(BodySchema):
    report: str
    frequency: str
    weekday: int | None = None
    day_of_month: int | None = None
    format: str = "xlsx"
    period: str = "year"
    filters: dict[str, Any] = {}


class ScheduleOut(Schema):
    id: int
    report: str
    frequency: str
    weekday: int | None
    day_of_month: int | None
    format: str
    period: str
    filters: dict[str, list[str]]
    is_active: bool
    last_sent_at: dt.datetime | None
    created_at: dt.datetime


SCHEDULE_HELP = ("`frequency` weekly (with `weekday`, 0 Monday … 6 Sunday) or monthly (with `day_of_month`, 1–28); "
                 "`format` xlsx or pdf; `period` year (this calendar year) or previous (the week or month before the "
                 "sending day's); `filters` as the report's query parameters, e.g. {\"department\": [\"3\"]}. "
                 "Sent at the start of the working day (company time), as the caller, in their language.")


@router.get("/report-schedules", response={200: list[ScheduleOut], **errors(401)},
            description="The caller's own scheduled reports.")
def list_schedules(request):
    return ReportSchedule.objects.filter(user=request.auth).order_by("-created_at", "-id")


@router.post("/report-schedules", response={201: ScheduleOut, **errors(400, 401)},
             description="Email a report to the caller weekly or monthly. " + SCHEDULE_HELP)
def create_schedule(request, payload: ScheduleIn):
    return HttpStatus(201, schedules.create_schedule(by=request.auth, data=payload.model_dump()))


@router.delete("/report-schedules/{int:schedule_id}", response={204: None, **errors(401, 404)},
               description="Stop one of the caller's scheduled reports.")
def delete_schedule(request, schedule_id: int):
    schedule = ReportSchedule.objects.filter(user=request.auth).get(pk=schedule_id)
    schedules.delete_schedule(schedule, by=request.auth)
    return HttpStatus(204, None)
