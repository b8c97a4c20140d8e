import datetime as dt
from decimal import Decimal

import pytest

from hetong.audit.models import AuditEvent
from hetong.changes import selectors, services
from hetong.changes.models import Renewal
from hetong.contracts import services as contract_services
from hetong.contracts.models import Contract, KeyDate, Status
from hetong.core.dates import company_today
from hetong.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from hetong.notifications.models import Reminder, ReminderRule
from hetong.notifications.tests.utils import make_active, remind


def _term(contract):
    start = contract.end_date + dt.timedelta(days=1)
    return start, start.replace(year=start.year + 1) - dt.timedelta(days=1)


def test_renewal_creates_a_linked_successor_with_the_adjusted_amount(active, sales_owner):
    start, end = _term(active)
    renewal = services.renew(
        active, by=sales_owner, start=start, end=end, price_change_percent="5", note="年度续签"
    )
    successor = renewal.successor
    assert successor.title == "华运物流年度运输服务合同（续签）"
    assert successor.status == Status.DRAFT
    assert (successor.customer_id, successor.entity_id, successor.owner_id, successor.contract_type_id) == (
        active.customer_id,
        active.entity_id,
        active.owner_id,
        active.contract_type_id,
    )
    assert successor.amount == Decimal("134400.00")  # 128000 + 5%, to the cent
    assert (successor.effective_date, successor.end_date) == (start, end)
    assert sorted(p.role for p in successor.parties.all()) == sorted(p.role for p in active.parties.all())
    assert Contract.objects.get(pk=active.pk).status == Status.RENEWED
    assert (renewal.predecessor_id, renewal.kind, renewal.old_amount, renewal.new_amount) == (
        active.pk,
        Renewal.Kind.MANUAL,
        Decimal("128000.00"),
        Decimal("134400.00"),
    )
    assert AuditEvent.objects.for_target(active).filter(verb="changes.renewed").count() == 1
    assert AuditEvent.objects.for_target(successor).filter(verb="changes.renewal_of").count() == 1


def test_price_change_by_amount_and_rounding_half_up(active, sales_owner):
    start, end = _term(active)
    renewal = services.renew(active, by=sales_owner, start=start, end=end, price_change_amount="-8000.50")
    assert renewal.successor.amount == Decimal("119999.50")


def test_line_items_are_copied_and_a_percent_applies_to_each_unit_price(ca1, sales_owner, manager):
    contract_services.add_line_items(
        ca1,
        by=sales_owner,
        lines=[
            {"name": "城市配送", "quantity": "3", "unit_price": "100.01"},
            {"name": "仓储", "quantity": "1", "unit_price": "999.99"},
        ],
    )
    contract = make_active(Contract.objects.get(pk=ca1.pk), owner=sales_owner, approver=manager)
    start, end = _term(contract)
    with pytest.raises(InvalidInput) as refused:
        services.renew(contract, by=sales_owner, start=start, end=end, price_change_amount="100")
    assert set(refused.value.errors) == {"price_change_amount"} and not Renewal.objects.exists()
    assert Contract.objects.count() == 1
    successor = services.renew(
        contract, by=sales_owner, start=start, end=end, price_change_percent="10"
    ).successor
    prices = [(i.name, i.unit_price) for i in successor.line_items.order_by("position")]
    assert prices == [("城市配送", Decimal("110.01")), ("仓储", Decimal("1099.99"))]
    assert successor.amount == Decimal("1430.02")


def test_renewal_moves_the_reminders(ca1, sales_owner, manager, admin):
    rule = ReminderRule.objects.create(
        contract=ca1, date_kind="end", offsets=[45, 10], escalate_after=None, recipient_roles=["owner"]
    )
    rule.recipient_users.set([manager])
    reminder = remind(ca1, owner=sales_owner, approver=manager, end_in=30)
    assert reminder is not None and reminder.state == Reminder.State.OPEN
    contract = Contract.objects.get(pk=ca1.pk)
    start, end = _term(contract)
    successor = services.renew(contract, by=sales_owner, start=start, end=end).successor
    assert not Reminder.objects.filter(dispatch__contract=contract, state=Reminder.State.OPEN).exists()
    copied = ReminderRule.objects.get(contract=successor, date_kind="end")
    assert (copied.offsets, copied.recipient_roles, list(copied.recipient_users.all())) == (
        [45, 10],
        ["owner"],
        [manager],
    )
    assert ReminderRule.objects.filter(contract=contract).count() == 1  # the predecessor keeps its own
    assert set(KeyDate.objects.filter(contract=successor).values_list("kind", flat=True)) == {"signing"}
    assert not KeyDate.objects.filter(contract=contract).exists()


def test_bad_input_is_refused_and_nothing_is_saved(active, sales_owner, other_sales, viewer):
    start, end = _term(active)
    before = Contract.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.renew(
            active, by=sales_owner, start=end, end=start, price_change_percent="5", price_change_amount="100"
        )
    assert set(refused.value.errors) == {"end", "price_change_amount"}
    with pytest.raises(InvalidInput) as refused:
        services.renew(active, by=sales_owner, start="not a date", end=end, price_change_percent="-101")
    assert "start" in refused.value.errors
    with pytest.raises(PermissionDenied):
        services.renew(active, by=viewer, start=start, end=end)
    assert Contract.objects.count() == before and not Renewal.objects.exists()
    assert Contract.objects.get(pk=active.pk).status == Status.ACTIVE


def test_a_draft_cannot_be_renewed(ca1, sales_owner):
    with pytest.raises(IllegalTransition):
        services.renew(ca1, by=sales_owner, start="2027-01-01", end="2027-12-31")
    assert not Renewal.objects.exists()


def test_batch_renewal_reports_refusals_without_stopping(
    active, ca1, cb1, manager, make_contract, sales_owner
):
    draft = make_contract(sales_owner, active.customer, title="未签合同")
    report = services.renew_many(
        Contract.objects.filter(pk__in=[active.pk, draft.pk]),
        by=manager,
        term=1,
        unit="years",
        price_change_percent="3",
    )
    assert [row["contract"].pk for row in report["done"]] == [active.pk]
    assert [row["contract"].pk for row in report["refused"]] == [draft.pk]
    assert "cannot be renewed" in report["refused"][0]["reason"]
    renewal = report["done"][0]["renewal"]
    assert renewal.kind == Renewal.Kind.BATCH
    assert renewal.start == active.end_date + dt.timedelta(days=1)
    assert renewal.end == active.end_date.replace(year=active.end_date.year + 1)
    assert renewal.new_amount == Decimal("131840.00")


def test_tacit_renewals_appear_in_the_history(ca1, sales_owner, manager):
    ca1 = contract_services.update_contract(
        ca1, by=sales_owner, version=ca1.version, data={"auto_renew": True, "renewal_term": 1}
    )
    contract = make_active(ca1, owner=sales_owner, approver=manager, end_in=-10)
    contract = contract_services.renew_tacitly(contract)
    assert contract.renewal_count == 1
    start, end = _term(contract)
    successor = services.renew(contract, by=sales_owner, start=start, end=end).successor
    history = selectors.renewal_history(successor)
    assert [e.kind for e in history] == [Renewal.Kind.TACIT, Renewal.Kind.MANUAL]
    assert history[0].on == company_today() - dt.timedelta(days=9)
    assert history[1].successor == successor and history[1].on == start
    assert [e.kind for e in selectors.renewal_history(contract)] == [Renewal.Kind.TACIT, Renewal.Kind.MANUAL]
