"""The product catalogue, and each contract's line items, whose totals drive a draft's amount.

Everyone signed in reads the active products; admins, sales managers, legal and finance keep the catalogue
(and see inactive entries). Line items are read and changed under their contract's scope (404 outside it);
changes go through hetong.contracts.services, which allow them only on a draft the caller may edit.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import BeforeValidator, WithJsonSchema

from hetong.contracts import services
from hetong.contracts.models import Contract, LineItem, Product
from hetong.contracts.product_forms import SORTS, ProductFilter, sort_for
from hetong.core.money import CURRENCY_CODES

from .errors import errors
from .schemas import BodySchema, Money, PageQuery, filtered, page_of

router = Router(tags=["products"])

SortKey = Literal[tuple(SORTS)]
Currency = Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(CURRENCY_CODES)})]


def _exact_text(value):
    # The API's JSON parser reads numbers as Decimal, so a float here can only come from Python code.
    if isinstance(value, bool | float):
        raise ValueError("a number must be a string or an exact number")
    if isinstance(value, int | Decimal):
        return str(value)
    return value


def _number(pattern: str, example: str):
    """A decimal as the client wrote it ("2.5" or 2.5); the service reads and checks it."""
    return Annotated[
        str,
        BeforeValidator(_exact_text),
        WithJsonSchema(
            {"anyOf": [{"type": "string", "pattern": pattern}, {"type": "number"}], "examples": [example]}
        ),
    ]


Quantity = _number(r"^\d+(\.\d{1,3})?$", "12.5")
Percent = _number(r"^\d+(\.\d{1,2})?$", "13")


def _text(value: Decimal) -> str:
    return format(value, "f")


# --- schemas ---------------------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    code: str
    name: str
    specification: str
    unit: str
    list_price: str = Field(description="Per unit, tax included; two decimals.", examples=["1280.00"])
    currency: str
    tax_rate: str = Field(description="Per cent, two decimals.", examples=["13.00"])
    is_active: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_list_price(obj):
        return _text(obj.list_price)

    @staticmethod
    def resolve_tax_rate(obj):
        return _text(obj.tax_rate)


class ProductPage(Schema):
    items: list[ProductOut]
    count: int
    next_cursor: str | None


class ProductQuery(PageQuery):
    q: str | None = Field(None, description="Part of the code or name.")
    active: bool | None = Field(
        None, description="Catalogue keepers only; others always see active products."
    )
    sort: SortKey = "code"


class ProductIn(BodySchema):
    code: str = Field(description="Unique, whatever the letter case.")
    name: str
    specification: str | None = None
    unit: str | None = Field(None, description="For example 台, 套, 月, 人天.")
    list_price: Money = Field(description="Per unit, tax included.")
    currency: Currency | None = Field(None, description="Default CNY.")
    tax_rate: Percent | None = Field(None, description="Per cent, 0 to below 100; default 13.")
    is_active: bool | None = None


class ProductPatch(BodySchema):
    version: int = Field(description="The version you read; a stale one is a 409 and changes nothing.")
    code: str | None = None
    name: str | None = None
    specification: str | None = None
    unit: str | None = None
    list_price: Money | None = None
    currency: Currency | None = None
    tax_rate: Percent | None = None
    is_active: bool | None = Field(
        None, description="false takes the product out of the picker; lines keep it."
    )


class LineItemOut(Schema):
    id: int
    contract: int
    product: int | None
    product_code: str | None
    name: str
    specification: str
    unit: str
    quantity: str = Field(description="Three decimals.", examples=["12.500"])
    unit_price: str = Field(description="Tax included; two decimals.", examples=["100.00"])
    discount: str = Field(description="Per cent, two decimals.", examples=["5.00"])
    tax_rate: str = Field(description="Per cent, two decimals.", examples=["9.00"])
    total: str = Field(
        description="quantity x unit price x (1 - discount %), rounded half up to the cent.",
        examples=["1187.50"],
    )
    position: int

    @staticmethod
    def resolve_contract(obj):
        return obj.contract_id

    @staticmethod
    def resolve_product(obj):
        return obj.product_id

    @staticmethod
    def resolve_product_code(obj):
        return obj.product.code if obj.product_id else None

    @staticmethod
    def resolve_quantity(obj):
        return _text(obj.quantity)

    @staticmethod
    def resolve_unit_price(obj):
        return _text(obj.unit_price)

    @staticmethod
    def resolve_discount(obj):
        return _text(obj.discount)

    @staticmethod
    def resolve_tax_rate(obj):
        return _text(obj.tax_rate)

    @staticmethod
    def resolve_total(obj):
        return _text(obj.total)


class TotalsOut(Schema):
    count: int
    list: str = Field(description="Before discounts.")
    discount: str
    tax: str = Field(description="The tax the total includes.")
    net: str = Field(description="The total without tax.")
    total: str
    words: str = Field(
        description="The total in Chinese capitals (大写) for CNY, in English words otherwise."
    )
    amount: str = Field(description="The contract's amount.")
    currency: str
    matches_amount: bool = Field(
        description="Whether the amount is the lines' total (true when there are no lines). A draft's amount "
        "follows its lines; one typed in by hand afterwards may differ."
    )
    difference: str = Field(description="The amount minus the lines' total.")


class LineItemsOut(Schema):
    items: list[LineItemOut]
    totals: TotalsOut


class LineItemIn(BodySchema):
    product: int | None = Field(
        None,
        description="An active product: its name, specification, unit, list price and tax rate fill the "
        "fields not given. Leave out for a free line (then name and unit_price are required).",
    )
    name: str | None = None
    specification: str | None = None
    unit: str | None = None
    quantity: Quantity = Field(description="More than zero, up to three decimals.")
    unit_price: Money | None = Field(None, description="Tax included; default the product's list price.")
    discount: Percent | None = Field(None, description="Per cent, 0 to 100; default 0.")
    tax_rate: Percent | None = Field(None, description="Per cent; default the product's rate, or 13.")


class LineItemPatch(BodySchema):
    name: str | None = None
    specification: str | None = None
    unit: str | None = None
    quantity: Quantity | None = None
    unit_price: Money | None = None
    discount: Percent | None = None
    tax_rate: Percent | None = None


# --- helpers ---------------------------------------------------------------------------------------------


def _sent(payload: Schema) -> dict:
    """What the client actually sent: an omitted field is left alone."""
    return payload.model_dump(mode="json", exclude_unset=True)


def _product(request, product_id: int) -> Product:
    return services.products_for(request.auth).get(pk=product_id)


def _contract(request, contract_id: int) -> Contract:
    return Contract.objects.visible_to(request.auth).get(pk=contract_id)


def _line(request, item_id: int) -> LineItem:
    """A line of a contract the caller can see; any other id is a 404."""
    return LineItem.objects.select_related("contract", "product").get(
        pk=item_id, contract__in=Contract.objects.visible_to(request.auth).values("pk")
    )


def _totals(contract: Contract, items: list[LineItem]) -> dict:
    summary = services.items_summary(contract, items)
    money = {k: _text(summary[k]) for k in ("list", "discount", "tax", "net", "total", "difference")}
    return {
        **money,
        "count": summary["count"],
        "words": summary["words"],
        "amount": _text(contract.amount),
        "currency": contract.currency,
        "matches_amount": summary["matches_amount"],
    }


# --- endpoints -------------------------------------------------------------------------------------------


@router.get("/products", response={200: ProductPage, **errors(400, 401)})
def list_products(request, query: Query[ProductQuery]):
    data = request.GET.copy()
    data.pop("active", None)
    if query.active is not None:
        data["active"] = "yes" if query.active else "no"
    qs = filtered(ProductFilter(data, queryset=services.products_for(request.auth)))
    return page_of(qs, sort_for(query.sort), query)


@router.post("/products", response={201: ProductOut, **errors(400, 401, 403)})
def create_product(request, payload: ProductIn):
    product = services.save_product(by=request.auth, data=_sent(payload))
    return HttpStatus(201, product)


@router.get("/products/{int:product_id}", response={200: ProductOut, **errors(401, 404)})
def get_product(request, product_id: int):
    return _product(request, product_id)


@router.patch("/products/{int:product_id}", response={200: ProductOut, **errors(400, 401, 403, 404, 409)})
def update_product(request, product_id: int, payload: ProductPatch):
    data = _sent(payload)
    version = data.pop("version")
    return services.save_product(
        by=request.auth, data=data, product=_product(request, product_id), version=version
    )


@router.get("/contracts/{int:contract_id}/line-items", response={200: LineItemsOut, **errors(401, 404)})
def list_line_items(request, contract_id: int):
    contract = _contract(request, contract_id)
    items = list(contract.line_items.select_related("product"))
    return {"items": items, "totals": _totals(contract, items)}


@router.post(
    "/contracts/{int:contract_id}/line-items",
    response={201: LineItemOut, **errors(400, 401, 403, 404, 409)},
    description="Add a line to a draft. The draft's amount becomes the total of its lines, and its version "
    "goes up.",
)
def add_line_item(request, contract_id: int, payload: LineItemIn):
    item = services.add_line_item(_contract(request, contract_id), by=request.auth, data=_sent(payload))
    return HttpStatus(201, LineItem.objects.select_related("product").get(pk=item.pk))


@router.patch(
    "/line-items/{int:item_id}",
    response={200: LineItemOut, **errors(400, 401, 403, 404, 409)},
    description="Change a line of a draft; only the fields sent change. The amount follows.",
)
def update_line_item(request, item_id: int, payload: LineItemPatch):
    item = services.update_line_item(_line(request, item_id), by=request.auth, data=_sent(payload))
    return LineItem.objects.select_related("product").get(pk=item.pk)


@router.delete(
    "/line-items/{int:item_id}",
    response={204: None, **errors(401, 403, 404, 409)},
    description="Remove a line from a draft. The amount follows the lines that remain; after the last one it "
    "stays as it was.",
)
def remove_line_item(request, item_id: int):
    services.remove_line_item(_line(request, item_id), by=request.auth)
    return HttpStatus(204, None)
