"""The reports: six tables over the contracts a person may see, each exportable to XLSX, CSV and PDF.

A report takes the dashboard's filters (the contract list's own filter set: department, owner, type, customer level)
and a period (`from`, `to`; this calendar year by default), always over `Contract.objects.visible_to(user)`. Its rows
are a generator of dicts keyed by the report's column keys, read in a fixed number of queries (the ledger: a fixed
number per chunk of 500 contracts), never one per row. Labels (statuses, headers) are rendered in the language active
while the rows are read: the schedules read them inside `translation.override(user.language)`.

Amounts of one contract are in its own currency, beside a currency column; totals over several contracts are in CNY
at core.money.rate, and their headers say so. Every exported text cell goes through core.exports.neutralise, so no
spreadsheet runs it as a formula.
"""

import csv
import datetime as dt
import io
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Prefetch, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from hetong.approvals.models import Instance, NodeRun, Task
from hetong.changes.models import Amendment, Notice, Renewal
from hetong.contracts.models import IN_FORCE_STATES, OPEN_STATES, Contract, ContractType, PeriodUnit, Status
from hetong.core.dates import company_today
from hetong.core.errors import InvalidInput
from hetong.core.exports import MAX_EXPORT_ROWS, neutralise
from hetong.core.money import rate
from hetong.customers.models import Customer, Level
from hetong.payments.models import RECEIVABLE_STATES, ZERO, Installment, Receipt
from hetong.payments.selectors import BUCKET_KEYS, BUCKETS, bucket_of, progress_for

from . import selectors

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
CHUNK = 500
PREVIEW_ROWS = 200
MAX_PDF_ROWS = 2000  # a PDF is read, not processed: past this many rows the XLSX is the better file
ENDING_DAYS = 90
NOTICE_DAYS = selectors.NOTICE_DAYS
STUCK_DAYS = selectors.STUCK_DAYS
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
ENDED_STATES = frozenset({Status.EXPIRED, Status.RENEWED, Status.TERMINATED})

# Column kinds: how a value is written in each format.
TEXT, MONEY, DATE, DATETIME, COUNT, PERCENT, HOURS = "text", "money", "date", "datetime", "count", "percent", "hours"


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazily translated
    kind: str = TEXT


@dataclass
class Query:
    """A report's checked input: the scoped, filtered contracts and the period."""

    user: object
    contracts: object  # Contract queryset: visible to the user, filtered
    filters: list  # [(name, value)] of the contract filters, as given
    first: dt.date
    last: dt.date
    today: dt.date
    now: dt.datetime

    @property
    def since(self) -> dt.datetime:
        """The period's first instant (company time)."""
        return _start_of(self.first)

    @property
    def until(self) -> dt.datetime:
        """The instant after the period's last day (company time)."""
        return _start_of(self.last + dt.timedelta(days=1))

    def described(self) -> list[tuple[str, str]]:
        return describe([self.filters])[0]


def describe(filter_sets: list[list]) -> list[list[tuple[str, str]]]:
    """For each list of (filter, value) pairs, (label, value) with names instead of ids, for the PDF, the email and
    the schedules page: three queries for all of them."""
    from hetong.accounts.models import Department, User

    ids = defaultdict(set)
    for pairs in filter_sets:
        for name, value in pairs:
            if str(value).isdigit():
                ids[name].add(int(value))
    names = {
        "department": {str(d.pk): d.name for d in Department.objects.filter(pk__in=ids["department"])}
        if ids["department"] else {},
        "owner": {str(u.pk): str(u) for u in User.objects.filter(pk__in=ids["owner"])} if ids["owner"] else {},
        "type": {str(t.pk): str(t) for t in ContractType.objects.filter(pk__in=ids["type"])} if ids["type"] else {},
        "customer_level": {key: str(label) for key, label in Level.choices},
    }
    labels = {"department": _("Department"), "owner": _("Owner"), "type": _("Type"),
              "customer_level": _("Customer level")}
    out = []
    for pairs in filter_sets:
        chosen = defaultdict(list)
        for name, value in pairs:
            chosen[name].append(names.get(name, {}).get(str(value), str(value)))
        out.append([(str(label), ", ".join(chosen[name])) for name, label in labels.items() if chosen.get(name)])
    return out


@dataclass(frozen=True)
class Report:
    key: str
    title: object
    description: object
    columns: tuple
    build: Callable[[Query], Iterable[dict]]
    uses_period: bool = True
    sectioned: bool = False  # rows carry a "section" column; the PDF heads each section

    def rows(self, q: Query) -> Iterator[dict]:
        return iter(self.build(q))

    def headers(self) -> list[str]:
        return [str(c.label) for c in self.columns]


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def _local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment, timezone.get_default_timezone()).date() if moment else None


def _cny(amount, currency: str) -> Decimal:
    return (amount or ZERO) * rate(currency)


def _round(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _hours(seconds) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(seconds) / 3600).quantize(TENTH, rounding=ROUND_HALF_UP)


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


def _status(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


def _person(user) -> str:
    return str(user) if user is not None else ""


# --- the input ------------------------------------------------------------------------------------------------


def _date(data, name: str, errors: dict) -> dt.date | None:
    raw = data.get(name)
    if isinstance(raw, list):
        raw = raw[-1] if raw else None
    if raw in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        errors[name] = [_("Enter a valid date (YYYY-MM-DD).")]
        return None
    return day


def query(user, data=None, *, today: dt.date | None = None, period: tuple[dt.date, dt.date] | None = None) -> Query:
    """The report input from a query string (or a dict of lists): the contract filters as the dashboard reads them,
    `from` and `to` (default: this calendar year), or a `period` given by the caller (a schedule). Every bad value is
    a field error of one InvalidInput."""
    data = data or {}
    today = today or company_today()
    errors: dict = {}
    contracts, params = Contract.objects.none(), []
    try:
        checked = selectors.query(user, {key: data.get(key) if not hasattr(data, "getlist") else data.getlist(key)
                                         for key in selectors.FILTERS}, today=today)
        contracts, params = checked.contracts, checked.params
    except InvalidInput as exc:
        errors.update(exc.errors)
    if period is None:
        first = _date(data, "from", errors) or dt.date(today.year, 1, 1)
        last = _date(data, "to", errors) or dt.date(today.year, 12, 31)
    else:
        first, last = period
    if not errors and last < first:
        errors["to"] = [_("The end of the period cannot be before its start.")]
    if errors:
        raise InvalidInput(_("Some filters are not valid."), errors=errors)
    return Query(user=user, contracts=contracts, filters=params, first=first, last=last, today=today,
                 now=timezone.now())


# --- the reports ------------------------------------------------------------------------------------------------


def _chunks(qs, size: int = CHUNK) -> Iterator[list]:
    """The rows of `qs` in pages of `size`, by id (keyset): one query per page, no cursor held open."""
    last = 0
    while True:
        page = list(qs.filter(pk__gt=last).order_by("pk")[:size])
        if not page:
            return
        yield page
        if len(page) < size:
            return
        last = page[-1].pk


LEDGER = (
    Column("number", _("Number")),
    Column("title", _("Title")),
    Column("customer", _("Customer")),
    Column("type", _("Type")),
    Column("status", _("Status")),
    Column("owner", _("Owner")),
    Column("department", _("Department")),
    Column("amount", _("Amount"), MONEY),
    Column("currency", _("Currency")),
    Column("signed_date", _("Signed date"), DATE),
    Column("effective_date", _("Effective date"), DATE),
    Column("end_date", _("End date"), DATE),
    Column("collected_pct", _("Collected (%)"), PERCENT),
    Column("invoiced_pct", _("Invoiced (%)"), PERCENT),
)


def ledger(q: Query) -> Iterator[dict]:
    """Every contract in its life during the period: started (created, signed or in effect) by the period's end,
    and not ended (expired, terminated, cancelled) before its start. In the order they were entered."""
    started = Q(created_at__lt=q.until) | Q(signed_date__lte=q.last) | Q(effective_date__lte=q.last)
    over = (Q(end_date__lt=q.first) | Q(status=Status.CANCELLED, status_changed_at__lt=q.since)
            | Q(status=Status.TERMINATED, terminated_on__lt=q.first))
    rows = (q.contracts.filter(started).exclude(over)
            .select_related("customer", "contract_type", "owner", "department"))
    for page in _chunks(rows):
        progress = progress_for([c.pk for c in page], q.today)
        for c in page:
            done = progress.get(c.pk, {})
            yield {
                "number": c.number, "title": c.title, "customer": c.customer.name, "type": str(c.contract_type),
                "status": _status(c.status), "owner": _person(c.owner),
                "department": c.department.name if c.department else "", "amount": c.amount, "currency": c.currency,
                "signed_date": c.signed_date, "effective_date": c.effective_date, "end_date": c.end_date,
                "collected_pct": done.get("collected_pct"), "invoiced_pct": done.get("invoiced_pct"),
            }


RECEIVABLES = (
    Column("customer", _("Customer")),
    Column("number", _("Number")),
    Column("title", _("Title")),
    Column("owner", _("Owner")),
    Column("currency", _("Currency")),
    Column("amount", _("Contract amount"), MONEY),
    Column("due", _("Due to date"), MONEY),
    Column("collected", _("Collected"), MONEY),
    Column("outstanding", _("Outstanding"), MONEY),
    Column("not_due", _("Not yet due"), MONEY),
    Column("overdue", _("Overdue amount"), MONEY),
    *(Column(key, label, MONEY) for key, label, *_rest in BUCKETS),
)


def receivables(q: Query) -> Iterator[dict]:
    """Each signed contract with money outstanding as of today: what fell due, what was received, what is
    outstanding, and the overdue part by days past each installment's due date. A last row totals in CNY."""
    signed = q.contracts.filter(status__in=RECEIVABLE_STATES)
    installments = (Installment.objects.filter(contract__in=signed.values("pk")).live().with_paid()
                    .values_list("contract", "amount", "paid", "due_date"))
    owed: dict = {}
    for contract_id, amount, paid, due in installments:
        row = owed.setdefault(contract_id, {"due": ZERO, "outstanding": ZERO, "not_due": ZERO, "overdue": ZERO,
                                            **{key: ZERO for key in BUCKET_KEYS}})
        left = max(amount - paid, ZERO)
        if due is not None and due <= q.today:
            row["due"] += amount
        row["outstanding"] += left
        bucket = bucket_of((q.today - due).days) if due is not None else None
        if bucket:
            row[bucket] += left
            row["overdue"] += left
        else:
            row["not_due"] += left
    owed = {pk: row for pk, row in owed.items() if row["outstanding"] > 0}
    received = dict(Receipt.objects.filter(contract__in=list(owed), reversed_at__isnull=True).order_by()
                    .values("contract").annotate(s=Sum("amount")).values_list("contract", "s"))
    contracts = (Contract.objects.filter(pk__in=list(owed)).select_related("customer", "owner")
                 .order_by("customer__name", "number"))
    money_keys = ["amount", "due", "collected", "outstanding", "not_due", "overdue", *BUCKET_KEYS]
    total = dict.fromkeys(money_keys, ZERO)
    for c in contracts:
        row = {"customer": c.customer.name, "number": c.number, "title": c.title, "owner": _person(c.owner),
               "currency": c.currency, "amount": c.amount, "collected": received.get(c.pk) or ZERO, **owed[c.pk]}
        for key in money_keys:
            total[key] += _cny(row[key], c.currency)
        yield row
    if owed:
        yield {"customer": gettext("Total (CNY)"), "number": "", "title": "", "owner": "", "currency": "CNY",
               **{key: _round(value) for key, value in total.items()}}


ENDING = (
    Column("number", _("Number")),
    Column("title", _("Title")),
    Column("customer", _("Customer")),
    Column("owner", _("Owner")),
    Column("amount", _("Amount"), MONEY),
    Column("currency", _("Currency")),
    Column("term_end", _("Term end"), DATE),
    Column("auto_renew", _("Renews automatically")),
    Column("renewal_term", _("Renewal term")),
    Column("notice_deadline", _("Notice deadline"), DATE),
    Column("non_renewal_notice", _("Non-renewal notice sent"), DATE),
    Column("status", _("Status")),
    Column("outcome", _("Outcome")),
    Column("successor", _("Renewed as")),
    Column("successor_status", _("Status of the renewal")),
)


def ending_renewal(q: Query) -> Iterator[dict]:
    """Contracts whose term ends in the period, and what became of them: renewed (by a new contract or tacitly),
    expired, terminated, or still open. A renewal's new contract is named only if the user may see it."""
    tacit = {r.predecessor_id: r for r in Renewal.objects.filter(
        predecessor__in=q.contracts.values("pk"), kind=Renewal.Kind.TACIT,
        start__gte=q.first + dt.timedelta(days=1), start__lte=q.last + dt.timedelta(days=1)).order_by("start")}
    rows = list(q.contracts.filter(status__in=IN_FORCE_STATES | ENDED_STATES)
                .filter(Q(end_date__gte=q.first, end_date__lte=q.last) | Q(pk__in=list(tacit)))
                .select_related("customer", "owner"))
    ids = [c.pk for c in rows]
    visible = Contract.objects.visible_to(q.user)
    successors = {r["predecessor"]: r for r in Renewal.objects.filter(
        predecessor__in=ids, successor__in=visible.values("pk")).order_by("start", "id")
        .values("predecessor", "successor__number", "successor__status")}
    notices = dict(Notice.objects.filter(contract__in=ids, kind=Notice.Kind.NON_RENEWAL).order_by()
                   .values("contract").annotate(at=Max("created_at")).values_list("contract", "at"))
    units = dict(PeriodUnit.choices)
    out = []
    for c in rows:
        renewal = tacit.get(c.pk)
        term_end = renewal.start - dt.timedelta(days=1) if renewal else c.end_date
        noticed = _local_day(notices.get(c.pk))
        successor = successors.get(c.pk)
        if c.status == Status.RENEWED:
            outcome = gettext("Renewed")
        elif renewal is not None:
            outcome = gettext("Renewed tacitly")
        elif c.status in ENDED_STATES:
            outcome = _status(c.status)
        elif noticed:
            outcome = gettext("Ending: notice of non-renewal sent")
        elif c.auto_renew:
            outcome = gettext("Renews automatically unless notice is given")
        else:
            outcome = gettext("Undecided")
        out.append({
            "number": c.number, "title": c.title, "customer": c.customer.name, "owner": _person(c.owner),
            "amount": c.amount, "currency": c.currency, "term_end": term_end, "auto_renew": _yes_no(c.auto_renew),
            "renewal_term": f"{c.renewal_term} {units.get(c.renewal_unit, c.renewal_unit)}" if c.renewal_term else "",
            "notice_deadline": c.notice_deadline, "non_renewal_notice": noticed, "status": _status(c.status),
            "outcome": outcome, "successor": successor["successor__number"] if successor else "",
            "successor_status": _status(successor["successor__status"]) if successor else "",
        })
    yield from sorted(out, key=lambda r: (r["term_end"] or dt.date.max, r["number"]))


APPROVAL_CYCLE = (
    Column("number", _("Number")),
    Column("title", _("Title")),
    Column("subject", _("Approved item")),
    Column("round", _("Round"), COUNT),
    Column("workflow", _("Workflow")),
    Column("submitted", _("Submitted"), DATETIME),
    Column("submitted_by", _("Submitted by")),
    Column("finished", _("Finished at"), DATETIME),
    Column("status", _("Result")),
    Column("hours", _("Elapsed hours"), HOURS),
    Column("business_hours", _("Business hours"), HOURS),
    Column("steps", _("Business hours per step")),
    Column("slowest", _("Slowest step")),
)


def approval_cycle(q: Query) -> Iterator[dict]:
    """One row per approval round submitted in the period (of a contract or of an amendment): how long it took in
    all and in business hours, and the business hours of each step that ran, in step order."""
    nodes = NodeRun.objects.order_by("index").only("instance", "index", "name", "status", "business_seconds")
    instances = (Instance.objects.filter(contract__in=q.contracts.values("pk"), started_at__gte=q.since,
                                         started_at__lt=q.until)
                 .select_related("contract", "amendment", "version__workflow", "submitted_by")
                 .prefetch_related(Prefetch("nodes", queryset=nodes))
                 .order_by("started_at", "id"))
    for page in _chunks(instances, CHUNK):
        for instance in sorted(page, key=lambda i: (i.started_at, i.pk)):
            ran = [n for n in instance.nodes.all() if n.business_seconds is not None]
            business = sum(n.business_seconds for n in ran) if ran else None
            slowest = max(ran, key=lambda n: n.business_seconds) if ran else None
            end = instance.finished_at or q.now
            yield {
                "number": instance.contract.number, "title": instance.contract.title,
                "subject": (gettext("Amendment %(label)s") % {"label": instance.amendment.label}
                            if instance.amendment_id else gettext("Contract")),
                "round": instance.round,
                "workflow": f"{instance.version.workflow.name} v{instance.version.number}",
                "submitted": instance.started_at, "submitted_by": _person(instance.submitted_by),
                "finished": instance.finished_at, "status": str(Instance.Status(instance.status).label),
                "hours": _hours(max((end - instance.started_at).total_seconds(), 0)),
                "business_hours": _hours(business),
                "steps": "; ".join(f"{n.name} {_hours(n.business_seconds)}" for n in ran),
                "slowest": slowest.name if slowest else "",
            }


CUSTOMER_SUMMARY = (
    Column("customer", _("Customer")),
    Column("level", _("Customer level")),
    Column("contracts", _("Contracts"), COUNT),
    Column("preparing", _("In preparation"), COUNT),
    Column("in_force", _("In force"), COUNT),
    Column("ended", _("Ended"), COUNT),
    Column("cancelled", _("Cancelled"), COUNT),
    Column("signed", _("Signed in the period"), COUNT),
    Column("signed_value", _("Value signed in the period (CNY)"), MONEY),
    Column("outstanding", _("Outstanding (CNY)"), MONEY),
    Column("overdue", _("Overdue (CNY)"), MONEY),
)


def customer_summary(q: Query) -> Iterator[dict]:
    """Per customer with contracts the user may see: how many by stage, the value signed in the period and what
    is outstanding and overdue now, all in CNY. Largest value signed first."""
    counts: dict = defaultdict(lambda: defaultdict(int))
    by_status = q.contracts.order_by().values("customer", "status").annotate(n=Count("id"))
    for customer, status, n in by_status.values_list("customer", "status", "n"):
        group = ("preparing" if status in OPEN_STATES else "in_force" if status in IN_FORCE_STATES
                 else "cancelled" if status == Status.CANCELLED else "ended")
        counts[customer][group] += n
        if status != Status.CANCELLED:
            counts[customer]["contracts"] += n
    signed: dict = defaultdict(lambda: [0, ZERO])
    signed_in = (q.contracts.filter(status__in=selectors.SIGNED_STATES, signed_date__gte=q.first, signed_date__lte=q.last)
                 .order_by().values("customer", "currency").annotate(n=Count("id"), s=Sum("amount")))
    for customer, currency, n, total in signed_in.values_list("customer", "currency", "n", "s"):
        signed[customer][0] += n
        signed[customer][1] += _cny(total, currency)
    owed: dict = defaultdict(lambda: [ZERO, ZERO])
    unpaid = (Installment.objects.filter(contract__in=q.contracts.filter(status__in=RECEIVABLE_STATES).values("pk"))
              .with_paid().unpaid())
    for customer, currency, amount, paid, due in unpaid.values_list("contract__customer", "contract__currency",
                                                                    "amount", "paid", "due_date"):
        left = _cny(amount - paid, currency)
        owed[customer][0] += left
        if due is not None and due < q.today:
            owed[customer][1] += left
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=list(counts)).only("name", "level")}
    levels = dict(Level.choices)
    rows = []
    for pk, by_group in counts.items():
        customer = customers.get(pk)
        if customer is None:
            continue
        rows.append({
            "customer": customer.name, "level": str(levels.get(customer.level, customer.level)),
            "contracts": by_group["contracts"], "preparing": by_group["preparing"], "in_force": by_group["in_force"],
            "ended": by_group["ended"], "cancelled": by_group["cancelled"], "signed": signed[pk][0],
            "signed_value": _round(signed[pk][1]), "outstanding": _round(owed[pk][0]), "overdue": _round(owed[pk][1]),
        })
    yield from sorted(rows, key=lambda r: (-r["signed_value"], -r["outstanding"], r["customer"]))


PERIOD_SUMMARY = (
    Column("section", _("Section")),
    Column("number", _("Number")),
    Column("title", _("Title")),
    Column("customer", _("Customer")),
    Column("owner", _("Owner")),
    Column("status", _("Status")),
    Column("amount", _("Amount"), MONEY),
    Column("currency", _("Currency")),
    Column("date", _("Key date"), DATE),
    Column("detail", _("What to know")),
)
SECTIONS = (
    ("new", _("New contracts")),
    ("signed", _("Signed")),
    ("ending", _("Ending in the next 90 days")),
    ("overdue", _("Overdue receivables")),
    ("at_risk", _("At risk")),
    ("decisions", _("Decisions needed")),
)


def _summary_row(section: str, contract: Contract, day, detail: str = "") -> dict:
    return {"section": section, "number": contract.number, "title": contract.title,
            "customer": contract.customer.name, "owner": _person(contract.owner), "status": _status(contract.status),
            "amount": contract.amount, "currency": contract.currency, "date": day, "detail": detail}


def period_summary(q: Query) -> Iterator[dict]:
    """For the contract management meeting, one table in sections: contracts created and signed in the period;
    those in force ending in the next 90 days; overdue receivables; at risk (a notice deadline within 30 days
    without a non-renewal notice, or in review longer than 7 days); and decisions waiting (approval steps and
    amendments in review). Each section is one query or two, whatever the number of contracts."""
    labels = {key: str(label) for key, label in SECTIONS}
    base = q.contracts.select_related("customer", "owner")

    # New: created in the period, unless signed before it (a record of an older contract, imported or entered late).
    new = base.filter(created_at__gte=q.since, created_at__lt=q.until).exclude(signed_date__lt=q.first)
    for c in new.order_by("created_at", "pk"):
        yield _summary_row(labels["new"], c, _local_day(c.created_at))
    for c in base.filter(status__in=selectors.SIGNED_STATES, signed_date__gte=q.first,
                         signed_date__lte=q.last).order_by("signed_date", "pk"):
        yield _summary_row(labels["signed"], c, c.signed_date)
    for c in base.expiring(within=ENDING_DAYS, on=q.today).order_by("end_date", "pk"):
        detail = gettext("Days left: %(days)s") % {"days": (c.end_date - q.today).days}
        if c.auto_renew:
            detail += "; " + gettext("renews automatically")
        yield _summary_row(labels["ending"], c, c.end_date, detail)

    overdue: dict = {}
    for contract_id, amount, paid, due in (
            Installment.objects.filter(contract__in=q.contracts.filter(status__in=RECEIVABLE_STATES).values("pk"),
                                       due_date__lt=q.today)
            .with_paid().unpaid().values_list("contract", "amount", "paid", "due_date")):
        left, oldest = overdue.get(contract_id, (ZERO, due))
        overdue[contract_id] = (left + amount - paid, min(oldest, due))
    for c in base.filter(pk__in=list(overdue)).order_by("pk"):
        left, oldest = overdue[c.pk]
        yield _summary_row(labels["overdue"], c, oldest, gettext(
            "Overdue: %(amount)s %(currency)s, %(days)s days past due") % {
            "amount": f"{left:,.2f}", "currency": c.currency, "days": (q.today - oldest).days})

    unanswered = (base.notice_due(within=NOTICE_DAYS, on=q.today)
                  .exclude(pk__in=Notice.objects.filter(kind__in=[Notice.Kind.NON_RENEWAL, Notice.Kind.TERMINATION])
                           .values("contract"))
                  .order_by("notice_deadline", "pk"))
    for c in unanswered:
        yield _summary_row(labels["at_risk"], c, c.notice_deadline, gettext(
            "Notice deadline in %(days)s days, no non-renewal notice sent") % {
            "days": (c.notice_deadline - q.today).days})
    for c in base.stuck(days=STUCK_DAYS, now=q.now).order_by("status_changed_at", "pk"):
        since = _local_day(c.status_changed_at)
        yield _summary_row(labels["at_risk"], c, since, gettext("In review for %(days)s days") % {
            "days": (q.today - since).days})

    tasks = (Task.objects.filter(status=Task.Status.PENDING, instance__status=Instance.Status.RUNNING,
                                 instance__contract__in=q.contracts.values("pk"))
             .select_related("user", "node", "instance__amendment", "instance__contract__customer",
                             "instance__contract__owner")
             .order_by("instance__started_at", "instance_id", "node__index", "id"))
    waiting: dict = {}
    for task in tasks:
        entry = waiting.setdefault(task.instance_id, {"instance": task.instance, "steps": {}})
        entry["steps"].setdefault(task.node.name, (task.node.started_at, []))[1].append(_person(task.user))
    in_approval = set()
    for entry in waiting.values():
        instance = entry["instance"]
        parts = []
        for step, (_started, names) in entry["steps"].items():
            parts.append(gettext("%(step)s waiting for %(names)s") % {"step": step, "names": ", ".join(names)})
        detail = "; ".join(parts)
        if instance.amendment_id:
            in_approval.add(instance.amendment_id)
            detail = gettext("Amendment %(label)s %(title)s") % {
                "label": instance.amendment.label, "title": instance.amendment.title} + ": " + detail
        started = min((s for s, _names in entry["steps"].values() if s), default=instance.started_at)
        yield _summary_row(labels["decisions"], instance.contract, _local_day(started), detail)
    for amendment in (Amendment.objects.filter(status=Amendment.Status.IN_REVIEW, contract__in=q.contracts.values("pk"))
                      .exclude(pk__in=in_approval).select_related("contract__customer", "contract__owner")
                      .order_by("updated_at", "pk")):
        yield _summary_row(labels["decisions"], amendment.contract, _local_day(amendment.updated_at), gettext(
            "Amendment %(label)s %(title)s is in review") % {"label": amendment.label, "title": amendment.title})


REGISTRY: dict[str, Report] = {r.key: r for r in (
    Report("ledger", _("Contract ledger"), _(
        "Every contract in its life during the period, with its parties, money, dates and how much has been "
        "collected and invoiced."), LEDGER, ledger),
    Report("receivables", _("Receivables"), _(
        "Signed contracts with money outstanding today: due, collected, outstanding and overdue by age. The last "
        "row totals in CNY. The period does not apply."), RECEIVABLES, receivables, uses_period=False),
    Report("ending_renewal", _("Ending and renewal"), _(
        "Contracts whose term ends in the period, their notice deadlines and what became of them."),
        ENDING, ending_renewal),
    Report("approval_cycle", _("Approval cycle"), _(
        "Each approval round submitted in the period, with its elapsed and business hours and the business hours "
        "of each step."), APPROVAL_CYCLE, approval_cycle),
    Report("customer_summary", _("Customer summary"), _(
        "Per customer: contracts by stage, the value signed in the period, and what is outstanding and overdue "
        "today, in CNY."), CUSTOMER_SUMMARY, customer_summary),
    Report("period_summary", _("Contract management meeting"), _(
        "New and signed in the period; ending in the next 90 days; overdue receivables; at risk; decisions "
        "waiting."), PERIOD_SUMMARY, period_summary, sectioned=True),
)}


def get(key: str) -> Report | None:
    return REGISTRY.get(key)


# --- the files ------------------------------------------------------------------------------------------------


@dataclass
class Export:
    content: bytes
    content_type: str
    filename: str
    rows: int = 0
    truncated: bool = False


def display(value, kind: str = TEXT) -> str:
    """A value as the page and the PDF show it (text; the template escapes it)."""
    if value is None or value == "":
        return ""
    if kind == MONEY:
        return f"{value:,.2f}"
    if kind in (PERCENT, HOURS):
        return f"{value}"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return _yes_no(value)
    return str(value)


def _plain(value):
    """A value a spreadsheet cell takes: local naive datetimes, translated yes/no, text neutralised."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None, microsecond=0)
    if isinstance(value, bool):
        return neutralise(_yes_no(value))
    if value is None:
        return None
    return neutralise(value)


NUMBER_FORMATS = {MONEY: "#,##0.00", PERCENT: "0.0", HOURS: "0.0", DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm"}
WIDTHS = {MONEY: 16, PERCENT: 12, HOURS: 12, DATE: 12, DATETIME: 17, COUNT: 10, TEXT: 22}


def sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", text)[:31] or "Report"


def _limited(rows: Iterable[dict], limit: int) -> tuple[list[dict], bool]:
    taken = list(itertools.islice(rows, limit + 1))
    return taken[:limit], len(taken) > limit


def to_xlsx(report: Report, rows: Iterable[dict]) -> tuple[bytes, int]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title(str(report.title)))
    for n, column in enumerate(report.columns):
        sheet.column_dimensions[_letter(n)].width = WIDTHS.get(column.kind, 22)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in report.columns:
        cell = WriteOnlyCell(sheet, value=neutralise(str(column.label)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in itertools.islice(rows, MAX_EXPORT_ROWS):
        cells = []
        for column in report.columns:
            cell = WriteOnlyCell(sheet, value=_plain(row.get(column.key)))
            if column.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.kind]
            cells.append(cell)
        sheet.append(cells)
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _csv_text(value) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_csv(report: Report, rows: Iterable[dict]) -> tuple[bytes, int]:
    out = io.StringIO()
    out.write("\ufeff")  # BOM: Excel opens UTF-8 CSV with Chinese text correctly
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in report.headers()])
    count = 0
    for row in itertools.islice(rows, MAX_EXPORT_ROWS):
        writer.writerow([_csv_text(row.get(c.key)) for c in report.columns])
        count += 1
    return out.getvalue().encode("utf-8"), count


def table(report: Report, rows: list[dict]) -> dict:
    """Headers and displayed cells for the page and the PDF; a sectioned report's rows grouped by section."""
    columns = [c for c in report.columns if not (report.sectioned and c.key == "section")]
    numeric = {MONEY, PERCENT, HOURS, COUNT}
    headers = [{"label": str(c.label), "numeric": c.kind in numeric} for c in columns]

    def cells(row):
        return [{"text": display(row.get(c.key), c.kind), "numeric": c.kind in numeric} for c in columns]

    if not report.sectioned:
        return {"headers": headers, "sections": [{"title": "", "rows": [cells(r) for r in rows]}]}
    grouped: dict = {str(label): [] for _key, label in SECTIONS}
    for row in rows:
        grouped.setdefault(row["section"], []).append(cells(row))
    return {"headers": headers, "sections": [{"title": title, "rows": found} for title, found in grouped.items()]}


def to_pdf(report: Report, q: Query, rows: Iterable[dict]) -> tuple[bytes, int, bool]:
    from hetong.documents.pdf import html_to_pdf, wrap_html

    taken, truncated = _limited(rows, MAX_PDF_ROWS)
    context = {"report": report, "q": q, "table": table(report, taken), "truncated": truncated,
               "limit": MAX_PDF_ROWS, "filters": q.described(), "generated": timezone.localtime(
                   q.now, timezone.get_default_timezone())}
    body = render_to_string("analytics/report_pdf.html", context)
    title = escape(str(report.title))
    return html_to_pdf(wrap_html(body, title=title, language=get_language() or "zh-hans")), len(taken), truncated


def export(report: Report, q: Query, fmt: str) -> Export:
    """The report as a file in `fmt` (xlsx, csv or pdf), in the active language."""
    if fmt not in FORMATS:
        raise InvalidInput(errors={"format": [_("Choose XLSX, CSV or PDF.")]})
    rows = report.rows(q)
    truncated = False
    if fmt == "xlsx":
        content, count = to_xlsx(report, rows)
    elif fmt == "csv":
        content, count = to_csv(report, rows)
    else:
        content, count, truncated = to_pdf(report, q, rows)
    return Export(content=content, content_type=FORMATS[fmt], filename=f"{report.key}-{q.today.isoformat()}.{fmt}",
                  rows=count, truncated=truncated)


def preview(report: Report, q: Query) -> dict:
    """The first PREVIEW_ROWS rows as the page shows them, and whether there are more."""
    taken, more = _limited(report.rows(q), PREVIEW_ROWS)
    return {"table": table(report, taken), "count": len(taken), "more": more, "limit": PREVIEW_ROWS}
