"""Reads that build the customer pages: the scoped list and the customer's 360° view."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import CharField, Count, Exists, IntegerField, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from hetong.audit.models import AuditEvent
from hetong.audit.selectors import history_for
from hetong.contracts.models import IN_FORCE_STATES, Contract, FileVersion, Status
from hetong.core.dates import company_today
from hetong.core.selectors import with_badges

from .models import Customer, CustomerStatus

CUSTOMER_STATUS_BADGES = {
    CustomerStatus.PROSPECT: "bg-azure-lt",
    CustomerStatus.ACTIVE: "bg-green-lt",
    CustomerStatus.DORMANT: "bg-secondary-lt",
    CustomerStatus.BLOCKED: "bg-red-lt",
}
SECTION_ROWS = 50  # contracts and files shown on the customer page; the full lists are on the contract pages
TIMELINE_ROWS = 30
HISTORY_ROWS = 20


def status_badge(customer: Customer) -> str:
    return CUSTOMER_STATUS_BADGES.get(customer.status, "bg-secondary-lt")


def customer_list(user):
    """The customers `user` may see, ready for a list page or an export: owner, department and tags come
    in fixed extra queries, and each row carries the number of its contracts the user may see."""
    contracts = (
        Contract.objects.visible_to(user).filter(customer=OuterRef("pk")).order_by()
        .values("customer").annotate(n=Count("pk")).values("n")
    )
    return (
        Customer.objects.visible_to(user)
        .select_related("owner", "department")
        .prefetch_related("tags")
        .annotate(contract_count=Coalesce(Subquery(contracts, output_field=IntegerField()), Value(0)))
    )


@dataclass
class Money:
    currency: str
    total: Decimal
    active: Decimal


@dataclass
class TimelineEntry:
    day: dt.date
    at: dt.datetime
    interaction: object = None
    event: object = None


@dataclass
class Customer360:
    contracts: list
    contract_count: int
    money: list[Money]
    next_deadline: dt.date | None
    next_deadline_is_notice: bool
    next_deadline_days: int | None
    contacts: list
    files: list
    timeline: list[TimelineEntry]
    history: list
    tags: list = field(default_factory=list)


def _timeline(interactions, events) -> list[TimelineEntry]:
    """Newest first. An interaction is dated by the day it happened (it may be logged later), an event by
    its instant; within a day, by when each was recorded. Each source holds its own newest TIMELINE_ROWS,
    so the newest TIMELINE_ROWS of the merge are exact."""
    zone = timezone.get_current_timezone()
    entries = [TimelineEntry(day=i.date, at=i.created_at, interaction=i) for i in interactions]
    entries += [TimelineEntry(day=timezone.localtime(e.at, zone).date(), at=e.at, event=e) for e in events]
    entries.sort(key=lambda e: (e.day, e.at), reverse=True)
    return entries[:TIMELINE_ROWS]


def customer_360(customer: Customer, user) -> Customer360:
    """Everything the customer page shows, limited to the contracts `user` may see, in a fixed number of
    queries however many contracts, contacts, files and interactions the customer has."""
    today = company_today()
    contracts = Contract.objects.visible_to(user).filter(customer=customer)
    contract_ids = contracts.order_by().values("pk")

    rows = with_badges(list(contracts.select_related("contract_type", "owner").order_by("-id")[:SECTION_ROWS]))
    sums = list(
        contracts.order_by().values("currency").annotate(
            n=Count("pk"),
            total=Sum("amount", filter=~Q(status=Status.CANCELLED), default=Decimal(0)),
            active=Sum("amount", filter=Q(status__in=IN_FORCE_STATES), default=Decimal(0)),
        ).order_by("currency")
    )
    deadlines = contracts.in_force(on=today).aggregate(
        end=Min("end_date", filter=Q(end_date__gte=today)),
        notice=Min("notice_deadline", filter=Q(notice_deadline__gte=today)),
    )
    candidates = [d for d in (deadlines["notice"], deadlines["end"]) if d is not None]
    next_deadline = min(candidates) if candidates else None

    # The newest version of each file of the customer's visible contracts, one row per file.
    newer = FileVersion.objects.filter(file=OuterRef("file"), number__gt=OuterRef("number"))
    files = list(
        FileVersion.objects.filter(file__contract__in=contract_ids).filter(~Exists(newer))
        .select_related("file", "file__contract").order_by("-uploaded_at", "-id")[:SECTION_ROWS]
    )
    interactions = list(
        customer.interactions.select_related("author", "contact", "contract")
        .annotate(contract_visible=Exists(Contract.objects.visible_to(user).filter(pk=OuterRef("contract_id"))))
        .order_by("-date", "-id")[:TIMELINE_ROWS]
    )
    contract_type = Contract._meta.label_lower
    events = list(
        AuditEvent.objects.filter(
            Q(target_type=customer._meta.label_lower, target_id=str(customer.pk))
            | Q(target_type=contract_type,
                target_id__in=contracts.order_by().values_list(Cast("pk", output_field=CharField()), flat=True))
        )
        .exclude(verb="customer.interaction")  # the interaction itself is on the timeline
        .select_related("actor").order_by("-seq")[:TIMELINE_ROWS]
    )
    return Customer360(
        contracts=rows,
        contract_count=sum(s["n"] for s in sums),
        money=[Money(s["currency"], s["total"], s["active"]) for s in sums if s["total"] or s["active"]],
        next_deadline=next_deadline,
        next_deadline_is_notice=next_deadline is not None and next_deadline == deadlines["notice"],
        next_deadline_days=(next_deadline - today).days if next_deadline else None,
        contacts=list(customer.contacts.all()),
        files=files,
        timeline=_timeline(interactions, events),
        history=history_for(customer, limit=HISTORY_ROWS),
        tags=list(customer.tags.all()),
    )
