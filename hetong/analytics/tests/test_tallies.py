"""The tallies the dashboard reads stay equal to the contracts and installments they count, whatever changes them:
the services, a queryset update, a bulk insert, raw SQL, a customer's new level, a receipt and its reversal, a
deletion; and they are counted afresh when their triggers were lost."""

import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from hetong.analytics import tallies
from hetong.analytics.models import CustomerTally, ReceivableTally, SignedTally, StatusTally
from hetong.contracts.models import Contract, ContractType
from hetong.customers.models import Customer
from hetong.payments import services as payments
from hetong.payments.models import RECEIVABLE_STATES, Allocation, Installment, Receipt


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


def by_customer() -> tuple[Counter, Counter]:
    """CustomerTally as it should be, and as it is."""
    should = Counter()
    for customer, signed_date, currency, amount in (Contract.objects.exclude(status="cancelled")
                                                    .filter(signed_date__isnull=False)
                                                    .values_list("customer", "signed_date", "currency", "amount")):
        should[(signed_date.year, customer, currency, "contracts")] += 1
        should[(signed_date.year, customer, currency, "cents")] += int(amount * 100)
    kept = Counter()
    for t in CustomerTally.objects.all():
        kept[(t.year, t.customer_id, t.currency, "contracts")] = t.contracts
        kept[(t.year, t.customer_id, t.currency, "cents")] = t.cents
    return +should, +kept


def receivables() -> tuple[Counter, Counter]:
    """ReceivableTally as it should be (worked out in Python from the allocations of receipts not reversed), and as
    it is; and each installment's paid_cents."""
    should = Counter()
    paid = Counter()
    for installment, amount in Allocation.objects.filter(receipt__reversed_at__isnull=True).values_list(
            "installment", "amount"):
        paid[installment] += int(amount * 100)
    for i in Installment.objects.select_related("contract__customer"):
        c = i.contract
        should[("paid_cents", i.pk)] = i.paid_cents - paid[i.pk]  # 0 when right: dropped by +
        if i.cancelled_at or c.status not in RECEIVABLE_STATES:
            continue
        dims = (c.contract_type_id, c.owner_id, c.department_id or 0, c.customer.level, c.currency)
        cents = int(i.amount * 100)
        owing = max(cents - paid[i.pk], 0)
        due = i.due_date
        for period in [due.year * 100 + due.month, due.year * 10000 + due.month * 100 + due.day] if due else [0]:
            key = (period, *dims)  # in its month's row and its day's row
            should.update({(*key, "installments"): 1, (*key, "cents"): cents, (*key, "paid"): paid[i.pk],
                           (*key, "owing"): owing, (*key, "owing_installments"): int(owing > 0)})
    kept = Counter()
    for t in ReceivableTally.objects.all():
        key = (t.period, t.contract_type_id, t.owner_id, t.department_id, t.customer_level, t.currency)
        for name in ("installments", "cents", "paid", "owing", "owing_installments"):
            kept[(*key, name)] = getattr(t, name)
    return +should, +kept


def check():
    assert actual() == expected()
    assert by_customer()[0] == by_customer()[1]
    should, kept = receivables()
    assert should == kept
    assert not StatusTally.objects.filter(contracts__lte=0).exists()
    assert not SignedTally.objects.filter(contracts__lte=0).exists()
    assert not CustomerTally.objects.filter(contracts__lte=0).exists()
    assert not ReceivableTally.objects.filter(installments__lte=0).exists()


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
    assert CustomerTally.objects.get(year=2026, customer=b).contracts == 1


def test_installments_receipts_and_reversals_keep_the_receivable_tally(book, finance, sales_owner):
    a, b, (first, second, third) = book
    first.refresh_from_db()
    plan = [Installment.objects.create(contract=first, position=n, amount=Decimal(amount), due_date=due)
            for n, (amount, due) in enumerate([("300.03", dt.date(2026, 2, 1)), ("700.07", dt.date(2026, 8, 31)),
                                               ("0.50", None)])]
    check()
    assert ReceivableTally.objects.get(period=202602).owing == 30003
    assert ReceivableTally.objects.get(period=0).installments == 1

    # A receipt through the service, allocated oldest first: the first installment in full, 100.00 on the second.
    receipt = payments.record_receipt(first, by=finance, received_on=dt.date(2026, 3, 1), amount="400.03")
    check()
    assert [i.paid_cents for i in Installment.objects.filter(contract=first).order_by("position")] == [30003, 10000, 0]
    row = ReceivableTally.objects.get(period=20260831)
    assert (row.paid, row.owing, row.owing_installments) == (10000, 60007, 1)
    # Reversed, then an allocation by hand, changed and deleted.
    payments.reverse_receipt(receipt, by=finance, reason="退票")
    check()
    assert ReceivableTally.objects.get(period=20260201).owing_installments == 1
    other = Receipt.objects.create(contract=first, received_on=dt.date(2026, 3, 2), amount=Decimal("50.00"),
                                   created_by=finance)
    allocation = Allocation.objects.create(receipt=other, installment=plan[0], amount=Decimal("50.00"))
    check()
    Allocation.objects.filter(pk=allocation.pk).update(installment=plan[1])
    check()
    allocation.delete()
    check()

    # The installments themselves: a new due date in another month, a new amount, cancelled, deleted, raw SQL.
    Installment.objects.filter(pk=plan[2].pk).update(due_date=dt.date(2026, 9, 9))
    Installment.objects.filter(pk=plan[1].pk).update(amount=Decimal("699.00"))
    check()
    Installment.objects.filter(pk=plan[0].pk).update(cancelled_at=dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    check()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE payments_installment SET cancelled_at = NULL, due_date = NULL WHERE id = %s",
                       [plan[0].pk])
    check()
    Installment.objects.create(contract=third, amount=Decimal("99999.99"), due_date=dt.date(2026, 1, 1))
    Installment.objects.filter(pk=plan[2].pk).delete()
    check()

    # The contract: a new owner and currency move its installments; cancelled, they leave; back, they return.
    Contract.objects.filter(pk=first.pk).update(owner=sales_owner, department=None, currency="USD")
    check()
    Contract.objects.filter(pk=first.pk).update(status="cancelled")
    check()
    assert not ReceivableTally.objects.filter(period__in=[202608, 20260831]).exists()
    Contract.objects.filter(pk=first.pk).update(status="terminated")
    check()
    # The customer's level.
    Customer.objects.filter(pk=a.pk).update(level="strategic")
    check()
    assert set(ReceivableTally.objects.values_list("customer_level", flat=True)) == {"strategic", "key"}


def test_lost_triggers_are_put_back_and_everything_is_counted_afresh(book):
    _a, _b, (first, *_rest) = book
    tallies.drop(connection)
    Contract.objects.filter(pk=first.pk).update(status="terminated", amount=Decimal("7.00"))
    installment = Installment.objects.create(contract=first, amount=Decimal("7.00"), due_date=dt.date(2026, 5, 5))
    Allocation.objects.create(receipt=Receipt.objects.create(
        contract=first, received_on=dt.date(2026, 5, 6), amount=Decimal("2.00"), created_by=first.owner),
        installment=installment, amount=Decimal("2.00"))
    assert actual() != expected()
    assert receivables()[0] != receivables()[1]
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


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a table rebuild is SQLite's way to alter a column")
def test_a_migration_can_rebuild_a_table_the_triggers_name(transactional_db):
    from django.db import models

    from hetong.analytics.apps import _drop_tallies, _ensure_tallies

    app = type("App", (), {"label": "analytics"})
    old = Contract._meta.get_field("title")
    new = models.CharField(max_length=201)
    new.set_attributes_from_name("title")
    new.model = Contract
    _drop_tallies(app, "default", plan=[("a migration", False)])  # what migrate does before a plan with work
    assert not tallies._present(connection)
    with connection.schema_editor() as editor:
        editor.alter_field(Contract, old, new)  # create, copy, drop, rename: a trigger naming the table would fail
        editor.alter_field(Contract, new, old)
    _ensure_tallies(app, "default")  # and after it
    assert tallies._present(connection) == set(tallies.TRIGGERS)
    assert tallies.differences(connection) == 0
