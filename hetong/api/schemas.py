"""Schema pieces every router uses: list paging, exact money input, filter parameters documented with their
real type but checked by the page's own FilterSet (one set of rules and translated messages for both)."""

from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from hetong.core.errors import InvalidInput
from hetong.core.pagination import Sort, paginate

DEFAULT_LIMIT = 25
MAX_LIMIT = 200


def _refuse_unstorable_text(value):
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("null_character", "Null characters are not allowed.")
        try:
            value.encode()
        except UnicodeEncodeError:  # a lone surrogate, which JSON's \ud800 escapes can carry
            raise PydanticCustomError("broken_text", "The text is not valid Unicode.") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable_text(key)
            _refuse_unstorable_text(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_unstorable_text(item)
    return value


class InputSchema(Schema):
    """Base of every query and body schema. Text no database can store (a NUL character, which PostgreSQL
    cannot even compare, or a lone surrogate) is refused here, as Django's form fields refuse NUL, instead
    of failing in the database with a 500."""

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value):
        return _refuse_unstorable_text(value)


class BodySchema(InputSchema):
    """A request body: a field the schema does not list is refused (mass assignment), not ignored."""

    model_config = ConfigDict(extra="forbid")


def _money_text(value):
    # The API's JSON parser reads numbers as Decimal, so a float here can only come from Python code.
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("an amount must be a string or an exact number")
    if isinstance(value, int | Decimal):
        return str(value)
    return value


# An amount as the client wrote it ("128000.00" or 128000.00); the service checks and rounds nothing away.
Money = Annotated[
    str,
    BeforeValidator(_money_text),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}, {"type": "number"}],
            "examples": ["128000.00"],
        }
    ),
]


def documented(schema: dict):
    """A query parameter read as text and checked by a FilterSet, documented as `schema`."""
    return Annotated[str | None, WithJsonSchema(schema)]


IntParam = documented({"type": "integer", "minimum": 0})
DaysParam = documented({"type": "integer", "minimum": 0, "maximum": 36500})
NumberParam = documented({"type": "string", "format": "decimal"})
DateParam = documented({"type": "string", "format": "date"})


class PageQuery(InputSchema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page (1-200).")
    cursor: str | None = Field(None, description="The `next_cursor` of the previous page.")


def filtered(filterset):
    """The FilterSet's queryset, or a 400 naming each bad parameter."""
    if not filterset.is_valid():
        raise InvalidInput(errors={field: list(messages) for field, messages in filterset.errors.items()})
    return filterset.qs


def page_of(qs, sort: Sort, query: PageQuery) -> dict:
    page = paginate(qs, sort, cursor=query.cursor, size=query.limit)
    return {"items": page.items, "count": page.count, "next_cursor": page.next_cursor}


def unknown_choice(field: str) -> InvalidInput:
    return InvalidInput(errors={field: [_("Select a valid choice; that one does not exist.")]})
