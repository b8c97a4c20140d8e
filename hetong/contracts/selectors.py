"""Reads that build the contract pages: the list's rows, the detail page's facts from several apps, the calendars."""

import calendar
import datetime as dt
from decimal import Decimal

import rules
from django.db.models import Prefetch
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hetong.audit.selectors import history_for
from hetong.core.dates import add_months, company_today

from . import services
from .models import (
    KEY_DATE_KINDS,
    TRANSITIONS,
    Contract,
    ContractFile,
    ContractType,
    ExtraField,
    FileVersion,
    KeyDate,
    Status,
    key_date_label,
)

# Badge colour per status (Tabler colour names), kept here so templates compare no status literals.
STATUS_COLOURS = {
    Status.DRAFT: "secondary",
    Status.IN_REVIEW: "azure",
    Status.APPROVED: "indigo",
    Status.SIGNING: "purple",
    Status.SIGNED: "teal",
    Status.ACTIVE: "green",
    Status.EXPIRED: "orange",
    Status.RENEWED: "cyan",
    Status.TERMINATED: "red",
    Status.CANCELLED: "dark",
}
# The way a contract normally goes; the stepper shows where it is on it.
MAIN_PATH = [Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.SIGNING, Status.SIGNED, Status.ACTIVE]
AFTER_ACTIVE = {Status.EXPIRED, Status.RENEWED, Status.TERMINATED}
# Which inputs each action's form asks for (the services say which ones are required).
ACTION_INPUTS = {
    "reject": {"note"},
    "cancel": {"note"},
    "terminate": {"note", "terminated_on"},
    "sign": {"signed_date", "signed_file"},
}
ACTION_BUTTONS = {"approve": "success", "reject": "danger", "terminate": "danger", "cancel": "outline-danger"}
ENDS_SOON_DAYS = 30


def money(amount: Decimal | None) -> str:
    """1234567.5 -> "1,234,567.50" in every language (zh-Hans has no thousands separator in Django's locale,
    but Chinese finance pages group by thousands with commas)."""
    return "" if amount is None else f"{amount:,.2f}"


def list_queryset(user):
    return Contract.objects.visible_to(user).select_related(
        "customer", "contract_type", "owner", "department"
    )


def decorate(rows) -> list[Contract]:
    """Presentation facts for list rows (no queries)."""
    for row in rows:
        row.status_colour = STATUS_COLOURS.get(row.status, "secondary")
        row.amount_display = money(row.amount)
        days = row.days_to_end
        row.ends_soon = (
            days is not None and 0 <= days <= ENDS_SOON_DAYS and row.status in (Status.SIGNED, Status.ACTIVE)
        )
    return list(rows)


# How far contracts have been carried out, from the capabilities that know: payments (collected and invoiced %) and
# obligations (fulfilment %). A source takes contract ids and returns {id: {name: percentage or None}} in a fixed
# number of queries, whatever the number of ids; register in AppConfig.ready with add_progress_source.
PROGRESS = (
    ("collected_pct", _("Collected")),
    ("invoiced_pct", _("Invoiced")),
    ("fulfilment_pct", _("Fulfilled")),
)
_PROGRESS_SOURCES: list = []
NOT_STARTED = frozenset({Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.SIGNING, Status.CANCELLED})


def add_progress_source(source) -> None:
    if source not in _PROGRESS_SOURCES:
        _PROGRESS_SOURCES.append(source)


def with_progress(rows: list[Contract]) -> list[Contract]:
    """Set `row.progress` to [(label, percentage or None)] on each row: a few queries for the whole page."""
    found: dict = {row.pk: {} for row in rows}
    if rows:
        for source in _PROGRESS_SOURCES:
            for pk, values in source(list(found)).items():
                found.setdefault(pk, {}).update(values)
    for row in rows:
        row.progress = None if row.status in NOT_STARTED else [
            {"name": name, "label": label, "pct": found[row.pk].get(name)} for name, label in PROGRESS]
    return rows


def export_rows(qs):
    """The export's rows, streamed in chunks with their tags (a constant number of queries per chunk)."""
    return (
        qs.select_related("customer", "contract_type", "owner", "department")
        .prefetch_related("tags")
        .iterator(chunk_size=500)
    )


def _stepper(contract: Contract) -> list[dict]:
    status = Status.ACTIVE if contract.status in AFTER_ACTIVE else contract.status
    return [{"label": Status(step).label, "active": step == status} for step in MAIN_PATH]


def _extra_values(contract: Contract) -> list[tuple[str, object]]:
    definitions = ExtraField.objects.filter(
        contract_type__in=[t.pk for t in contract.contract_type.lineage()]
    )
    known = {f.key: f for f in definitions}
    rows = []
    for key, field in known.items():
        if key in contract.extra:
            value = contract.extra[key]
            if field.kind == ExtraField.Kind.BOOLEAN:
                value = gettext("Yes") if value else gettext("No")
            rows.append((str(field), value))
    # Values whose definition was removed are still facts of the contract: show them under their key.
    rows += [(key, value) for key, value in contract.extra.items() if key not in known]
    return rows


def _actions(contract: Contract, user, files: list[ContractFile]) -> list[dict]:
    has_signed_file = any(f.kind == ContractFile.Kind.SIGNED for f in files)
    actions = []
    for name in services.allowed_actions(contract, user):
        inputs = set(ACTION_INPUTS.get(name, ()))
        if name == "sign" and has_signed_file:
            inputs.discard("signed_file")
        actions.append(
            {
                "name": name,
                "label": TRANSITIONS[name].label,
                "inputs": inputs,
                "button": ACTION_BUTTONS.get(name, "primary"),
            }
        )
    return actions


def contract_page(contract: Contract, user) -> dict:
    """Everything the detail page shows about one contract the user can see."""
    contract.status_colour = STATUS_COLOURS.get(contract.status, "secondary")
    contract.amount_display = money(contract.amount)
    files = list(
        contract.files.select_related("created_by").prefetch_related(
            Prefetch(
                "versions", queryset=FileVersion.objects.select_related("uploaded_by").order_by("-number")
            )
        )
    )
    for file in files:
        for version in file.versions.all():
            version.sha256_short = version.sha256[:12]
    parties = contract.parties.prefetch_related("signatories")
    days = contract.days_to_end
    return {
        "progress": with_progress([contract])[0].progress,
        "days_to_end": days,
        "days_since_end": -days if days is not None and days < 0 else None,
        "ends_soon": days is not None and 0 <= days <= ENDS_SOON_DAYS,
        "contract": contract,
        "steps": _stepper(contract),
        "off_path": contract.status not in MAIN_PATH,
        "extra_values": _extra_values(contract),
        "parties": parties,
        "tags": list(contract.tags.all()),
        "actions": _actions(contract, user, files),
        "files": files,
        "can_upload": rules.has_perm("contracts.upload_file", user, contract),
        "can_edit": rules.has_perm("contracts.change_contract", user, contract),
        "file_kinds": [(k, label) for k, label in ContractFile.Kind.choices if contract.accepts_file(k)],
        "default_kind": ContractFile.Kind.ATTACHMENT,
        "interactions": contract.interactions.select_related("author", "contact").order_by("-date", "-id")[
            :50
        ],
        "events": history_for(contract),
    }


# --- calendars -------------------------------------------------------------------------------------------

# Badge colour per key date kind (Tabler colour names); a contract type's own date fields ("x:<key>") share one.
KIND_COLOURS = {
    "end": "red",
    "notice": "orange",
    "effective": "green",
    "signing": "purple",
    "review": "azure",
}
CUSTOM_KIND = "x"  # the kind filter's value for every date field that a contract type defines itself
CUSTOM_KIND_COLOUR = "secondary"
# The feed is a window around today, not every date ever: calendar apps download the whole file again every
# few hours. Ninety days back keeps what was just missed in sight; two years ahead covers the next notice
# deadline of yearly contracts. Beyond 5000 events the file grows past what calendar apps accept, so the
# nearest are kept: upcoming dates from today on first, then past ones, most recent first.
FEED_PAST_DAYS = 90
FEED_FUTURE_DAYS = 730
FEED_MAX_EVENTS = 5000
AGENDA_DAYS = 60
# A page lists at most this many dates; past it the page says so and asks for a narrower filter.
PAGE_MAX_DATES = 2000
DAY_BADGES = 4  # per day cell of the month grid; the rest are counted ("+3 more") and listed in the agenda


def kind_choices() -> list[tuple[str, str]]:
    """The calendar's kind filter: the standard kinds, then one choice for all custom date fields."""
    return [(kind, str(label)) for kind, (label, _statuses) in KEY_DATE_KINDS.items()] + [
        (CUSTOM_KIND, gettext("Custom date fields"))
    ]


def kind_legend() -> list[tuple[str, str]]:
    """(label, colour) of each kind, for the calendar's legend."""
    return [(label, KIND_COLOURS.get(kind, CUSTOM_KIND_COLOUR)) for kind, label in kind_choices()]


def key_dates_between(user, *, start: dt.date, end: dt.date, kind: str | None = None, mine: bool = False):
    """Key dates from `start` to `end` (both included) of the contracts `user` may see, in date order, with
    their contract, its type and its customer in the same query. `kind` is a KEY_DATE_KINDS name or
    CUSTOM_KIND; `mine` keeps the contracts the user owns. Label the rows with label_key_dates()."""
    rows = KeyDate.objects.filter(
        date__gte=start, date__lte=end, contract__in=Contract.objects.visible_to(user).values("pk")
    )
    if mine:
        rows = rows.filter(contract__owner=user)
    if kind == CUSTOM_KIND:
        rows = rows.filter(kind__startswith="x:")
    elif kind:
        rows = rows.filter(kind=kind)
    return rows.select_related("contract__contract_type", "contract__customer").order_by("date", "id")


def label_key_dates(rows) -> list[KeyDate]:
    """Set `kind_label` (in the active language) and `colour` on each row, in at most two queries whatever
    the number of rows: custom date fields are named by the type that defines them or by an ancestor."""
    rows = list(rows)
    custom = {row.kind[2:] for row in rows if row.kind.startswith("x:")}
    fields, parents = {}, {}
    if custom:
        fields = {
            (f.contract_type_id, f.key): f
            for f in ExtraField.objects.filter(kind=ExtraField.Kind.DATE, key__in=custom)
        }
        parents = dict(ContractType.objects.values_list("pk", "parent_id"))
    for row in rows:
        if not row.kind.startswith("x:"):
            row.kind_label, row.colour = key_date_label(row.kind), KIND_COLOURS.get(row.kind, "secondary")
            continue
        row.kind_label, row.colour = row.kind[2:], CUSTOM_KIND_COLOUR
        node, seen = row.contract.contract_type_id, set()
        while node is not None and node not in seen:
            seen.add(node)
            if (node, row.kind[2:]) in fields:
                row.kind_label = str(fields[node, row.kind[2:]])
                break
            node = parents.get(node)
    return rows


def feed_key_dates(user, *, today: dt.date | None = None) -> list[KeyDate]:
    """The events of a user's feed: the window around today, capped at FEED_MAX_EVENTS nearest first (see
    above), in date order and labelled. Two queries, and two more when there are custom date fields."""
    today = today or company_today()
    first, last = today - dt.timedelta(days=FEED_PAST_DAYS), today + dt.timedelta(days=FEED_FUTURE_DAYS)
    upcoming = list(key_dates_between(user, start=today, end=last)[:FEED_MAX_EVENTS])
    past = []
    if len(upcoming) < FEED_MAX_EVENTS:
        recent = key_dates_between(user, start=first, end=today - dt.timedelta(days=1)).order_by(
            "-date", "-id"
        )
        past = list(recent[: FEED_MAX_EVENTS - len(upcoming)])[::-1]
    return label_key_dates(past + upcoming)


def contract_key_dates(contract: Contract) -> list[KeyDate]:
    """One contract's key dates for its own .ics file, labelled; `contract` comes with its type and customer."""
    rows = list(contract.key_dates.order_by("date", "id"))
    for row in rows:
        row.contract = contract  # already loaded with its relations: no query per row
    return label_key_dates(rows)


def _decorate_contracts(rows) -> None:
    for row in rows:
        row.contract.status_colour = STATUS_COLOURS.get(row.contract.status, "secondary")


def _by_day(rows) -> dict[dt.date, list[KeyDate]]:
    days: dict[dt.date, list[KeyDate]] = {}
    for row in rows:
        days.setdefault(row.date, []).append(row)
    return days


def calendar_month(
    user, *, month: dt.date, kind: str | None = None, mine: bool = False, today: dt.date | None = None
) -> dict:
    """The month grid: weeks from Monday to Sunday covering `month` (any day of it), each day with its key
    dates. Days of the neighbouring months in the first and last week show their dates too."""
    today = today or company_today()
    first = month.replace(day=1)
    weeks = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(first.year, first.month)
    rows = key_dates_between(user, start=weeks[0][0], end=weeks[-1][-1], kind=kind, mine=mine)
    rows = list(rows[: PAGE_MAX_DATES + 1])
    truncated = len(rows) > PAGE_MAX_DATES
    rows = label_key_dates(rows[:PAGE_MAX_DATES])
    _decorate_contracts(rows)
    days = _by_day(rows)
    grid = [
        [
            {
                "date": day,
                "in_month": day.month == first.month,
                "is_today": day == today,
                "badges": days.get(day, [])[:DAY_BADGES],
                "more": max(0, len(days.get(day, [])) - DAY_BADGES),
            }
            for day in week
        ]
        for week in weeks
    ]
    agenda = [
        {"date": day, "is_today": day == today, "items": items}
        for day, items in days.items()
        if day.month == first.month
    ]
    return {
        "month": first,
        "previous": add_months(first, -1),
        "next": add_months(first, 1),
        "weekdays": weeks[0],
        "weeks": grid,
        "agenda": agenda,
        "count": len(rows),
        "truncated": truncated,
        "today": today,
    }


def calendar_agenda(
    user,
    *,
    start: dt.date | None = None,
    kind: str | None = None,
    mine: bool = False,
    today: dt.date | None = None,
) -> dict:
    """The key dates of the AGENDA_DAYS days from `start` (default today), grouped by date."""
    today = today or company_today()
    start = start or today
    end = start + dt.timedelta(days=AGENDA_DAYS - 1)
    rows = list(key_dates_between(user, start=start, end=end, kind=kind, mine=mine)[: PAGE_MAX_DATES + 1])
    truncated = len(rows) > PAGE_MAX_DATES
    rows = label_key_dates(rows[:PAGE_MAX_DATES])
    _decorate_contracts(rows)
    return {
        "start": start,
        "end": end,
        "previous": start - dt.timedelta(days=AGENDA_DAYS),
        "next": end + dt.timedelta(days=1),
        "agenda": [
            {"date": day, "is_today": day == today, "items": items} for day, items in _by_day(rows).items()
        ],
        "count": len(rows),
        "truncated": truncated,
        "today": today,
    }
