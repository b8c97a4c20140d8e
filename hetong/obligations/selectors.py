"""Reads that cross apps or build a page: fulfilment per contract, a user's obligations, evidence integrity."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, Q

from hetong.core.dates import company_today

from .models import EvidenceFile, Obligation, ObligationStatus


def fulfilment_pct(done: int, counted: int) -> Decimal | None:
    """done / counted as a percentage with one place (half up); None when nothing is left to fulfil."""
    return (Decimal(100 * done) / counted).quantize(Decimal("0.1"), ROUND_HALF_UP) if counted else None


def progress_for(contract_ids) -> dict[int, dict]:
    """{contract id: {"fulfilment_pct", "open", "overdue", "done", "waived", "total"}} in one query, whatever the
    number of contracts. Fulfilment is done / (all − waived), a Decimal percentage with one place, or None when
    nothing is left to fulfil."""
    ids = list(contract_ids)
    today = company_today()
    rows = (Obligation.objects.filter(contract_id__in=ids).order_by().values("contract_id").annotate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=ObligationStatus.DONE)),
        waived=Count("pk", filter=Q(status=ObligationStatus.WAIVED)),
        open=Count("pk", filter=Q(status=ObligationStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=ObligationStatus.OPEN, due_date__lt=today)),
    ))
    result = {pk: {"fulfilment_pct": None, "open": 0, "overdue": 0, "done": 0, "waived": 0, "total": 0} for pk in ids}
    for row in rows:
        counted = row["total"] - row["waived"]
        pct = fulfilment_pct(row["done"], counted)
        result[row["contract_id"]] = {
            "fulfilment_pct": pct, "open": row["open"], "overdue": row["overdue"], "done": row["done"],
            "waived": row["waived"], "total": row["total"],
        }
    return result


def for_contract(contract):
    """A contract's obligations for its card and the API: owner, who did it and the evidence in two queries."""
    return (Obligation.objects.filter(contract=contract).with_overdue()
            .select_related("owner", "done_by")
            .prefetch_related(Prefetch("evidence", queryset=EvidenceFile.objects.order_by("pk")))
            .order_by("due_date", "pk"))


def for_user(user, *, mine: bool = False, overdue: bool = False, within: int | None = None):
    """Open obligations on the contracts the user may see, soonest first; `mine`: assigned to the user."""
    qs = (Obligation.objects.visible_to(user).open().with_overdue()
          .select_related("contract", "contract__customer", "owner")
          .annotate(evidence_count=Count("evidence")))
    if mine:
        qs = qs.filter(owner=user)
    if overdue:
        qs = qs.overdue()
    if within is not None:
        qs = qs.due_within(within)
    return qs


