"""Contracts: the list with the page's filters, create and edit, status actions, parties, files.

Reads go through Contract.objects.visible_to(caller), so a contract outside the caller's scope is a 404
on every endpoint. Every change is one call to hetong.contracts.services, which checks the rules.
"""

import datetime as dt
import inspect
from typing import Annotated, Any, Literal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import WithJsonSchema

from hetong.contracts import services
from hetong.contracts.filters import SORTS, ContractFilter, sort_for
from hetong.contracts.models import (
    Contract,
    ContractFile,
    ContractParty,
    ContractType,
    FileVersion,
    PeriodUnit,
    Signatory,
    Status,
)
from hetong.core.errors import InvalidInput
from hetong.core.money import CURRENCY_CODES

from .errors import errors
from .schemas import (
    BodySchema,
    DateParam,
    DaysParam,
    IntParam,
    Money,
    NumberParam,
    PageQuery,
    filtered,
    page_of,
    unknown_choice,
)

router = Router(tags=["contracts"])

SortKey = Literal[tuple(SORTS)]
ActionName = Annotated[str, WithJsonSchema({"type": "string", "enum": list(services.ACTIONS)})]
Currency = Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(CURRENCY_CODES)})]


# --- schemas ---------------------------------------------------------------------------------------------


class ContractOut(Schema):
    id: int
    number: str
    title: str
    status: Status
    customer: int
    customer_name: str
    owner: int
    department: int | None
    type: str = Field(description="The contract type's code.")
    amount: str = Field(description="Exact decimal, two places, as a string.", examples=["128000.00"])
    currency: str
    signed_date: dt.date | None
    effective_date: dt.date | None
    end_date: dt.date | None
    notice_deadline: dt.date | None = Field(
        description="Last business day to give notice before the current term ends (rolls forward on renewal)."
    )
    current_term_start: dt.date | None
    current_term_end: dt.date | None = Field(description="Equals end_date; null for an evergreen contract.")
    renewal_count: int = Field(description="Tacit renewals so far.")
    auto_renew: bool
    renewal_term: int | None
    renewal_unit: PeriodUnit
    notice_period: int | None
    notice_unit: PeriodUnit
    tags: list[str]
    extra: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_customer(obj):
        return obj.customer_id

    @staticmethod
    def resolve_current_term_start(obj):
        return obj.current_term.start

    @staticmethod
    def resolve_current_term_end(obj):
        return obj.current_term.end

    @staticmethod
    def resolve_customer_name(obj):
        return obj.customer.name

    @staticmethod
    def resolve_owner(obj):
        return obj.owner_id

    @staticmethod
    def resolve_department(obj):
        return obj.department_id

    @staticmethod
    def resolve_type(obj):
        return obj.contract_type.code

    @staticmethod
    def resolve_amount(obj):
        return format(obj.amount, "f")

    @staticmethod
    def resolve_tags(obj):
        return [tag.name for tag in obj.tags.all()]


class ContractDetail(ContractOut):
    contract_type: int
    entity: int
    description: str
    status_note: str
    status_changed_at: dt.datetime | None
    terminated_on: dt.date | None
    submitted_by: int | None
    actions: list[str] = Field(description="The actions your role may take in the current status.")

    @staticmethod
    def resolve_contract_type(obj):
        return obj.contract_type_id

    @staticmethod
    def resolve_entity(obj):
        return obj.entity_id

    @staticmethod
    def resolve_submitted_by(obj):
        return obj.submitted_by_id

    @staticmethod
    def resolve_actions(obj, context):
        return services.allowed_actions(obj, context["request"].auth)


class ContractPage(Schema):
    items: list[ContractOut]
    count: int
    next_cursor: str | None


class ContractQuery(PageQuery):
    q: str | None = Field(None, description="Words of the number, title or customer name.")
    status: list[Status] = Field([], description="Repeat for several.")
    type: str | None = Field(None, description="A contract type code (or id); includes its sub-types.")
    customer: IntParam = Field(None, description="A customer id.")
    owner: IntParam = Field(None, description="A user id.")
    department: IntParam = Field(None, description="A department id; includes its sub-departments.")
    ends_within: DaysParam = Field(None, description="In force and ending within this many days.")
    notice_within: DaysParam = Field(None, description="In force, notice deadline within this many days.")
    amount_min: NumberParam = None
    amount_max: NumberParam = None
    signed_from: DateParam = None
    signed_to: DateParam = None
    effective_from: DateParam = None
    effective_to: DateParam = None
    end_from: DateParam = None
    end_to: DateParam = None
    tag: str | None = Field(None, description="A tag name; several separated by commas must all match.")
    sort: SortKey = "-id"


class _Terms(BodySchema):
    contract_type: int | None = Field(None, description="A contract type id (or give `type`).")
    type: str | None = Field(None, description="A contract type code, instead of `contract_type`.")
    customer: int | None = None
    entity: int | None = Field(None, description="Our signing entity's id.")
    currency: Currency | None = None
    signed_date: dt.date | None = None
    effective_date: dt.date | None = None
    end_date: dt.date | None = Field(None, description="Empty for an evergreen contract.")
    auto_renew: bool | None = None
    renewal_term: int | None = None
    renewal_unit: PeriodUnit | None = None
    notice_period: int | None = None
    notice_unit: PeriodUnit | None = None
    description: str | None = None
    tags: list[str] | None = None
    extra: dict[str, Any] | None = Field(None, description="Values of the type's extra fields, by key.")
    owner: int | None = Field(None, description="Managers and administrators only.")
    department: int | None = Field(None, description="Managers and administrators only.")


class ContractIn(_Terms):
    title: str
    customer: int
    amount: Money
    number: str | None = Field(None, description="Leave out to number by the rule.")


class ContractPatch(_Terms):
    version: int = Field(description="The version you read; a stale one is a 409 and changes nothing.")
    title: str | None = None
    amount: Money | None = None


class ActionIn(BodySchema):
    version: int | None = Field(None, description="If given, a stale version is a 409.")
    note: str | None = Field(None, description="The reason; required to reject, terminate.")
    signed_date: dt.date | None = Field(None, description="sign only; default today.")
    terminated_on: dt.date | None = Field(None, description="terminate only; default today.")


class FileVersionOut(Schema):
    id: int
    number: int
    size: int
    sha256: str
    original_name: str
    content_type: str
    uploaded_at: dt.datetime
    uploaded_by: int

    @staticmethod
    def resolve_uploaded_by(obj):
        return obj.uploaded_by_id


class FileOut(Schema):
    id: int
    name: str
    kind: ContractFile.Kind
    created_at: dt.datetime
    versions: list[FileVersionOut] = Field(description="Newest first.")

    @staticmethod
    def resolve_versions(obj):
        return obj.versions.all()


class SignatoryOut(Schema):
    id: int
    name: str
    title: str = Field(description="Job title.")
    contact: int | None = Field(description="The customer's contact who signs, if recorded as one.")
    user: int | None = Field(description="Our user who signs, if recorded as one.")

    @staticmethod
    def resolve_contact(obj):
        return obj.contact_id

    @staticmethod
    def resolve_user(obj):
        return obj.user_id


class PartyOut(Schema):
    id: int
    role: ContractParty.Role
    name: str
    credit_code: str = Field(description="Unified social credit code; empty if not given.")
    address: str
    position: int
    signatories: list[SignatoryOut]

    @staticmethod
    def resolve_signatories(obj):
        return obj.signatories.all()


class PartyIn(BodySchema):
    role: ContractParty.Role
    name: str | None = Field(None, description="Required unless `customer` is given.")
    credit_code: str | None = Field(None, description="18 characters with a valid check character.")
    address: str | None = None
    customer: int | None = Field(
        None,
        description="Customer parties only: a customer you can see, whose name, credit code and address "
        "fill the fields not given.",
    )


class PartyPatch(BodySchema):
    role: ContractParty.Role | None = None
    name: str | None = None
    credit_code: str | None = None
    address: str | None = None
    customer: int | None = Field(None, description="As for POST.")


class SignatoryIn(BodySchema):
    name: str | None = Field(None, description="Required unless `contact` or `user` is given.")
    title: str | None = Field(None, description="Job title.")
    contact: int | None = Field(
        None, description="Customer parties only: a contact of the contract's customer."
    )
    user: int | None = Field(None, description="Parties on our side only: an active user.")


# --- helpers ---------------------------------------------------------------------------------------------


def _contracts(request):
    return (
        Contract.objects.visible_to(request.auth)
        .select_related("customer", "contract_type")
        .prefetch_related("tags")
    )


def _get(request, contract_id: int) -> Contract:
    return _contracts(request).get(pk=contract_id)


def _type_id(code: str) -> int:
    if code.isascii() and code.isdigit():
        return int(code)
    pk = ContractType.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise unknown_choice("type")
    return pk


def _terms(payload: Schema) -> dict:
    """What the client sent, as the services take it: an omitted field is left alone, a null is passed on."""
    data = payload.model_dump(mode="json", exclude_unset=True)
    if "type" in data:
        code = data.pop("type")
        if code is not None:
            type_id = _type_id(code)
            if data.get("contract_type") not in (None, type_id):
                raise InvalidInput(
                    errors={"type": [_("Give the type or the type code, not two different ones.")]}
                )
            data["contract_type"] = type_id
    return data


def _files(contract: Contract):
    versions = FileVersion.objects.order_by("-number")
    return ContractFile.objects.filter(contract=contract).prefetch_related(
        Prefetch("versions", queryset=versions)
    )


# --- endpoints -------------------------------------------------------------------------------------------


@router.get("/contracts", response={200: ContractPage, **errors(400, 401)})
def list_contracts(request, query: Query[ContractQuery]):
    data = request.GET.copy()
    if data.get("type"):
        data["type"] = str(_type_id(data["type"]))
    qs = filtered(ContractFilter(data, queryset=_contracts(request)))
    return page_of(qs, sort_for(query.sort), query)


@router.post("/contracts", response={201: ContractDetail, **errors(400, 401, 403)})
def create_contract(request, payload: ContractIn):
    contract = services.create_contract(by=request.auth, data=_terms(payload))
    return HttpStatus(201, _get(request, contract.pk))


@router.get("/contracts/{int:contract_id}", response={200: ContractDetail, **errors(401, 404)})
def get_contract(request, contract_id: int):
    return _get(request, contract_id)


@router.patch(
    "/contracts/{int:contract_id}", response={200: ContractDetail, **errors(400, 401, 403, 404, 409)}
)
def update_contract(request, contract_id: int, payload: ContractPatch):
    data = _terms(payload)
    version = data.pop("version")
    services.update_contract(_get(request, contract_id), by=request.auth, version=version, data=data)
    return _get(request, contract_id)


@router.post(
    "/contracts/{int:contract_id}/actions/{action}",
    response={200: ContractDetail, **errors(400, 401, 403, 404, 409)},
    description="Move the contract along its life. `sign` needs the signed copy uploaded first "
    "(POST .../files with kind=signed).",
)
def perform_action(request, contract_id: int, action: ActionName, payload: ActionIn):
    contract = _get(request, contract_id)
    params = payload.model_dump(exclude_unset=True, exclude_none=True)
    service = services.ACTIONS.get(action)
    if service is not None:
        accepted = inspect.signature(service).parameters
        refused = sorted(name for name in params if name not in accepted)
        if refused:
            raise InvalidInput(
                _("These fields do not apply to this action: %(fields)s.") % {"fields": ", ".join(refused)},
                code="forbidden_field",
                errors={name: [_("This field does not apply here.")] for name in refused},
            )
    services.perform_action(contract, action, by=request.auth, **params)
    return _get(request, contract_id)


def _parties(contract: Contract):
    return contract.parties.prefetch_related("signatories")


def _party(request, contract_id: int, party_id: int) -> ContractParty:
    return ContractParty.objects.select_related("contract").get(
        pk=party_id, contract=_get(request, contract_id)
    )


@router.get("/contracts/{int:contract_id}/parties", response={200: list[PartyOut], **errors(401, 404)})
def list_parties(request, contract_id: int):
    return _parties(_get(request, contract_id))


@router.post(
    "/contracts/{int:contract_id}/parties",
    response={201: PartyOut, **errors(400, 401, 403, 404, 409)},
    description="Add a party to a draft (a third party, a guarantor, or another party on either side).",
)
def add_party(request, contract_id: int, payload: PartyIn):
    contract = _get(request, contract_id)
    party = services.add_party(contract, by=request.auth, data=payload.model_dump(exclude_unset=True))
    return HttpStatus(201, _parties(contract).get(pk=party.pk))


@router.patch(
    "/contracts/{int:contract_id}/parties/{int:party_id}",
    response={200: PartyOut, **errors(400, 401, 403, 404, 409)},
    description="Change a party of a draft; only the fields sent change.",
)
def update_party(request, contract_id: int, party_id: int, payload: PartyPatch):
    party = _party(request, contract_id, party_id)
    services.update_party(party, by=request.auth, data=payload.model_dump(exclude_unset=True))
    return _parties(party.contract).get(pk=party.pk)


@router.delete(
    "/contracts/{int:contract_id}/parties/{int:party_id}",
    response={204: None, **errors(400, 401, 403, 404, 409)},
    description="Remove a party and its signatories from a draft. The last party on our side and the last "
    "customer party cannot be removed (400, code `last_party`).",
)
def remove_party(request, contract_id: int, party_id: int):
    services.remove_party(_party(request, contract_id, party_id), by=request.auth)
    return HttpStatus(204, None)


@router.post(
    "/contracts/{int:contract_id}/parties/{int:party_id}/signatories",
    response={201: SignatoryOut, **errors(400, 401, 403, 404, 409)},
    description="Name a signatory of a party of a draft.",
)
def add_signatory(request, contract_id: int, party_id: int, payload: SignatoryIn):
    party = _party(request, contract_id, party_id)
    signatory = services.add_signatory(party, by=request.auth, data=payload.model_dump(exclude_unset=True))
    return HttpStatus(201, signatory)


@router.delete(
    "/contracts/{int:contract_id}/parties/{int:party_id}/signatories/{int:signatory_id}",
    response={204: None, **errors(401, 403, 404, 409)},
    description="Remove a signatory from a party of a draft.",
)
def remove_signatory(request, contract_id: int, party_id: int, signatory_id: int):
    party = _party(request, contract_id, party_id)
    signatory = Signatory.objects.select_related("party__contract").get(pk=signatory_id, party=party)
    services.remove_signatory(signatory, by=request.auth)
    return HttpStatus(204, None)


@router.get("/contracts/{int:contract_id}/files", response={200: list[FileOut], **errors(401, 404)})
def list_files(request, contract_id: int):
    return _files(_get(request, contract_id))


@router.post(
    "/contracts/{int:contract_id}/files",
    response={201: FileOut, **errors(400, 401, 403, 404, 409)},
    description="Upload a file, or with `file_id` a new version of one of the contract's files.",
)
def upload_file(
    request,
    contract_id: int,
    file: File[UploadedFile],
    kind: Form[ContractFile.Kind] = ContractFile.Kind.ATTACHMENT,
    file_id: Form[int | None] = None,
):
    contract = _get(request, contract_id)
    existing = ContractFile.objects.get(pk=file_id, contract=contract) if file_id is not None else None
    version = services.upload_file(contract, by=request.auth, upload=file, kind=kind, file=existing)
    return HttpStatus(201, _files(contract).get(pk=version.file_id))


@router.get(
    "/contracts/{int:contract_id}/files/{int:version_id}/download",
    response={**errors(401, 404, 409)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment.",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_file(request, contract_id: int, version_id: int):
    contract = _get(request, contract_id)
    version = FileVersion.objects.select_related("file").get(pk=version_id, file__contract=contract)
    if not version.intact():
        raise services.stored_file_changed(contract, what=version.original_name, expected_sha256=version.sha256,
                                           by=request.auth)
    return version.response()
