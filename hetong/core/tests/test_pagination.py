import pytest

from hetong.contracts.filters import SORTS
from hetong.contracts.models import Contract
from hetong.core.pagination import paginate


@pytest.fixture
def contracts(sales_owner, make_customer, make_contract):
    customer = make_customer(sales_owner)
    ends = ["2026-06-30", None, "2026-03-31", "2026-06-30", None, "2026-12-31", "2026-03-31"]
    amounts = ["5.00", "5.00", "1.00", "9.00", "3.00", "5.00", "7.00"]
    return [
        make_contract(sales_owner, customer, end_date=end, amount=amount, effective_date="2026-01-01")
        for end, amount in zip(ends, amounts, strict=True)
    ]


@pytest.mark.parametrize("sort_key", list(SORTS))
@pytest.mark.parametrize("size", [1, 2, 3])
def test_keyset_pages_cover_every_row_once_in_order(contracts, sort_key, size):
    sort = SORTS[sort_key]
    qs = Contract.objects.all()
    seen, cursor = [], None
    while True:
        page = paginate(qs, sort, cursor=cursor, size=size)
        seen.extend(row.pk for row in page.items)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    from hetong.core.pagination import order

    assert seen == list(order(qs, sort).values_list("pk", flat=True))
    assert len(seen) == len(contracts) == page.count
