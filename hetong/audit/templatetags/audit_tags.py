"""Showing audit events to people: a translated verb and readable details."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

VERBS = {
    "contract.create": _("created the contract"),
    "contract.update": _("edited the contract"),
    "contract.refused": _("was refused an action"),
    "contract.submit": _("submitted it for review"),
    "contract.withdraw": _("withdrew it from review"),
    "contract.approve": _("approved it"),
    "contract.reject": _("rejected it"),
    "contract.send_for_signing": _("sent it for signing"),
    "contract.sign": _("recorded the signature"),
    "contract.activate": _("made it active"),
    "contract.expire": _("marked it expired"),
    "contract.renew": _("marked it renewed"),
    "contract.tacit_renewal": _("renewed it tacitly: no notice was given before the deadline"),
    "contract.terminate": _("terminated it"),
    "contract.cancel": _("cancelled it"),
    "contract.file_upload": _("uploaded a file"),
    "contract.party_add": _("added a party"),
    "contract.party_update": _("edited a party"),
    "contract.party_remove": _("removed a party"),
    "contract.signatory_add": _("added a signatory"),
    "contract.signatory_remove": _("removed a signatory"),
    "contract.line_item_added": _("added a line item"),
    "contract.line_item_updated": _("edited a line item"),
    "contract.line_item_removed": _("removed a line item"),
    "document.generated": _("generated a document"),
    "document.batch_started": _("started generating documents for many contracts"),
    "template.created": _("created the template"),
    "template.updated": _("edited the template"),
    "template.version_added": _("added a template version"),
    "clause.created": _("created the clause"),
    "clause.version_proposed": _("proposed a new clause version"),
    "clause.version_approved": _("approved a clause version"),
    "product.saved": _("saved the product"),
    "contract.return_for_changes": _("returned it for changes"),
    "approval.started": _("started the approval workflow"),
    "approval.approve": _("approved a step"),
    "approval.reject": _("rejected a step"),
    "approval.return": _("returned it for changes at a step"),
    "approval.delegate": _("handed an approval task over"),
    "approval.add_approver": _("added an approver (加签)"),
    "approval.recall": _("recalled it from approval"),
    "approval.escalate": _("escalated an overdue approval"),
    "approval.delegation_add": _("recorded an absence delegation"),
    "approval.delegation_remove": _("deleted an absence delegation"),
    "workflow.saved": _("saved the approval workflow"),
    "esign.created": _("prepared a signature request"),
    "esign.sent": _("sent it for online signature"),
    "esign.link_sent": _("sent a signing link"),
    "esign.link_resent": _("sent a new signing link"),
    "esign.reminded": _("reminded a signer to sign (催签)"),
    "esign.viewed": _("opened the signing link"),
    "esign.code_sent": _("had a one-time code sent"),
    "esign.code_confirmed": _("confirmed the one-time code"),
    "esign.code_failed": _("entered a wrong one-time code"),
    "esign.signed": _("signed online"),
    "esign.completed": _("completed the online signing"),
    "esign.voided": _("voided the signature request"),
    "esign.expired": _("let the signature request expire"),
    "esign.seal_uploaded": _("uploaded the company seal"),
    "contract.file_integrity_failed": _("found a stored file changed"),
    "workflow.published": _("published a workflow version"),
    "customer.create": _("created the customer"),
    "customer.update": _("edited the customer"),
    "customer.contact_add": _("added a contact"),
    "customer.contact_update": _("edited a contact"),
    "customer.interaction": _("logged an interaction"),
    "user.token_create": _("created an API token"),
    "user.token_revoke": _("revoked an API token"),
    "user.preferences": _("changed preferences"),
    "user.password_change": _("changed the password"),
}

DETAIL_LABELS = {
    "from": _("from"),
    "to": _("to"),
    "status_note": _("reason"),
    "action": _("action"),
    "name": _("name"),
    "role": _("role"),
    "party_name": _("party"),
    "version": _("version"),
    "step": _("step"),
    "comment": _("comment"),
    "round": _("round"),
    "template": _("template"),
    "template_version": _("template version"),
    "nonstandard": _("non-standard clauses"),
    "signed_date": _("signed date"),
    "terminated_on": _("terminated on"),
    "effective_date": _("effective date"),
}


@register.filter
def verb_label(event) -> str:
    return str(VERBS.get(event.verb, event.verb))


@register.filter
def event_details(event) -> list[tuple[str, str]]:
    from hetong.contracts.models import ContractParty, Status

    data = event.data or {}
    rows = []
    changes = data.get("changes")
    for field, pair in (changes if isinstance(changes, dict) else {}).items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:  # an event that lists new values only
            rows.append((field, "—" if pair in (None, "") else str(pair)))
            continue
        old, new = pair
        rows.append((field, f"{old if old not in (None, '') else '—'} → {new if new not in (None, '') else '—'}"))
    for key, label in DETAIL_LABELS.items():
        if key in data and key not in ("changes",):
            value = data[key]
            if key in ("from", "to") or (key == "action" and event.verb == "contract.refused"):
                value = dict(Status.choices).get(value, value)
            elif key == "role" and event.verb.startswith("contract."):
                value = dict(ContractParty.Role.choices).get(value, value)
            rows.append((str(label), str(value)))
    return rows
