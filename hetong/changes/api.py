"""Renewals, terminations and written notices in API v1 (tag "changes"), calling the same services as the pages."""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus

from hetong.api.errors import errors
from hetong.api.schemas import BodySchema
from hetong.contracts.models import Contract
from hetong.core.errors import InvalidInput
from hetong.documents.models import Template

from . import selectors, services
from .models import Notice, NoticeDelivery, ReasonCode, Renewal

router = Router(tags=["changes"])


class RenewalIn(BodySchema):
    start: dt.date = Field(description="First day of the new term.")
    end: dt.date = Field(description="Last day of the new term.")
    price_change_percent: Decimal | None = Field(
        None, description="E.g. 5 for 5% more; applies to every unit price."
    )
    price_change_amount: Decimal | None = Field(
        None, description="Added to the amount (negative lowers it). Not for a contract with line items."
    )
    note: str = Field("", max_length=500)


class RenewalOut(Schema):
    id: int | None
    kind: Renewal.Kind
    predecessor: int
    predecessor_number: str
    successor: int | None
    successor_number: str | None
    start: dt.date
    end: dt.date | None
    old_amount: Decimal | None
    new_amount: Decimal | None
    price_change_percent: Decimal | None
    price_change_amount: Decimal | None
    recorded_at: dt.datetime


def _renewal_out(entry: selectors.HistoryEntry) -> dict:
    row = entry.renewal
    return {
        "id": row.pk if row else None,
        "kind": entry.kind,
        "predecessor": entry.contract.pk,
        "predecessor_number": entry.contract.number,
        "successor": entry.successor.pk if entry.successor else None,
        "successor_number": entry.successor.number if entry.successor else None,
        "start": entry.on,
        "end": entry.end,
        "old_amount": row.old_amount if row else None,
        "new_amount": row.new_amount if row else None,
        "price_change_percent": row.price_change_percent if row else None,
        "price_change_amount": row.price_change_amount if row else None,
        "recorded_at": entry.at,
    }


class TerminationIn(BodySchema):
    reason: ReasonCode
    effective_on: dt.date = Field(description="Not after the end of the current term, not before signing.")
    note: str = Field("", max_length=1000)
    template_id: int | None = Field(
        None, description="A termination notice template; default the first offered."
    )


class NoticeIn(BodySchema):
    kind: str = Field(
        description="`non_renewal`, `change`, or `termination` for a contract already terminated."
    )
    effective_on: dt.date | None = Field(
        None, description="Required for a change; a non-renewal ends the term."
    )
    reason: ReasonCode | None = None
    note: str = Field("", max_length=1000, description="Required for a change: what changes.")
    template_id: int | None = None


class DeliveryOut(Schema):
    id: int
    channel: NoticeDelivery.Channel
    delivered_at: dt.datetime
    recipient: str
    tracking_number: str
    signing_reference: str
    proof_name: str
    proof_size: int | None
    proof_sha256: str
    recorded_by: int
    recorded_at: dt.datetime

    @staticmethod
    def resolve_recorded_by(obj):
        return obj.recorded_by_id


class NoticeOut(Schema):
    id: int
    contract: int
    kind: Notice.Kind
    reason: str
    effective_on: dt.date
    note: str
    document: int | None
    document_sha256: str | None
    created_by: int
    created_at: dt.datetime
    deliveries: list[DeliveryOut]

    @staticmethod
    def resolve_contract(obj):
        return obj.contract_id

    @staticmethod
    def resolve_document(obj):
        return obj.document_id

    @staticmethod
    def resolve_document_sha256(obj):
        return obj.document.sha256 if obj.document_id else None

    @staticmethod
    def resolve_created_by(obj):
        return obj.created_by_id

    @staticmethod
    def resolve_deliveries(obj):
        return obj.deliveries.all()


def _contract(request, contract_id: int) -> Contract:
    return Contract.objects.visible_to(request.auth).get(pk=contract_id)


def _notice(request, notice_id: int) -> Notice:
    return (
        selectors._notices().filter(contract__in=Contract.objects.visible_to(request.auth)).get(pk=notice_id)
    )


def _template(template_id):
    return None if template_id is None else (Template.objects.filter(pk=template_id).first() or template_id)


@router.get(
    "/contracts/{int:contract_id}/renewals",
    response={200: list[RenewalOut], **errors(401, 404)},
    description="The renewal history of the contract's chain (its predecessors and successors): by hand, in a "
    "batch, and tacit renewals by the deadline engine (no successor), in date order.",
)
def list_renewals(request, contract_id: int):
    return [_renewal_out(entry) for entry in selectors.renewal_history(_contract(request, contract_id))]


@router.post(
    "/contracts/{int:contract_id}/renewals",
    response={201: RenewalOut, **errors(400, 401, 403, 404, 409)},
    description="Renew an active or expired contract: a successor draft with the new term and price, linked "
    "to it; the contract becomes renewed and its reminder rules move to the successor.",
)
def create_renewal(request, contract_id: int, payload: RenewalIn):
    contract = _contract(request, contract_id)
    renewal = services.renew(contract, by=request.auth, **payload.dict())
    entry = selectors.HistoryEntry(
        kind=renewal.kind,
        on=renewal.start,
        contract=renewal.predecessor,
        successor=renewal.successor,
        renewal=renewal,
        end=renewal.end,
        at=renewal.created_at,
    )
    return HttpStatus(201, _renewal_out(entry))


@router.post(
    "/contracts/{int:contract_id}/termination",
    response={201: NoticeOut, **errors(400, 401, 403, 404, 409)},
    description="Terminate a signed or active contract with a reason code and an effective date; its "
    "termination notice is generated from a template. Returns the notice.",
)
def terminate(request, contract_id: int, payload: TerminationIn):
    contract = _contract(request, contract_id)
    notice = services.terminate(
        contract,
        by=request.auth,
        reason=payload.reason,
        effective_on=payload.effective_on,
        note=payload.note,
        notice_template=_template(payload.template_id),
    )
    return HttpStatus(201, _notice(request, notice.pk))


@router.get(
    "/contracts/{int:contract_id}/notices",
    response={200: list[NoticeOut], **errors(401, 404)},
    description="The contract's written notices with their deliveries, newest first.",
)
def list_notices(request, contract_id: int):
    return list(selectors.notices_for(_contract(request, contract_id)))


@router.post(
    "/contracts/{int:contract_id}/notices",
    response={201: NoticeOut, **errors(400, 401, 403, 404, 409)},
    description="Send a non-renewal or change notice for a signed or active contract (its status stays), or the "
    "written termination notice of a contract already terminated (`termination`, with a `reason`).",
)
def create_notice(request, contract_id: int, payload: NoticeIn):
    contract = _contract(request, contract_id)
    notice = services.send_notice(
        contract,
        by=request.auth,
        kind=payload.kind,
        effective_on=payload.effective_on,
        reason=payload.reason or "",
        note=payload.note,
        template=_template(payload.template_id),
    )
    return HttpStatus(201, _notice(request, notice.pk))


@router.get("/notices/{int:notice_id}", response={200: NoticeOut, **errors(401, 404)})
def get_notice(request, notice_id: int):
    return _notice(request, notice_id)


class DeliveryIn(Schema):
    channel: str
    delivered_at: str = Field(description="YYYY-MM-DD HH:MM (company time) or ISO 8601.")
    recipient: str
    tracking_number: str = ""
    signing_reference: str = ""


DELIVERY_FIELDS = {"channel", "delivered_at", "recipient", "tracking_number", "signing_reference", "proof"}


@router.post(
    "/notices/{int:notice_id}/deliveries",
    response={201: NoticeOut, **errors(400, 401, 403, 404)},
    description="Record how the notice reached the customer (multipart form): channel, time, recipient, and "
    "at least one proof: the file `proof`, a `tracking_number` or a `signing_reference`. Returns the notice.",
)
def create_delivery(request, notice_id: int, payload: Form[DeliveryIn], proof: File[UploadedFile] = None):
    notice = _notice(request, notice_id)
    unknown = (set(request.POST) | set(request.FILES)) - DELIVERY_FIELDS
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="forbidden_field",
            errors={f: [_("This field cannot be changed here.")] for f in unknown},
        )
    services.record_delivery(notice, by=request.auth, proof=proof, **payload.dict())
    return HttpStatus(201, _notice(request, notice.pk))
