"""Renewals and written notices for the demo: link each renewed demo contract to the successor the demo made for
it (its description starts "续签合同 <number>"), give every terminated contract its termination notice with a
delivery, and send a couple of non-renewal notices. Deterministic (random.Random(42)), through the services."""

import datetime as dt
import random
import re
from collections.abc import Callable

from django.utils import timezone

from hetong.accounts.models import User
from hetong.contracts.models import Contract, Status
from hetong.core.dates import company_today
from hetong.core.errors import DomainError

from . import amendments, services
from .models import Amendment, Notice, NoticeDelivery, ReasonCode, Renewal

SUCCESSOR = re.compile(r"^续签合同 (\S+?)。")
REASONS = [
    ReasonCode.MUTUAL,
    ReasonCode.CUSTOMER_BREACH,
    ReasonCode.MUTUAL,
    ReasonCode.CONVENIENCE,
    ReasonCode.FORCE_MAJEURE,
]
NOTES = {
    ReasonCode.MUTUAL: "双方经友好协商，一致同意提前解除本合同，已履行部分按实际结算。",
    ReasonCode.CUSTOMER_BREACH: "贵司逾期付款超过六十日，经我司两次书面催告仍未支付。",
    ReasonCode.CONVENIENCE: "因我司业务调整，依合同约定提前三十日书面通知解除。",
    ReasonCode.FORCE_MAJEURE: "受不可抗力影响，合同目的无法实现。",
}
CHANNELS = [
    NoticeDelivery.Channel.REGISTERED_MAIL,
    NoticeDelivery.Channel.COURIER,
    NoticeDelivery.Channel.ESIGN,
    NoticeDelivery.Channel.HAND,
    NoticeDelivery.Channel.EMAIL,
]


def _delivery(notice: Notice, *, by, rng: random.Random) -> None:
    channel = rng.choice(CHANNELS)
    contact = notice.contract.customer.contacts.order_by("id").first()
    recipient = (
        f"{notice.contract.customer.name} {contact.name}" if contact else notice.contract.customer.name
    )
    extra = {}
    if channel == NoticeDelivery.Channel.REGISTERED_MAIL:
        extra["tracking_number"] = f"XA{rng.randint(10**8, 10**9 - 1)}CN"
    elif channel == NoticeDelivery.Channel.COURIER:
        extra["tracking_number"] = f"SF{rng.randint(10**11, 10**12 - 1)}"
    elif channel == NoticeDelivery.Channel.EMAIL:
        extra["signing_reference"] = f"邮件回执 {rng.randint(100000, 999999)}"
        recipient = contact.email if contact and contact.email else recipient
    else:
        extra["signing_reference"] = f"签收单 QS-{rng.randint(1000, 9999)}"
    when = min(timezone.now(), notice.created_at + dt.timedelta(hours=rng.randint(2, 60)))
    services.record_delivery(
        notice, by=by, channel=channel, delivered_at=when, recipient=recipient[:200], **extra
    )


def load(progress: Callable[[str], None] = print) -> dict:
    rng = random.Random(42)
    legal = User.objects.filter(username="legal").first() or User.objects.get(username="admin")
    linked = notices = deliveries = 0
    numbers = dict(Contract.objects.values_list("number", "pk"))
    linked_already = set(Renewal.objects.values_list("successor_id", flat=True))
    for successor in Contract.objects.filter(description__startswith="续签合同 ").order_by("pk"):
        match = SUCCESSOR.match(successor.description)
        predecessor = numbers.get(match.group(1)) if match else None
        if predecessor is None or successor.pk in linked_already:
            continue
        try:
            services.link_successor(Contract.objects.get(pk=predecessor), successor, by=legal)
            linked += 1
        except DomainError as exc:
            progress(f"renewal of {match.group(1)} not linked: {exc.message}")
    for contract in Contract.objects.filter(status=Status.TERMINATED, notices__isnull=True).order_by("pk"):
        reason = rng.choice(REASONS)
        try:
            notice = services.send_notice(
                contract, by=legal, kind=Notice.Kind.TERMINATION, reason=reason, note=NOTES.get(reason, "")
            )
            notices += 1
            _delivery(notice, by=legal, rng=rng)
            deliveries += 1
        except DomainError as exc:
            progress(f"termination notice of {contract.number} not made: {exc.message}")
    # Those about to renew themselves first: a non-renewal notice is what stops a tacit renewal in practice.
    candidates = Contract.objects.filter(
        status=Status.ACTIVE, end_date__gte=company_today(), notices__isnull=True
    ).order_by("-auto_renew", "end_date", "pk")
    for contract in list(candidates[:2]):
        try:
            notice = services.send_notice(
                contract,
                by=legal,
                kind=Notice.Kind.NON_RENEWAL,
                note="我司将调整服务方案，原合同期满后不再自动续期，欢迎就新方案另行洽谈。",
            )
            notices += 1
            if rng.random() < 0.7:
                _delivery(notice, by=legal, rng=rng)
                deliveries += 1
        except DomainError as exc:
            progress(f"non-renewal notice of {contract.number} not made: {exc.message}")
    progress(f"renewals and notices: {linked} renewals linked, {notices} notices, {deliveries} deliveries")
    made = load_amendments(progress=progress)
    return {"renewals": linked, "notices": notices, "deliveries": deliveries, "amendments": made}


def _days(n: int) -> str:
    return (company_today() + dt.timedelta(days=n)).isoformat()


def _more(contract: Contract, percent: int) -> str:
    return f"{contract.amount * (100 + percent) / 100:.2f}"


def _later(contract: Contract, months: int) -> str:
    end = contract.end_date
    year, month = divmod(end.month - 1 + months, 12)
    return end.replace(year=end.year + year, month=month + 1, day=min(end.day, 28)).isoformat()


# (title, reason, effective in days from today, changes of the contract, how far it goes)
PLANS = [
    [("关于调整服务价款的补充协议", "因服务网点增加，双方协商一致上调合同价款。", -30, lambda c: {"amount": _more(c, 8)}, "signed")],
    [("关于延长服务期限的补充协议", "业务持续合作，双方同意延长服务期限十二个月。", -20, lambda c: {"end_date": _later(c, 12)}, "signed"),
     ("关于调整通知期限的补充协议", "双方同意将提前通知期限调整为六十日。", 15, lambda c: {"notice_period": 60, "notice_unit": "days"},
      "signed")],
    [("关于增加采购数量的补充协议", "甲方追加采购，价款相应增加。", 10, lambda c: {"amount": _more(c, 25)}, "in_review")],
    [("关于变更合同名称的补充协议", "甲方集团内部更名，合同名称相应调整。", 5, lambda c: {"title": f"{c.title}（更名）"}, "draft")],
    [("关于调减服务范围的补充协议", "甲方调整业务，部分服务不再需要，价款相应调减。", -5, lambda c: {"amount": _more(c, -10)}, "signed")],
]


def _approve(amendment: Amendment, *, fallback) -> Amendment:
    """Through its approval: each pending task decided by its approver, or by hand where no workflow runs."""
    from hetong.approvals import services as approvals
    from hetong.approvals.models import Task

    for _round in range(10):
        amendment.refresh_from_db()
        if amendment.status != Amendment.Status.IN_REVIEW:
            break
        instance = approvals.running_for(amendment)
        if instance is None:
            return amendments.decide(amendment, by=fallback, approve=True, note="同意。")
        for task in Task.objects.filter(instance=instance, status=Task.Status.PENDING).select_related("node", "user"):
            approvals.decide(task.pk, by=task.user, decision="approve", comment="同意。", checklist=task.node.checklist)
    amendment.refresh_from_db()
    return amendment


def load_amendments(*, limit: int = len(PLANS), progress: Callable[[str], None] = print) -> int:
    """Amendments of a few active demo contracts with room on both sides of today: signed ones (in the past, and one
    still to take effect after another), one in review and one draft, each with its 补充协议 document."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hetong.documents.models import GeneratedDocument

    legal = User.objects.filter(username="legal").first() or User.objects.get(username="admin")
    today = company_today()
    candidates = Contract.objects.filter(
        status=Status.ACTIVE, amount__gt=0, effective_date__lte=today - dt.timedelta(days=60),
        end_date__gte=today + dt.timedelta(days=60),
        amendments__isnull=True,
    ).select_related("owner").order_by("pk")
    made = 0
    for contract, plan in zip(list(candidates[:limit]), PLANS, strict=False):
        for title, reason, offset, changes, goal in plan:
            owner = contract.owner
            try:
                contract.refresh_from_db()
                amendment = amendments.create_amendment(contract, by=owner, data={
                    "title": title, "reason": reason, "effective_date": _days(offset), "changes": changes(contract)})
                document = amendments.generate_document(amendment, by=owner)
                made += 1
                if goal == "draft":
                    continue
                amendment = amendments.submit(amendment, by=owner)
                if goal == "in_review":
                    continue
                amendment = _approve(amendment, fallback=legal if owner != legal else User.objects.get(username="admin"))
                if document.pdf_status == GeneratedDocument.PdfStatus.READY:
                    copy = SimpleUploadedFile(f"{amendment}-签署版.pdf", bytes(document.pdf), content_type="application/pdf")
                    amendments.sign(amendment, by=owner, signed_date=min(today, today + dt.timedelta(days=offset)),
                                    signed_file=copy)
            except DomainError as exc:
                progress(f"amendment of {contract.number} not made: {exc.message}")
    progress(f"amendments: {made} (signed, in review and draft)")
    return made
