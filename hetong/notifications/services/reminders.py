"""The reminder pass: due key dates become dispatches, dispatches become reminders and messages.

A pass has two steps, each safe to run in two processes at once and to kill at any point:

1. Claim. Key dates whose `due_on` has come are read (an index range, so the pass reads the due rows, not the
   table). Every reminder offset of the date's rule that has fallen due gives a key (rule, contract, date,
   offset), inserted with ON CONFLICT DO NOTHING under the unique constraint: a key exists once, whoever
   inserted it. The row's `due_on` moves to its next reminder day.
2. Send. Unsent dispatches are claimed by a conditional UPDATE (the database lets only one pass win each row),
   and in the same transaction every recipient gets one Reminder per dispatch and one message for all of them
   (collapsed: after an outage, one inbox entry and one email per person, not one per missed day), with email
   and robot deliveries queued for after commit. Killed before the commit, nothing of it happened, and the next
   pass sends it; after the commit, it is sent and no pass sends it again.
"""

import datetime as dt
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hetong.accounts.models import Role, manager_in
from hetong.contracts.models import Contract, ContractType, KeyDate
from hetong.core.workdays import WorkCalendar, company_calendar

from ..models import Dispatch, Notification, RecipientRole, Reminder, ReminderRule
from .messages import ReminderItem, queue_channel_message, queue_reminder_messages

log = logging.getLogger(__name__)

User = get_user_model()


@dataclass
class PassResult:
    """What one pass did, for `hetong reminders run` and the tests."""

    claimed: int = 0
    sent: list[tuple[str, list[ReminderItem]]] = field(default_factory=list)  # (recipient, items)
    escalated: int = 0
    woken: int = 0

    @property
    def reminders(self) -> int:
        return sum(len(items) for _user, items in self.sent)


def company_day(now: dt.datetime) -> dt.date:
    return timezone.localtime(now, timezone.get_default_timezone()).date()


# --- rules -----------------------------------------------------------------------------------------------


class RuleBook:
    """The rules in force, loaded once per pass: defaults and type rules up front, contract rules per batch."""

    def __init__(self):
        self.defaults: dict[str, ReminderRule] = {}
        self.by_type: dict[tuple[int, str], ReminderRule] = {}
        for rule in ReminderRule.objects.filter(contract__isnull=True).prefetch_related("recipient_users", "channels"):
            if rule.contract_type_id:
                self.by_type[(rule.contract_type_id, rule.date_kind)] = rule
            else:
                self.defaults[rule.date_kind] = rule
        self.by_contract: dict[tuple[int, str], ReminderRule] = {}
        self.parents: dict[int, int | None] = dict(ContractType.objects.values_list("pk", "parent_id"))

    def load_contract_rules(self, contract_ids) -> None:
        rules = ReminderRule.objects.filter(contract__in=list(contract_ids)).prefetch_related("recipient_users", "channels")
        for rule in rules:
            self.by_contract[(rule.contract_id, rule.date_kind)] = rule

    def rule_for(self, contract: Contract, kind: str) -> ReminderRule | None:
        """The most specific rule: the contract's own, its type's or the nearest ancestor type's, the default.
        The rule found decides, even when it is inactive (that is how a type or a contract opts out)."""
        rule = self.by_contract.get((contract.pk, kind))
        if rule is not None:
            return rule
        type_id, seen = contract.contract_type_id, set()
        while type_id is not None and type_id not in seen:
            seen.add(type_id)
            rule = self.by_type.get((type_id, kind))
            if rule is not None:
                return rule
            type_id = self.parents.get(type_id)
        return self.defaults.get(kind)


def fire_day(date: dt.date, offset: int, *, business_days: bool, calendar: WorkCalendar) -> dt.date:
    if business_days and offset:
        return calendar.add_workdays(date, -offset)
    return date - dt.timedelta(days=offset)


def stages(rule: ReminderRule, date: dt.date, calendar: WorkCalendar) -> list[tuple[int, dt.date]]:
    """(offset, day it falls due) for each offset of the rule, the earliest first."""
    days = {int(o): fire_day(date, int(o), business_days=rule.business_days, calendar=calendar) for o in rule.offsets}
    return sorted(days.items(), key=lambda item: item[1])


# --- step 1: claim ---------------------------------------------------------------------------------------


def claim_due(*, today: dt.date, run: str, calendar: WorkCalendar | None = None, rules: RuleBook | None = None) -> int:
    """Insert the dispatch keys that have fallen due by `today`; returns how many key dates were looked at."""
    calendar = calendar or company_calendar()
    rules = rules or RuleBook()
    catchup = dt.timedelta(days=settings.HETONG_REMINDER_CATCHUP_DAYS)
    looked = 0
    while True:
        rows = list(
            KeyDate.objects.filter(due_on__lte=today)
            .select_related("contract")
            .only("id", "kind", "date", "due_on", "contract__id", "contract__contract_type_id", "contract__status")
            .order_by("due_on", "id")[: settings.HETONG_REMINDER_BATCH]
        )
        if not rows:
            return looked
        looked += len(rows)
        rules.load_contract_rules({row.contract_id for row in rows})
        keys, moves = [], []
        for row in rows:
            rule = rules.rule_for(row.contract, row.kind)
            next_due = None
            if rule is not None and rule.is_active and row.date >= today - catchup:
                for offset, day in stages(rule, row.date, calendar):
                    if day <= today:
                        keys.append(Dispatch(rule=rule, contract_id=row.contract_id, kind=row.kind, date=row.date,
                                             offset=offset, fire_on=day))
                    elif next_due is None:
                        next_due = day
            moves.append((row, next_due))
        with transaction.atomic():
            Dispatch.objects.bulk_create(keys, ignore_conflicts=True)
            for row, next_due in moves:
                # Only if the row is as we read it: a date changed meanwhile is looked at again.
                KeyDate.objects.filter(pk=row.pk, date=row.date, due_on=row.due_on).update(due_on=next_due)
        _pause_for_tests()


def _pause_for_tests() -> None:
    """Lets the crash test kill a pass between two batches; nothing in production sets it."""
    delay = settings.HETONG_TEST_BATCH_PAUSE
    if delay:
        import time

        time.sleep(delay)


# --- recipients ------------------------------------------------------------------------------------------


class Recipients:
    def __init__(self):
        from hetong.accounts.models import Department

        self.departments = {d.pk: d for d in Department.objects.select_related("head")}
        for department in self.departments.values():
            department.parent = self.departments.get(department.parent_id)
        self.heads = {pk: d.head for pk, d in self.departments.items() if d.head_id and d.head.is_active}
        self.by_role = defaultdict(list)
        for user in User.objects.filter(is_active=True, role__in=[Role.LEGAL, Role.FINANCE]):
            self.by_role[user.role].append(user)

    def attach(self, user):
        """The user with the department tree of this pass, so managers are found without more queries."""
        if user is not None and user.department_id:
            user.department = self.departments.get(user.department_id)
        return user

    def manager_of(self, user):
        user = self.attach(user)
        return manager_in(user, user.department, self.heads)

    def for_rule(self, rule: ReminderRule, contract: Contract) -> list:
        people = []
        roles = set(rule.recipient_roles or [])
        owner = self.attach(contract.owner)
        if RecipientRole.OWNER in roles:
            people.append(owner)
        if RecipientRole.OWNER_MANAGER in roles:
            people.append(self.manager_of(owner))
        if RecipientRole.DEPARTMENT_HEAD in roles and contract.department_id:
            people.append(self.heads.get(contract.department_id))
        if RecipientRole.LEGAL in roles:
            people += self.by_role[Role.LEGAL]
        if RecipientRole.FINANCE in roles:
            people += self.by_role[Role.FINANCE]
        people += list(rule.recipient_users.all())
        unique = {}
        for person in people:
            if person is not None and person.is_active:
                unique.setdefault(person.pk, person)
        return list(unique.values())


# --- step 2: send ----------------------------------------------------------------------------------------


def send_claimed(*, now: dt.datetime, run: str) -> list[tuple[str, list[ReminderItem]]]:
    """Send every unsent dispatch, collapsed into one message per recipient and per group channel."""
    today = company_day(now)
    with transaction.atomic():
        pending = list(Dispatch.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)[:20000])
        if not pending:
            return []
        # The conditional UPDATE is the claim: of two passes, only one changes each row.
        Dispatch.objects.filter(pk__in=pending, sent_at__isnull=True).update(sent_at=now, run=run)
        dispatches = list(
            Dispatch.objects.filter(run=run, sent_at=now)
            .select_related("rule", "contract__owner", "contract__customer", "contract__contract_type")
            .prefetch_related("rule__recipient_users", "rule__channels")
            .order_by("date", "contract_id", "-offset")
        )
        recipients = Recipients()
        per_user: dict[int, list[tuple[Dispatch, ReminderItem]]] = defaultdict(list)
        per_channel: dict[int, list[ReminderItem]] = defaultdict(list)
        users, channels, email_wanted = {}, {}, defaultdict(bool)
        for dispatch in dispatches:
            item = ReminderItem.of(dispatch, today=today)
            for user in recipients.for_rule(dispatch.rule, dispatch.contract):
                users[user.pk] = user
                per_user[user.pk].append((dispatch, item))
                email_wanted[user.pk] |= dispatch.rule.email
            for channel in dispatch.rule.channels.all():
                if channel.is_active:
                    channels[channel.pk] = channel
                    if item not in per_channel[channel.pk]:
                        per_channel[channel.pk].append(item)
        sent = []
        for user_pk, entries in per_user.items():
            user = users[user_pk]
            items = _collapse([item for _d, item in entries])
            notification = queue_reminder_messages(
                user, items, kind=Notification.Kind.REMINDER, email=email_wanted[user_pk], now=now,
            )
            _open_reminders(user, [d for d, _item in entries], notification=notification, now=now)
            sent.append((user.get_username(), items))
        for channel_pk, items in per_channel.items():
            queue_channel_message(channels[channel_pk], _collapse(items), now=now)
        return sent


def _open_reminders(user, dispatches: list[Dispatch], *, notification, now, escalated_from=None) -> list[Reminder]:
    """One open reminder per contract date for the user: the nearest offset's. An older open one of the same
    date (the 30-day reminder when the 7-day one comes) is superseded, so the list shows each date once."""
    nearest: dict[tuple, Dispatch] = {}
    for dispatch in sorted(dispatches, key=lambda d: d.offset):
        nearest.setdefault((dispatch.contract_id, dispatch.kind, dispatch.date), dispatch)
    for contract_id, kind, date in nearest:
        Reminder.objects.filter(
            user=user, state__in=[Reminder.State.OPEN, Reminder.State.SNOOZED], dispatch__contract_id=contract_id,
            dispatch__kind=kind, dispatch__date=date,
        ).update(state=Reminder.State.CLOSED, snoozed_until=None)
    return Reminder.objects.bulk_create(
        [Reminder(dispatch=d, user=user, notification=notification, created_at=now, open_since=now,
                  escalated_from=escalated_from.get(d.pk) if escalated_from else None) for d in nearest.values()],
        ignore_conflicts=True,
    )


def _collapse(items: list[ReminderItem]) -> list[ReminderItem]:
    """One line per (contract, date): several offsets of the same date that fell due together say it once."""
    seen, result = set(), []
    for item in sorted(items, key=lambda i: (i.date, i.number, i.offset)):
        key = (item.contract_id, item.kind, item.date)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


# --- escalation, snoozes, closing ------------------------------------------------------------------------


def escalate_reminders(*, now: dt.datetime, calendar: WorkCalendar | None = None) -> int:
    """Open reminders nobody acknowledged within the rule's business days go to the recipient's manager."""
    calendar = calendar or company_calendar()
    today = company_day(now)
    candidates = list(
        Reminder.objects.filter(state=Reminder.State.OPEN, escalated_at__isnull=True,
                                dispatch__rule__escalate_after__isnull=False, open_since__lte=now - dt.timedelta(days=1))
        .select_related("user", "dispatch__rule", "dispatch__contract__owner", "dispatch__contract__customer",
                        "dispatch__contract__contract_type")
        .order_by("id")[:5000]
    )
    due = [r for r in candidates
           if calendar.add_workdays(company_day(r.open_since), r.dispatch.rule.escalate_after) <= today]
    if not due:
        return 0
    recipients = Recipients()
    count = 0
    with transaction.atomic():
        per_manager: dict[int, list] = defaultdict(list)
        managers = {}
        for reminder in due:
            # The claim: only the pass that flips escalated_at escalates this reminder.
            if not Reminder.objects.filter(pk=reminder.pk, escalated_at__isnull=True, state=Reminder.State.OPEN).update(
                escalated_at=now
            ):
                continue
            manager = recipients.manager_of(reminder.user)
            if manager is None or not manager.is_active:
                continue
            managers[manager.pk] = manager
            per_manager[manager.pk].append(reminder)
        for manager_pk, reminders in per_manager.items():
            manager = managers[manager_pk]
            items = _collapse([ReminderItem.of(r.dispatch, today=today, escalated_from=r.user) for r in reminders])
            notification = queue_reminder_messages(manager, items, kind=Notification.Kind.ESCALATION, email=True, now=now)
            created = _open_reminders(manager, [r.dispatch for r in reminders], notification=notification, now=now,
                                      escalated_from={r.dispatch_id: r for r in reminders})
            count += len(created)
    return count


def wake_snoozed(*, now: dt.datetime) -> int:
    """Snoozed reminders whose time has come are open again, with a new message to their recipient."""
    today = company_day(now)
    rows = list(
        Reminder.objects.filter(state=Reminder.State.SNOOZED, snoozed_until__lte=now)
        .select_related("user", "dispatch__rule", "dispatch__contract__owner", "dispatch__contract__customer",
                        "dispatch__contract__contract_type")
        .order_by("id")[:5000]
    )
    woken = 0
    with transaction.atomic():
        per_user: dict[int, list] = defaultdict(list)
        for reminder in rows:
            if Reminder.objects.filter(pk=reminder.pk, state=Reminder.State.SNOOZED).update(
                state=Reminder.State.OPEN, open_since=now, snoozed_until=None
            ):
                per_user[reminder.user_id].append(reminder)
        for reminders in per_user.values():
            user = reminders[0].user
            items = _collapse([ReminderItem.of(r.dispatch, today=today) for r in reminders])
            notification = queue_reminder_messages(user, items, kind=Notification.Kind.REMINDER, email=False, now=now)
            Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(notification=notification)
            woken += len(reminders)
    return woken


def close_reminders(contract: Contract, *, kinds) -> int:
    """The contract's open reminders of these dates are no longer needed (the date moved, or the contract ended).
    Call inside the transaction of that change."""
    return Reminder.objects.filter(
        dispatch__contract=contract, dispatch__kind__in=list(kinds),
        state__in=[Reminder.State.OPEN, Reminder.State.SNOOZED],
    ).update(state=Reminder.State.CLOSED, snoozed_until=None)


def recheck_rule_dates(rule: ReminderRule) -> int:
    """After a rule changes, the key dates it may govern are looked at by the next pass (their due_on is today)."""
    from hetong.core.dates import company_today

    today = company_today()
    rows = KeyDate.objects.filter(kind=rule.date_kind, date__gte=today - dt.timedelta(days=settings.HETONG_REMINDER_CATCHUP_DAYS))
    if rule.contract_id:
        rows = rows.filter(contract_id=rule.contract_id)
    elif rule.contract_type_id:
        subtree, frontier = {rule.contract_type_id}, {rule.contract_type_id}
        while frontier:
            frontier = set(ContractType.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - subtree
            subtree |= frontier
        rows = rows.filter(contract__contract_type__in=subtree)
    return rows.filter(Q(due_on__isnull=True) | Q(due_on__gt=today)).update(due_on=today)


# --- the pass --------------------------------------------------------------------------------------------


def run_reminders(*, now: dt.datetime | None = None) -> PassResult:
    """One reminder pass at `now`: claim what fell due, send it, wake snoozes, escalate. Safe to repeat."""
    now = now or timezone.now()
    run = uuid.uuid4().hex
    result = PassResult()
    result.claimed = claim_due(today=company_day(now), run=run)
    result.sent = send_claimed(now=now, run=run)
    result.woken = wake_snoozed(now=now)
    result.escalated = escalate_reminders(now=now)
    return result
