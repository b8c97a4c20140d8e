"""The dashboard's figures, read-only and scoped to what the user may see.

Every figure is counted over the contracts the contract list's own filter set (contracts.filters.ContractFilter)
selects for the dashboard's filters, and every element carries the list URL with the same filters plus its own: the
list a click opens has exactly the rows the element counts. Amounts are in CNY (other currencies at
core.money.rate). A fixed number of queries, whatever the number of contracts.

Counts by status and the value signed come from the tallies the database keeps (analytics.tallies), read with the
same scope and filters; the rest from the contracts, installments and approval steps through their indexes.
"""

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Avg, Case, Count, DecimalField, F, Q, Sum, Value, When
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hetong.accounts.models import Department, Scope, User
from hetong.analytics.models import CustomerTally, ReceivableTally, SignedTally, StatusTally
from hetong.approvals.filters import step_value
from hetong.approvals.models import NodeRun
from hetong.contracts.filters import ContractFilter
from hetong.contracts.models import IN_FORCE_STATES, Contract, ContractType, Status
from hetong.core.dates import company_today
from hetong.core.errors import InvalidInput
from hetong.core.money import CURRENCY_CODES, rate
from hetong.customers.models import Customer

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# The dashboard's filters: the contract list's, by the same names.
FILTERS = ("department", "owner", "type", "customer_level")
FUNNEL = (Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.SIGNING, Status.SIGNED, Status.ACTIVE)
SIGNED_STATES = [s for s in Status.values if s != Status.CANCELLED]  # a cancelled contract's value does not count
ENDING = (
    ("d0_30", _("0–30 days"), 0, 30),
    ("d31_60", _("31–60 days"), 31, 60),
    ("d61_90", _("61–90 days"), 61, 90),
    ("over_90", _("Over 90 days"), 91, None),
)
NOTICE_DAYS = 30
STUCK_DAYS = 7
TOP = 10


@dataclass
class Query:
    """The dashboard's filters, checked: the list parameters they stand for and the contracts they select."""

    params: list  # [(name, value)] for URLs
    everything: bool  # no filter, and the user sees every contract
    contracts: object  # the filtered, scoped queryset
    statuses: object  # the StatusTally rows of the same contracts
    signed: object  # the SignedTally rows of the same contracts
    receivable: object  # the ReceivableTally rows of the same contracts
    year: int
    stuck_days: int
    today: dt.date

    def url(self, *pairs) -> str:
        return f"{reverse('contracts:list')}?{urlencode(self.params + list(pairs))}"


def _int(raw, name: str, default: int, low: int, high: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        raise InvalidInput(errors={name: [_("Enter a whole number between %(low)s and %(high)s.")
                                          % {"low": low, "high": high}]})
    return value


def _values(data, key: str) -> list:
    """A filter's values from a QueryDict (repeated keys) or a dict (a value or a list)."""
    if hasattr(data, "getlist"):
        return data.getlist(key)
    value = data.get(key)
    return value if isinstance(value, list) else [] if value in (None, "") else [value]


def _tallied(model, user, filterset):
    """A tally's rows for the same scope and filters as the filter set's contracts (analytics.tallies)."""
    rows = model.objects.filter(user.scope_q()) if user and user.is_authenticated else model.objects.none()
    data = filterset.form.cleaned_data
    if data.get("type"):
        rows = filterset.filter_type(rows, "type", data["type"])
    if data.get("department"):
        rows = filterset.filter_department(rows, "department", data["department"])
    if data.get("owner"):
        rows = rows.filter(owner=data["owner"])
    if data.get("customer_level"):
        rows = rows.filter(customer_level__in=data["customer_level"])
    return rows.order_by()


def query(user, data, *, today: dt.date | None = None) -> Query:
    """The filters from a query string (or a dict); an unknown id or a bad value is a field error."""
    today = today or company_today()
    params = [(key, str(value)) for key in FILTERS for value in _values(data, key) if str(value) != ""]
    query_dict = QueryDict(mutable=True)
    for key, value in params:
        query_dict.appendlist(key, value)
    filterset = ContractFilter(query_dict, queryset=Contract.objects.visible_to(user))
    if not filterset.is_valid():
        raise InvalidInput(_("Some filters are not valid."), errors={k: list(v) for k, v in filterset.errors.items()})
    year = _int(data.get("year"), "year", today.year, 2000, 2100)
    stuck = _int(data.get("stuck_days"), "stuck_days", STUCK_DAYS, 1, 3650)
    return Query(params=params, everything=not params and user.scope == Scope.ALL, contracts=filterset.qs.order_by(), statuses=_tallied(StatusTally, user, filterset),
                 signed=_tallied(SignedTally, user, filterset), receivable=_tallied(ReceivableTally, user, filterset),
                 year=year, stuck_days=stuck, today=today)


def _cny(rows, *, key) -> dict:
    """{group: (count, amount in CNY)} from rows of (group..., currency, n, s)."""
    out: dict = {}
    for row in rows:
        group = key(row)
        count, amount = out.get(group, (0, ZERO))
        out[group] = (count + row["n"], amount + (row["s"] or ZERO) * rate(row["currency"]))
    return {group: (count, amount.quantize(CENT, rounding=ROUND_HALF_UP)) for group, (count, amount) in out.items()}


def _pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _signed_in(q: Query, first: dt.date, last: dt.date):
    # Not cancelled, said as such: a list of the other nine would lead SQLite to the status index, not the date's.
    return q.contracts.filter(signed_date__gte=first, signed_date__lte=last).exclude(status=Status.CANCELLED)


def _from_cents(rows) -> list[dict]:
    """Tally rows with their sum in cents also as an amount ("s"), as `_cny` reads it."""
    return [{**row, "s": Decimal(row["cents"]).scaleb(-2)} for row in rows]


def _tallied_in(q: Query, first_year: int, last_year: int, *fields):
    """The signed contracts' count and sum by `fields` and currency, months of these years, from the tally."""
    rows = (q.signed.filter(month__gte=first_year * 100 + 1, month__lte=last_year * 100 + 12)
            .values(*fields, "currency").annotate(n=Sum("contracts"), cents=Sum("cents")))
    return _from_cents(rows)


def _signed_params(first: dt.date, last: dt.date) -> list:
    return [("signed_from", first.isoformat()), ("signed_to", last.isoformat())] + [("status", s) for s in SIGNED_STATES]


def _by_status(q: Query) -> tuple[dict, list]:
    counts = dict(q.statuses.values("status").annotate(n=Sum("contracts")).values_list("status", "n"))
    ordered = list(FUNNEL) + [s for s in Status.values if s not in FUNNEL]
    rows = [{"key": s, "label": str(Status(s).label), "count": counts.get(s, 0), "url": q.url(("status", s)),
             "funnel": s in FUNNEL} for s in ordered]
    return {s: counts.get(s, 0) for s in Status.values}, rows


def _by_month(q: Query) -> list:
    years = (q.year - 1, q.year)
    found = _cny(_tallied_in(q, *years, "month"), key=lambda r: divmod(r["month"], 100))
    months = []
    for month in range(1, 13):
        entry = {"month": month}
        for name, year in (("last_year", years[0]), ("this_year", years[1])):
            first = dt.date(year, month, 1)
            last = dt.date(year, month, calendar.monthrange(year, month)[1])
            count, amount = found.get((year, month), (0, ZERO))
            entry[name] = {"count": count, "amount": amount, "url": q.url(*_signed_params(first, last))}
        months.append(entry)
    return months


def _signed_by(q: Query, field: str, label_of, param: str | None) -> list:
    first, last = dt.date(q.year, 1, 1), dt.date(q.year, 12, 31)
    found = _cny(_tallied_in(q, q.year, q.year, field), key=lambda r: r[field] or None)  # department 0: none
    labels = label_of([k for k in found if k is not None])
    out = []
    for key, (count, amount) in found.items():
        url = q.url(*_signed_params(first, last), (param, key)) if param and key is not None else None
        out.append({"key": key, "label": labels.get(key, str(_("None"))), "count": count, "amount": amount, "url": url})
    return sorted(out, key=lambda r: (-r["amount"], -r["count"], str(r["label"])))


def _root_types() -> dict[int, ContractType]:
    types = {t.pk: t for t in ContractType.objects.all()}
    roots = {}
    for pk, node in types.items():
        seen = set()
        while node.parent_id and node.parent_id in types and node.pk not in seen:
            seen.add(node.pk)
            node = types[node.parent_id]
        roots[pk] = node
    return roots


def _by_type(q: Query) -> list:
    """By top-level type: the list's type filter takes a type with the ones under it."""
    first, last = dt.date(q.year, 1, 1), dt.date(q.year, 12, 31)
    roots = _root_types()
    found = _cny(_tallied_in(q, q.year, q.year, "contract_type"), key=lambda r: roots[r["contract_type"]].pk)
    out = [{"key": pk, "label": str(roots[pk]), "count": count, "amount": amount,
            "url": q.url(*_signed_params(first, last), ("type", pk))} for pk, (count, amount) in found.items()]
    return sorted(out, key=lambda r: (-r["amount"], r["label"]))


def _ending(q: Query) -> list:
    """Contracts in force by how soon they end. The last bucket (over 90 days) holds most of them: it is what is in
    force (from the tally) less what ends sooner, has ended already or never ends, so every count is an index range."""
    in_force = q.contracts.filter(status__in=IN_FORCE_STATES)
    # One count for each range: SQLite counts a range of index entries faster than it sorts them into buckets.
    counts = {"ended": in_force.filter(end_date__lt=q.today).count(), "evergreen": in_force.filter(end_date=None).count()}
    for key, _label, first, last in ENDING[:-1]:
        counts[key] = in_force.filter(end_date__gte=q.today + dt.timedelta(days=first),
                                      end_date__lte=q.today + dt.timedelta(days=last)).count()
    total = q.statuses.filter(status__in=IN_FORCE_STATES).aggregate(n=Sum("contracts"))["n"] or 0
    counts[ENDING[-1][0]] = total - sum(counts.values())
    status_params = [("status", s) for s in sorted(IN_FORCE_STATES)]
    out = []
    for key, label, first, last in ENDING:
        params = [*status_params, ("end_from", (q.today + dt.timedelta(days=first)).isoformat())]
        if last is not None:
            params.append(("end_to", (q.today + dt.timedelta(days=last)).isoformat()))
        out.append({"key": key, "label": str(label), "count": counts[key], "url": q.url(*params)})
    return out


def _notices(q: Query) -> dict:
    due = q.contracts.notice_due(within=NOTICE_DAYS, on=q.today)
    # The next ones picked from the index alone, then read: sorting whole rows would read every one that is due.
    first = list(due.order_by("notice_deadline", "pk").values_list("pk", flat=True)[:TOP])
    upcoming = Contract.objects.filter(pk__in=first).select_related("customer").order_by("notice_deadline", "pk")
    return {
        "within_days": NOTICE_DAYS, "count": due.count(), "url": q.url(("notice_within", NOTICE_DAYS)),
        "next": [{"id": c.pk, "number": c.number, "title": c.title, "customer": c.customer.name,
                  "notice_deadline": c.notice_deadline, "url": reverse("contracts:detail", args=[c.pk])}
                 for c in upcoming],
    }


def _renewal(q: Query) -> dict:
    first, last = dt.date(q.year, 1, 1), dt.date(q.year, 12, 31)
    ended = q.contracts.filter(status__in=[Status.RENEWED, Status.EXPIRED], end_date__gte=first, end_date__lte=last)
    counts = dict(ended.values("status").annotate(n=Count("id")).values_list("status", "n"))
    renewed, expired = counts.get(Status.RENEWED, 0), counts.get(Status.EXPIRED, 0)
    period = [("end_from", first.isoformat()), ("end_to", last.isoformat())]
    return {
        "renewed": {"count": renewed, "url": q.url(("status", Status.RENEWED), *period)},
        "expired": {"count": expired, "url": q.url(("status", Status.EXPIRED), *period)},
        "renewal_rate": _pct(renewed, renewed + expired), "churn_rate": _pct(expired, renewed + expired),
    }


def _hours(seconds) -> Decimal:
    return (Decimal(str(seconds or 0)) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _approvals(q: Query) -> tuple[list, dict]:
    first = timezone.make_aware(dt.datetime(q.year, 1, 1))
    last = timezone.make_aware(dt.datetime(q.year + 1, 1, 1))
    runs = NodeRun.objects.filter(status=NodeRun.Status.DONE, finished_at__gte=first, finished_at__lt=last)
    if not q.everything:  # for someone who sees every contract, the filter would only cost a pass over them all
        runs = runs.filter(instance__contract__in=q.contracts.values("pk"))
    rows = (runs
            .values("name").annotate(n=Count("id"), contracts=Count("instance__contract", distinct=True),
                                     secs=Avg("seconds"), business=Avg("business_seconds"))
            .order_by("-business", "name"))
    cycle = [{"node": r["name"], "runs": r["n"], "count": r["contracts"], "avg_hours": _hours(r["secs"]),
              "avg_business_hours": _hours(r["business"]),
              "url": q.url(("approval_step", step_value(q.year, r["name"])))} for r in rows]
    stuck = q.contracts.stuck(days=q.stuck_days)
    return cycle, {"days": q.stuck_days, "count": stuck.count(), "url": q.url(("stuck_days", q.stuck_days))}


DAYS = 1_000_000  # receivable tally periods from here up are days (yyyymmdd); below, months (yyyymm)


def _yyyymm(day: dt.date) -> int:
    return day.year * 100 + day.month


def _yyyymmdd(day: dt.date) -> int:
    return _yyyymm(day) * 100 + day.day


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _pieces(today: dt.date) -> list[tuple[str, dt.date | None, dt.date | None]]:
    """The due dates cut by how late they are today: (label, first day, last day), open ends None; contiguous."""
    from hetong.payments.selectors import BUCKETS

    day = dt.timedelta(days=1)
    return [("later", today + day, None), ("today", today, today)] + [
        (key, today - last * day if last is not None else None, today - first * day) for key, _l, first, last in BUCKETS]


def _receivable_sums(q: Query) -> dict:
    """{(label, currency): [installments, cents, paid, owing, owing installments]} for the pieces of `_pieces`,
    over the installments of the receivable contracts the query selects, in one read of the receivable tally: its
    month rows for whole months, its day rows for the days of a month cut by a piece's edge (at most seven months),
    but for the largest piece of each, which is its month less the other pieces."""
    pieces = _pieces(q.today)
    day = dt.timedelta(days=1)
    whens, cut = [When(period=0, then=Value("later"))], set()  # the months cut by an edge
    for label, first, last in pieces:
        low = high = None  # the piece's whole months (yyyymm), open ends None
        if first is not None:
            start, end = _month_bounds(first)
            if first != start:
                cut.add(_yyyymm(first))
            low = _yyyymm(first if first == start else end + day)
        if last is not None:
            start, end = _month_bounds(last)
            if last != end:
                cut.add(_yyyymm(last))
            high = _yyyymm(last if last == end else start - day)
        if low is None or high is None or low <= high:
            whens.append(When(Q(period__gte=low or 1, period__lte=high or DAYS - 1), then=Value(label)))
    wanted = Q(period__lt=DAYS)
    rest = {}  # {month: the label of its largest piece}
    for month in cut:
        whens.append(When(period=month, then=Value(f"m{month}")))
        start, end = _month_bounds(dt.date(month // 100, month % 100, 1))
        parts = [(label, max(first or start, start), min(last or end, end)) for label, first, last in pieces
                 if (first or start) <= end and (last or end) >= start]
        rest[month] = max(parts, key=lambda part: (part[2] - part[1]).days)[0]
        for label, first, last in parts:
            if label != rest[month]:
                days = Q(period__gte=_yyyymmdd(first), period__lte=_yyyymmdd(last))
                whens.append(When(days, then=Value(f"{label}|m{month}")))
                wanted |= days
    sums: dict = defaultdict(lambda: [0] * 5)

    def add(key, values, sign=1):
        sums[key] = [a + sign * b for a, b in zip(sums[key], values, strict=True)]

    rows = (q.receivable.filter(wanted).annotate(label=Case(*whens, default=Value(""))).values("label", "currency")
            .annotate(n=Sum("installments"), c=Sum("cents"), p=Sum("paid"), o=Sum("owing"), on=Sum("owing_installments")))
    for row in rows:
        label, _bar, month = row["label"].partition("|")
        values = [row["n"], row["c"], row["p"], row["o"], row["on"]]
        add((label, row["currency"]), values)
        if month:  # a piece of a cut month, counted by days: less from the month, whose rest is its largest piece
            add((month, row["currency"]), values, -1)
    for key, currency in [key for key in sums if key[0].startswith("m")]:
        add((rest[int(key[1:])], currency), sums.pop((key, currency)))
    return {key: values for key, values in sums.items() if key[0]}


def _money(q: Query) -> tuple[dict, list]:
    """Collection (due by today: owed and received) and the aging of what is overdue (what is still owed, and on how
    many installments), in CNY, from `_receivable_sums`."""
    from hetong.payments.selectors import BUCKETS

    owed = collected = not_due = ZERO
    amounts, counts = defaultdict(lambda: ZERO), defaultdict(int)
    for (key, currency), (_n, amount_due, paid_due, owing, owing_n) in _receivable_sums(q).items():
        to_cny = rate(currency) / 100
        if key != "later":
            owed += amount_due * to_cny
            collected += paid_due * to_cny
        if key in ("today", "later"):
            not_due += owing * to_cny
        else:
            amounts[key] += owing * to_cny
            counts[key] += owing_n
    buckets = [{"key": key, "label": str(label), "amount": amounts[key].quantize(CENT, rounding=ROUND_HALF_UP),
                "installments": counts[key], "url": q.url(("overdue", key))} for key, label, *_ in BUCKETS]
    owed, collected = owed.quantize(CENT, rounding=ROUND_HALF_UP), collected.quantize(CENT, rounding=ROUND_HALF_UP)
    return {"due": owed, "collected": collected, "rate": _pct(collected, owed),
            "overdue": sum((b["amount"] for b in buckets), ZERO),
            "not_due": not_due.quantize(CENT, rounding=ROUND_HALF_UP), "url": reverse("payments:aging")}, buckets


def _in_cny(field: str) -> Case:
    others = sorted(CURRENCY_CODES - {"CNY"})
    return Case(When(currency="CNY", then=F(field)),
                *[When(currency=code, then=F(field) * Value(rate(code))) for code in others],
                default=F(field), output_field=DecimalField())


def _top_customers(q: Query) -> list:
    """Ranked in the database by value in CNY (only ten rows come back), then each one's total made exact. The
    whole book's from the customer tally; otherwise from the filtered contracts."""
    first, last = dt.date(q.year, 1, 1), dt.date(q.year, 12, 31)
    if q.everything:
        signed = CustomerTally.objects.filter(year=q.year)
        ranked = list(signed.values("customer").annotate(v=Sum(_in_cny("cents")), n=Sum("contracts"))
                      .order_by("-v", "-n", "customer").values_list("customer", flat=True)[:TOP])
        rows = _from_cents(signed.filter(customer__in=ranked).values("customer", "currency")
                           .annotate(n=Sum("contracts"), cents=Sum("cents")))
    else:
        signed = _signed_in(q, first, last)
        ranked = list(signed.values("customer").annotate(v=Sum(_in_cny("amount")), n=Count("id"))
                      .order_by("-v", "-n", "customer").values_list("customer", flat=True)[:TOP])
        rows = signed.filter(customer__in=ranked).values("customer", "currency").annotate(n=Count("id"), s=Sum("amount"))
    found = _cny(rows, key=lambda r: r["customer"])
    names = dict(Customer.objects.filter(pk__in=ranked).values_list("pk", "name"))
    ordered = sorted(found.items(), key=lambda item: (-item[1][1], -item[1][0], item[0]))
    return [{"key": pk, "label": names.get(pk, ""), "count": count, "amount": amount,
             "url": q.url(*_signed_params(first, last), ("customer", pk))} for pk, (count, amount) in ordered]


def _statuses(q: Query) -> dict:
    by_status, rows = _by_status(q)
    return {"by_status": by_status, "status": rows}


def _signed(q: Query) -> dict:
    first, last = dt.date(q.year, 1, 1), dt.date(q.year, 12, 31)
    count, amount = _cny(_tallied_in(q, q.year, q.year), key=lambda r: "all").get("all", (0, ZERO))
    return {
        "signed": {"count": count, "amount": amount, "url": q.url(*_signed_params(first, last))},
        "signed_by_month": _by_month(q),
        "signed_by_type": _by_type(q),
        "signed_by_department": _signed_by(
            q, "department", lambda ids: {d.pk: d.name for d in Department.objects.filter(pk__in=ids)}, "dept"),
        "signed_by_owner": _signed_by(
            q, "owner", lambda ids: {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}, "owner"),
    }


def _approval_figures(q: Query) -> dict:
    cycle, stuck = _approvals(q)
    return {"approval_cycle": cycle, "stuck": stuck}


def _money_figures(q: Query) -> dict:
    collection, aging = _money(q)
    return {"collection": collection, "aging": aging}


# The dashboard's figures in groups, each a function of the checked filters (make bench times them one by one).
FIGURES = {
    "contracts by status": _statuses,
    "value signed (month, type, department, owner)": _signed,
    "ending": lambda q: {"ending": _ending(q)},
    "notice deadlines": lambda q: {"notice_deadlines": _notices(q)},
    "renewal and churn": lambda q: {"renewal": _renewal(q)},
    "approval time and stuck reviews": _approval_figures,
    "collection and aging": _money_figures,
    "top customers": lambda q: {"top_customers": _top_customers(q)},
}


def summary(user, data=None, *, today: dt.date | None = None) -> dict:
    """Every figure of the dashboard for these filters."""
    q = query(user, data or {}, today=today)
    out = {"on": q.today, "year": q.year, "currency": "CNY", "filters": [list(p) for p in q.params]}
    for figure in FIGURES.values():
        out.update(figure(q))
    return out
