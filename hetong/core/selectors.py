"""The "My work" page: what needs the signed-in user's attention, in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

import rules
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hetong.accounts.models import Role
from hetong.contracts.models import Contract, Status
from hetong.core.dates import company_today

WINDOW_DAYS = 90  # how far ahead the deadline cards look
RECENT_DAYS = 14
CARD_ROWS = 10

# Tabler badge classes per contract status (shared with the customer pages).
CONTRACT_STATUS_BADGES = {
    Status.DRAFT: "bg-secondary-lt",
    Status.IN_REVIEW: "bg-yellow-lt",
    Status.APPROVED: "bg-azure-lt",
    Status.SIGNING: "bg-purple-lt",
    Status.SIGNED: "bg-teal-lt",
    Status.ACTIVE: "bg-green-lt",
    Status.EXPIRED: "bg-orange-lt",
    Status.RENEWED: "bg-blue-lt",
    Status.TERMINATED: "bg-red-lt",
    Status.CANCELLED: "bg-dark-lt",
}


def with_badges(contracts: list[Contract]) -> list[Contract]:
    for contract in contracts:
        contract.badge = CONTRACT_STATUS_BADGES.get(contract.status, "bg-secondary-lt")
    return contracts


@dataclass
class Card:
    key: str
    title: str
    hint: str
    icon: str
    date_label: str
    count: int
    items: list
    url: str
    with_time: bool  # the date column is an instant (changed, submitted), not a calendar date


def _list_url(**params) -> str:
    return f"{reverse('contracts:list')}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def _card(key, qs, *, title, hint, icon, date_field, date_label, url, order, today) -> Card:
    items = with_badges(list(qs.select_related("customer").order_by(*order)[:CARD_ROWS]))
    for contract in items:
        contract.card_date = getattr(contract, date_field)
        day = contract.card_date.date() if isinstance(contract.card_date, dt.datetime) else contract.card_date
        contract.days_left = (day - today).days if day and date_field in ("end_date", "notice_deadline") else None
    return Card(key=key, title=title, hint=hint, icon=icon, date_label=date_label, count=qs.count(), items=items,
                url=url, with_time=date_field in ("updated_at", "status_changed_at"))


def home_summary(user) -> list[Card]:
    """The cards of the home page for `user`: their own contracts, or for admin, legal and sales managers
    every contract in their scope. Two queries per card, whatever the data."""
    today = company_today()
    visible = Contract.objects.visible_to(user)
    oversees = user.is_admin or user.role in (Role.LEGAL, Role.SALES_MANAGER)
    mine = visible if oversees else visible.filter(owner=user)
    owner = None if oversees else user.pk
    cards = [
        _card("expiring", mine.expiring(within=WINDOW_DAYS, on=today), title=_("Ending within 90 days"),
              hint=_("Signed or active contracts whose end date is near."), icon="ti-calendar-due",
              date_field="end_date", date_label=_("Ends"), order=("end_date", "id"), today=today,
              url=_list_url(ends_within=WINDOW_DAYS, owner=owner, sort="end_date")),
        _card("notice_due", mine.notice_due(within=WINDOW_DAYS, on=today), title=_("Notice deadlines within 90 days"),
              hint=_("Give notice by this date or the contract renews or continues."), icon="ti-alarm",
              date_field="notice_deadline", date_label=_("Notice by"), order=("notice_deadline", "id"), today=today,
              url=_list_url(notice_within=WINDOW_DAYS, owner=owner, sort="notice_deadline")),
        _card("drafts", visible.filter(owner=user, status=Status.DRAFT), title=_("My drafts"),
              hint=_("Contracts you are still preparing."), icon="ti-pencil", date_field="updated_at",
              date_label=_("Changed"), order=("-updated_at", "-id"), today=today,
              url=_list_url(status=Status.DRAFT, owner=user.pk)),
    ]
    if rules.has_perm("contracts.approve_contract", user):
        # No self-approval: what I submitted waits for someone else.
        waiting = visible.filter(status=Status.IN_REVIEW).exclude(submitted_by=user)
        cards.append(_card(
            "review", waiting, title=_("Waiting for approval"), hint=_("In review, submitted by someone else."),
            icon="ti-checklist", date_field="status_changed_at", date_label=_("Submitted"),
            order=("status_changed_at", "id"), today=today, url=_list_url(status=Status.IN_REVIEW)))
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    cards.append(_card(
        "recent", mine.filter(updated_at__gte=since), title=_("Recently changed"),
        hint=_("Changed in the last 14 days."), icon="ti-history", date_field="updated_at", date_label=_("Changed"),
        order=("-updated_at", "-id"), today=today, url=_list_url(owner=owner)))
    return cards


def unknown_holiday_years() -> list[int]:
    """This year and next, where neither the holiday library nor an admin's override knows the holidays:
    deadlines there fall back to weekends only, so the admin is asked to enter them."""
    from hetong.core.dates import company_today
    from hetong.core.workdays import company_calendar

    today = company_today()
    return sorted(company_calendar().unknown_years([today, today.replace(year=today.year + 1, day=1)]))
