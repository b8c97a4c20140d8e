"""Amendments (补充协议) and the terms in force on a day in API v1 (tag "amendments"), calling the same services as
the pages. Signing online is `POST /contracts/{id}/signature-requests` with `amendment_id`."""

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus

from hetong.api.errors import errors
from hetong.api.schemas import BodySchema
from hetong.contracts.models import Contract
from hetong.core.dates import company_today, parse_date
from hetong.core.errors import InvalidInput

from . import amendments
from .models import Amendment

router = Router(tags=["amendments"])


class AmendmentIn(BodySchema):
    title: str = Field(max_length=200)
    effective_date: dt.date = Field(description="From this day the changed terms apply; not before the contract's "
                                    "start, not after its end, not before an amendment already signed.")
    reason: str = Field("", max_length=2000)
    changes: dict[str, Any] = Field(description="term: new value, for the terms " + ", ".join(amendments.AMENDABLE_TERMS)
                                    + ". Values equal to the terms in force are dropped.")


class AmendmentPatch(BodySchema):
    version: int = Field(description="The version you read; a stale one is a 409 and nothing changes.")
    title: str | None = Field(None, max_length=200)
    effective_date: dt.date | None = None
    reason: str | None = Field(None, max_length=2000)
    changes: dict[str, Any] | None = None


class NoteIn(BodySchema):
    note: str = Field("", max_length=500)


class ChangeOut(Schema):
    term: str
    label: str
    before: Any
    after: Any


class AmendmentOut(Schema):
    id: int
    contract: int
    number: str = Field(description="The contract's number and the amendment's label, e.g. HT-XS-2026-00042-B1.")
    label: str
    title: str
    reason: str
    effective_date: dt.date
    status: Amendment.Status
    version: int
    changes: dict[str, Any]
    diff: list[ChangeOut] = Field(description="Each changed term with its value before and after.")
    document: int | None
    signed_file: int | None = Field(description="The contract file holding the signed copy.")
    signed_date: dt.date | None
    applied_at: dt.datetime | None = Field(description="When it became the contract's terms (its effective date).")
    created_by: int
    created_at: dt.datetime

    @staticmethod
    def resolve_contract(obj):
        return obj.contract_id

    @staticmethod
    def resolve_number(obj):
        return str(obj)

    @staticmethod
    def resolve_diff(obj):
        return amendments.diff(obj)

    @staticmethod
    def resolve_document(obj):
        return obj.document_id

    @staticmethod
    def resolve_signed_file(obj):
        return obj.signed_file_id

    @staticmethod
    def resolve_created_by(obj):
        return obj.created_by_id


class TermsOut(Schema):
    contract: int
    on: dt.date
    in_force: bool = Field(description="Whether the contract itself was in force that day.")
    amendment: int | None = Field(description="The latest signed amendment in force that day, if any.")
    amendment_label: str | None
    terms: dict[str, Any]


def _contract(request, contract_id: int) -> Contract:
    return Contract.objects.visible_to(request.auth).get(pk=contract_id)


def _amendment(request, amendment_id: int) -> Amendment:
    return (Amendment.objects.select_related("contract")
            .filter(contract__in=Contract.objects.visible_to(request.auth)).get(pk=amendment_id))


@router.get("/contracts/{int:contract_id}/amendments", response={200: list[AmendmentOut], **errors(401, 404)})
def list_amendments(request, contract_id: int):
    contract = _contract(request, contract_id)
    rows = list(Amendment.objects.filter(contract=contract).order_by("sequence"))
    for row in rows:
        row.contract = contract
    return rows


@router.post(
    "/contracts/{int:contract_id}/amendments",
    response={201: AmendmentOut, **errors(400, 401, 403, 404, 409)},
    description="Draft an amendment of a signed contract in force. An unsigned contract is a 409 (`not_signed`).",
)
def create_amendment(request, contract_id: int, payload: AmendmentIn):
    amendment = amendments.create_amendment(_contract(request, contract_id), by=request.auth, data=payload.dict())
    return HttpStatus(201, amendment)


@router.get("/amendments/{int:amendment_id}", response={200: AmendmentOut, **errors(401, 404)})
def get_amendment(request, amendment_id: int):
    return _amendment(request, amendment_id)


@router.patch("/amendments/{int:amendment_id}", response={200: AmendmentOut, **errors(400, 401, 403, 404, 409)},
              description="Edit a draft amendment.")
def update_amendment(request, amendment_id: int, payload: AmendmentPatch):
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version"}
    return amendments.update_amendment(_amendment(request, amendment_id), by=request.auth, version=payload.version,
                                       data=data)


class DocumentIn(BodySchema):
    template_id: int | None = Field(None, description="An amendment template; default the first offered.")


@router.post("/amendments/{int:amendment_id}/document", response={201: AmendmentOut, **errors(400, 401, 403, 404, 409)},
             description="Generate the amendment's document (补充协议) from a template, filled with its changes.")
def generate_document(request, amendment_id: int, payload: DocumentIn):
    amendments.generate_document(_amendment(request, amendment_id), by=request.auth, template=payload.template_id)
    return HttpStatus(201, _amendment(request, amendment_id))


class SignatureIn(Schema):
    signed_date: str = Field("", description="YYYY-MM-DD; default today.")


@router.post(
    "/amendments/{int:amendment_id}/signature",
    response={200: AmendmentOut, **errors(400, 401, 403, 404, 409)},
    description="Record a signature made on paper (multipart form: `signed_date`, `signed_file`). The amendment "
    "becomes part of the contract; its terms are the contract's from its effective date.",
)
def record_signature(request, amendment_id: int, payload: Form[SignatureIn], signed_file: File[UploadedFile] = None):
    amendment = _amendment(request, amendment_id)
    amendments.sign(amendment, by=request.auth, signed_date=payload.signed_date or None, signed_file=signed_file)
    return _amendment(request, amendment_id)


@router.get(
    "/contracts/{int:contract_id}/terms",
    response={200: TermsOut, **errors(400, 401, 404)},
    description="The terms in force on a day (`on=YYYY-MM-DD`, default today): the contract's own before its first "
    "amendment, each signed amendment's from its effective date.",
)
def terms_on(request, contract_id: int, on: str = ""):
    contract = _contract(request, contract_id)
    try:
        day = parse_date(on) or company_today()
    except (ValueError, TypeError):
        raise InvalidInput(errors={"on": [_("Enter a valid date (YYYY-MM-DD).")]}) from None
    found = amendments.terms_on(contract, day)
    return {"contract": contract.pk, "on": day, "in_force": found.in_force,
            "amendment": found.amendment.pk if found.amendment else None,
            "amendment_label": found.amendment.label if found.amendment else None, "terms": found.terms}


# Last: its {action} would otherwise take the paths of the routes above.
ACTIONS = {
    "submit": lambda a, user, note: amendments.submit(a, by=user, note=note),
    "withdraw": lambda a, user, note: amendments.withdraw(a, by=user, note=note),
    "approve": lambda a, user, note: amendments.decide(a, by=user, approve=True, note=note),
    "reject": lambda a, user, note: amendments.decide(a, by=user, approve=False, note=note),
    "cancel": lambda a, user, note: amendments.cancel(a, by=user, note=note),
}


@router.post(
    "/amendments/{int:amendment_id}/{action}",
    response={200: AmendmentOut, **errors(400, 401, 403, 404, 409)},
    description="`submit` (an approval workflow starts where one is published), `withdraw`, `approve` or `reject` "
    "(by hand, where no workflow runs; not by the submitter; a rejection needs a note), `cancel`.",
)
def amendment_action(request, amendment_id: int, action: str, payload: NoteIn):
    amendment = _amendment(request, amendment_id)
    if action not in ACTIONS:
        raise InvalidInput(_("Unknown action %(action)s.") % {"action": action}, code="unknown_action")
    ACTIONS[action](amendment, request.auth, payload.note)
    return _amendment(request, amendment_id)
