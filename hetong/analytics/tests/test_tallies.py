"""The tallies the dashboard reads stay equal to the contracts they count, whatever changes them: the services, a
queryset update, a bulk insert, raw SQL, a customer's new level, a deletion; and they are counted afresh when their
triggers were lost."""

import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from hetong.analytics import tallies
from hetong.analytics.models import SignedTally, StatusTally
from hetong.contracts.models import Contract, ContractType
from hetong.customers.models import Customer


def expected() -> tuple[Counter, Counter, Counter]:
    status, signed, cents = Counter(), Counter(), Counter()
    rows = Contract.objects.values_list("status", "contract_type", "owner", "department", "customer__level",
                                        "signed_date", "currency", "amount")
    for state, kind, owner, department, level, signed_date, currency, amount in rows:
        dims = (kind, owner, department or 0, level)
        status[(state, *dims)] += 1
        if state != "cancelled" and signed_date is not None:
            key = (signed_date.year * 100 + signed_date.month, *dims, currency)
            signed[key] += 1
            cents[key] += int(amount * 100)
    return status, signed, cents


def actual() -> tuple[Counter, Counter, Counter]:
    status = Counter({(t.status, t.contract_type_id, t.owner_id, t.department_id, t.customer_level): t.contracts
                      for t in StatusTally.objects.all()})
    signed, cents = Counter(), Counter()
    for t in SignedTally.objects.all():
        key = (t.month, t.contract_type_id, t.owner_id, t.department_id, t.customer_level, t.currency)
        signed[key], cents[key] = t.contracts, t.cents
    return status, signed, cents


def check():
    assert actual() == expected()
    assert not StatusTally.objects.filter(contracts__lte=0).exists()
    assert not SignedTally.objects.filter(contracts__lte=0).exists()


@pytest.fixture
def book(sales_owner, other_sales, make_customer, make_contract):
    a = make_customer(sales_owner, name="上海华运物流有限公司")
    b = make_customer(other_sales, name="北京启明软件有限公司", level="key")
    contracts = [make_contract(sales_owner, a, amount="1000.10"), make_contract(sales_owner, a, amount="0.07"),
                 make_contract(other_sales, b, amount="99999.99", currency="USD")]
    Contract.objects.filter(pk=contracts[0].pk).update(status="active", signed_date=dt.date(2026, 1, 31))
    Contract.objects.filter(pk=contracts[2].pk).update(status="signed", signed_date=dt.date(2025, 12, 1))
    return a, b, contracts


def test_every_kind_of_change_keeps_the_tallies_equal_to_the_contracts(book, sales_owner, other_sales):
    a, b, (first, second, third) = book
    check()
    assert StatusTally.objects.filter(status="draft").get().contracts == 1
    assert SignedTally.objects.get(month=202601).cents == 100010

    # Through a model save: a new owner and department, a new amount, signed.
    first.refresh_from_db()
    first.owner, first.department, first.amount = other_sales, other_sales.department, Decimal("5.55")
    first.save()
    check()
    # A queryset update of status and date; then cancelled: it leaves the signed tally.
    Contract.objects.filter(pk=second.pk).update(status="signed", signed_date=dt.date(2026, 2, 2))
    check()
    Contract.objects.filter(pk=second.pk).update(status="cancelled")
    check()
    # Another customer; an update that changes nothing that is counted.
    Contract.objects.filter(pk=third.pk).update(customer=a)
    Contract.objects.filter(pk=third.pk).update(title="改名")
    check()
    # Raw SQL.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contracts_contract SET amount = amount + 1, department_id = NULL WHERE id = %s",
                       [third.pk])
    check()
    # A customer's level, by save and by queryset update.
    a.level = "strategic"
    a.save()
    check()
    Customer.objects.filter(pk=b.pk).update(level="small")
    Customer.objects.filter(pk=a.pk).update(level="small")
    check()
    # A bulk insert, then deletions.
    kind = ContractType.objects.get(code="XS")
    made = Contract.objects.bulk_create(
        Contract(number=f"BULK-{n}", title="批量", contract_type=kind, customer=b, entity=first.entity,
                 owner=sales_owner, amount=Decimal("10.00"), currency="CNY", status="active",
                 signed_date=dt.date(2026, 3, n))
        for n in range(1, 6))
    check()
    Contract.objects.filter(pk__in=[c.pk for c in made[:4]]).delete()
    check()
    assert SignedTally.objects.get(month=202603).contracts == 1


def test_lost_triggers_are_put_back_and_everything_is_counted_afresh(book):
    _a, _b, (first, *_rest) = book
    tallies.drop(connection)
    Contract.objects.filter(pk=first.pk).update(status="terminated", amount=Decimal("7.00"))
    assert actual() != expected()
    assert tallies.ensure(connection) is True
    check()
    assert tallies.ensure(connection) is False
    Contract.objects.filter(pk=first.pk).update(status="active")
    check()


def test_the_command_finds_a_tally_that_is_off_and_counts_afresh(book):
    out = io.StringIO()
    call_command("tallies", "check", stdout=out)
    assert "match" in out.getvalue()
    StatusTally.objects.filter(status="draft").update(contracts=99)
    with pytest.raises(CommandError, match="2 tally rows differ"):
        call_command("tallies", "check")
    assert StatusTally.objects.get(status="draft").contracts == 99  # checking changes nothing
    call_command("tallies", "rebuild", stdout=out)
    check()
    call_command("tallies", "check", stdout=out)
