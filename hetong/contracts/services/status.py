"""The status of a contract: the one place it changes, the named actions, and the daily job."""

import datetime as dt
import logging

import rules
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hetong.audit.services import changes, record
from hetong.core.dates import company_today, parse_date
from hetong.core.errors import (
    DomainError,
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
    StaleVersion,
)
from hetong.core.versioning import save_versioned

from ..deadlines import KeyTerms, renewals_due, term_end
from ..models import (
    TRANSITIONS,
    Contract,
    ContractFile,
    Status,
)
from .files import _store_version
from .terms import _field_error, notice_deadline_for, sync_key_dates

log = logging.getLogger(__name__)

# Fields a client may set; anything else in the input is refused, not silently ignored.
# --- status ----------------------------------------------------------------------------------------------


def _refuse(contract: Contract, action: str, *, by, error: DomainError) -> None:
    """Record a refused action in its own committed transaction, then raise."""
    with transaction.atomic():
        record(actor=by, verb="contract.refused", target=contract,
               data={"action": action, "status": contract.status, "code": error.code})
    raise error


def _transition(contract: Contract, action: str, *, by, version: int | None = None, enforce: bool = True,
                **fields) -> Contract:
    """The one place a contract's status changes: lock, re-check, write, audit. `enforce=False` is for the
    approval engine, which has checked who may decide (the last approver of a workflow need not be one who may
    approve contracts by hand)."""
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise InvalidInput(_("Unknown action %(action)s.") % {"action": action}, code="unknown_action")
    if enforce and by is not None and not rules.has_perm(f"contracts.{action}_contract", by, contract):
        _refuse(contract, action, by=by, error=PermissionDenied())
    with transaction.atomic():
        current = Contract.objects.select_for_update().get(pk=contract.pk)
        if version is not None and current.version != int(version):
            raise StaleVersion()
        if current.status not in rule.sources:
            error = IllegalTransition(
                _("Cannot %(action)s contract %(number)s: it is %(status)s.")
                % {"action": str(rule.label).lower(), "number": current.number, "status": current.get_status_display()},
                code=f"illegal_transition.{current.status}.{action}",
            )
            transaction.set_rollback(True)
        else:
            error = None
            now = timezone.now()
            values = {"status": rule.target, "status_changed_at": now, **fields}
            if not Contract.objects.filter(pk=current.pk, version=current.version, status=current.status).update(
                **values, version=F("version") + 1, updated_at=now
            ):
                raise StaleVersion()
            record(actor=by, verb=f"contract.{action}", target=current,
                   data={"from": current.status, "to": rule.target, **{k: v for k, v in fields.items() if v not in (None, "")}})
            current.status = rule.target
            sync_key_dates(current)
    if error is not None:
        _refuse(current, action, by=by, error=error)
    current.refresh_from_db()
    return current


def submit_contract(contract, *, by, version=None, note: str = "") -> Contract:
    """Submit for review; where an approval workflow is published, its approval starts in the same transaction."""
    from hetong.approvals import services as approvals

    if not contract.parties.exists():
        raise InvalidInput(_("Add the parties before submitting."), code="no_parties")
    if not rules.has_perm("contracts.submit_contract", by, contract) or not Contract.objects.get(pk=contract.pk).can("submit"):
        # Refused: let the transition record the refusal in its own transaction (not rolled back with ours).
        return _transition(contract, "submit", by=by, version=version, submitted_by=by, status_note=note[:500])
    with transaction.atomic():
        current = _transition(contract, "submit", by=by, version=version, submitted_by=by, status_note=note[:500])
        approvals.start(current, by=by)
    current.refresh_from_db()
    return current


def withdraw_contract(contract, *, by, version=None, note: str = "") -> Contract:
    """Take a contract out of review; a running approval is recalled (by its submitter, before any decision)."""
    from hetong.approvals import services as approvals

    if approvals.running(contract) is not None:
        approvals.recall(contract, by=by)
        return Contract.objects.get(pk=contract.pk)
    return _transition(contract, "withdraw", by=by, version=version, status_note=note[:500])


def _no_running_approval(contract) -> None:
    from hetong.approvals import services as approvals

    if approvals.running(contract) is not None:
        raise IllegalTransition(
            _("Contract %(number)s is going through its approval workflow: decide on your approval task instead.")
            % {"number": contract.number},
            code="approval_running",
        )


def approve_contract(contract, *, by, version=None, note: str = "") -> Contract:
    _no_running_approval(contract)
    return _transition(contract, "approve", by=by, version=version, status_note=note[:500])


def reject_contract(contract, *, by, version=None, note: str = "") -> Contract:
    if not note.strip():
        raise InvalidInput(_("Give a reason for the rejection."), code="reason_required", errors={"note": [_("Required.")]})
    _no_running_approval(contract)
    return _transition(contract, "reject", by=by, version=version, status_note=note[:500])


def send_contract_for_signing(contract, *, by, version=None, note: str = "") -> Contract:
    return _transition(contract, "send_for_signing", by=by, version=version, status_note=note[:500])


def sign_contract(contract, *, by, version=None, signed_date=None, signed_file=None, note: str = "") -> Contract:
    """Record that the contract was signed on `signed_date`, with the signed copy (uploaded now or before).
    A contract whose effective date has come is active at once; otherwise the daily job activates it."""
    contract = Contract.objects.get(pk=contract.pk)  # decide on the current row, not the caller's copy
    try:
        signed_date = parse_date(signed_date) or company_today()
    except ValueError:
        raise _field_error("signed_date", _("Enter a valid date (YYYY-MM-DD).")) from None
    if signed_date > company_today():
        raise _field_error("signed_date", _("The signed date cannot be in the future."))
    if signed_file is None and not contract.files.filter(kind=ContractFile.Kind.SIGNED).exists():
        raise InvalidInput(_("Attach the signed copy of the contract."), code="signed_file_required",
                           errors={"signed_file": [_("Required.")]})
    # Refuse before storing anything, so a refused signature leaves no file behind.
    if not rules.has_perm("contracts.sign_contract", by, contract):
        _refuse(contract, "sign", by=by, error=PermissionDenied())
    if not contract.can("sign"):
        return _transition(contract, "sign", by=by, version=version)  # refuses and audits the refusal
    stored = None
    try:
        with transaction.atomic():
            if signed_file is not None:
                stored = _store_version(contract, upload=signed_file, by=by, kind=ContractFile.Kind.SIGNED, file=None)
            contract = _transition(contract, "sign", by=by, version=version, signed_date=signed_date, status_note=note[:500])
            effective = contract.effective_date or signed_date
            if effective <= company_today():
                contract = _transition(contract, "activate", by=None, effective_date=effective)
    except BaseException:
        if stored is not None:
            default_storage.delete(stored.blob.name)
        raise
    return contract


def activate_contract(contract, *, by, version=None, note: str = "") -> Contract:
    return _transition(contract, "activate", by=by, version=version, status_note=note[:500])


def expire_contract(contract, *, by, version=None, note: str = "") -> Contract:
    return _transition(contract, "expire", by=by, version=version, status_note=note[:500])


def renew_contract(contract, *, by, version=None, note: str = "") -> Contract:
    return _transition(contract, "renew", by=by, version=version, status_note=note[:500])


def terminate_contract(contract, *, by, version=None, terminated_on=None, note: str = "") -> Contract:
    if not note.strip():
        raise InvalidInput(_("Give a reason for the termination."), code="reason_required", errors={"note": [_("Required.")]})
    try:
        terminated_on = parse_date(terminated_on) or company_today()
    except ValueError:
        raise _field_error("terminated_on", _("Enter a valid date (YYYY-MM-DD).")) from None
    from ..signals import contract_ended

    with transaction.atomic():
        ended = _transition(contract, "terminate", by=by, version=version, terminated_on=terminated_on,
                            status_note=note[:500])
        # Whatever still lies ahead (installments, obligations) stops, in the same transaction, however the
        # contract was terminated (the contract page, the API, or a termination with its written notice).
        contract_ended.send(sender=Contract, contract=ended, on=terminated_on, reason=note[:500], by=by)
    return ended


def cancel_contract(contract, *, by, version=None, note: str = "") -> Contract:
    """Cancel; an approval in progress ends with it (its open tasks are withdrawn)."""
    from hetong.approvals import services as approvals

    with transaction.atomic():
        current = _transition(contract, "cancel", by=by, version=version, status_note=note[:500])
        approvals.close_for_cancelled(current)
    return current


ACTIONS = {
    "submit": submit_contract,
    "withdraw": withdraw_contract,
    "approve": approve_contract,
    "reject": reject_contract,
    "send_for_signing": send_contract_for_signing,
    "sign": sign_contract,
    "activate": activate_contract,
    "expire": expire_contract,
    "renew": renew_contract,
    "terminate": terminate_contract,
    "cancel": cancel_contract,
}


def perform_action(contract: Contract, action: str, *, by, **params) -> Contract:
    """Dispatch a named action (from a page or the API) to its service."""
    service = ACTIONS.get(action)
    if service is None:
        raise InvalidInput(_("Unknown action %(action)s.") % {"action": action}, code="unknown_action")
    return service(contract, by=by, **params)


def allowed_actions(contract: Contract, user) -> list[str]:
    """Actions both the status and the user's role allow, for buttons."""
    return [a for a, rule in TRANSITIONS.items()
            if contract.status in rule.sources and rules.has_perm(f"contracts.{a}_contract", user, contract)]


def renew_tacitly(contract: Contract, *, today: dt.date | None = None) -> Contract:
    """An active, auto-renewing contract whose term ended without notice renews: the term advances (as many
    terms as have passed, after downtime), and the end date and notice deadline roll forward."""
    today = today or company_today()
    with transaction.atomic():
        current = Contract.objects.select_for_update().get(pk=contract.pk)
        terms = KeyTerms.of(current)
        due = renewals_due(terms, current.renewal_count, today)
        if current.status != Status.ACTIVE or due == current.renewal_count:
            return current
        before = {"end_date": current.end_date, "notice_deadline": current.notice_deadline}
        current.renewal_count = due
        current.end_date = term_end(terms, due)
        current.notice_deadline = notice_deadline_for(current)
        # first_term_end is written too: rows loaded in bulk may not have it, and end_date moves on now.
        save_versioned(current, {"renewal_count": due, "end_date": current.end_date,
                                 "notice_deadline": current.notice_deadline, "first_term_end": terms.end_date})
        sync_key_dates(current)
        record(actor=None, verb="contract.tacit_renewal", target=current,
               data={"renewals": due, "changes": changes(before, {"end_date": current.end_date,
                                                                    "notice_deadline": current.notice_deadline})})
        _tell_owner_of_renewal(current, before)
    current.refresh_from_db()
    return current


def _tell_owner_of_renewal(contract: Contract, before: dict) -> None:
    from django.urls import reverse
    from django.utils import translation

    from hetong.notifications.models import Notification
    from hetong.notifications.services import notify

    owner = contract.owner
    with translation.override(owner.language):
        title = _("Contract %(number)s renewed itself") % {"number": contract.number}
        body = _("%(number)s %(title)s was not given notice by %(deadline)s and has renewed tacitly: it now ends on "
                 "%(end)s, and the next notice deadline is %(notice)s.") % {
            "number": contract.number, "title": contract.title,
            "deadline": before["notice_deadline"].isoformat() if before["notice_deadline"] else "-",
            "end": contract.end_date.isoformat(),
            "notice": contract.notice_deadline.isoformat() if contract.notice_deadline else "-",
        }
    notify(owner, kind=Notification.Kind.RENEWAL, title=title, body=body,
           url=reverse("contracts:detail", args=[contract.pk]), contract=contract)


def apply_date_transitions(*, today: dt.date | None = None) -> dict:
    """The daily job: signed contracts become active on their effective date; auto-renewing ones whose term
    ended renew tacitly; the others expire after their end date. Safe to run twice."""
    today = today or company_today()
    counts = {"activated": 0, "renewed": 0, "expired": 0}
    due = Contract.objects.filter(status=Status.SIGNED, effective_date__lte=today).values_list("pk", flat=True)
    for pk in due.iterator():
        try:
            _transition(Contract(pk=pk), "activate", by=None)
            counts["activated"] += 1
        except DomainError:  # changed by someone else meanwhile
            continue
    renewing = Contract.objects.filter(status=Status.ACTIVE, end_date__lt=today, auto_renew=True).values_list("pk", flat=True)
    for pk in renewing.iterator():
        try:
            renew_tacitly(Contract(pk=pk), today=today)
            counts["renewed"] += 1
        except DomainError:
            continue
    ended = Contract.objects.filter(status=Status.ACTIVE, end_date__lt=today, auto_renew=False).values_list("pk", flat=True)
    for pk in ended.iterator():
        try:
            _transition(Contract(pk=pk), "expire", by=None)
            counts["expired"] += 1
        except DomainError:
            continue
    return counts
