"""A contract's obligations and milestones: plan, edit, complete, waive, reopen, and their evidence files."""

import datetime as dt

from django.db.models import Prefetch
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus

from hetong.contracts.models import Contract
from hetong.core.pagination import Sort
from hetong.obligations import services
from hetong.obligations.models import EvidenceFile, Obligation, ObligationStatus, Party, Recurrence

from .errors import errors
from .schemas import BodySchema, PageQuery, page_of

router = Router(tags=["obligations"])

SOONEST_FIRST = Sort("due_date", kind=dt.date)


class EvidenceOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by_id: int
    uploaded_at: dt.datetime


class ObligationOut(Schema):
    id: int
    contract_id: int
    title: str
    description: str
    kind: Obligation.Kind
    party: Party
    owner_id: int | None
    due_date: dt.date
    recurrence: Recurrence
    repeat_until: dt.date | None
    status: ObligationStatus
    overdue: bool = Field(description="Open and due before today (company time zone); computed, never stored.")
    done_on: dt.date | None
    done_by_id: int | None
    note: str
    waived_reason: str
    series_id: int | None = Field(description="The first occurrence, for the later occurrences of a recurring one.")
    occurrence: int
    version: int
    evidence: list[EvidenceOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue

    @staticmethod
    def resolve_evidence(obj):
        return obj.evidence.all()


class ObligationPage(Schema):
    items: list[ObligationOut]
    count: int | None
    next_cursor: str | None


class ObligationIn(BodySchema):
    title: str = Field(max_length=200)
    description: str = ""
    kind: Obligation.Kind = Obligation.Kind.MILESTONE
    party: Party = Field(Party.OURS, description="`ours` needs an owner; without one it is the contract owner's.")
    owner: int | None = Field(None, description="A user id.")
    due_date: dt.date
    recurrence: Recurrence = Recurrence.NONE
    repeat_until: dt.date | None = Field(None, description="For a recurring one; the contract's end date if empty.")
    note: str = ""


class ObligationPatch(BodySchema):
    version: int = Field(description="The version you read; a stale one is a 409 and changes nothing.")
    title: str | None = Field(None, max_length=200)
    description: str | None = None
    kind: Obligation.Kind | None = None
    party: Party | None = None
    owner: int | None = None
    due_date: dt.date | None = None
    recurrence: Recurrence | None = None
    repeat_until: dt.date | None = None
    note: str | None = None


class CompleteIn(BodySchema):
    done_on: dt.date | None = Field(None, description="Today (company time zone) if empty; never in the future.")
    note: str = ""


class WaiveIn(BodySchema):
    reason: str = Field(description="Required.")


def _obligations(request):
    """Obligations of the contracts the caller may see, with their evidence: anything else is a 404."""
    return (Obligation.objects.visible_to(request.auth)
            .prefetch_related(Prefetch("evidence", queryset=EvidenceFile.objects.order_by("pk"))))


def _get(request, obligation_id: int) -> Obligation:
    return _obligations(request).get(pk=obligation_id)


def _patch_data(payload: BodySchema) -> dict:
    # Explicit nulls mean "clear" only where clearing makes sense; elsewhere a null is the same as leaving it out.
    data = payload.model_dump(exclude_unset=True)
    for field in ("title", "description", "kind", "party", "due_date", "recurrence", "note"):
        if field in data and data[field] is None:
            del data[field]
    return {k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}


@router.get(
    "/contracts/{int:contract_id}/obligations",
    response={200: ObligationPage, **errors(400, 401, 404)},
    description="The contract's obligations and milestones, soonest due first.",
)
def list_obligations(request, contract_id: int, query: Query[PageQuery]):
    contract = Contract.objects.visible_to(request.auth).get(pk=contract_id)
    qs = _obligations(request).filter(contract=contract)
    return page_of(qs, SOONEST_FIRST, query)


@router.post(
    "/contracts/{int:contract_id}/obligations",
    response={201: ObligationOut, **errors(400, 401, 403, 404, 409)},
    description="Plan an obligation. A recurring one (`monthly`, `quarterly`, `yearly`) gets its next occurrence "
    "when it is completed, until `repeat_until`; a monthly one due on the 31st falls on each month's last day.",
)
def add_obligation(request, contract_id: int, payload: ObligationIn):
    contract = Contract.objects.visible_to(request.auth).get(pk=contract_id)
    obligation = services.add_obligation(contract, by=request.auth, data=_patch_data(payload))
    return HttpStatus(201, _get(request, obligation.pk))


@router.get("/obligations/{int:obligation_id}", response={200: ObligationOut, **errors(401, 404)})
def get_obligation(request, obligation_id: int):
    return _get(request, obligation_id)


@router.patch(
    "/obligations/{int:obligation_id}",
    response={200: ObligationOut, **errors(400, 401, 403, 404, 409)},
    description="Change an obligation's plan; only the fields sent change.",
)
def update_obligation(request, obligation_id: int, payload: ObligationPatch):
    data = _patch_data(payload)
    version = data.pop("version")
    services.update_obligation(_get(request, obligation_id), by=request.auth, version=version, data=data)
    return _get(request, obligation_id)


@router.post(
    "/obligations/{int:obligation_id}/complete",
    response={200: ObligationOut, **errors(400, 401, 403, 404, 409)},
    description="Mark it done (send `{}` for today with no note). Upload evidence with POST .../evidence. 409 "
    "`illegal_transition` if it is not open.",
)
def complete_obligation(request, obligation_id: int, payload: CompleteIn):
    services.complete_obligation(_get(request, obligation_id), by=request.auth, done_on=payload.done_on,
                                 note=payload.note)
    return _get(request, obligation_id)


@router.post(
    "/obligations/{int:obligation_id}/waive",
    response={200: ObligationOut, **errors(400, 401, 403, 404, 409)},
    description="Release an open obligation; 400 `reason_required` without a reason.",
)
def waive_obligation(request, obligation_id: int, payload: WaiveIn):
    services.waive_obligation(_get(request, obligation_id), by=request.auth, reason=payload.reason)
    return _get(request, obligation_id)


@router.post(
    "/obligations/{int:obligation_id}/reopen",
    response={200: ObligationOut, **errors(400, 401, 403, 404, 409)},
    description="Open a done or waived obligation again.",
)
def reopen_obligation(request, obligation_id: int):
    services.reopen_obligation(_get(request, obligation_id), by=request.auth)
    return _get(request, obligation_id)


@router.post(
    "/obligations/{int:obligation_id}/evidence",
    response={201: EvidenceOut, **errors(400, 401, 403, 404, 409)},
    description="Attach an evidence file (multipart field `file`): checked against its extension, stored with "
    "its SHA-256.",
)
def add_evidence(request, obligation_id: int, file: File[UploadedFile]):
    evidence = services.add_evidence(_get(request, obligation_id), by=request.auth, upload=file)
    return HttpStatus(201, evidence)


@router.get(
    "/obligations/{int:obligation_id}/evidence/{int:file_id}",
    response={**errors(401, 404, 409)},
    description="Download an evidence file. 409 `file_changed` if the stored bytes no longer match the SHA-256 "
    "recorded at upload (administrators are alerted; nothing is served).",
    openapi_extra={"responses": {200: {"description": "The file, as an attachment.", "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}},
)
def download_evidence(request, obligation_id: int, file_id: int):
    obligation = _get(request, obligation_id)
    evidence = EvidenceFile.objects.select_related("obligation__contract").get(pk=file_id, obligation=obligation)
    if not evidence.intact():
        raise services.evidence_changed(evidence, by=request.auth)
    return evidence.response()
