"""Keyset pagination: a deep page costs what the first page costs.

The cursor is the sort value and id of the last row shown, so the next page is a range seek on the sort
index instead of an OFFSET that reads and discards every row before it.
"""

import base64
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from .errors import InvalidInput


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool = False
    kind: type = str  # how a cursor value is read back: str, int, Decimal, dt.date


@dataclass
class Page:
    items: list
    count: int | None
    next_cursor: str | None
    size: int


def _encode(value) -> str:
    if isinstance(value, dt.date | Decimal):
        value = str(value)
    return value


def _decode(value, kind):
    if value is None:
        return None
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    return kind(value)


def make_cursor(sort: Sort, row) -> str:
    raw = json.dumps([_encode(getattr(row, sort.field)), row.pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(sort: Sort, cursor: str):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        value, pk = _decode(value, sort.kind), int(pk)
        if not 0 < pk < 2**63 or (isinstance(value, Decimal) and not value.is_finite()) or (
            isinstance(value, int) and not 0 < value < 2**63
        ):
            raise ValueError(cursor)
        return value, pk
    except (ValueError, TypeError, ArithmeticError):
        raise InvalidInput(_("The page link is not valid; start again from the first page."), code="bad_cursor") from None


def order(qs: QuerySet, sort: Sort) -> QuerySet:
    if sort.field in ("id", "pk"):
        return qs.order_by("-pk" if sort.descending else "pk")
    column = F(sort.field).desc(nulls_last=True) if sort.descending else F(sort.field).asc(nulls_last=True)
    return qs.order_by(column, "-pk" if sort.descending else "pk")


def _seek(qs: QuerySet, sort: Sort, value, pk: int) -> QuerySet:
    """Rows after (value, pk) among those with a sort value, as a row-value comparison: the database seeks
    the (field, id) index to the cursor instead of reading every row before it."""
    quote = connection.ops.quote_name
    table = quote(qs.model._meta.db_table)
    column = quote(qs.model._meta.get_field(sort.field).column)
    op = "<" if sort.descending else ">"
    if isinstance(value, Decimal):
        value = str(value)
    return qs.filter(RawSQL(f"({table}.{column}, {table}.{quote(qs.model._meta.pk.column)}) {op} (%s, %s)", [value, pk],
                            output_field=BooleanField()))


def _rows(qs: QuerySet, sort: Sort, cursor: str | None, limit: int) -> list:
    """Up to `limit` rows after the cursor in (sort value, id) order, rows without a sort value last.

    The rows with a value and the rows without are read as two index ranges, the second only when the
    first runs out, so neither read is slowed by an OR across them.
    """
    past = "lt" if sort.descending else "gt"
    id_order = "-pk" if sort.descending else "pk"
    if sort.field in ("id", "pk"):
        if cursor:
            qs = qs.filter(**{f"pk__{past}": read_cursor(sort, cursor)[1]})
        return list(qs.order_by(id_order)[:limit])
    value, pk = read_cursor(sort, cursor) if cursor else (None, None)
    rows = []
    if not cursor or value is not None:
        valued = qs.filter(**{f"{sort.field}__isnull": False})
        if cursor:
            valued = _seek(valued, sort, value, pk)
        field_order = f"-{sort.field}" if sort.descending else sort.field
        rows = list(valued.order_by(field_order, id_order)[:limit])
    if len(rows) < limit:
        empty = qs.filter(**{f"{sort.field}__isnull": True})
        if value is None and pk is not None:
            empty = empty.filter(**{f"pk__{past}": pk})
        rows += list(empty.order_by(id_order)[: limit - len(rows)])
    return rows


def paginate(qs: QuerySet, sort: Sort, *, cursor: str | None, size: int, with_count: bool = True) -> Page:
    count = qs.count() if with_count else None
    rows = _rows(qs, sort, cursor, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    return Page(items=rows, count=count, next_cursor=make_cursor(sort, rows[-1]) if more and rows else None, size=size)
