import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hetong.payments import services
from hetong.payments.models import Installment
from hetong.payments.selectors import aging, bucket_of

FROZEN = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize("days, bucket", [
    (0, None), (1, "d0_30"), (30, "d0_30"), (31, "d31_60"), (60, "d31_60"), (61, "d61_90"), (90, "d61_90"),
    (91, "d91_180"), (180, "d91_180"), (181, "d181_365"), (365, "d181_365"), (366, "over_365"), (2000, "over_365"),
])
def test_bucket_boundaries(days, bucket):
    assert bucket_of(days) == bucket


BOUNDARIES = [30, 31, 60, 61, 90, 91, 180, 181, 365, 366]


def test_aging_on_a_frozen_clock_puts_each_installment_in_its_bucket(contract, other_contract, finance, admin,
                                                                     django_assert_max_num_queries):
    with time_machine.travel(FROZEN, tick=False):
        rows = [{"amount": str(100 + n), "due_date": (TODAY - dt.timedelta(days=d)).isoformat()}
                for n, d in enumerate(BOUNDARIES)]
        rows += [{"amount": "1000", "due_date": TODAY.isoformat()}, {"amount": "2000"}]  # due today; no date
        services.save_plan(contract, by=finance, rows=rows)
        # A partly paid installment counts with what is left; a paid one not at all.
        services.save_plan(other_contract, by=admin, rows=[
            {"amount": "500", "due_date": "2026-10-01"}, {"amount": "700", "due_date": "2026-11-01"}])
        services.record_receipt(other_contract, by=finance, received_on=TODAY, amount="900")
        with django_assert_max_num_queries(2):
            report = aging(finance)
    totals = report["totals"]
    assert report["on"] == TODAY
    assert totals.buckets == {
        "d0_30": Decimal("100") + Decimal("300.00"),  # 30 days, and other_contract's 19 days with 300 left
        "d31_60": Decimal("101") + Decimal("102"),
        "d61_90": Decimal("103") + Decimal("104"),
        "d91_180": Decimal("105") + Decimal("106"),
        "d181_365": Decimal("107") + Decimal("108"),
        "over_365": Decimal("109"),
    }
    assert totals.not_due == Decimal("3000.00")
    by_customer = {row.customer_name: row for row in report["customers"]}
    assert by_customer["上海华运物流有限公司"].overdue == sum((Decimal(100 + n) for n in range(10)), Decimal(0))
    assert by_customer["北京启明软件有限公司"].outstanding == Decimal("300.00")


def test_aging_is_scoped_to_visible_contracts_and_skips_cancelled_installments(contract, other_contract, finance,
                                                                               admin, sales_owner):
    services.save_plan(contract, by=finance, rows=[{"amount": "100", "due_date": "2026-01-01"}])
    services.save_plan(other_contract, by=admin, rows=[{"amount": "200", "due_date": "2026-01-01"}])
    names = [row.customer_name for row in aging(sales_owner, TODAY)["customers"]]
    assert names == ["上海华运物流有限公司"]
    Installment.objects.filter(contract=contract).update(cancelled_at=FROZEN)
    assert aging(sales_owner, TODAY)["customers"] == []


def test_aging_query_count_does_not_grow_with_rows(contract, other_contract, finance, admin,
                                                   django_assert_num_queries):
    services.save_plan(contract, by=finance, rows=[{"amount": "100", "due_date": "2026-01-01"}])
    with django_assert_num_queries(1):
        aging(admin, TODAY)
    services.save_plan(other_contract, by=admin, rows=[{"amount": "10", "due_date": f"2026-0{m}-01"} for m in range(1, 10)])
    with django_assert_num_queries(1):
        aging(admin, TODAY)


def test_aging_is_in_cny_whatever_the_contracts_currency(contract, other_contract, finance, admin):
    from hetong.contracts.models import Contract
    from hetong.core.money import rate

    Contract.objects.filter(pk=other_contract.pk).update(currency="USD")
    services.save_plan(contract, by=finance, rows=[{"amount": "100.00", "due_date": "2026-11-01"}])
    services.save_plan(other_contract, by=admin, rows=[{"amount": "0.33", "due_date": "2026-11-02"},
                                                      {"amount": "10.00"}])
    report = aging(admin, TODAY)
    usd = rate("USD")
    assert report["totals"].buckets["d0_30"] == (Decimal("100.00") + Decimal("0.33") * usd).quantize(Decimal("0.01"))
    assert report["totals"].not_due == (Decimal("10.00") * usd).quantize(Decimal("0.01"))
    assert {row.customer_id: row.overdue for row in report["customers"]}[other_contract.customer_id] == (
        Decimal("0.33") * usd).quantize(Decimal("0.01"))
