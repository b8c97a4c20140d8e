"""Keyset pagination: a deep page costs what the first page costs.

The cursor is the sort value and id of the last row shown, so the next page is a range seek on the sort
index instead of an OFFSET that reads and discards every row before it.
"""

import base64
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet
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
    if sort.field == "id":
        return qs.order_by("-id" if sort.descending else "id")
    column = F(sort.field).desc(nulls_last=True) if sort.descending else F(sort.field).asc(nulls_last=True)
    return qs.order_by(column, "-id" if sort.descending else "id")


def after(qs: QuerySet, sort: Sort, cursor: str) -> QuerySet:
    """Rows strictly after the cursor in (sort value, id) order, with NULL sort values last."""
    value, pk = read_cursor(sort, cursor)
    past = "lt" if sort.descending else "gt"
    if sort.field == "id":
        return qs.filter(**{f"id__{past}": pk})
    if value is None:
        return qs.filter(**{f"{sort.field}__isnull": True, f"id__{past}": pk})
    return qs.filter(
        Q(**{f"{sort.field}__{past}": value})
        | Q(**{sort.field: value, f"id__{past}": pk})
        | Q(**{f"{sort.field}__isnull": True})
    )


def paginate(qs: QuerySet, sort: Sort, *, cursor: str | None, size: int, with_count: bool = True) -> Page:
    count = qs.count() if with_count else None
    if cursor:
        qs = after(qs, sort, cursor)
    rows = list(order(qs, sort)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(items=rows, count=count, next_cursor=make_cursor(sort, rows[-1]) if more and rows else None, size=size)
