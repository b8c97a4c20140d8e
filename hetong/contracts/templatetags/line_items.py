"""The contract page's Line items card, and the amount hint of the contract form."""

from django import template

from ..product_forms import line_items_card as card_context
from ..selectors import money
from ..services.items import items_summary

register = template.Library()


@register.filter
def amount(value) -> str:
    """12800.5 -> 12,800.50 in every language (as the contract pages write money)."""
    return money(value)


@register.inclusion_tag("contracts/_line_items_card.html", takes_context=True)
def line_items_card(context, contract):
    """The card; after a refused change the page passes `line_item_form` and `line_item_error`."""
    request = context["request"]
    return {
        **card_context(
            contract, request.user, bound=context.get("line_item_form"), error=context.get("line_item_error")
        ),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("contracts/_amount_lines_hint.html")
def amount_lines_hint(contract):
    """On the contract form: the amount follows the line items, and whether it agrees with them now."""
    if contract is None or not contract.pk:
        return {"summary": None}
    summary = items_summary(contract)
    return {"contract": contract, "summary": summary, "difference": abs(summary["difference"])}
