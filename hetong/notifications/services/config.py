"""Setting up reminders and channels: reminder rules (default, per type, per contract) and group channels."""

import rules
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hetong.audit.services import changes, record
from hetong.contracts.models import KEY_DATE_KINDS, Contract, ContractType
from hetong.core.errors import InvalidInput, PermissionDenied

from .. import transports
from ..models import DEFAULT_OFFSETS, MAX_OFFSET, Channel, RecipientRole, ReminderRule
from .reminders import recheck_rule_dates

User = get_user_model()
MAX_OFFSETS = 10
MAX_ESCALATION_DAYS = 60


def date_kinds_for(contract_type: ContractType | None) -> list[tuple[str, str]]:
    """The dates a rule may remind of: the built-in ones and the type's date fields."""
    kinds = [(kind, str(label)) for kind, (label, _statuses) in KEY_DATE_KINDS.items()]
    if contract_type is not None:
        kinds += [(f"x:{field.key}", str(field)) for field in contract_type.date_fields()]
    return kinds


def parse_offsets(value) -> list[int]:
    """"90, 60, 30" or [90, 60, 30] -> [90, 60, 30]; anything negative, absurd or not a number is refused."""
    if value in (None, ""):
        return list(DEFAULT_OFFSETS)
    parts = value if isinstance(value, list | tuple) else str(value).replace("，", ",").replace(" ", ",").split(",")
    offsets = set()
    for part in parts:
        if part in ("", None):
            continue
        if isinstance(part, bool):
            raise ValueError
        number = int(str(part).strip()) if not isinstance(part, int) else part
        if not 0 <= number <= MAX_OFFSET:
            raise ValueError
        offsets.add(number)
    if not offsets or len(offsets) > MAX_OFFSETS:
        raise ValueError
    return sorted(offsets, reverse=True)


def _can_edit(by, *, contract_type=None, contract=None) -> bool:
    if contract is not None:
        return rules.has_perm("contracts.change_contract", by, contract)
    return by.is_admin


def _ids(value) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        value = [value]
    return [int(getattr(v, "pk", v)) for v in value]


def save_rule(rule: ReminderRule | None, *, by, data: dict) -> ReminderRule:
    """Create or change a reminder rule. `data` carries date_kind, offsets, business_days, recipient_roles,
    recipient_users (ids), email, channels (ids), escalate_after and is_active; a new rule also contract_type
    or contract (neither: a company-wide default)."""
    data = dict(data)
    if rule is None:
        contract_type = data.get("contract_type")
        contract = data.get("contract")
        if contract_type not in (None, "") and not isinstance(contract_type, ContractType):
            contract_type = ContractType.objects.filter(pk=contract_type).first()
            if contract_type is None:
                raise InvalidInput(errors={"contract_type": [_("Choose a valid contract type.")]})
        if contract not in (None, "") and not isinstance(contract, Contract):
            contract = Contract.objects.visible_to(by).filter(pk=contract).first()
            if contract is None:
                raise InvalidInput(errors={"contract": [_("Choose a valid contract.")]})
        if contract_type and contract:
            raise InvalidInput(_("A rule is for a contract type or for one contract, not both."), code="rule_scope")
        rule = ReminderRule(contract_type=contract_type or None, contract=contract or None)
        before = {}
    else:
        before = _snapshot(rule)
    if not _can_edit(by, contract_type=rule.contract_type, contract=rule.contract):
        raise PermissionDenied()
    errors: dict[str, list] = {}
    type_for_kinds = rule.contract_type or (rule.contract.contract_type if rule.contract_id else None)
    if "date_kind" in data:
        if data["date_kind"] not in dict(date_kinds_for(type_for_kinds)):
            errors["date_kind"] = [_("Choose a date this rule can remind of.")]
        elif rule.pk and data["date_kind"] != rule.date_kind:
            errors["date_kind"] = [_("The date of an existing rule cannot change; add a rule for the other date.")]
        else:
            rule.date_kind = data["date_kind"]
    elif not rule.pk:
        errors["date_kind"] = [_("Required.")]
    if "offsets" in data or not rule.pk:
        try:
            rule.offsets = parse_offsets(data.get("offsets"))
        except (TypeError, ValueError):
            errors["offsets"] = [_("Enter up to %(count)d whole numbers of days from 0 to %(max)d, e.g. 90, 60, 30, 7, 0.")
                                 % {"count": MAX_OFFSETS, "max": MAX_OFFSET}]
    for name in ("business_days", "email", "is_active"):
        if name in data:
            value = data[name]
            setattr(rule, name, value if isinstance(value, bool) else str(value).lower() in {"1", "true", "on", "yes"})
    if "escalate_after" in data:
        value = data["escalate_after"]
        try:
            rule.escalate_after = None if value in (None, "") else int(value)
            if rule.escalate_after is not None and not 1 <= rule.escalate_after <= MAX_ESCALATION_DAYS:
                raise ValueError
        except (TypeError, ValueError):
            errors["escalate_after"] = [_("Enter a number of business days from 1 to %(max)d, or leave it empty.")
                                        % {"max": MAX_ESCALATION_DAYS}]
    if "recipient_roles" in data or not rule.pk:
        roles = data.get("recipient_roles") or []
        if isinstance(roles, str):
            roles = [roles]
        if set(roles) - set(RecipientRole.values):
            errors["recipient_roles"] = [_("Choose recipients from the list.")]
        else:
            rule.recipient_roles = [role for role in RecipientRole.values if role in roles]
    users = channels = None
    try:
        if "recipient_users" in data:
            wanted = _ids(data["recipient_users"])
            users = list(User.objects.filter(pk__in=wanted, is_active=True))
            if len(users) != len(set(wanted)):
                errors["recipient_users"] = [_("Choose active users.")]
        if "channels" in data:
            wanted = _ids(data["channels"])
            channels = list(Channel.objects.filter(pk__in=wanted))
            if len(channels) != len(set(wanted)):
                errors["channels"] = [_("Choose existing channels.")]
    except (TypeError, ValueError):
        errors.setdefault("recipient_users", [_("Choose active users.")])
    has_users = bool(users) if users is not None else bool(rule.pk and rule.recipient_users.exists())
    if rule.is_active and not rule.recipient_roles and not has_users and not errors.get("recipient_roles"):
        errors["recipient_roles"] = [_("Choose at least one recipient.")]
    if errors:
        raise InvalidInput(errors=errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError:
            raise InvalidInput(errors={"date_kind": [_("There is already a rule for this date here; edit that one.")]}) from None
        if users is not None:
            rule.recipient_users.set(users)
        if channels is not None:
            rule.channels.set(channels)
        after = _snapshot(rule)
        record(actor=by, verb="reminder_rule.save", target=rule,
               data={"scope": rule.scope_label, "changes": changes(before, after)})
        recheck_rule_dates(rule)
    return rule


def _snapshot(rule: ReminderRule) -> dict:
    data = {name: getattr(rule, name) for name in
            ("date_kind", "offsets", "business_days", "recipient_roles", "email", "escalate_after", "is_active")}
    if rule.pk:
        data["recipient_users"] = sorted(rule.recipient_users.values_list("pk", flat=True))
        data["channels"] = sorted(rule.channels.values_list("pk", flat=True))
    return data


def delete_rule(rule: ReminderRule, *, by) -> None:
    """Remove a type's or a contract's own rule: the next more general one applies again (its reminders of dates
    already reminded under this rule are sent once more, under its own keys). Sent dispatches stay as history."""
    if not _can_edit(by, contract_type=rule.contract_type, contract=rule.contract):
        raise PermissionDenied()
    if rule.contract_id is None and rule.contract_type_id is None:
        raise InvalidInput(_("A default rule cannot be removed; switch it off instead."), code="default_rule")
    with transaction.atomic():
        record(actor=by, verb="reminder_rule.delete", target=rule, data={"scope": rule.scope_label, "date_kind": rule.date_kind})
        recheck_rule_dates(rule)
        rule.delete()


# --- channels --------------------------------------------------------------------------------------------


def save_channel(channel: Channel | None, *, by, data: dict) -> Channel:
    """Create or change a group robot or webhook. An empty secret on an existing channel keeps the old one."""
    if not by.is_admin:
        raise PermissionDenied()
    creating = channel is None
    channel = channel or Channel()
    before = _channel_snapshot(channel) if not creating else {}
    errors: dict[str, list] = {}
    name = str(data.get("name", channel.name) or "").strip()[:60]
    if not name:
        errors["name"] = [_("Required.")]
    kind = data.get("kind", channel.kind) if creating else channel.kind
    if kind not in Channel.Kind.values:
        errors["kind"] = [_("Choose a channel kind.")]
    url = str(data.get("url", channel.url) or "").strip()
    secret = str(data.get("secret") or "").strip() or channel.secret
    keyword = str(data.get("keyword", channel.keyword) or "").strip()[:60]
    if len(url) > Channel._meta.get_field("url").max_length:
        errors["url"] = [_("The address is too long.")]
    if len(secret) > Channel._meta.get_field("secret").max_length:
        errors["secret"] = [_("The secret is too long.")]
    if "kind" not in errors and not errors:
        errors.update(transports.validate_channel(kind, url, secret, keyword))
    if errors:
        raise InvalidInput(errors=errors)
    channel.name, channel.kind, channel.url, channel.secret, channel.keyword = name, kind, url, secret, keyword
    if "is_active" in data:
        value = data["is_active"]
        channel.is_active = value if isinstance(value, bool) else str(value).lower() in {"1", "true", "on", "yes"}
    with transaction.atomic():
        try:
            with transaction.atomic():
                channel.save()
        except IntegrityError:
            raise InvalidInput(errors={"name": [_("A channel with this name already exists.")]}) from None
        after = _channel_snapshot(channel)
        # The secret itself never goes into the audit trail; only that it changed.
        data_changes = changes(before, after)
        if not creating and str(data.get("secret") or "").strip():
            data_changes["secret"] = ["***", "***"]
        record(actor=by, verb="channel.create" if creating else "channel.update", target=channel, data={"changes": data_changes})
    return channel


def _channel_snapshot(channel: Channel) -> dict:
    # A robot's key or token is in its URL's query: the audit trail keeps only the address without it.
    return {"name": channel.name, "kind": channel.kind, "url": channel.url.split("?")[0], "keyword": channel.keyword,
            "is_active": channel.is_active}
