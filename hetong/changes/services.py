"""Renewals, terminations and written notices: one function per business action.

Each locks the contract, re-checks, writes and audits in one transaction; a refused action leaves nothing behind.
"""

import datetime as dt
import logging
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import rules
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from hetong.audit.services import record
from hetong.contracts import services as contracts
from hetong.contracts.models import Contract, LineItem, Status
from hetong.core.dates import company_today, parse_date
from hetong.core.errors import DomainError, IllegalTransition, InvalidInput, PermissionDenied
from hetong.core.files import extension, inspect_upload
from hetong.core.money import MAX_AMOUNT
from hetong.core.text import clean_text
from hetong.documents import services as documents
from hetong.documents.models import Language, Template
from hetong.documents.variables import NOTICE
from hetong.notifications.models import Reminder, ReminderRule
from hetong.notifications.services import close_reminders

from .models import Notice, NoticeDelivery, ReasonCode, Renewal

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
RENEWABLE = frozenset({Status.ACTIVE, Status.EXPIRED})
# The template purpose each kind of notice is generated from.
TEMPLATE_PURPOSE = {
    Notice.Kind.TERMINATION: Template.Purpose.TERMINATION,
    Notice.Kind.NON_RENEWAL: Template.Purpose.NON_RENEWAL,
    Notice.Kind.CHANGE: Template.Purpose.CHANGE_NOTICE,
}


def _field(name: str, message) -> InvalidInput:
    return InvalidInput(errors={name: [message]})


def _require(user, perm: str, obj=None) -> None:
    if not rules.has_perm(perm, user, obj):
        raise PermissionDenied()


def _date(name: str, value, *, required: bool = True) -> dt.date | None:
    try:
        day = parse_date(value)
    except (ValueError, TypeError):
        raise _field(name, _("Enter a valid date (YYYY-MM-DD).")) from None
    if day is None and required:
        raise _field(name, _("This field is required."))
    return day


def _decimal(name: str, value) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise _field(name, _("Enter a number.")) from None
    if not number.is_finite() or number != number.quantize(CENT):
        raise _field(name, _("Enter a number with at most two decimal places."))
    return number


# --- renewals -------------------------------------------------------------------------------------------------


def _new_amount(old: Decimal, *, percent: Decimal | None, amount: Decimal | None) -> Decimal:
    if percent is not None:
        if not Decimal(-100) <= percent <= Decimal(1000):
            raise _field("price_change_percent", _("Enter a percentage between -100 and 1000."))
        new = (old * (1 + percent / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
        field = "price_change_percent"
    elif amount is not None:
        new = (old + amount).quantize(CENT, rounding=ROUND_HALF_UP)
        field = "price_change_amount"
    else:
        return old
    if new < 0:
        raise _field(field, _("The new amount would be negative."))
    if new > MAX_AMOUNT:
        raise _field(field, _("The new amount is too large."))
    return new


def _copy_lines(predecessor: Contract, successor: Contract, *, by, percent: Decimal | None) -> None:
    """The price schedule goes over line by line; a price change in % applies to every unit price."""
    factor = 1 + (percent or 0) / 100
    lines = [
        {
            "product": item.product_id,
            "name": item.name,
            "specification": item.specification,
            "unit": item.unit,
            "quantity": item.quantity,
            "discount": item.discount,
            "tax_rate": item.tax_rate,
            "unit_price": (item.unit_price * factor).quantize(CENT, rounding=ROUND_HALF_UP),
        }
        for item in LineItem.objects.filter(contract=predecessor).order_by("position", "id")
    ]
    contracts.add_line_items(successor, by=by, lines=lines)


def _parties(contract: Contract) -> list[dict]:
    return [
        {
            "role": party.role,
            "name": party.name,
            "credit_code": party.credit_code,
            "address": party.address,
            "signatories": [{"name": s.name, "title": s.title} for s in party.signatories.all()],
        }
        for party in contract.parties.prefetch_related("signatories")
    ]


def _move_reminders(predecessor: Contract, successor: Contract) -> dict:
    """The predecessor's own reminder rules now govern the successor; its open reminders are no longer needed."""
    copied = 0
    own = set(ReminderRule.objects.filter(contract=successor).values_list("date_kind", flat=True))
    rules_to_copy = ReminderRule.objects.filter(contract=predecessor).exclude(date_kind__in=own)
    for rule in rules_to_copy.prefetch_related("recipient_users", "channels"):
        users, channels = list(rule.recipient_users.all()), list(rule.channels.all())
        rule.pk, rule.id, rule.contract = None, None, successor
        rule._state.adding = True
        rule._prefetched_objects_cache = {}  # else set() below would compare against the predecessor's rows
        rule.save()
        rule.recipient_users.set(users)
        rule.channels.set(channels)
        copied += 1
    kinds = set(
        Reminder.objects.filter(
            dispatch__contract=predecessor,
            state__in=[Reminder.State.OPEN, Reminder.State.SNOOZED],
        ).values_list("dispatch__kind", flat=True)
    )
    closed = close_reminders(predecessor, kinds=kinds) if kinds else 0
    return {"rules_copied": copied, "reminders_closed": closed}


def renew(
    contract: Contract,
    *,
    by,
    start,
    end,
    price_change_percent=None,
    price_change_amount=None,
    note: str = "",
    kind: str = Renewal.Kind.MANUAL,
) -> Renewal:
    """Renew an active or expired contract: a successor draft with the new term (and price), linked to it; the
    predecessor is marked renewed and its reminders move to the successor. All or nothing."""
    _require(by, "contracts.renew_contract", contract)
    _require(by, "contracts.add_contract")
    errors = {}
    try:
        start = _date("start", start)
    except InvalidInput as exc:
        errors.update(exc.errors)
        start = None
    try:
        end = _date("end", end)
    except InvalidInput as exc:
        errors.update(exc.errors)
        end = None
    percent = amount = None
    try:
        percent = _decimal("price_change_percent", price_change_percent)
        amount = _decimal("price_change_amount", price_change_amount)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if percent is not None and amount is not None:
        errors["price_change_amount"] = [
            _("Give the price change either in percent or as an amount, not both.")
        ]
    if start and end and end < start:
        errors["end"] = [_("The end date cannot be before the start date.")]
    if errors:
        raise InvalidInput(errors=errors)
    note = clean_text(str(note or ""))[:500]
    with transaction.atomic():
        current = (
            Contract.objects.select_for_update(of=("self",)).select_related("customer", "entity").get(pk=contract.pk)
        )
        if current.status not in RENEWABLE:
            raise IllegalTransition(
                _("Contract %(number)s cannot be renewed: it is %(status)s.")
                % {"number": current.number, "status": current.get_status_display()},
                code=f"illegal_transition.{current.status}.renew",
            )
        if current.effective_date and start <= current.effective_date:
            raise _field(
                "start",
                _("The new term must start after the renewed contract's effective date (%(date)s).")
                % {"date": current.effective_date.isoformat()},
            )
        has_lines = LineItem.objects.filter(contract=current).exists()
        if has_lines and amount is not None:
            raise _field(
                "price_change_amount",
                _(
                    "This contract has a price schedule: give the price change in percent (it applies to every unit "
                    "price), or change the lines of the new contract afterwards."
                ),
            )
        new_amount = _new_amount(current.amount, percent=percent, amount=amount)
        title = current.title if current.title.endswith("（续签）") else f"{current.title}（续签）"
        data = {
            "title": title[:200],
            "contract_type": current.contract_type_id,
            "customer": current.customer_id,
            "entity": current.entity_id,
            "amount": new_amount,
            "currency": current.currency,
            "effective_date": start,
            "end_date": end,
            "signing_deadline": start,
            "auto_renew": current.auto_renew and end is not None,
            "renewal_term": current.renewal_term,
            "renewal_unit": current.renewal_unit,
            "notice_period": current.notice_period,
            "notice_unit": current.notice_unit,
            "description": current.description,
        }
        successor = contracts.create_contract(by=by, data=data, parties=_parties(current))
        if (successor.owner_id, successor.department_id) != (current.owner_id, current.department_id):
            # The renewal continues the same business: it stays with the predecessor's owner and department.
            Contract.objects.filter(pk=successor.pk).update(
                owner=current.owner_id, department=current.department_id
            )
            successor.owner_id, successor.department_id = current.owner_id, current.department_id
        if has_lines:
            _copy_lines(current, successor, by=by, percent=percent)
        successor.refresh_from_db()
        contracts.renew_contract(
            current, by=by, note=note or _("Renewed by %(number)s") % {"number": successor.number}
        )
        renewal = Renewal.objects.create(
            predecessor=current,
            successor=successor,
            kind=kind,
            start=start,
            end=end,
            old_amount=current.amount,
            new_amount=successor.amount,
            price_change_percent=percent,
            price_change_amount=amount,
            note=note,
            created_by=by,
        )
        moved = _move_reminders(current, successor)
        facts = {
            "renewal": renewal.pk,
            "kind": kind,
            "start": start.isoformat(),
            "end": end.isoformat() if end else None,
            "old_amount": str(current.amount),
            "new_amount": str(successor.amount),
            "price_change_percent": str(percent) if percent is not None else None,
            "price_change_amount": str(amount) if amount is not None else None,
            **moved,
        }
        _record_link(current, successor, by=by, facts=facts)
    return renewal


def _record_link(current: Contract, successor: Contract, *, by, facts: dict) -> None:
    """The renewal in the audit chain of both contracts, each naming the other."""
    record(actor=by, verb="changes.renewed", target=current,
           data={**facts, "successor": successor.pk, "successor_number": successor.number})
    record(actor=by, verb="changes.renewal_of", target=successor,
           data={**facts, "predecessor": current.pk, "predecessor_number": current.number})


def link_successor(predecessor: Contract, successor: Contract, *, by, note: str = "") -> Renewal:
    """Record that an existing contract renews another (one made outside `renew`, such as an imported one): the
    two are linked and the predecessor, if still active or expired, is marked renewed."""
    _require(by, "contracts.renew_contract", predecessor)
    if predecessor.pk == successor.pk or predecessor.customer_id != successor.customer_id:
        raise _field("successor", _("The new contract must be another contract of the same customer."))
    if successor.effective_date is None:
        raise _field("successor", _("The new contract has no effective date."))
    with transaction.atomic():
        current = Contract.objects.select_for_update().get(pk=predecessor.pk)
        if Renewal.objects.filter(successor=successor).exists():
            raise IllegalTransition(
                _("Contract %(number)s is already linked as a renewal.") % {"number": successor.number},
                code="already_linked",
            )
        if current.status in RENEWABLE:
            current = contracts.renew_contract(
                current, by=by, note=note or _("Renewed by %(number)s") % {"number": successor.number}
            )
        elif current.status != Status.RENEWED:
            raise IllegalTransition(
                _("Contract %(number)s cannot be renewed: it is %(status)s.")
                % {"number": current.number, "status": current.get_status_display()},
                code="not_renewable",
            )
        renewal = Renewal.objects.create(
            predecessor=current,
            successor=successor,
            kind=Renewal.Kind.MANUAL,
            start=successor.effective_date,
            end=successor.end_date
            if successor.end_date and successor.end_date >= successor.effective_date
            else None,
            old_amount=current.amount,
            new_amount=successor.amount,
            note=clean_text(str(note or ""))[:500],
            created_by=by,
        )
        moved = _move_reminders(current, successor)
        facts = {
            "renewal": renewal.pk,
            "kind": renewal.kind,
            "start": renewal.start.isoformat(),
            "linked": True,
            "old_amount": str(current.amount),
            "new_amount": str(successor.amount),
            **moved,
        }
        _record_link(current, successor, by=by, facts=facts)
    return renewal


def batch_term(contract: Contract, *, term: int, unit: str) -> tuple[dt.date, dt.date]:
    """The next term of a contract in a batch: from the day after its end (or today), `term` units long."""
    from hetong.core.dates import shift

    start = (contract.end_date + dt.timedelta(days=1)) if contract.end_date else company_today()
    return start, shift(start, term, unit) - dt.timedelta(days=1)


def renew_many(
    contracts_qs,
    *,
    by,
    term,
    unit: str = "years",
    price_change_percent=None,
    price_change_amount=None,
    note: str = "",
) -> dict:
    """Renew each contract of a (visible, filtered) list with one set of parameters, each in its own transaction.
    A refusal is reported with its reason and does not stop the others."""
    _require(by, "changes.renew_many")
    try:
        term = int(term)
    except (TypeError, ValueError):
        raise _field("term", _("Enter a whole number.")) from None
    if not 0 < term <= 50:
        raise _field("term", _("Enter a number between 1 and 50."))
    if unit not in ("months", "years"):
        raise _field("unit", _("Select a valid choice; that one does not exist."))
    # Check the price change once, so a typo is one error rather than one refusal per contract.
    _decimal("price_change_percent", price_change_percent)
    _decimal("price_change_amount", price_change_amount)
    done, refused = [], []
    for contract in contracts_qs.order_by("pk"):
        start, end = batch_term(contract, term=term, unit=unit)
        try:
            renewal = renew(
                contract,
                by=by,
                start=start,
                end=end,
                price_change_percent=price_change_percent,
                price_change_amount=price_change_amount,
                note=note,
                kind=Renewal.Kind.BATCH,
            )
        except DomainError as exc:
            detail = (
                "; ".join(str(m) for messages in exc.errors.values() for m in messages) if exc.errors else ""
            )
            refused.append(
                {
                    "contract": contract,
                    "reason": str(exc.message) if not detail else f"{exc.message} {detail}",
                }
            )
        else:
            done.append({"contract": contract, "renewal": renewal, "successor": renewal.successor})
    return {"done": done, "refused": refused}


# --- notices --------------------------------------------------------------------------------------------------


def notice_templates(contract: Contract, kind: str):
    return documents.templates_for(contract).filter(purpose=TEMPLATE_PURPOSE[kind])


def _template_for(contract: Contract, kind: str, template) -> Template:
    offered = notice_templates(contract, kind)
    if template is None:
        chosen = offered.first()
        if chosen is None:
            raise InvalidInput(
                _("There is no active template for a %(kind)s. Add one in the document library first.")
                % {"kind": Notice.Kind(kind).label},
                code="no_notice_template",
                errors={"template": [_("No template of this purpose is available.")]},
            )
        return chosen
    pk = getattr(template, "pk", template)
    try:
        return offered.get(pk=int(pk))
    except (ValueError, TypeError, Template.DoesNotExist):
        raise _field("template", _("Select a valid choice; that one does not exist.")) from None


def _generate(notice: Notice, template: Template, *, by) -> Notice:
    """The notice's document, filled with its kind, reason and date in the template's language."""
    language = Language.ZH if template.language == Language.BILINGUAL else template.language
    with translation.override(language):
        values = {
            "kind": str(Notice.Kind(notice.kind).label).split(" (")[0]
            if language == "en"
            else ZH_KINDS[notice.kind],
            "reason": _reason_text(notice.reason, language) if notice.reason else None,
            "effective_date": notice.effective_on,
            "note": notice.note or None,
        }
    token = NOTICE.set(values)
    try:
        document = documents.generate_document(notice.contract, template, by=by)
    finally:
        NOTICE.reset(token)
    notice.document = document
    notice.save(update_fields=["document"])
    return notice


ZH_KINDS = {"termination": "解除通知", "non_renewal": "不续约通知", "change": "变更通知"}
ZH_REASONS = {
    "mutual": "双方协商一致",
    "customer_breach": "贵司违约",
    "our_breach": "我司违约",
    "force_majeure": "不可抗力",
    "convenience": "我司行使单方解除权",
    "other": "其他原因",
}


def _reason_text(reason: str, language: str) -> str:
    """A Chinese notice says the reason as a letter does, not as the code's label."""
    if language == "en":
        return str(ReasonCode(reason).label).split(" (")[0]
    return ZH_REASONS[reason]


def _reason(value, *, required: bool) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        if required:
            raise _field("reason", _("This field is required."))
        return ""
    if value not in ReasonCode.values:
        raise _field("reason", _("Select a valid choice; that one does not exist."))
    return value


def terminate(
    contract: Contract, *, by, reason, effective_on, note: str = "", notice_template=None
) -> Notice:
    """End a signed or active contract early: the status changes, `contract_ended` is sent, and the termination
    notice is created and generated. The effective date is required, not after the current term's end and not
    before signing. All or nothing."""
    _require(by, "contracts.terminate_contract", contract)
    errors = {}
    try:
        reason = _reason(reason, required=True)
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        effective_on = _date("effective_on", effective_on)
    except InvalidInput as exc:
        errors.update(exc.errors)
        effective_on = None
    if errors:
        raise InvalidInput(errors=errors)
    note = clean_text(str(note or ""))[:1000]
    reason_label = str(ReasonCode(reason).label)
    with transaction.atomic():
        # Lock first: the dates are checked against the row as it is now, not as the caller read it.
        current = Contract.objects.select_for_update(of=("self",)).select_related("contract_type").get(pk=contract.pk)
        if current.end_date and effective_on > current.end_date:
            raise _field("effective_on", _(
                "The termination cannot take effect after the end of the current term (%(date)s)."
            ) % {"date": current.end_date.isoformat()})
        if current.signed_date and effective_on < current.signed_date:
            raise _field("effective_on", _(
                "The termination cannot take effect before the contract was signed (%(date)s)."
            ) % {"date": current.signed_date.isoformat()})
        template = _template_for(current, Notice.Kind.TERMINATION, notice_template)
        ended = contracts.terminate_contract(
            current,
            by=by,
            terminated_on=effective_on,
            note=f"{reason_label}: {note}" if note else reason_label,
        )
        notice = Notice.objects.create(
            contract=ended,
            kind=Notice.Kind.TERMINATION,
            reason=reason,
            effective_on=effective_on,
            note=note,
            created_by=by,
        )
        _generate(notice, template, by=by)
        record(
            actor=by,
            verb="changes.notice",
            target=ended,
            data={
                "notice": notice.pk,
                "kind": notice.kind,
                "reason": reason,
                "effective_on": effective_on.isoformat(),
                "document": notice.document_id,
                "sha256": notice.document.sha256,
            },
        )
    return notice


def send_notice(
    contract: Contract, *, by, kind: str, effective_on=None, reason="", note: str = "", template=None
) -> Notice:
    """A non-renewal or change notice for a contract in force: generated and recorded; the status stays. A
    termination notice here is the written notice of a termination already recorded (by the status action): it
    needs a reason and takes effect on the day the contract was terminated."""
    if kind not in Notice.Kind.values:
        raise _field("kind", _("Select a valid choice; that one does not exist."))
    terminating = kind == Notice.Kind.TERMINATION
    _require(by, "contracts.terminate_contract" if terminating else "changes.send_notice", contract)
    current = Contract.objects.select_related("contract_type").get(pk=contract.pk)
    if terminating and current.status != Status.TERMINATED:
        raise IllegalTransition(
            _("Contract %(number)s is %(status)s: terminate it, and its termination notice is made with it.")
            % {"number": current.number, "status": current.get_status_display()},
            code="not_terminated",
        )
    if not terminating and current.status not in (Status.SIGNED, Status.ACTIVE):
        raise IllegalTransition(
            _("A notice can be sent only for a signed or active contract; %(number)s is %(status)s.")
            % {"number": current.number, "status": current.get_status_display()},
            code="not_in_force",
        )
    errors = {}
    try:
        reason = _reason(reason, required=terminating)
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        effective_on = _date("effective_on", effective_on, required=kind == Notice.Kind.CHANGE)
    except InvalidInput as exc:
        errors.update(exc.errors)
        effective_on = None
    if terminating and not errors:
        effective_on = effective_on or current.terminated_on or company_today()
    if kind == Notice.Kind.NON_RENEWAL and not errors:
        if not current.end_date:
            errors["kind"] = [_("An evergreen contract has no term to let lapse: terminate it instead.")]
        elif effective_on is None:
            effective_on = current.end_date
        elif effective_on != current.end_date:
            errors["effective_on"] = [
                _("A contract that is not renewed ends with its current term (%(date)s).")
                % {"date": current.end_date.isoformat()}
            ]
    note = clean_text(str(note or ""))[:1000]
    if kind == Notice.Kind.CHANGE and not note.strip():
        errors["note"] = [_("Describe the change.")]
    if errors:
        raise InvalidInput(errors=errors)
    chosen = _template_for(current, kind, template)
    with transaction.atomic():
        Contract.objects.select_for_update().filter(pk=current.pk).exists()
        notice = Notice.objects.create(
            contract=current, kind=kind, reason=reason, effective_on=effective_on, note=note, created_by=by
        )
        _generate(notice, chosen, by=by)
        record(
            actor=by,
            verb="changes.notice",
            target=current,
            data={
                "notice": notice.pk,
                "kind": kind,
                "reason": reason,
                "effective_on": effective_on.isoformat(),
                "document": notice.document_id,
                "sha256": notice.document.sha256,
            },
        )
    return notice


# --- deliveries -----------------------------------------------------------------------------------------------


def _moment(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value or "").strip()
        try:
            moment = parse_datetime(text) if text else None
        except ValueError:
            moment = None
        if moment is None:
            day = None
            try:
                day = parse_date(text) if text else None
            except ValueError:
                pass
            if day is None:
                raise _field(
                    "delivered_at",
                    _("Enter a valid date and time (YYYY-MM-DD HH:MM).")
                    if text
                    else _("This field is required."),
                ) from None
            moment = dt.datetime.combine(day, dt.time(12, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


DELIVERY_FIELDS = ("channel", "delivered_at", "recipient", "tracking_number", "signing_reference")


def record_delivery(
    notice: Notice,
    *,
    by,
    channel,
    delivered_at,
    recipient,
    tracking_number: str = "",
    signing_reference: str = "",
    proof=None,
) -> NoticeDelivery:
    """Record how a notice reached the customer, with at least one proof: a file, a tracking number or the
    reference of a signing receipt. The proof file is stored under a generated name with its sha256."""
    contract = notice.contract
    _require(by, "changes.record_delivery", contract)
    errors = {}
    if channel not in NoticeDelivery.Channel.values:
        errors["channel"] = [_("Select a valid choice; that one does not exist.")]
    try:
        delivered_at = _moment(delivered_at)
        if delivered_at > timezone.now() + dt.timedelta(minutes=5):
            errors["delivered_at"] = [_("The delivery cannot be in the future.")]
    except InvalidInput as exc:
        errors.update(exc.errors)
    recipient = clean_text(str(recipient or "")).strip()[:200]
    tracking_number = clean_text(str(tracking_number or "")).strip()[:100]
    signing_reference = clean_text(str(signing_reference or "")).strip()[:200]
    if not recipient:
        errors["recipient"] = [_("This field is required.")]
    if (
        channel in (NoticeDelivery.Channel.REGISTERED_MAIL, NoticeDelivery.Channel.COURIER)
        and not tracking_number
    ):
        errors["tracking_number"] = [_("Give the tracking number of the mail.")]
    if proof is None and not tracking_number and not signing_reference:
        errors["proof"] = [
            _("Attach the proof of delivery, or give a tracking number or a signing receipt reference.")
        ]
    if errors:
        raise InvalidInput(errors=errors)
    stored = None
    facts = {}
    if proof is not None:
        name, content_type, size, sha256 = inspect_upload(proof)
        stored = default_storage.save(f"notices/{notice.pk}/{uuid.uuid4().hex}.{extension(name)}", proof)
        facts = {
            "proof_name": name,
            "proof_content_type": content_type,
            "proof_size": size,
            "proof_sha256": sha256,
        }
    try:
        with transaction.atomic():
            Contract.objects.select_for_update().filter(pk=contract.pk).exists()
            delivery = NoticeDelivery.objects.create(
                notice=notice,
                channel=channel,
                delivered_at=delivered_at,
                recipient=recipient,
                tracking_number=tracking_number,
                signing_reference=signing_reference,
                proof=stored or "",
                recorded_by=by,
                **facts,
            )
            record(
                actor=by,
                verb="changes.notice_delivered",
                target=contract,
                data={
                    "notice": notice.pk,
                    "delivery": delivery.pk,
                    "channel": channel,
                    "delivered_at": delivered_at.isoformat(),
                    "recipient": recipient,
                    "tracking_number": tracking_number,
                    "signing_reference": signing_reference,
                    "sha256": facts.get("proof_sha256", ""),
                },
            )
    except BaseException:
        if stored:
            default_storage.delete(stored)  # nothing points at the bytes: leave no orphan
        raise
    return delivery


def proof_checked(delivery: NoticeDelivery, *, by) -> NoticeDelivery:
    """The delivery, once its stored proof is found to still hash to what was recorded; otherwise administrators are
    alerted and the 409 raised."""
    from hetong.core.files import digest_matches

    if not digest_matches(delivery.proof, delivery.proof_sha256):
        raise contracts.stored_file_changed(
            delivery.notice.contract,
            what=_("proof of delivery of a notice"),
            expected_sha256=delivery.proof_sha256,
            by=by,
        )
    return delivery
