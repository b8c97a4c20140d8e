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

from . import services
from .models import Notice, NoticeDelivery, ReasonCode, Renewal

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
    return {"renewals": linked, "notices": notices, "deliveries": deliveries}
