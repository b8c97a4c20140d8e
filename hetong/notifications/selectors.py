"""Reads that build the notification pages: a person's reminders, the rules table, a contract's reminder card."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When
from django.utils.translation import gettext as _

from hetong.contracts.models import Contract, key_date_label
from hetong.core.dates import company_today
from hetong.core.workdays import company_calendar

from .models import Delivery, Notification, Reminder, ReminderRule
from .services.reminders import RuleBook, stages

# The filters of "My reminders": name -> the states it shows.
REMINDER_FILTERS = {
    "open": [Reminder.State.OPEN],
    "snoozed": [Reminder.State.SNOOZED],
    "acknowledged": [Reminder.State.ACKNOWLEDGED],
    "all": None,
}
STATE_COLOURS = {
    Reminder.State.OPEN: "red",
    Reminder.State.SNOOZED: "yellow",
    Reminder.State.ACKNOWLEDGED: "green",
    Reminder.State.CLOSED: "secondary",
}
DELIVERY_COLOURS = {
    Delivery.State.PENDING: "azure",
    Delivery.State.SENDING: "blue",
    Delivery.State.SENT: "green",
    Delivery.State.FAILED: "red",
}


def unread_count(user) -> int:
    # Matches the partial index notification_unread_idx (user, where read_at is null).
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox(user):
    return Notification.objects.filter(user=user).only(
        "id", "kind", "title", "body", "url", "created_at", "read_at"
    )


def reminders(user, state: str | None):
    """The user's reminders, one per contract date: when several offsets of one date reached the user (after a
    pause, or at 30 and then 7 days), the latest stands for them; the services act on all of them together.
    Open first, then snoozed, then settled; nearest date first."""
    later = Reminder.objects.filter(
        user=OuterRef("user"),
        dispatch__contract_id=OuterRef("dispatch__contract_id"),
        dispatch__kind=OuterRef("dispatch__kind"),
        dispatch__date=OuterRef("dispatch__date"),
        dispatch__offset__lt=OuterRef("dispatch__offset"),
    )
    qs = Reminder.objects.filter(user=user).exclude(Exists(later))
    states = REMINDER_FILTERS.get(state or "all")
    if states:
        qs = qs.filter(state__in=states)
    rank = Case(
        When(state=Reminder.State.OPEN, then=Value(0)),
        When(state=Reminder.State.SNOOZED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        qs.select_related("dispatch__contract__contract_type", "escalated_from__user")
        .annotate(rank=rank)
        .order_by("rank", "dispatch__date", "-id")
    )


def decorate_reminders(rows, *, today: dt.date | None = None) -> list[Reminder]:
    """Label, days left and badge colour of each reminder row; custom date labels read once per contract type."""
    today = today or company_today()
    custom_labels: dict[int | None, dict[str, str]] = {}
    for row in rows:
        dispatch = row.dispatch
        contract = dispatch.contract
        if dispatch.kind.startswith("x:"):
            if contract.contract_type_id not in custom_labels:
                custom_labels[contract.contract_type_id] = {
                    f"x:{f.key}": str(f) for f in contract.contract_type.date_fields()
                }
            row.label = custom_labels[contract.contract_type_id].get(dispatch.kind, dispatch.kind)
        else:
            row.label = key_date_label(dispatch.kind, contract.contract_type)
        row.days_left = (dispatch.date - today).days
        row.days_ago = -row.days_left
        row.is_snoozed = row.state == Reminder.State.SNOOZED
        row.is_acknowledged = row.state == Reminder.State.ACKNOWLEDGED
        row.colour = STATE_COLOURS.get(row.state, "secondary")
        row.is_pending = row.state in (Reminder.State.OPEN, Reminder.State.SNOOZED)
    return list(rows)


def deliveries(state: str | None):
    """Failed deliveries first, then the ones being retried, then the rest; newest first within each."""
    rank = Case(
        When(state=Delivery.State.FAILED, then=Value(0)),
        When(state=Delivery.State.PENDING, attempts__gt=0, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    qs = Delivery.objects.defer("text", "html", "payload")
    if state:
        qs = qs.filter(state=state)
    return qs.annotate(rank=rank).order_by("rank", "-id")


def rule_table():
    """Every default and type rule: the defaults first, then per type."""
    return (
        ReminderRule.objects.filter(contract__isnull=True)
        .select_related("contract_type")
        .prefetch_related("recipient_users", "channels")
        .order_by(
            Case(When(contract_type__isnull=True, then=Value(0)), default=Value(1)),
            "contract_type__code",
            "date_kind",
        )
    )


def scope_of(rule: ReminderRule | None) -> str:
    if rule is None:
        return _("No rule")
    if rule.contract_id:
        return _("This contract")
    if rule.contract_type_id:
        return _("Type: %(type)s") % {"type": rule.contract_type}
    return _("Default")


@dataclass
class DateReminders:
    """One key date of a contract with the rule in force for it, for the contract page's card."""

    kind: str
    label: str
    date: dt.date
    rule: ReminderRule | None
    scope: str
    own: bool  # the contract's own rule (an override), which may be removed
    upcoming: list[dt.date]


def contract_reminders(contract: Contract, *, today: dt.date | None = None) -> list[DateReminders]:
    today = today or company_today()
    book = RuleBook()
    book.load_contract_rules([contract.pk])
    calendar = company_calendar()
    result = []
    for key_date in contract.key_dates.order_by("date", "kind"):
        rule = book.rule_for(contract, key_date.kind)
        upcoming = []
        if rule is not None and rule.is_active:
            upcoming = [day for _offset, day in stages(rule, key_date.date, calendar) if day >= today]
        result.append(
            DateReminders(
                kind=key_date.kind,
                label=key_date_label(key_date.kind, contract.contract_type),
                date=key_date.date,
                rule=rule,
                scope=scope_of(rule),
                own=bool(rule and rule.contract_id == contract.pk),
                upcoming=upcoming,
            )
        )
    return result


def contract_rule(contract: Contract, kind: str) -> ReminderRule | None:
    """The contract's own rule for this date, if it has one."""
    return (
        ReminderRule.objects.filter(contract=contract, date_kind=kind)
        .prefetch_related("recipient_users", "channels")
        .first()
    )


def rule_in_force(contract: Contract, kind: str) -> ReminderRule | None:
    book = RuleBook()
    book.load_contract_rules([contract.pk])
    return book.rule_for(contract, kind)
