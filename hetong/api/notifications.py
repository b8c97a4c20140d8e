"""Reminders, the inbox, reminder rules and group channels. Everything goes through
hetong.notifications.services, which decide what may change; reads are scoped to the caller (their own
reminders and inbox; contract rules only of contracts they can see; channels for administrators)."""

import datetime as dt
from typing import Literal

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus

from hetong.contracts.models import Contract
from hetong.core.errors import InvalidInput, PermissionDenied
from hetong.core.pagination import Sort
from hetong.notifications import selectors, services
from hetong.notifications.models import Channel, Delivery, Notification, RecipientRole, Reminder, ReminderRule

from .errors import errors
from .schemas import BodySchema, PageQuery, page_of

router = Router(tags=["notifications"])

NEWEST_FIRST = Sort("id", descending=True, kind=int)
BY_ID = Sort("id", kind=int)


# --- reminders -------------------------------------------------------------------------------------------


class ReminderOut(Schema):
    id: int
    state: Reminder.State
    contract: int
    contract_number: str
    contract_title: str
    date_kind: str
    date_label: str
    date: dt.date
    days_left: int = Field(description="Days from today (company time zone) to the date; negative once past.")
    offset: int = Field(description="The rule's days-before that brought this reminder.")
    escalated_from_user: int | None = Field(
        None, description="Set on a manager's copy: whose reminder it was."
    )
    created_at: dt.datetime
    snoozed_until: dt.datetime | None
    acknowledged_at: dt.datetime | None

    @staticmethod
    def resolve_contract(obj):
        return obj.dispatch.contract_id

    @staticmethod
    def resolve_contract_number(obj):
        return obj.dispatch.contract.number

    @staticmethod
    def resolve_contract_title(obj):
        return obj.dispatch.contract.title

    @staticmethod
    def resolve_date_kind(obj):
        return obj.dispatch.kind

    @staticmethod
    def resolve_date_label(obj):
        return obj.label

    @staticmethod
    def resolve_date(obj):
        return obj.dispatch.date

    @staticmethod
    def resolve_offset(obj):
        return obj.dispatch.offset

    @staticmethod
    def resolve_escalated_from_user(obj):
        return obj.escalated_from.user_id if obj.escalated_from_id else None


class ReminderPage(Schema):
    items: list[ReminderOut]
    count: int
    next_cursor: str | None


class ReminderQuery(PageQuery):
    state: Literal["open", "snoozed", "acknowledged", "all"] = Field(
        "all", description="`all` includes reminders closed because the date moved or the contract ended."
    )


class SnoozeIn(BodySchema):
    days: int | None = Field(None, description="Snooze for 1 to 30 days (default 1).")
    until: dt.datetime | None = Field(
        None, description="Or until this moment (with a time zone), within 30 days."
    )


def _reminder(request, reminder_id: int) -> Reminder:
    return Reminder.objects.select_related("dispatch").get(user=request.auth, pk=reminder_id)


def _reminder_out(request, reminder_id: int) -> Reminder:
    row = selectors.reminders(request.auth, "all").filter(pk=reminder_id).first()
    if row is None:  # superseded by a later reminder of the same date: still answer with this one
        row = Reminder.objects.select_related("dispatch__contract__contract_type", "escalated_from").get(
            user=request.auth, pk=reminder_id
        )
    return selectors.decorate_reminders([row])[0]


@router.get(
    "/reminders",
    response={200: ReminderPage, **errors(400, 401)},
    description="The caller's reminders, newest first, one per contract date: when several reminders "
    "of one date reached the caller, the latest stands for them (acknowledging or snoozing it settles all).",
)
def list_reminders(request, query: Query[ReminderQuery]):
    page = page_of(selectors.reminders(request.auth, query.state), NEWEST_FIRST, query)
    page["items"] = selectors.decorate_reminders(page["items"])
    return page


@router.post("/reminders/{int:reminder_id}/acknowledge", response={200: ReminderOut, **errors(400, 401, 404)})
def acknowledge_reminder(request, reminder_id: int):
    services.acknowledge_reminder(_reminder(request, reminder_id), by=request.auth)
    return _reminder_out(request, reminder_id)


@router.post("/reminders/{int:reminder_id}/snooze", response={200: ReminderOut, **errors(400, 401, 404)})
def snooze_reminder(request, reminder_id: int, payload: SnoozeIn):
    if payload.days is not None and payload.until is not None:
        raise InvalidInput(errors={"until": [_("Give either days or until, not both.")]})
    services.snooze_reminder(
        _reminder(request, reminder_id), by=request.auth, until=payload.until, days=payload.days
    )
    return _reminder_out(request, reminder_id)


# --- inbox -----------------------------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    kind: Notification.Kind
    title: str
    body: str
    url: str
    contract: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def resolve_contract(obj):
        return obj.contract_id


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int
    next_cursor: str | None


class NotificationQuery(PageQuery):
    unread: bool = Field(False, description="Only the unread ones.")


class UnreadOut(Schema):
    unread_count: int


class ReadAllOut(Schema):
    marked: int


@router.get("/notifications", response={200: NotificationPage, **errors(400, 401)})
def list_notifications(request, query: Query[NotificationQuery]):
    qs = Notification.objects.filter(user=request.auth)
    if query.unread:
        qs = qs.filter(read_at__isnull=True)
    return page_of(qs, NEWEST_FIRST, query)


@router.get("/notifications/unread-count", response={200: UnreadOut, **errors(401)})
def unread_count(request):
    return {"unread_count": selectors.unread_count(request.auth)}


@router.post(
    "/notifications/{int:notification_id}/read", response={200: NotificationOut, **errors(400, 401, 404)}
)
def read_notification(request, notification_id: int):
    notification = Notification.objects.get(user=request.auth, pk=notification_id)
    return services.mark_read(notification, by=request.auth)


@router.post("/notifications/read-all", response={200: ReadAllOut, **errors(400, 401)})
def read_all(request):
    return {"marked": services.mark_all_read(by=request.auth)}


# --- reminder rules --------------------------------------------------------------------------------------


Scope = Literal["default", "type", "contract"]


class RuleOut(Schema):
    id: int
    scope: Scope
    contract_type: int | None
    contract: int | None
    date_kind: str
    date_label: str
    offsets: list[int] = Field(description="Days before the date, largest first; 0 is the day itself.")
    business_days: bool
    recipient_roles: list[RecipientRole]
    recipient_users: list[int]
    email: bool
    channels: list[int]
    escalate_after: int | None
    is_active: bool
    updated_at: dt.datetime

    @staticmethod
    def resolve_scope(obj):
        return "contract" if obj.contract_id else "type" if obj.contract_type_id else "default"

    @staticmethod
    def resolve_contract_type(obj):
        return obj.contract_type_id

    @staticmethod
    def resolve_contract(obj):
        return obj.contract_id

    @staticmethod
    def resolve_recipient_users(obj):
        return [user.pk for user in obj.recipient_users.all()]

    @staticmethod
    def resolve_channels(obj):
        return [channel.pk for channel in obj.channels.all()]


class RulePage(Schema):
    items: list[RuleOut]
    count: int
    next_cursor: str | None


class RuleQuery(PageQuery):
    scope: Scope | None = None
    contract_type: int | None = Field(None, description="Rules of this contract type.")
    contract: int | None = Field(None, description="Rules of this contract.")
    date_kind: str | None = None


class _RuleFields(BodySchema):
    offsets: list[int] | None = Field(
        None, description="Up to 10 whole days from 0 to 730, e.g. [90, 60, 30, 7, 0]."
    )
    business_days: bool | None = None
    recipient_roles: list[RecipientRole] | None = None
    recipient_users: list[int] | None = Field(None, description="Ids of active users.")
    email: bool | None = None
    channels: list[int] | None = Field(None, description="Channel ids.")
    escalate_after: int | None = Field(None, description="Business days, 1 to 60; null: never.")
    is_active: bool | None = None


class RuleIn(_RuleFields):
    contract_type: int | None = Field(
        None, description="A type's rule (with its sub-types). Administrators only."
    )
    contract: int | None = Field(None, description="One contract's own rule; needs the right to change it.")
    date_kind: str = Field(
        max_length=50,
        description="`end`, `notice`, `effective`, `signing`, `review`, or "
        "`x:<key>` for a date field of the type.",
    )


class RulePatch(_RuleFields):
    pass


def _rules(request):
    visible = Contract.objects.visible_to(request.auth).values("pk")
    return (
        ReminderRule.objects.filter(Q(contract__isnull=True) | Q(contract__in=visible))
        .select_related("contract_type", "contract__contract_type")
        .prefetch_related("recipient_users", "channels")
    )


def _rule_data(payload: Schema) -> dict:
    # Null means "not given" except for escalate_after, where it means "never escalate".
    data = payload.model_dump(mode="json", exclude_unset=True)
    return {key: value for key, value in data.items() if value is not None or key == "escalate_after"}


@router.get(
    "/reminder-rules",
    response={200: RulePage, **errors(400, 401)},
    description="Default and type rules, and the own rules of contracts the caller can see.",
)
def list_rules(request, query: Query[RuleQuery]):
    qs = _rules(request)
    if query.scope == "default":
        qs = qs.filter(contract__isnull=True, contract_type__isnull=True)
    elif query.scope == "type":
        qs = qs.filter(contract_type__isnull=False)
    elif query.scope == "contract":
        qs = qs.filter(contract__isnull=False)
    if query.contract_type is not None:
        qs = qs.filter(contract_type=query.contract_type)
    if query.contract is not None:
        qs = qs.filter(contract=query.contract)
    if query.date_kind:
        qs = qs.filter(date_kind=query.date_kind)
    return page_of(qs, BY_ID, query)


@router.post("/reminder-rules", response={201: RuleOut, **errors(400, 401, 403)})
def create_rule(request, payload: RuleIn):
    data = _rule_data(payload)
    if data.get("contract_type") is not None and data.get("contract") is not None:
        raise InvalidInput(
            errors={"contract": [_("A rule is for a contract type or for one contract, not both.")]}
        )
    rule = services.save_rule(None, by=request.auth, data=data)
    return HttpStatus(201, _rules(request).get(pk=rule.pk))


@router.get("/reminder-rules/{int:rule_id}", response={200: RuleOut, **errors(401, 404)})
def get_rule(request, rule_id: int):
    return _rules(request).get(pk=rule_id)


@router.patch(
    "/reminder-rules/{int:rule_id}",
    response={200: RuleOut, **errors(400, 401, 403, 404)},
    description="The date of a rule cannot change; add a rule for the other date instead.",
)
def update_rule(request, rule_id: int, payload: RulePatch):
    services.save_rule(_rules(request).get(pk=rule_id), by=request.auth, data=_rule_data(payload))
    return _rules(request).get(pk=rule_id)


@router.delete(
    "/reminder-rules/{int:rule_id}",
    response={204: None, **errors(400, 401, 403, 404)},
    description="Remove a type's or a contract's own rule; the more general rule applies again. A "
    "default rule (`default_rule`) is switched off with PATCH instead.",
)
def delete_rule(request, rule_id: int):
    services.delete_rule(_rules(request).get(pk=rule_id), by=request.auth)
    return HttpStatus(204, None)


# --- channels (administrators) ---------------------------------------------------------------------------


class ChannelOut(Schema):
    id: int
    name: str
    kind: Channel.Kind
    url: str
    has_secret: bool = Field(description="The secret itself is write-only.")
    keyword: str
    is_active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_has_secret(obj):
        return bool(obj.secret)


class ChannelPage(Schema):
    items: list[ChannelOut]
    count: int
    next_cursor: str | None


class ChannelIn(BodySchema):
    name: str = Field(max_length=60)
    kind: Channel.Kind
    url: str = Field(max_length=500, description="The robot's whole webhook address.")
    secret: str = Field(
        "", max_length=200, description="Write-only. DingTalk SEC…, Feishu, or webhook HMAC key."
    )
    keyword: str = Field("", max_length=60)
    is_active: bool = True


class ChannelPatch(BodySchema):
    name: str | None = Field(None, max_length=60)
    url: str | None = Field(None, max_length=500)
    secret: str | None = Field(
        None, max_length=200, description="Write-only; omitted or empty keeps the current one."
    )
    keyword: str | None = Field(None, max_length=60)
    is_active: bool | None = None


class DeliveryOut(Schema):
    id: int
    kind: Delivery.Kind
    state: Delivery.State
    to: str
    subject: str
    attempts: int
    last_error: str
    next_attempt_at: dt.datetime
    created_at: dt.datetime
    sent_at: dt.datetime | None


def _admin(request) -> None:
    if not request.auth.is_admin:
        raise PermissionDenied()


@router.get("/channels", response={200: ChannelPage, **errors(400, 401, 403)})
def list_channels(request, query: Query[PageQuery]):
    _admin(request)
    return page_of(Channel.objects.all(), BY_ID, query)


@router.post("/channels", response={201: ChannelOut, **errors(400, 401, 403)})
def create_channel(request, payload: ChannelIn):
    return HttpStatus(201, services.save_channel(None, by=request.auth, data=payload.model_dump(mode="json")))


@router.get("/channels/{int:channel_id}", response={200: ChannelOut, **errors(401, 403, 404)})
def get_channel(request, channel_id: int):
    _admin(request)
    return Channel.objects.get(pk=channel_id)


@router.patch(
    "/channels/{int:channel_id}",
    response={200: ChannelOut, **errors(400, 401, 403, 404)},
    description="The kind of a channel cannot change.",
)
def update_channel(request, channel_id: int, payload: ChannelPatch):
    _admin(request)
    data = {k: v for k, v in payload.model_dump(mode="json", exclude_unset=True).items() if v is not None}
    return services.save_channel(Channel.objects.get(pk=channel_id), by=request.auth, data=data)


@router.post(
    "/channels/{int:channel_id}/test",
    response={202: DeliveryOut, **errors(400, 401, 403, 404)},
    description="Queue a test message; the delivery shows its state (sent, or pending with the error of "
    "the last attempt, or failed).",
)
def test_channel(request, channel_id: int):
    _admin(request)
    delivery = services.send_test_message(Channel.objects.get(pk=channel_id), by=request.auth)
    delivery.refresh_from_db()
    return HttpStatus(202, delivery)
