"""A termination stops what lies ahead on the contract: installments not yet due, obligations due after the date,
and the reminders of every key date — whichever way the contract is terminated."""

import datetime as dt

import pytest

from hetong.changes import services
from hetong.contracts.models import Contract, KeyDate, Status
from hetong.core.dates import company_today
from hetong.notifications.models import Reminder
from hetong.notifications.tests.utils import remind
from hetong.obligations import services as obligations
from hetong.obligations.models import Obligation, ObligationStatus
from hetong.payments import services as payments
from hetong.payments.models import Installment


@pytest.fixture
def running(ca1, sales_owner, manager, finance):
    """An active contract with an open end-date reminder, a payment plan and obligations either side of today."""
    reminder = remind(ca1, owner=sales_owner, approver=manager, end_in=30)
    assert reminder is not None and reminder.state == Reminder.State.OPEN
    contract = Contract.objects.get(pk=ca1.pk)
    today = company_today()
    payments.save_plan(contract, by=sales_owner, rows=[
        {"kind": "prepayment", "label": "预付款", "percent": "30", "due_date": (today - dt.timedelta(days=5)).isoformat()},
        {"kind": "acceptance", "label": "验收款", "percent": "70", "due_date": (today + dt.timedelta(days=20)).isoformat()},
    ])
    obligations.add_obligation(contract, by=sales_owner, data={
        "title": "上月服务报告", "due_date": (today - dt.timedelta(days=2)).isoformat()})
    obligations.add_obligation(contract, by=sales_owner, data={
        "title": "终验", "due_date": (today + dt.timedelta(days=15)).isoformat()})
    kinds = set(KeyDate.objects.filter(contract=contract).values_list("kind", flat=True))
    assert {"end", "payment", "obligation"} <= kinds
    return contract


def test_terminating_with_a_notice_stops_future_installments_obligations_and_reminders(
        running, legal, notice_templates):
    today = company_today()
    services.terminate(running, by=legal, reason="mutual", effective_on=today, note="双方协商一致解除。")

    contract = Contract.objects.get(pk=running.pk)
    assert contract.status == Status.TERMINATED
    plan = {i.label: i for i in Installment.objects.with_paid().filter(contract=contract)}
    assert plan["预付款"].status != Installment.Status.CANCELLED  # fell due before the end: still owed
    assert plan["验收款"].status == Installment.Status.CANCELLED
    duties = {o.title: o for o in Obligation.objects.filter(contract=contract)}
    assert duties["上月服务报告"].status == ObligationStatus.OPEN  # was due before: still to be seen to
    assert duties["终验"].status == ObligationStatus.WAIVED
    assert not KeyDate.objects.filter(contract=contract).exists()  # nothing left to remind of
    assert not Reminder.objects.filter(dispatch__contract=contract, state=Reminder.State.OPEN).exists()


def test_terminating_from_the_contract_page_does_the_same(running, legal):
    from hetong.contracts.services import terminate_contract

    terminate_contract(running, by=legal, terminated_on=company_today(), note="对方严重违约")
    assert Installment.objects.with_paid().get(contract=running, label="验收款").status == Installment.Status.CANCELLED
    assert Obligation.objects.get(contract=running, title="终验").status == ObligationStatus.WAIVED
    assert not KeyDate.objects.filter(contract=running).exists()
