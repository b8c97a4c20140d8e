import datetime as dt
from decimal import Decimal

import pytest

from hetong.audit.models import AuditEvent
from hetong.contracts.models import Contract, KeyDate
from hetong.contracts.signals import contract_ended
from hetong.core.dates import company_today
from hetong.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from hetong.payments import services
from hetong.payments.models import Allocation, Installment, Invoice, Receipt
from hetong.payments.selectors import progress_for

TODAY = company_today()


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def three_part_plan(contract, by, *, retention_due=None):
    return services.save_plan(contract, by=by, rows=[
        {"kind": "prepayment", "label": "预付款", "percent": "30", "due_date": day(-40)},
        {"kind": "acceptance", "label": "验收款", "percent": "60", "due_date": day(-10)},
        {"kind": "retention", "label": "质保金", "percent": "10", "due_date": retention_due},
    ])


def status_of(installment):
    return Installment.objects.with_paid().get(pk=installment.pk)


def test_percent_installments_compute_their_amount_and_the_plan_adds_up(contract, finance):
    plan = three_part_plan(contract, finance)
    assert [i.amount for i in plan.installments] == [Decimal("30000.00"), Decimal("60000.00"), Decimal("10000.00")]
    assert [i.percent for i in plan.installments] == [Decimal("30"), Decimal("60"), Decimal("10")]
    assert plan.adds_up and plan.difference == 0


def test_plan_that_does_not_add_up_is_saved_and_shows_the_difference(contract, sales_owner):
    plan = services.save_plan(contract, by=sales_owner, rows=[{"kind": "prepayment", "amount": "30000"}])
    assert plan.difference == Decimal("70000.00") and not plan.adds_up
    over = services.save_plan(contract, by=sales_owner, rows=[{"amount": "80000"}, {"percent": "30"}])
    assert over.difference == Decimal("-10000.00")
    assert Installment.objects.filter(contract=contract).count() == 2  # replaced, not added


@pytest.mark.parametrize("row, field", [
    ({"amount": "-5"}, "rows.0.amount"),
    ({"amount": "0"}, "rows.0.amount"),
    ({"amount": "100", "percent": "10"}, "rows.0.percent"),
    ({"percent": "120"}, "rows.0.percent"),
    ({}, "rows.0.amount"),
    ({"amount": "10", "kind": "bribe"}, "rows.0.kind"),
    ({"amount": "10", "due_date": "2026-02-30"}, "rows.0.due_date"),
    ({"amount": "10", "colour": "red"}, "rows.0.colour"),
])
def test_bad_plan_rows_are_refused_and_nothing_changes(contract, finance, row, field):
    three_part_plan(contract, finance)
    with pytest.raises(InvalidInput) as refused:
        services.save_plan(contract, by=finance, rows=[row])
    assert field in refused.value.errors
    assert Installment.objects.filter(contract=contract).count() == 3


def test_paid_installment_cannot_drop_below_what_was_received_nor_be_removed(contract, finance):
    plan = three_part_plan(contract, finance)
    services.record_receipt(contract, by=finance, received_on=TODAY, amount="20000", payer="华运")
    first = plan.installments[0]
    rows = [{"id": first.pk, "amount": "10000"}, {"id": plan.installments[1].pk, "percent": "60"}]
    with pytest.raises(InvalidInput) as refused:
        services.save_plan(contract, by=finance, rows=rows)
    assert "rows.0.amount" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        services.save_plan(contract, by=finance, rows=[{"amount": "100000"}])
    assert f"installment.{first.pk}" in refused.value.errors
    kept = services.save_plan(contract, by=finance, rows=[{"id": first.pk, "amount": "20000"}, {"amount": "80000"}])
    assert kept.installments[0].pk == first.pk and kept.installments[0].paid == Decimal("20000.00")


def test_receipt_is_allocated_oldest_due_first_with_partial_payment(contract, finance):
    plan = services.save_plan(contract, by=finance, rows=[
        {"kind": "retention", "amount": "10000"},  # no due date: last
        {"kind": "acceptance", "amount": "60000", "due_date": day(-10)},
        {"kind": "prepayment", "amount": "30000", "due_date": day(-40)},
    ])
    retention, acceptance, prepayment = plan.installments
    receipt = services.record_receipt(contract, by=finance, received_on=TODAY, amount="50000.00",
                                      method="bank_transfer", payer="上海华运物流有限公司", reference="CMB20261126001")
    shares = dict(Allocation.objects.filter(receipt=receipt).values_list("installment", "amount"))
    assert shares == {prepayment.pk: Decimal("30000.00"), acceptance.pk: Decimal("20000.00")}
    assert status_of(prepayment).status == Installment.Status.PAID
    assert status_of(acceptance).status == Installment.Status.PARTLY_PAID
    assert status_of(retention).status == Installment.Status.OPEN
    assert status_of(acceptance).outstanding == Decimal("40000.00")
    assert AuditEvent.objects.filter(verb="payments.receipt_record").count() == 1


def test_manual_allocation_first_then_the_rest_oldest_first(contract, finance):
    prepayment, acceptance, retention = three_part_plan(contract, finance, retention_due=day(300)).installments
    receipt = services.record_receipt(contract, by=finance, received_on=TODAY, amount="15000",
                                      allocations=[(retention, "10000")])
    shares = dict(Allocation.objects.filter(receipt=receipt).values_list("installment", "amount"))
    assert shares == {retention.pk: Decimal("10000.00"), prepayment.pk: Decimal("5000.00")}


def test_receipt_larger_than_outstanding_is_refused_and_nothing_saved(contract, finance):
    three_part_plan(contract, finance)
    services.record_receipt(contract, by=finance, received_on=TODAY, amount="95000")
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.record_receipt(contract, by=finance, received_on=TODAY, amount="5000.01")
    assert refused.value.code == "exceeds_outstanding" and "amount" in refused.value.errors
    assert "5000.00" in str(refused.value.errors["amount"][0])
    assert Receipt.objects.count() == 1 and AuditEvent.objects.count() == events


def test_allocation_to_another_contracts_installment_is_refused(contract, other_contract, finance, admin):
    three_part_plan(contract, finance)
    foreign = three_part_plan(other_contract, admin).installments[0]
    with pytest.raises(InvalidInput) as refused:
        services.record_receipt(contract, by=finance, received_on=TODAY, amount="1000", allocations=[(foreign, "1000")])
    assert "allocations.0.installment" in refused.value.errors
    assert not Receipt.objects.exists() and not Allocation.objects.exists()


def test_over_allocating_an_installment_is_refused(contract, finance):
    prepayment = three_part_plan(contract, finance).installments[0]
    with pytest.raises(InvalidInput) as refused:
        services.record_receipt(contract, by=finance, received_on=TODAY, amount="40000",
                                allocations=[(prepayment, "30000.01")])
    assert "allocations.0.amount" in refused.value.errors
    with pytest.raises(InvalidInput):
        services.record_receipt(contract, by=finance, received_on=day(1), amount="100")  # future date
    assert not Receipt.objects.exists()


def test_reversal_keeps_the_receipt_and_restores_the_outstanding_amount(contract, finance):
    prepayment = three_part_plan(contract, finance).installments[0]
    receipt = services.record_receipt(contract, by=finance, received_on=TODAY, amount="30000")
    assert status_of(prepayment).status == Installment.Status.PAID
    with pytest.raises(InvalidInput) as refused:
        services.reverse_receipt(receipt, by=finance, reason="  ")
    assert "reason" in refused.value.errors
    reversed_ = services.reverse_receipt(receipt, by=finance, reason="银行退票")
    assert reversed_.is_reversed and reversed_.reversed_by == finance
    assert Allocation.objects.filter(receipt=receipt).count() == 1  # kept, no longer counting
    assert status_of(prepayment).status == Installment.Status.OPEN
    assert status_of(prepayment).outstanding == Decimal("30000.00")
    assert progress_for([contract.pk])[contract.pk]["collected"] == 0
    with pytest.raises(IllegalTransition):
        services.reverse_receipt(receipt, by=finance, reason="again")
    # The money can be received again in full.
    services.record_receipt(contract, by=finance, received_on=TODAY, amount="100000")


def test_only_finance_records_money_and_viewers_change_nothing(contract, sales_owner, viewer, finance):
    three_part_plan(contract, finance)
    with pytest.raises(PermissionDenied):
        services.record_receipt(contract, by=sales_owner, received_on=TODAY, amount="100")
    with pytest.raises(PermissionDenied):
        services.save_plan(contract, by=viewer, rows=[])


def test_receipts_need_a_signed_contract(ca1, finance, sales_owner):
    services.save_plan(ca1, by=sales_owner, rows=[{"amount": "1000", "due_date": "2026-01-01"}])
    with pytest.raises(IllegalTransition):
        services.record_receipt(ca1, by=finance, received_on=TODAY, amount="100")


def test_overdue_is_per_installment(contract, finance):
    prepayment, acceptance, retention = three_part_plan(contract, finance, retention_due=day(30)).installments
    services.record_receipt(contract, by=finance, received_on=TODAY, amount="30000")
    rows = {i.pk: i for i in Installment.objects.with_paid()}
    assert not rows[prepayment.pk].is_overdue()  # paid
    assert rows[acceptance.pk].is_overdue() and rows[acceptance.pk].days_overdue() == 10
    assert not rows[retention.pk].is_overdue()  # not due yet
    progress = progress_for([contract.pk])[contract.pk]
    assert progress["overdue"] == Decimal("60000.00") and progress["outstanding"] == Decimal("70000.00")
    assert progress["collected_pct"] == Decimal("30.0")


def test_key_date_payment_follows_the_plan_and_receipts(contract, finance):
    def payment_date():
        row = KeyDate.objects.filter(contract=contract, kind="payment").first()
        return row.date if row else None

    assert payment_date() is None
    prepayment, acceptance, retention = three_part_plan(contract, finance).installments
    assert payment_date() == day(-40)
    services.record_receipt(contract, by=finance, received_on=TODAY, amount="30000")
    assert payment_date() == day(-10)
    services.record_receipt(contract, by=finance, received_on=TODAY, amount="60000")
    assert payment_date() is None  # retention waits for its date
    services.set_due_date(retention, by=finance, due_date=day(365))
    assert payment_date() == day(365)
    last = services.record_receipt(contract, by=finance, received_on=TODAY, amount="10000")
    assert payment_date() is None
    services.reverse_receipt(last, by=finance, reason="退回")
    assert payment_date() == day(365)


def test_termination_cancels_future_and_event_installments(contract, finance, legal):
    prepayment, acceptance, retention = three_part_plan(contract, finance).installments
    services.set_due_date(acceptance, by=finance, due_date=day(20))
    services.record_receipt(contract, by=finance, received_on=TODAY, amount="10000")
    Contract.objects.filter(pk=contract.pk).update(status=Contract.Status.TERMINATED, terminated_on=TODAY)
    contract_ended.send(sender=Contract, contract=contract, on=TODAY, reason="客户违约")
    rows = {i.pk: i for i in Installment.objects.with_paid()}
    assert rows[prepayment.pk].status == Installment.Status.PARTLY_PAID  # fell due before: still owed
    assert rows[acceptance.pk].status == Installment.Status.CANCELLED
    assert rows[retention.pk].status == Installment.Status.CANCELLED
    assert rows[acceptance.pk].outstanding == 0
    assert TODAY.isoformat() in rows[retention.pk].cancel_reason
    assert AuditEvent.objects.filter(verb="payments.installments_cancel").count() == 1
    assert progress_for([contract.pk])[contract.pk]["outstanding"] == Decimal("20000.00")
    assert not KeyDate.objects.filter(contract=contract, kind="payment").exists()


def test_invoice_numbers_are_unique_per_type_and_cannot_exceed_the_contract(contract, finance):
    services.record_invoice(contract, by=finance, number="04412345", kind="special", amount="56500",
                            tax_amount="6500", issued_on=TODAY)
    services.record_invoice(contract, by=finance, number="04412345", kind="normal", amount="10000",
                            tax_amount="0", issued_on=TODAY)
    with pytest.raises(InvalidInput) as refused:
        services.record_invoice(contract, by=finance, number="04412345", kind="special", amount="100",
                                tax_amount="6", issued_on=TODAY)
    assert "number" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        services.record_invoice(contract, by=finance, number="04412346", kind="special", amount="33500.01",
                                tax_amount="6", issued_on=TODAY)
    assert "amount" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        services.record_invoice(contract, by=finance, number="abc", kind="special", amount="100",
                                tax_amount="100", issued_on=TODAY)
    assert {"number", "tax_amount"} <= set(refused.value.errors)
    assert Invoice.objects.count() == 2
    assert progress_for([contract.pk])[contract.pk]["invoiced_pct"] == Decimal("66.5")
