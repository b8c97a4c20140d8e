"""Every change to an obligation, one function per business action.

Views, the API, the termination receiver and the demo call these. Each one re-reads the row inside its transaction,
re-checks the rule, writes, records one audit event against the contract, and brings the contract's "obligation" key
date (the reminders' view of the next due date) in step before it commits.
"""

import datetime as dt
import uuid

import rules
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hetong.accounts.models import User
from hetong.audit.services import changes, record
from hetong.contracts.models import Contract, Status
from hetong.contracts.services.terms import sync_key_dates
from hetong.core.dates import company_today, parse_date
from hetong.core.errors import Frozen, IllegalTransition, InvalidInput, PermissionDenied, StaleVersion
from hetong.core.files import extension, inspect_upload
from hetong.core.text import clean_text
from hetong.core.versioning import save_versioned

from .models import CLOSED_STATUSES, EvidenceFile, Obligation, ObligationStatus, Party, Recurrence

# Fields a client may set; anything else in the input is refused, not silently ignored.
FIELDS = ("title", "description", "kind", "party", "owner", "due_date", "recurrence", "repeat_until", "note")
MAX_NOTE = 2000
MAX_REASON = 500


def _require(user, perm: str, obligation) -> None:
    if not rules.has_perm(perm, user, obligation):
        raise PermissionDenied()


def _open_for_planning(contract: Contract) -> None:
    if contract.status in CLOSED_STATUSES:
        raise Frozen(_("Obligations cannot be changed while the contract is %(status)s.")
                     % {"status": contract.get_status_display()})


def _open_for_records(contract: Contract) -> None:
    # What was done stays recordable after the end (a late acceptance note), but not on a contract never concluded.
    if contract.status == Status.CANCELLED:
        raise Frozen(_("Obligations cannot be changed while the contract is %(status)s.")
                     % {"status": contract.get_status_display()})


def _fresh(obligation: Obligation) -> Obligation:
    """The current row and its contract: decide on what is stored, not on the caller's copy."""
    return Obligation.objects.select_related("contract").get(pk=obligation.pk)


def _text(value, field: str, errors: dict, *, limit: int, required: bool = False) -> str:
    try:
        text = clean_text(str(value if value is not None else ""))
    except ValidationError as exc:
        errors[field] = list(exc.messages)
        return ""
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > limit:
        errors[field] = [_("Ensure this value has at most %(max)s characters.") % {"max": limit}]
    return text


def _date(value, field: str, errors: dict, *, required: bool = False) -> dt.date | None:
    try:
        day = parse_date(value)
    except (ValueError, TypeError):
        errors[field] = [_("Enter a valid date (YYYY-MM-DD).")]
        return None
    if day is None and required:
        errors[field] = [_("This field is required.")]
    elif day is not None and not dt.date(1900, 1, 1) <= day <= dt.date(2999, 12, 31):
        errors[field] = [_("Enter a valid date (YYYY-MM-DD).")]
        return None
    return day


def _choice(value, field: str, choices, errors: dict):
    if value not in choices.values:
        errors[field] = [_("Select a valid choice; that one does not exist.")]
    return value


def _owner(value, errors: dict) -> User | None:
    if value in (None, ""):
        return None
    if isinstance(value, User):
        value = value.pk
    try:
        return User.objects.get(pk=int(value), is_active=True)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        errors["owner"] = [_("Select a valid choice; that one does not exist.")]
        return None


def _clean(contract: Contract, data: dict, current: Obligation | None = None) -> dict:
    """The checked values of `data` merged over the current ones (all of them on add); raises InvalidInput."""
    if not isinstance(data, dict):
        raise InvalidInput()
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="forbidden_field", errors={f: [_("This field cannot be changed here.")] for f in unknown},
        )
    errors: dict = {}
    values = {f: getattr(current, f) for f in FIELDS} if current else {
        "title": "", "description": "", "kind": Obligation.Kind.MILESTONE, "party": Party.OURS, "owner": None,
        "due_date": None, "recurrence": Recurrence.NONE, "repeat_until": None, "note": "",
    }
    if "title" in data or current is None:
        values["title"] = _text(data.get("title"), "title", errors, limit=200, required=True)
    for field in ("description", "note"):
        if field in data:
            values[field] = _text(data[field], field, errors, limit=MAX_NOTE)
    if "kind" in data:
        values["kind"] = _choice(data["kind"], "kind", Obligation.Kind, errors)
    if "party" in data:
        values["party"] = _choice(data["party"], "party", Party, errors)
    if "recurrence" in data:
        values["recurrence"] = _choice(data["recurrence"] or Recurrence.NONE, "recurrence", Recurrence, errors)
    if "due_date" in data or current is None:
        values["due_date"] = _date(data.get("due_date"), "due_date", errors, required=True)
    if "repeat_until" in data:
        values["repeat_until"] = _date(data["repeat_until"], "repeat_until", errors)
    if "owner" in data:
        values["owner"] = _owner(data["owner"], errors)
    elif current is None:
        values["owner"] = None
    if errors:
        raise InvalidInput(errors=errors)
    if values["party"] == Party.OURS and values["owner"] is None:
        if "owner" in data and current is not None:
            errors["owner"] = [_("An obligation of our side needs an owner.")]
        else:
            values["owner"] = contract.owner  # our side's obligations are the contract owner's unless assigned
    if values["recurrence"] == Recurrence.NONE:
        values["repeat_until"] = None
    else:
        values["repeat_until"] = values["repeat_until"] or contract.end_date
        if values["repeat_until"] is None:
            errors["repeat_until"] = [_("Say until when it repeats: the contract has no end date.")]
        elif values["due_date"] and values["repeat_until"] < values["due_date"]:
            errors["repeat_until"] = [_("The last repetition cannot be before the first due date.")]
    if errors:
        raise InvalidInput(errors=errors)
    return values


def _audit_data(obligation: Obligation, **extra) -> dict:
    return {"obligation": obligation.pk, "title": obligation.title, "due_date": obligation.due_date, **extra}


def add_obligation(contract: Contract, *, by, data: dict) -> Obligation:
    """Plan an obligation of a contract. Our side's obligation is the contract owner's unless `owner` is given;
    a recurring one repeats until `repeat_until`, or the contract's end date."""
    with transaction.atomic():
        contract = Contract.objects.select_related("owner").get(pk=contract.pk)
        _require(by, "obligations.manage_obligation", Obligation(contract=contract))
        _open_for_planning(contract)
        values = _clean(contract, data)
        obligation = Obligation.objects.create(contract=contract, created_by=by, **values)
        record(actor=by, verb="obligations.add", target=contract,
               data=_audit_data(obligation, kind=obligation.kind, party=obligation.party,
                                owner=obligation.owner_id, recurrence=obligation.recurrence,
                                repeat_until=obligation.repeat_until))
        sync_key_dates(contract)
    return obligation


def update_obligation(obligation: Obligation, *, by, version: int, data: dict) -> Obligation:
    """Edit an obligation's plan (`version` is the one the editor saw: a lost update is refused as stale)."""
    with transaction.atomic():
        current = _fresh(obligation)
        _require(by, "obligations.manage_obligation", current)
        _open_for_planning(current.contract)
        values = _clean(current.contract, data, current)
        before = {f: getattr(current, f) for f in FIELDS}
        diff = changes(before, values)
        if diff:
            current.version = version
            save_versioned(current, values)
            record(actor=by, verb="obligations.update", target=current.contract,
                   data={"obligation": current.pk, "changes": diff})
            sync_key_dates(current.contract)
        elif version != current.version:
            raise StaleVersion()
    return _fresh(current)


def _move(obligation: Obligation, source, **fields) -> None:
    """Change the status with `UPDATE ... WHERE status = <source>`: of two people recording the same thing at the
    same moment only one gets through (select_for_update alone is a no-op on SQLite)."""
    moved = Obligation.objects.filter(pk=obligation.pk, status__in=source).update(
        **fields, version=F("version") + 1, updated_at=timezone.now())
    if not moved:
        raise IllegalTransition(_("Someone else changed this obligation a moment ago. Reload the page to see it."))


def _store(obligation: Obligation, upload, *, by, checked) -> EvidenceFile:
    name, content_type, size, sha256 = checked
    storage_name = f"obligations/{obligation.contract_id}/{uuid.uuid4().hex}.{extension(name)}"
    stored = default_storage.save(storage_name, upload)
    try:
        return EvidenceFile.objects.create(
            obligation=obligation, blob=stored, original_name=name, content_type=content_type, size=size,
            sha256=sha256, uploaded_by=by,
        )
    except BaseException:
        default_storage.delete(stored)
        raise


def _next_occurrence(done: Obligation, *, by) -> Obligation | None:
    """The next occurrence of a recurring obligation, created once whoever completes (or re-completes) this one."""
    if not done.is_recurring or done.contract.status in CLOSED_STATUSES:
        return None
    root = done.series or done
    number = done.occurrence + 1
    due = done.occurrence_due(number, anchor=root.due_date)
    ended = done.contract.terminated_on
    if due > done.repeat_until or (ended and due > ended):
        return None
    if Obligation.objects.filter(series=root, occurrence=number).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: the unique (series, occurrence) settles a race
            return Obligation.objects.create(
                contract=done.contract, title=done.title, description=done.description, kind=done.kind,
                party=done.party, owner=done.owner, due_date=due, recurrence=done.recurrence,
                repeat_until=done.repeat_until, series=root, occurrence=number, created_by=by,
            )
    except IntegrityError:
        return None


def complete_obligation(obligation: Obligation, *, by, done_on=None, note: str = "", evidence=None) -> Obligation:
    """Record that the obligation was carried out on `done_on` (today if not given), with an optional evidence file.
    A recurring obligation gets its next occurrence, until its `repeat_until`."""
    current = _fresh(obligation)
    _require(by, "obligations.complete_obligation", current)
    _open_for_records(current.contract)
    errors: dict = {}
    day = _date(done_on, "done_on", errors) or (None if errors else company_today())
    if day and day > company_today():
        errors["done_on"] = [_("The date it was done cannot be in the future.")]
    note = _text(note, "note", errors, limit=MAX_NOTE)
    # Check the file before anything is written, so a refused upload leaves nothing behind.
    checked = inspect_upload(evidence) if evidence is not None and not errors else None
    if errors:
        raise InvalidInput(errors=errors)
    stored: list[EvidenceFile] = []
    try:
        with transaction.atomic():
            # Lock first: two people can record the same delivery at the same moment; only one may move it.
            current = Obligation.objects.select_for_update(of=("self",)).select_related("contract", "series").get(pk=current.pk)
            if current.status != ObligationStatus.OPEN:
                raise IllegalTransition(_("Only an open obligation can be marked done."))
            fields = {"status": ObligationStatus.DONE, "done_on": day, "done_by": by}
            if note:
                fields["note"] = note
            _move(current, [ObligationStatus.OPEN], **fields)
            if checked is not None:
                stored.append(_store(current, evidence, by=by, checked=checked))
            following = _next_occurrence(current, by=by)
            record(actor=by, verb="obligations.complete", target=current.contract,
                   data=_audit_data(current, done_on=day, note=note,
                                    evidence=[{"file": f.pk, "name": f.original_name, "sha256": f.sha256} for f in stored],
                                    next=following.pk if following else None,
                                    next_due=following.due_date if following else None))
            sync_key_dates(current.contract)
    except BaseException:
        for item in stored:
            default_storage.delete(item.blob.name)
        raise
    return _fresh(current)


def reopen_obligation(obligation: Obligation, *, by) -> Obligation:
    """Undo a completion or a waiver recorded by mistake: the obligation is open again (and may be overdue)."""
    with transaction.atomic():
        current = _fresh(obligation)
        _require(by, "obligations.manage_obligation", current)
        _open_for_planning(current.contract)
        if current.status == ObligationStatus.OPEN:
            raise IllegalTransition(_("This obligation is already open."))
        _move(current, [ObligationStatus.DONE, ObligationStatus.WAIVED], status=ObligationStatus.OPEN,
              done_on=None, done_by=None, waived_reason="")
        record(actor=by, verb="obligations.reopen", target=current.contract,
               data=_audit_data(current, was=current.status, done_on=current.done_on,
                                waived_reason=current.waived_reason))
        sync_key_dates(current.contract)
    return _fresh(current)


def waive_obligation(obligation: Obligation, *, by, reason: str) -> Obligation:
    """Release an open obligation (the customer no longer needs it, it was agreed away); the reason is required."""
    errors: dict = {}
    reason = _text(reason, "reason", errors, limit=MAX_REASON, required=True)
    if errors:
        raise InvalidInput(_("Give a reason for waiving the obligation."), code="reason_required", errors=errors)
    with transaction.atomic():
        current = _fresh(obligation)
        _require(by, "obligations.manage_obligation", current)
        _open_for_records(current.contract)
        if current.status != ObligationStatus.OPEN:
            raise IllegalTransition(_("Only an open obligation can be waived."))
        _move(current, [ObligationStatus.OPEN], status=ObligationStatus.WAIVED, waived_reason=reason)
        record(actor=by, verb="obligations.waive", target=current.contract, data=_audit_data(current, reason=reason))
        sync_key_dates(current.contract)
    return _fresh(current)


def add_evidence(obligation: Obligation, *, by, upload) -> EvidenceFile:
    """Attach a file that shows the obligation was carried out (checked, stored under a generated name, hashed)."""
    current = _fresh(obligation)
    _require(by, "obligations.complete_obligation", current)
    _open_for_records(current.contract)
    if upload is None:
        raise InvalidInput(errors={"file": [_("This field is required.")]})
    checked = inspect_upload(upload)
    stored = None
    try:
        with transaction.atomic():
            stored = _store(current, upload, by=by, checked=checked)
            Obligation.objects.filter(pk=current.pk).update(updated_at=timezone.now())
            record(actor=by, verb="obligations.evidence_upload", target=current.contract,
                   data=_audit_data(current, file=stored.pk, name=stored.original_name, size=stored.size,
                                    sha256=stored.sha256))
    except BaseException:
        if stored is not None:
            default_storage.delete(stored.blob.name)
        raise
    return stored


def termination_reason() -> str:
    """The waiver reason written on obligations an ended contract stops, in the company's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Contract terminated")


def stop_for_ended_contract(contract: Contract, *, on, by=None) -> list[int]:
    """The contract ended on `on`: waive its open obligations due after that day and stop every repetition there.
    Returns the ids waived. Called by the contract_ended receiver, inside the termination's transaction."""
    on = parse_date(on) or company_today()
    reason = termination_reason()
    with transaction.atomic():
        contract = Contract.objects.get(pk=contract.pk)
        future = list(Obligation.objects.filter(contract=contract, status=ObligationStatus.OPEN, due_date__gt=on)
                      .order_by("due_date", "pk").values_list("pk", flat=True))
        if future:
            Obligation.objects.filter(pk__in=future).update(
                status=ObligationStatus.WAIVED, waived_reason=reason, version=F("version") + 1,
                updated_at=timezone.now())
        # The ones still due before the end repeat no further than the end.
        stopped = list(Obligation.objects.filter(contract=contract, repeat_until__gt=on)
                       .exclude(recurrence=Recurrence.NONE).exclude(status=ObligationStatus.WAIVED)
                       .filter(due_date__lte=on).values_list("pk", flat=True))
        if stopped:
            Obligation.objects.filter(pk__in=stopped).update(
                repeat_until=on, version=F("version") + 1, updated_at=timezone.now())
        if future or stopped:
            record(actor=by, verb="obligations.stop_on_end", target=contract,
                   data={"on": on, "reason": reason, "waived": future, "repeat_stopped": stopped})
        sync_key_dates(contract)
    return future


def evidence_changed(evidence: EvidenceFile, *, by=None):
    """The stored evidence no longer hashes to what was recorded: alert the administrators (once a day per file)
    and return the 409 Conflict to refuse the download with."""
    from hetong.contracts.services import stored_file_changed

    return stored_file_changed(evidence.obligation.contract, what=evidence.original_name,
                               expected_sha256=evidence.sha256, by=by)
