"""Template pieces of renewals and notices that other pages show: a contract's "Renewals and notices" card."""

import rules
from django import template

from hetong.contracts.models import Status

from ..selectors import notices_for, renewal_history

register = template.Library()


@register.inclusion_tag("changes/_card.html", takes_context=True)
def contract_changes_card(context, contract):
    """The renewal history of the contract's chain and its notices with their deliveries; the notices and their
    deliveries are read in two queries however many there are."""
    user = context["request"].user
    notices = list(notices_for(contract))
    may_notice = rules.has_perm("changes.send_notice", user, contract)
    return {
        "contract": contract,
        "history": renewal_history(contract),
        "notices": notices,
        "can_renew": contract.can("renew") and rules.has_perm("contracts.renew_contract", user, contract),
        "can_terminate": contract.can("terminate")
        and rules.has_perm("contracts.terminate_contract", user, contract),
        "can_notice": may_notice and contract.status in (Status.SIGNED, Status.ACTIVE),
        "can_deliver": rules.has_perm("changes.record_delivery", user, contract),
        "amendments": list(contract.amendments.order_by("sequence")),
        "can_amend": contract.status in (Status.SIGNED, Status.ACTIVE)
        and rules.has_perm("changes.amend_contract", user, contract),
        "request": context["request"],
    }
