"""Template pieces of obligations that other pages show: a contract's Obligations card."""

import rules
from django import template

from .. import selectors
from ..models import Obligation, ObligationStatus

register = template.Library()

STATUS_COLOURS = {ObligationStatus.OPEN: "blue", ObligationStatus.DONE: "green", ObligationStatus.WAIVED: "secondary"}


@register.inclusion_tag("obligations/_card.html", takes_context=True)
def contract_obligations_card(context, contract):
    """The contract's obligations with owner and evidence: two queries, however many rows."""
    request = context["request"]
    user = request.user
    obligations = list(selectors.for_contract(contract))
    can_manage = rules.has_perm("obligations.manage_obligation", user, Obligation(contract=contract))
    posted = context.get("posted") or {}
    counts = {"open": 0, "overdue": 0, "done": 0, "waived": 0}
    for item in obligations:
        item.contract = contract  # the permission rules read it; no query per row
        item.colour = STATUS_COLOURS.get(item.status, "secondary")
        item.may_complete = item.status == ObligationStatus.OPEN and rules.has_perm(
            "obligations.complete_obligation", user, item)
        item.may_evidence = item.status != ObligationStatus.WAIVED and (
            item.may_complete or rules.has_perm("obligations.complete_obligation", user, item))
        item.open_action = posted.get("action") if posted.get("obligation") == item.pk else None
        counts[item.status] += 1
        counts["overdue"] += item.overdue
    counted = len(obligations) - counts["waived"]
    return {
        "contract": contract,
        "obligations": obligations,
        "counts": counts,
        "fulfilment": selectors.fulfilment_pct(counts["done"], counted),
        "can_manage": can_manage,
        "Status": ObligationStatus,
        "posted": posted,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
