"""Template pieces of approvals that other pages show: the pending count in the menu and a contract's
Approvals card."""

from django import template

from .. import selectors, services
from ..models import Instance

register = template.Library()


@register.simple_tag(takes_context=True)
def approvals_pending(context) -> int:
    """The user's tasks waiting for a decision: one COUNT, once per request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, "_approvals_pending"):
        request._approvals_pending = services.pending_count(user)
    return request._approvals_pending


@register.inclusion_tag("approvals/_card.html", takes_context=True)
def contract_approvals_card(context, contract):
    """Every approval round of the contract with its steps and people, in a fixed number of queries."""
    request = context["request"]
    rounds = selectors.rounds(contract)
    running = next((r for r in rounds if r.status == Instance.Status.RUNNING), None)
    return {
        "contract": contract,
        "rounds": rounds,
        "running": running,
        "can_recall": running is not None
        and running.submitted_by_id == request.user.pk
        and not running.decisions,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
