"""Collection and aging on the dashboard, read from the receivable tally with the months cut by a bucket's edge
counted from their installments, equal a plain count over the installments on every kind of day: the first and
last of a month, the 29th of February, the day before a month's end, with and without filters."""

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest

from hetong.analytics import selectors
from hetong.contracts.models import Contract
from hetong.core.money import rate
from hetong.payments.models import Allocation, Installment, Receipt
from hetong.payments.selectors import BUCKETS

CENT = Decimal("0.01")
START = dt.date(2023, 6, 3)


@pytest.fixture
def book(admin, sales_owner, other_sales, make_customer, make_contract):
    """Three receivable contracts (one in USD) and a cancelled one, with an installment every 11 days over two
    years and a half; every third one paid in part, every fifth in full, one receipt reversed."""
    a, b = make_customer(sales_owner), make_customer(other_sales, level="key")
    contracts = [make_contract(sales_owner, a), make_contract(other_sales, b, currency="USD"),
                 make_contract(sales_owner, a), make_contract(other_sales, b)]
    for contract, status in zip(contracts, ["active", "terminated", "expired", "cancelled"], strict=True):
        Contract.objects.filter(pk=contract.pk).update(status=status, signed_date=dt.date(2023, 1, 1))
    day = START
    for n in range(84):
        contract = contracts[n % 4]
        installment = Installment.objects.create(contract=contract, position=n, amount=Decimal(f"{100 + n}.{n:02d}"),
                                                 due_date=day)
        paid = installment.amount if n % 5 == 0 else Decimal("33.33") if n % 3 == 0 else None
        if paid:
            receipt = Receipt.objects.create(contract=contract, received_on=day, amount=paid, created_by=admin)
            Allocation.objects.create(receipt=receipt, installment=installment, amount=paid)
            if n == 30:
                Receipt.objects.filter(pk=receipt.pk).update(reversed_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                                                             reversed_by=admin, reversal_reason="退票")
        day += dt.timedelta(days=11)
    Installment.objects.create(contract=contracts[0], position=99, amount=Decimal("5.00"))  # no due date yet
    return contracts


def plain(today: dt.date, owner=None) -> dict:
    """The figures counted over every installment, in Python."""
    owed = collected = not_due = Decimal(0)
    amounts, counts = Counter(), Counter()
    rows = (Installment.objects.live().with_paid().filter(contract__status__in=["active", "terminated", "expired"])
            .select_related("contract"))
    for i in rows.filter(contract__owner=owner) if owner else rows:
        to_cny, left = rate(i.contract.currency), max(i.amount - i.paid, Decimal(0))
        if i.due_date and i.due_date <= today:
            owed, collected = owed + i.amount * to_cny, collected + i.paid * to_cny
        if not i.due_date or i.due_date >= today:
            not_due += left * to_cny
        elif left:
            late = (today - i.due_date).days
            key = next(k for k, _l, first, last in BUCKETS if late >= first and (last is None or late <= last))
            amounts[key] += left * to_cny
            counts[key] += 1
    q = lambda v: Decimal(v).quantize(CENT, rounding=ROUND_HALF_UP)  # noqa: E731
    return {"due": q(owed), "collected": q(collected), "not_due": q(not_due),
            "aging": {k: (q(amounts[k]), counts[k]) for k, *_rest in BUCKETS}}


def days():
    last = START + dt.timedelta(days=11 * 84)
    yield from (dt.date(2024, 2, 29), dt.date(2024, 3, 1), dt.date(2024, 12, 31), dt.date(2025, 1, 1),
                dt.date(2025, 6, 30), dt.date(2025, 5, 30), last, last + dt.timedelta(days=400))
    day = START - dt.timedelta(days=3)
    while day < last:
        yield day
        day += dt.timedelta(days=37)


def test_collection_and_aging_equal_a_plain_count_on_every_kind_of_day(book, admin, sales_owner, django_assert_max_num_queries):
    checked = 0
    for today in days():
        for user, filters, owner in ((admin, {}, None), (admin, {"owner": sales_owner.pk}, sales_owner)):
            with django_assert_max_num_queries(3):
                collection, aging = selectors._money(selectors.query(user, filters, today=today))
            expected = plain(today, owner)
            got = {"due": collection["due"], "collected": collection["collected"], "not_due": collection["not_due"],
                   "aging": {b["key"]: (b["amount"], b["installments"]) for b in aging}}
            assert got == expected, (today, filters)
            checked += sum(n for _a, n in expected["aging"].values())
    assert checked > 100
