"""Template pieces of the notifications app that other apps' pages show: a contract's reminder card."""

import rules
from django import template
from django.utils.html import format_html_join

from ..models import RecipientRole
from ..selectors import contract_reminders

register = template.Library()


@register.simple_tag
def rule_recipients(rule) -> str:
    """The rule's recipients as badges: its roles, then its named people (prefetched)."""
    labels = dict(RecipientRole.choices)
    names = [str(labels.get(role, role)) for role in rule.recipient_roles or []]
    names += [str(user) for user in rule.recipient_users.all()]
    return (
        format_html_join(" ", '<span class="badge bg-secondary-lt">{}</span>', ((name,) for name in names))
        or "—"
    )


@register.inclusion_tag("notifications/_contract_reminders.html", takes_context=True)
def contract_reminder_card(context, contract):
    user = context["request"].user
    return {
        "contract": contract,
        "dates": contract_reminders(contract),
        "can_change": rules.has_perm("contracts.change_contract", user, contract),
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
