"""Reads of renewals and notices that pages elsewhere build on: a contract's renewal history, a customer's notices."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q

from hetong.audit.models import AuditEvent
from hetong.contracts.models import Contract

from .models import Notice, NoticeDelivery, Renewal

MAX_CHAIN = 100  # renewals of renewals: far more than any real chain, a guard against a loop


@dataclass
class HistoryEntry:
    kind: str  # Renewal.Kind value
    on: dt.date  # the day the new term starts
    contract: Contract  # the contract renewed
    successor: Contract | None
    renewal: Renewal | None
    end: dt.date | None
    at: dt.datetime  # when it was recorded

    @property
    def kind_label(self) -> str:
        return str(Renewal.Kind(self.kind).label)


def renewal_chain(contract: Contract) -> list[int]:
    """The ids of the contract, everything it renewed and everything that renewed it, in one walk each way."""
    ids, frontier = {contract.pk}, {contract.pk}
    for _step in range(MAX_CHAIN):
        links = Renewal.objects.filter(Q(successor__in=frontier) | Q(predecessor__in=frontier)).values_list(
            "predecessor_id", "successor_id"
        )
        found = {pk for pair in links for pk in pair if pk is not None} - ids
        if not found:
            break
        ids |= found
        frontier = found
    return sorted(ids)


def renewal_history(contract: Contract) -> list[HistoryEntry]:
    """Every renewal of the contract's chain, by hand, in a batch or tacit (from the deadline engine's audit
    events), in date order."""
    chain = renewal_chain(contract)
    entries = [
        HistoryEntry(
            kind=row.kind,
            on=row.start,
            contract=row.predecessor,
            successor=row.successor,
            renewal=row,
            end=row.end,
            at=row.created_at,
        )
        for row in Renewal.objects.filter(predecessor__in=chain).select_related("predecessor", "successor")
    ]
    contracts = Contract.objects.in_bulk(chain)
    tacit = AuditEvent.objects.filter(
        verb="contract.tacit_renewal",
        target_type=Contract._meta.label_lower,
        target_id__in=[str(pk) for pk in chain],
    )
    for event in tacit.order_by("seq"):
        change = (event.data.get("changes") or {}).get("end_date") or [None, None]
        before, after = (change + [None, None])[:2] if isinstance(change, list) else (None, None)
        try:
            start = dt.date.fromisoformat(before) + dt.timedelta(days=1) if before else event.at.date()
            end = dt.date.fromisoformat(after) if after else None
        except (TypeError, ValueError):
            start, end = event.at.date(), None
        entries.append(
            HistoryEntry(
                kind=Renewal.Kind.TACIT,
                on=start,
                contract=contracts[int(event.target_id)],
                successor=None,
                renewal=None,
                end=end,
                at=event.at,
            )
        )
    entries.sort(key=lambda e: (e.on, e.at))
    return entries


def _notices():
    return (
        Notice.objects.select_related("contract", "document", "created_by")
        .defer("document__docx", "document__pdf", "document__text")
        .prefetch_related(
            Prefetch(
                "deliveries",
                queryset=NoticeDelivery.objects.select_related("recorded_by").order_by("delivered_at", "id"),
            )
        )
    )


def notices_for(contract: Contract):
    return _notices().filter(contract=contract)


def notices_for_customer(customer, *, user=None):
    """A customer's notices for its archive, newest first; with `user`, only those of contracts they may see."""
    rows = _notices().filter(contract__customer=customer)
    if user is not None:
        rows = rows.filter(contract__in=Contract.objects.visible_to(user))
    return rows.order_by("-created_at", "-id")
