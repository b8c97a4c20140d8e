"""Customers and their contacts. Reads go through Customer.objects.visible_to(caller); writes through
hetong.customers.services, which decide what may change."""

import datetime as dt
from typing import Literal

from django.http import FileResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus

from hetong.customers import archive, services
from hetong.customers.filters import SORTS, CustomerFilter, sort_for
from hetong.customers.models import Contact, Customer, CustomerStatus, Industry, Level

from .errors import errors
from .schemas import BodySchema, IntParam, PageQuery, filtered, page_of

router = Router(tags=["customers"])

SortKey = Literal[tuple(SORTS)]


class CustomerOut(Schema):
    id: int
    name: str
    credit_code: str
    industry: Industry
    level: Level
    status: CustomerStatus
    region: str
    address: str
    owner: int
    department: int | None
    tags: list[str]
    notes: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_owner(obj):
        return obj.owner_id

    @staticmethod
    def resolve_department(obj):
        return obj.department_id

    @staticmethod
    def resolve_tags(obj):
        return [tag.name for tag in obj.tags.all()]


class CustomerPage(Schema):
    items: list[CustomerOut]
    count: int
    next_cursor: str | None


class CustomerQuery(PageQuery):
    q: str | None = Field(None, description="Words of the name, credit code or region.")
    status: list[CustomerStatus] = Field([], description="Repeat for several.")
    industry: Industry | None = None
    level: Level | None = None
    region: str | None = None
    owner: IntParam = Field(None, description="A user id.")
    department: IntParam = Field(None, description="A department id; includes its sub-departments.")
    tag: str | None = None
    sort: SortKey = "-id"


class CustomerIn(BodySchema):
    name: str
    credit_code: str = Field("", description="The 18-character unified social credit code.")
    industry: Industry | None = None
    level: Level | None = None
    status: CustomerStatus | None = None
    region: str | None = None
    address: str | None = None
    notes: str | None = None
    tags: list[str] | None = None
    owner: int | None = Field(None, description="Managers and administrators only.")
    department: int | None = Field(None, description="Managers and administrators only.")


class CustomerPatch(BodySchema):
    version: int = Field(description="The version you read; a stale one is a 409 and changes nothing.")
    name: str | None = None
    credit_code: str | None = None
    industry: Industry | None = None
    level: Level | None = None
    status: CustomerStatus | None = None
    region: str | None = None
    address: str | None = None
    notes: str | None = None
    tags: list[str] | None = None
    owner: int | None = Field(None, description="Managers and administrators only.")
    department: int | None = Field(None, description="Managers and administrators only.")


class ContactOut(Schema):
    id: int
    customer: int
    name: str
    title: str
    phone: str
    email: str
    is_signatory: bool
    notes: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_customer(obj):
        return obj.customer_id


class ContactIn(BodySchema):
    name: str
    title: str | None = None
    phone: str | None = None
    email: str | None = None
    is_signatory: bool | None = None
    notes: str | None = None


class ContactPatch(BodySchema):
    version: int
    name: str | None = None
    title: str | None = None
    phone: str | None = None
    email: str | None = None
    is_signatory: bool | None = None
    notes: str | None = None


def _customers(request):
    return Customer.objects.visible_to(request.auth).prefetch_related("tags")


def _get(request, customer_id: int) -> Customer:
    return _customers(request).get(pk=customer_id)


def _contacts(request):
    return Contact.objects.filter(customer__in=Customer.objects.visible_to(request.auth)).select_related(
        "customer"
    )


def _sent(payload: Schema) -> dict:
    """What the client actually sent: an omitted field is left alone, an explicit null is passed on."""
    return payload.model_dump(mode="json", exclude_unset=True)


@router.get("/customers", response={200: CustomerPage, **errors(400, 401)})
def list_customers(request, query: Query[CustomerQuery]):
    qs = filtered(CustomerFilter(request.GET, queryset=_customers(request)))
    return page_of(qs, sort_for(query.sort), query)


@router.post("/customers", response={201: CustomerOut, **errors(400, 401, 403)})
def create_customer(request, payload: CustomerIn):
    customer = services.create_customer(by=request.auth, data=_sent(payload))
    return HttpStatus(201, _get(request, customer.pk))


@router.get("/customers/{int:customer_id}", response={200: CustomerOut, **errors(401, 404)})
def get_customer(request, customer_id: int):
    return _get(request, customer_id)


@router.patch("/customers/{int:customer_id}", response={200: CustomerOut, **errors(400, 401, 403, 404, 409)})
def update_customer(request, customer_id: int, payload: CustomerPatch):
    data = _sent(payload)
    version = data.pop("version")
    services.update_customer(_get(request, customer_id), by=request.auth, version=version, data=data)
    return _get(request, customer_id)


@router.get(
    "/customers/{int:customer_id}/dossier",
    response={**errors(401, 404, 409)},
    openapi_extra={"responses": {200: {
        "description": "The customer's dossier: a ZIP with index.pdf, every file of the customer's contracts the caller "
                       "may see, and SHA256SUMS (each file's SHA-256 as recorded when it was stored, checked while "
                       "exporting; a changed file refuses the export with 409).",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    }}},
)
def customer_dossier(request, customer_id: int):
    handle, name = archive.export_dossier(_get(request, customer_id), by=request.auth)
    response = FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/customers/{int:customer_id}/contacts", response={200: list[ContactOut], **errors(401, 404)})
def list_contacts(request, customer_id: int):
    customer = Customer.objects.visible_to(request.auth).get(pk=customer_id)
    return Contact.objects.filter(customer=customer).order_by("-is_signatory", "name", "id")


@router.post(
    "/customers/{int:customer_id}/contacts", response={201: ContactOut, **errors(400, 401, 403, 404)}
)
def add_contact(request, customer_id: int, payload: ContactIn):
    contact = services.add_contact(_get(request, customer_id), by=request.auth, data=_sent(payload))
    return HttpStatus(201, contact)


@router.get("/contacts/{int:contact_id}", response={200: ContactOut, **errors(401, 404)})
def get_contact(request, contact_id: int):
    return _contacts(request).get(pk=contact_id)


@router.patch("/contacts/{int:contact_id}", response={200: ContactOut, **errors(400, 401, 403, 404, 409)})
def update_contact(request, contact_id: int, payload: ContactPatch):
    data = _sent(payload)
    version = data.pop("version")
    return services.update_contact(
        _contacts(request).get(pk=contact_id), by=request.auth, version=version, data=data
    )
