"""Template pieces of online signing that other pages show: a contract's Signature card."""

import rules
from django import template
from django.db.models import Prefetch

from ..models import SignatureRequest, Signer
from ..request_views import OPEN, may_start

register = template.Library()

SHOWN = 5  # the newest requests on the card; older ones are in the contract's history

STATUS_COLOURS = {
    SignatureRequest.Status.DRAFT: "secondary",
    SignatureRequest.Status.SENT: "blue",
    SignatureRequest.Status.COMPLETED: "green",
    SignatureRequest.Status.VOIDED: "red",
    SignatureRequest.Status.EXPIRED: "orange",
}
SIGNER_COLOURS = {
    Signer.Status.WAITING: "secondary",
    Signer.Status.PENDING: "blue",
    Signer.Status.VIEWED: "azure",
    Signer.Status.SIGNED: "green",
    Signer.Status.DECLINED: "red",
}


@register.inclusion_tag("esign/_card.html", takes_context=True)
def contract_signing_card(context, contract):
    """The contract's newest signature requests with their signers: two queries, however many signers."""
    request = context["request"]
    signers = Signer.objects.only(
        "request", "position", "side", "name", "email", "status", "sent_at", "viewed_at", "signed_at", "link_sent_at",
        "reminder_count")
    requests = list(
        SignatureRequest.objects.filter(contract=contract)
        .select_related("document")
        .only("pk", "contract_id", "status", "order", "deadline", "created_at", "sent_at", "completed_at",
              "voided_reason", "certificate_sha256", "document", "document__number")
        .prefetch_related(Prefetch("signers", queryset=signers.order_by("position")))
        .order_by("-pk")[:SHOWN]
    )
    can_send = rules.has_perm("contracts.send_for_signing_contract", request.user, contract)
    for item in requests:
        item.colour = STATUS_COLOURS.get(item.status, "secondary")
        item.is_open = item.status in OPEN
        for signer in item.signers.all():
            signer.colour = SIGNER_COLOURS.get(signer.status, "secondary")
            signer.may_resend = (can_send and item.status == SignatureRequest.Status.SENT
                                 and signer.status in (Signer.Status.PENDING, Signer.Status.VIEWED))
    open_request = any(item.is_open for item in requests)
    posted = context.get("posted") or {}
    return {
        "contract": contract,
        "requests": requests,
        "can_send": can_send,
        "can_start": may_start(contract, request.user, open_request=open_request),
        "Status": SignatureRequest.Status,
        "Side": Signer.Side,
        "void_open": posted.get("request") if posted.get("action") == "esign_void" else None,
        "void_reason": posted.get("reason", ""),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
