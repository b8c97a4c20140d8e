"""Amendments (补充协议 / 变更): a signed contract's terms changed from an effective date, once the amendment is
approved and signed on the same engines as the contract (approvals, esign).

The contract row always holds the terms in force today. A signed amendment keeps the whole set of amendable terms
just before (`before`) and from (`after`) its effective date, so `terms_on(contract, day)` answers for any day with
one query. Amendments take effect in the order of their dates: one may not start before one already signed.
"""

import copy
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import rules
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from hetong.audit.services import changes as diff_of
from hetong.audit.services import record
from hetong.contracts.models import IN_FORCE_STATES, Contract, ContractFile, PeriodUnit
from hetong.contracts.selectors import money
from hetong.contracts.services.files import _store_version
from hetong.contracts.services.terms import (
    _coerce,
    _validate,
    index_contract,
    notice_deadline_for,
    sync_key_dates,
)
from hetong.core.dates import company_today, parse_date
from hetong.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied, StaleVersion
from hetong.core.text import clean_text
from hetong.core.versioning import save_versioned
from hetong.documents import services as documents
from hetong.documents.models import Language, Template
from hetong.documents.variables import AMENDMENT

from .models import Amendment

A = Amendment.Status
# The terms an amendment may change. The parties, the customer and the contract's start are not among them:
# a different customer or start is a new contract.
AMENDABLE_TERMS = (
    "title", "amount", "end_date", "auto_renew", "renewal_term", "renewal_unit", "notice_period", "notice_unit",
    "review_date", "description",
)
DATE_TERMS = frozenset({"end_date", "review_date"})
INPUT_FIELDS = ("title", "effective_date", "reason", "changes")

# action: (statuses it starts from, status it leads to). The approval engine finishes a round with the same verbs.
TRANSITIONS = {
    "submit": ({A.DRAFT}, A.IN_REVIEW),
    "withdraw": ({A.IN_REVIEW}, A.DRAFT),
    "approve": ({A.IN_REVIEW}, A.APPROVED),
    "reject": ({A.IN_REVIEW}, A.DRAFT),
    "return_for_changes": ({A.IN_REVIEW}, A.DRAFT),
    "send_for_signing": ({A.APPROVED}, A.SIGNING),
    "cancel": ({A.DRAFT, A.IN_REVIEW, A.APPROVED, A.SIGNING}, A.CANCELLED),
}


def _field(name: str, message) -> InvalidInput:
    return InvalidInput(errors={name: [message]})


def _require(user, perm: str, obj=None) -> None:
    if not rules.has_perm(perm, user, obj):
        raise PermissionDenied()


# --- values -------------------------------------------------------------------------------------------------

def _json(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _python(name: str, value):
    if value is None:
        return None
    if name == "amount":
        return Decimal(value)
    if name in DATE_TERMS:
        return dt.date.fromisoformat(value)
    return value


def current_terms(contract: Contract) -> dict:
    """The amendable terms as the contract row holds them (the terms in force today), as JSON values."""
    return {name: _json(getattr(contract, name)) for name in AMENDABLE_TERMS}


def term_label(name: str) -> str:
    return capfirst(str(Contract._meta.get_field(name).verbose_name))


def display(name: str, value, contract: Contract) -> str:
    """A term's value as a person reads it, in the active language."""
    if value is None or value == "":
        return "—"
    if name == "amount":
        return f"{contract.currency} {money(Decimal(value))}"
    if name in DATE_TERMS:
        return value
    if name == "auto_renew":
        return _("Yes") if value else _("No")
    if name in {"renewal_unit", "notice_unit"}:
        return str(PeriodUnit(value).label)
    return str(value)


# --- the terms on a day ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TermsOn:
    day: dt.date
    terms: dict  # JSON values by term name
    amendment: Amendment | None  # the latest signed amendment in force that day
    in_force: bool  # whether the contract itself was in force that day


def _signed(contract: Contract) -> list[Amendment]:
    return list(Amendment.objects.filter(contract=contract, status=A.SIGNED).order_by("effective_date", "sequence"))


def terms_on(contract: Contract, day: dt.date, *, signed: list[Amendment] | None = None) -> TermsOn:
    """The terms in force on `day`: the contract's own before its first amendment, each signed amendment's from its
    effective date (one whose date has not come is not yet in the row, but counts on and after its date)."""
    signed = _signed(contract) if signed is None else signed
    in_effect = [a for a in signed if a.effective_date <= day]
    later = [a for a in signed if a.effective_date > day]
    if later:
        terms = dict(later[0].before)
    elif in_effect and in_effect[-1].applied_at is None:
        terms = dict(in_effect[-1].after)
    else:
        terms = current_terms(contract)
    end = parse_date(terms["end_date"]) if terms.get("end_date") else None
    if contract.terminated_on and (end is None or contract.terminated_on < end):
        end = contract.terminated_on
    started = contract.status not in {"draft", "in_review", "approved", "signing", "cancelled"}
    in_force = bool(started and contract.effective_date and contract.effective_date <= day and (end is None or day <= end))
    return TermsOn(day, terms, in_effect[-1] if in_effect else None, in_force)


def diff(amendment: Amendment) -> list[dict]:
    """The changed terms, each with its value before (the terms in force just before the amendment) and after."""
    contract = amendment.contract
    before = amendment.before if amendment.before is not None else terms_on(contract, amendment.effective_date).terms
    rows = []
    for name in AMENDABLE_TERMS:
        if name not in amendment.changes:
            continue
        old, new = before.get(name), amendment.changes[name]
        rows.append({
            "term": name, "label": term_label(name), "before": old, "after": new,
            "before_text": display(name, old, contract), "after_text": display(name, new, contract),
        })
    return rows


# --- checking the input --------------------------------------------------------------------------------------

def _probe(contract: Contract, terms: dict) -> Contract:
    """An unsaved copy of the contract with these terms, for the contract's own validation and for approval routing."""
    probe = copy.copy(contract)
    for name, value in terms.items():
        setattr(probe, name, _python(name, value))
    probe.first_term_end, probe.renewal_count = probe.end_date, 0
    return probe


def routing_subject(amendment: Amendment) -> Contract:
    """The contract as it would be once amended: approval workflows route an amendment by these terms."""
    base = terms_on(amendment.contract, amendment.effective_date).terms
    return _probe(amendment.contract, {**base, **amendment.changes})


def _checked(contract: Contract, data: dict, *, by, current: Amendment | None = None) -> dict:
    """The cleaned title, reason, date and changes; every problem is reported at once, nothing is written."""
    unknown = set(data) - set(INPUT_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
                           code="unknown_field", errors={name: [_("Unknown field.")] for name in sorted(unknown)})
    errors: dict = {}
    title = clean_text(str(data.get("title", current.title if current else "") or ""))
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > 200:
        errors["title"] = [_("Use at most 200 characters.")]
    reason = clean_text(str(data.get("reason", current.reason if current else "") or ""))
    if len(reason) > 2000:
        errors["reason"] = [_("Use at most 2000 characters.")]
    raw_day = data.get("effective_date", current.effective_date if current else None)
    try:
        day = raw_day if isinstance(raw_day, dt.date) else parse_date(raw_day)
    except (ValueError, TypeError):
        day = None
        errors["effective_date"] = [_("Enter a valid date (YYYY-MM-DD).")]
    else:
        if day is None:
            errors["effective_date"] = [_("This field is required.")]
    signed = _signed(contract)
    if day is not None and "effective_date" not in errors:
        end = contract.end_date
        if contract.effective_date and day < contract.effective_date:
            errors["effective_date"] = [_("An amendment cannot take effect before the contract does (%(date)s).")
                                        % {"date": contract.effective_date.isoformat()}]
        elif end and day > end:
            errors["effective_date"] = [_("An amendment cannot take effect after the contract's term ends (%(date)s).")
                                        % {"date": end.isoformat()}]
        elif signed and day < signed[-1].effective_date:
            errors["effective_date"] = [
                _("Amendment %(label)s, already signed, takes effect on %(date)s: a later amendment cannot take effect "
                  "before it.") % {"label": signed[-1].label, "date": signed[-1].effective_date.isoformat()}]
    raw_changes = data.get("changes", current.changes if current else {})
    if not isinstance(raw_changes, dict):
        errors["changes"] = [_("Give the changed terms as an object of term: new value.")]
        raw_changes = {}
    cleaned: dict = {}
    for name, value in raw_changes.items():
        if name not in AMENDABLE_TERMS:
            errors[f"changes.{name}"] = [_("This term cannot be changed by an amendment.")]
            continue
        if value in (None, "") and name in {"title", "amount"}:
            errors[f"changes.{name}"] = [_("This field is required.")]
            continue
        try:
            cleaned[name] = _json(_coerce(name, value))
        except Exception as exc:  # ValidationError from the contract's own coercion, bad amounts
            messages = getattr(exc, "messages", None) or [_("Enter a valid value.")]
            errors[f"changes.{name}"] = list(messages)
    if errors:
        raise InvalidInput(errors=errors)
    before = terms_on(contract, day, signed=signed).terms
    changed = {name: value for name, value in cleaned.items() if before.get(name) != value}
    if not changed:
        raise InvalidInput(_("The amendment changes nothing: give at least one term a new value."), code="no_change",
                           errors={"changes": [_("Change at least one term.")]})
    probe = _probe(contract, {**before, **changed})
    try:
        _validate(probe, by=by)
    except InvalidInput as exc:
        raise InvalidInput(errors={f"changes.{k}" if k in AMENDABLE_TERMS else k: v
                                   for k, v in (exc.errors or {}).items()}) from None
    return {"title": title, "reason": reason, "effective_date": day, "changes": changed}


def _amendable(contract: Contract) -> None:
    if contract.status not in IN_FORCE_STATES:
        raise IllegalTransition(
            _("Contract %(number)s is %(status)s: only a signed contract in force can be amended. A draft is changed "
              "directly.") % {"number": contract.number, "status": contract.get_status_display()},
            code="not_signed",
        )


# --- drafting -------------------------------------------------------------------------------------------------

def create_amendment(contract: Contract, *, by, data: dict) -> Amendment:
    """A draft amendment of a signed contract, numbered B1, B2… within it."""
    _require(by, "changes.amend_contract", contract)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        _amendable(contract)
        values = _checked(contract, data, by=by)
        before_terms = terms_on(contract, values["effective_date"]).terms
        sequence = (Amendment.objects.filter(contract=contract).aggregate(n=Max("sequence"))["n"] or 0) + 1
        amendment = Amendment.objects.create(contract=contract, sequence=sequence, created_by=by, **values)
        record(actor=by, verb="amendment.created", target=contract, data={
            "amendment": amendment.pk, "label": amendment.label, "effective_date": values["effective_date"].isoformat(),
            "changes": {k: [before_terms.get(k), v] for k, v in values["changes"].items()}})
    return amendment


def _locked(amendment: Amendment, version=None) -> Amendment:
    row = Amendment.objects.select_for_update(of=("self",)).select_related("contract").get(pk=amendment.pk)
    if version is not None and str(row.version) != str(version):
        raise StaleVersion()
    return row


def update_amendment(amendment: Amendment, *, by, version, data: dict) -> Amendment:
    _require(by, "changes.amend_contract", amendment.contract)
    if version in (None, ""):
        raise InvalidInput(_("The record version is missing; reload and try again."), code="version_required")
    with transaction.atomic():
        Contract.objects.select_for_update().filter(pk=amendment.contract_id).exists()
        current = _locked(amendment, version)
        if not current.is_editable:
            raise IllegalTransition(_("Amendment %(label)s is %(status)s: it can no longer be edited.")
                                    % {"label": current.label, "status": current.get_status_display()}, code="frozen")
        _amendable(current.contract)
        values = _checked(current.contract, data, by=by, current=current)
        before = {k: getattr(current, k) for k in values}
        save_versioned(current, values)
        record(actor=by, verb="amendment.updated", target=current.contract, data={
            "amendment": current.pk, "label": current.label, "changes": diff_of(before, values)})
    current.refresh_from_db()
    return current


def generate_document(amendment: Amendment, *, by, template: Template | int | None = None):
    """The amendment's document (补充协议), from a template of purpose "amendment", filled with its changes."""
    _require(by, "changes.amend_contract", amendment.contract)
    if amendment.status not in {A.DRAFT, A.IN_REVIEW}:
        raise IllegalTransition(_("The document of an amendment is made before it is approved."), code="frozen")
    offered = documents.templates_for(amendment.contract).filter(purpose=Template.Purpose.AMENDMENT)
    if template is None:
        chosen = offered.first()
        if chosen is None:
            raise InvalidInput(_("There is no active amendment template. Add one in the document library first."),
                               code="no_amendment_template",
                               errors={"template": [_("No template of this purpose is available.")]})
    else:
        try:
            chosen = offered.get(pk=int(getattr(template, "pk", template)))
        except (ValueError, TypeError, Template.DoesNotExist):
            raise _field("template", _("Select a valid choice; that one does not exist.")) from None
    language = Language.ZH if chosen.language == Language.BILINGUAL else chosen.language
    with translation.override(language):
        values = {
            "number": str(amendment), "title": amendment.title, "effective_date": amendment.effective_date,
            "reason": amendment.reason or None,
            "changes": [{"term": row["label"], "before": row["before_text"], "after": row["after_text"]}
                        for row in diff(amendment)],
        }
    token = AMENDMENT.set(values)
    try:
        document = documents.generate_document(amendment.contract, chosen, by=by)
    finally:
        AMENDMENT.reset(token)
    with transaction.atomic():
        current = _locked(amendment)
        current.document = document
        current.save(update_fields=["document", "updated_at"])
        record(actor=by, verb="amendment.document", target=current.contract,
               data={"amendment": current.pk, "label": current.label, "document": document.pk})
    return document


# --- moving through approval and signature -----------------------------------------------------------------------

def transition(amendment: Amendment, action: str, *, by, note: str = "", version=None) -> Amendment:
    """The one place an amendment's status changes (the approval engine calls it to finish a round)."""
    sources, target = TRANSITIONS[action]
    with transaction.atomic():
        current = _locked(amendment, version)
        if current.status not in sources:
            raise IllegalTransition(
                _("Amendment %(label)s is %(status)s: that is not possible now.")
                % {"label": current.label, "status": current.get_status_display()},
                code=f"illegal_transition.{current.status}.{action}",
            )
        fields = {"status": target, "status_note": note[:500]}
        if action == "submit":
            fields["submitted_by"] = by
        save_versioned(current, fields)
        record(actor=by, verb=f"amendment.{action}", target=current.contract, data={
            "amendment": current.pk, "label": current.label, "from": current.status, "to": target,
            **({"note": note[:500]} if note else {})})
    current.refresh_from_db()
    return current


def submit(amendment: Amendment, *, by, version=None, note: str = "") -> Amendment:
    """For review; where an approval workflow is published, its approval starts in the same transaction."""
    from hetong.approvals import services as approvals

    _require(by, "changes.amend_contract", amendment.contract)
    with transaction.atomic():
        _amendable(Contract.objects.select_for_update().get(pk=amendment.contract_id))
        if approvals.running(amendment.contract, any_subject=True) is not None:
            raise Conflict(_("Another approval of this contract is in progress; submit when it has ended."),
                           code="approval_running")
        current = transition(amendment, "submit", by=by, version=version, note=note)
        approvals.start(current.contract, by=by, amendment=current)
    current.refresh_from_db()
    return current


def withdraw(amendment: Amendment, *, by, note: str = "") -> Amendment:
    from hetong.approvals import services as approvals

    _require(by, "changes.amend_contract", amendment.contract)
    if approvals.running_for(amendment) is not None:
        approvals.recall(amendment.contract, by=by, amendment=amendment)
        return Amendment.objects.get(pk=amendment.pk)
    return transition(amendment, "withdraw", by=by, note=note)


def decide(amendment: Amendment, *, by, approve: bool, note: str = "") -> Amendment:
    """Approve or reject by hand, where no workflow runs (no one approves their own submission)."""
    from hetong.approvals import services as approvals

    _require(by, "changes.approve_amendment", amendment.contract)
    if amendment.submitted_by_id == by.pk:
        raise PermissionDenied(_("You submitted this amendment: someone else decides on it."))
    if approvals.running_for(amendment) is not None:
        raise IllegalTransition(_("This amendment is going through its approval workflow: decide on your approval "
                                  "task instead."), code="approval_running")
    if not approve and not note.strip():
        raise InvalidInput(_("Give a reason for the rejection."), code="reason_required", errors={"note": [_("Required.")]})
    return transition(amendment, "approve" if approve else "reject", by=by, note=note)


def cancel(amendment: Amendment, *, by, note: str = "") -> Amendment:
    from hetong.approvals import services as approvals
    from hetong.esign.models import SignatureRequest

    _require(by, "changes.amend_contract", amendment.contract)
    if SignatureRequest.objects.filter(amendment=amendment, status__in=["draft", "sent"]).exists():
        raise Conflict(_("Void the amendment's signature request first."), code="request_open")
    with transaction.atomic():
        current = transition(amendment, "cancel", by=by, note=note)
        approvals.close_for_cancelled(current.contract, amendment=current)
    return current


def sign(amendment: Amendment, *, by, signed_date=None, signed_file=None, note: str = "") -> Amendment:
    """Record the signature (by hand with the signed copy, or by esign on completion): the amendment becomes part of
    the contract, and from its effective date its terms are the contract's."""
    _require(by, "contracts.sign_contract", amendment.contract)
    try:
        signed_date = parse_date(signed_date) or company_today()
    except (ValueError, TypeError):
        raise _field("signed_date", _("Enter a valid date (YYYY-MM-DD).")) from None
    if signed_date > company_today():
        raise _field("signed_date", _("The signed date cannot be in the future."))
    if signed_file is None:
        raise InvalidInput(_("Attach the signed copy of the amendment."), code="signed_file_required",
                           errors={"signed_file": [_("Required.")]})
    stored = None
    try:
        with transaction.atomic():
            contract = Contract.objects.select_for_update().get(pk=amendment.contract_id)
            current = _locked(amendment)
            if current.status not in {A.APPROVED, A.SIGNING}:
                raise IllegalTransition(_("Amendment %(label)s is %(status)s: only an approved amendment can be "
                                          "signed.") % {"label": current.label, "status": current.get_status_display()},
                                        code=f"illegal_transition.{current.status}.sign")
            _amendable(contract)
            signed = _signed(contract)
            if signed and current.effective_date < signed[-1].effective_date:
                raise IllegalTransition(
                    _("Amendment %(label)s, already signed, takes effect on %(date)s: a later amendment cannot take "
                      "effect before it.") % {"label": signed[-1].label, "date": signed[-1].effective_date.isoformat()},
                    code="out_of_order")
            before = terms_on(contract, current.effective_date, signed=signed).terms
            after = {**before, **current.changes}
            stored = _store_version(contract, upload=signed_file, by=by, kind=ContractFile.Kind.ATTACHMENT, file=None)
            save_versioned(current, {"status": A.SIGNED, "before": before, "after": after, "signed_date": signed_date,
                                     "signed_file": stored.file, "status_note": note[:500]})
            record(actor=by, verb="amendment.sign", target=contract, data={
                "amendment": current.pk, "label": current.label, "signed_date": signed_date.isoformat(),
                "effective_date": current.effective_date.isoformat(), "sha256": stored.sha256,
                "changes": {k: [before.get(k), v] for k, v in current.changes.items()}})
            current.refresh_from_db()
            if current.effective_date <= company_today():
                _apply(current, by=by)
    except BaseException:
        if stored is not None:
            from django.core.files.storage import default_storage

            default_storage.delete(stored.blob.name)
        raise
    current.refresh_from_db()
    return current


def _apply(amendment: Amendment, *, by=None) -> bool:
    """Write a signed amendment's changes into the contract row (inside the caller's transaction). Only the terms
    it changes are written, so a tacit renewal since its signature is kept where the amendment is silent."""
    if not Amendment.objects.filter(pk=amendment.pk, status=A.SIGNED, applied_at__isnull=True).update(
        applied_at=timezone.now()
    ):
        return False  # another scheduler applied it first
    contract = Contract.objects.select_for_update().get(pk=amendment.contract_id)
    if contract.status not in IN_FORCE_STATES:
        return True  # ended before the amendment's date: its terms stay on record, the contract stays as it ended
    old = current_terms(contract)
    for name, value in amendment.changes.items():
        setattr(contract, name, _python(name, value))
    if "end_date" in amendment.changes:  # a new term: later renewals are counted from this end
        contract.first_term_end, contract.renewal_count = contract.end_date, 0
    contract.notice_deadline = notice_deadline_for(contract)
    contract.search_tokens = index_contract(contract)
    fields = {name: getattr(contract, name) for name in (*AMENDABLE_TERMS, "first_term_end", "renewal_count",
                                                          "notice_deadline", "search_tokens")}
    save_versioned(contract, fields)
    contract.version += 1
    sync_key_dates(contract)
    record(actor=by, verb="contract.amended", target=contract, data={
        "amendment": amendment.pk, "label": amendment.label, "effective_date": amendment.effective_date.isoformat(),
        "changes": {k: [old.get(k), v] for k, v in amendment.changes.items() if old.get(k) != v}})
    return True


def apply_due(*, today: dt.date | None = None) -> int:
    """The daily step: signed amendments whose effective date has come become the contract's terms. Safe to run twice."""
    today = today or company_today()
    applied = 0
    due = Amendment.objects.filter(status=A.SIGNED, applied_at__isnull=True, effective_date__lte=today)
    for amendment in due.order_by("effective_date", "sequence"):
        with transaction.atomic():
            applied += _apply(amendment)
    return applied


__all__ = [
    "AMENDABLE_TERMS", "TermsOn", "apply_due", "cancel", "create_amendment", "current_terms", "decide", "diff",
    "display", "generate_document", "routing_subject", "sign", "submit", "term_label", "terms_on", "transition",
    "update_amendment", "withdraw",
]
