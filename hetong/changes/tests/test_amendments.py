"""Amendments (补充协议): drafting and its refusals, approval and signature on the same engines, the terms in force on
any day across two amendments, and the daily step that makes a future-dated one part of the contract."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hetong.approvals import services as approvals
from hetong.approvals.models import Instance, Task
from hetong.audit.models import AuditEvent
from hetong.changes import amendments
from hetong.changes.models import Amendment
from hetong.contracts.models import Contract, ContractFile, KeyDate
from hetong.core.dates import company_today
from hetong.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from hetong.notifications.tests.utils import PDF

pytestmark = pytest.mark.django_db
TODAY = company_today()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def signed_copy() -> SimpleUploadedFile:
    return SimpleUploadedFile("补充协议-签署版.pdf", PDF, content_type="application/pdf")


def take_through(amendment, *, owner, approver) -> Amendment:
    """Submitted by the owner, approved by hand by another, signed with the scanned copy."""
    amendment = amendments.submit(amendment, by=owner)
    amendment = amendments.decide(amendment, by=approver, approve=True)
    return amendments.sign(amendment, by=owner, signed_file=signed_copy())


@pytest.fixture
def two_signed(active, sales_owner, manager):
    """`active` (amount 100000? — whatever it was) amended twice: B1 from 50 days ago raises the amount and shortens
    the notice period; B2 from 10 days ahead extends the end date and raises the amount again."""
    original = amendments.current_terms(active)
    first = amendments.create_amendment(active, by=sales_owner, data={
        "title": "调整合同价款", "effective_date": days(-50), "reason": "增加服务网点。",
        "changes": {"amount": "120000.00", "notice_period": 15},
    })
    first = take_through(first, owner=sales_owner, approver=manager)
    second = amendments.create_amendment(active, by=sales_owner, data={
        "title": "延长服务期限", "effective_date": days(10),
        "changes": {"end_date": days(395), "amount": "150000"},
    })
    second = take_through(second, owner=sales_owner, approver=manager)
    return original, first, second


def test_terms_in_force_on_any_day_across_two_amendments(active, two_signed):
    original, first, second = two_signed
    assert first.status == second.status == Amendment.Status.SIGNED
    assert first.applied_at is not None and second.applied_at is None  # B2's day has not come
    row = Contract.objects.get(pk=active.pk)
    assert row.amount == Decimal("120000.00") and row.notice_period == 15 and row.end_date == active.end_date

    before_any = amendments.terms_on(row, TODAY - dt.timedelta(days=51))
    assert before_any.terms == original and before_any.amendment is None and before_any.in_force
    on_first = amendments.terms_on(row, TODAY - dt.timedelta(days=50))
    assert on_first.terms["amount"] == "120000.00" and on_first.terms["notice_period"] == 15
    assert on_first.terms["end_date"] == original["end_date"] and on_first.amendment == first
    today = amendments.terms_on(row, TODAY)
    assert today.terms == amendments.current_terms(row) and today.amendment == first
    the_day_before = amendments.terms_on(row, TODAY + dt.timedelta(days=9))
    assert the_day_before.terms["amount"] == "120000.00" and the_day_before.terms["end_date"] == original["end_date"]
    on_second = amendments.terms_on(row, TODAY + dt.timedelta(days=10))
    assert on_second.terms["amount"] == "150000.00" and on_second.terms["end_date"] == days(395)
    assert on_second.terms["notice_period"] == 15 and on_second.amendment == second  # B1's change carries on
    past_old_end = amendments.terms_on(row, TODAY + dt.timedelta(days=200))
    assert past_old_end.in_force and past_old_end.terms["end_date"] == days(395)
    assert not amendments.terms_on(row, TODAY + dt.timedelta(days=396)).in_force
    assert not amendments.terms_on(row, TODAY - dt.timedelta(days=101)).in_force

    # The diff of each is against the terms just before it.
    assert [(r["term"], r["before"], r["after"]) for r in amendments.diff(second)] == [
        ("amount", "120000.00", "150000.00"), ("end_date", original["end_date"], days(395))]


def test_the_daily_step_makes_a_future_amendment_part_of_the_contract(active, two_signed):
    _original, _first, second = two_signed
    assert amendments.apply_due(today=TODAY + dt.timedelta(days=9)) == 0
    assert amendments.apply_due(today=TODAY + dt.timedelta(days=10)) == 1
    assert amendments.apply_due(today=TODAY + dt.timedelta(days=10)) == 0  # never twice
    row = Contract.objects.get(pk=active.pk)
    assert row.amount == Decimal("150000.00") and row.end_date.isoformat() == days(395)
    assert row.first_term_end == row.end_date and row.renewal_count == 0
    # The reminders follow the new end date; the terms read the same as before the row changed.
    assert KeyDate.objects.get(contract=row, kind="end").date == row.end_date
    assert amendments.terms_on(row, TODAY + dt.timedelta(days=10)).terms["end_date"] == days(395)
    assert amendments.terms_on(row, TODAY).terms["amount"] == "120000.00"
    event = AuditEvent.objects.filter(verb="contract.amended", data__amendment=second.pk).get()
    assert event.data["changes"]["amount"] == ["120000.00", "150000.00"]


def test_the_signed_copy_is_a_file_of_the_contract(active, two_signed):
    _original, first, _second = two_signed
    assert first.signed_file.contract_id == active.pk and first.signed_file.kind == ContractFile.Kind.ATTACHMENT
    assert first.signed_file.versions.get().sha256


def test_an_unsigned_contract_cannot_be_amended(sales_owner, make_customer, make_contract):
    draft = make_contract(sales_owner, make_customer(sales_owner))
    with pytest.raises(IllegalTransition) as caught:
        amendments.create_amendment(draft, by=sales_owner, data={
            "title": "x", "effective_date": days(1), "changes": {"amount": "1"}})
    assert caught.value.code == "not_signed"
    assert not Amendment.objects.exists()


@pytest.mark.parametrize("data, field", [
    ({"title": "", "effective_date": days(1), "changes": {"amount": "1"}}, "title"),
    ({"title": "x", "effective_date": "明天", "changes": {"amount": "1"}}, "effective_date"),
    ({"title": "x", "effective_date": days(31), "changes": {"amount": "1"}}, "effective_date"),  # after the end
    ({"title": "x", "effective_date": days(-101), "changes": {"amount": "1"}}, "effective_date"),  # before the start
    ({"title": "x", "effective_date": days(1), "changes": {"customer": 3}}, "changes.customer"),
    ({"title": "x", "effective_date": days(1), "changes": {"amount": "-5"}}, "changes.amount"),
    ({"title": "x", "effective_date": days(1), "changes": {"end_date": days(-200)}}, "changes.end_date"),
    ({"title": "x", "effective_date": days(1), "changes": {"notice_period": 0}}, "changes.notice_period"),
    ({"title": "x", "effective_date": days(1), "changes": []}, "changes"),
    ({"title": "x", "effective_date": days(1), "changes": {}}, "changes"),
    ({"title": "x", "effective_date": days(1), "changes": {"amount": "100000"}, "party": "x"}, "party"),
])
def test_bad_input_is_refused_and_nothing_is_saved(active, sales_owner, data, field):
    with pytest.raises(InvalidInput) as caught:
        amendments.create_amendment(active, by=sales_owner, data=data)
    assert field in caught.value.errors, caught.value.errors
    assert not Amendment.objects.exists()


def test_an_amendment_that_changes_nothing_is_refused(active, sales_owner):
    with pytest.raises(InvalidInput) as caught:
        amendments.create_amendment(active, by=sales_owner, data={
            "title": "x", "effective_date": days(1), "changes": {"amount": str(active.amount), "title": active.title}})
    assert caught.value.code == "no_change"


def test_a_later_amendment_cannot_take_effect_before_a_signed_one(active, two_signed, sales_owner):
    with pytest.raises(InvalidInput) as caught:
        amendments.create_amendment(active, by=sales_owner, data={
            "title": "x", "effective_date": days(5), "changes": {"amount": "1"}})
    assert "effective_date" in caught.value.errors


def test_a_draft_overtaken_by_a_signed_amendment_cannot_be_signed(active, sales_owner, manager):
    late = amendments.create_amendment(active, by=sales_owner, data={
        "title": "早", "effective_date": days(1), "changes": {"amount": "110000"}})
    late = amendments.decide(amendments.submit(late, by=sales_owner), by=manager, approve=True)
    take_through(amendments.create_amendment(active, by=sales_owner, data={
        "title": "晚", "effective_date": days(5), "changes": {"notice_period": 20}}), owner=sales_owner, approver=manager)
    with pytest.raises(IllegalTransition) as caught:
        amendments.sign(late, by=sales_owner, signed_file=signed_copy())
    assert caught.value.code == "out_of_order"
    late.refresh_from_db()
    assert late.status == Amendment.Status.APPROVED and late.signed_file_id is None
    assert not ContractFile.objects.filter(contract=active, name__startswith="补充协议").exclude(
        pk__in=Amendment.objects.exclude(signed_file=None).values("signed_file")).exists()


def test_the_submitter_does_not_approve_their_own_and_a_rejection_needs_a_reason(active, sales_owner, manager, legal):
    amendment = amendments.create_amendment(active, by=legal, data={
        "title": "x", "effective_date": days(1), "changes": {"amount": "1"}})
    amendment = amendments.submit(amendment, by=legal)
    with pytest.raises(PermissionDenied):
        amendments.decide(amendment, by=legal, approve=True)
    with pytest.raises(InvalidInput):
        amendments.decide(amendment, by=manager, approve=False, note=" ")
    amendment = amendments.decide(amendment, by=manager, approve=False, note="金额需复核")
    assert amendment.status == Amendment.Status.DRAFT and amendment.status_note == "金额需复核"


def test_only_a_draft_is_edited_and_a_stale_version_is_refused(active, sales_owner):
    amendment = amendments.create_amendment(active, by=sales_owner, data={
        "title": "x", "effective_date": days(1), "changes": {"amount": "1"}})
    amendment = amendments.update_amendment(amendment, by=sales_owner, version=amendment.version,
                                            data={"changes": {"amount": "2", "auto_renew": True, "renewal_term": 1}})
    assert amendment.changes == {"amount": "2.00", "auto_renew": True, "renewal_term": 1}
    from hetong.core.errors import StaleVersion

    with pytest.raises(StaleVersion):
        amendments.update_amendment(amendment, by=sales_owner, version=1, data={"title": "y"})
    amendments.submit(amendment, by=sales_owner)
    with pytest.raises(IllegalTransition):
        amendments.update_amendment(amendment, by=sales_owner, version=amendment.version + 1, data={"title": "y"})


def test_a_workflow_approves_an_amendment_routed_by_the_amended_terms(active, sales_owner, manager, legal, publish):
    publish({"nodes": [{"key": "legal", "name": "法务审核", "mode": "one",
                        "approvers": [{"kind": "user", "user": legal.pk}]}]}, name="标准")
    publish({"conditions": [{"field": "amount", "op": "gte", "value": "1000000"}],
             "nodes": [{"key": "mgr", "name": "总经理审批", "mode": "one",
                        "approvers": [{"kind": "user", "user": manager.pk}]}]}, name="大额", default=False, priority=1)
    amendment = amendments.create_amendment(active, by=sales_owner, data={
        "title": "大幅增加价款", "effective_date": days(1), "changes": {"amount": "2000000"}})
    amendment = amendments.submit(amendment, by=sales_owner)
    instance = Instance.objects.get(amendment=amendment)
    assert instance.version.workflow.name == "大额" and instance.contract_id == active.pk
    assert Contract.objects.get(pk=active.pk).status == Contract.Status.ACTIVE  # the contract's status is untouched
    with pytest.raises(IllegalTransition):
        amendments.decide(amendment, by=legal, approve=True)  # not by hand while the workflow runs
    with pytest.raises(Conflict):  # one approval at a time per contract
        other = amendments.create_amendment(active, by=sales_owner, data={
            "title": "y", "effective_date": days(2), "changes": {"notice_period": 10}})
        amendments.submit(other, by=sales_owner)
    task = Task.objects.get(instance=instance, status=Task.Status.PENDING)
    assert task.user == manager
    approvals.decide(task.pk, by=manager, decision="approve")
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.APPROVED
    assert Contract.objects.get(pk=active.pk).status == Contract.Status.ACTIVE


def test_a_recalled_amendment_is_a_draft_again(active, sales_owner, legal, publish):
    publish({"nodes": [{"key": "legal", "name": "法务审核", "mode": "one",
                        "approvers": [{"kind": "user", "user": legal.pk}]}]})
    amendment = amendments.submit(amendments.create_amendment(active, by=sales_owner, data={
        "title": "x", "effective_date": days(1), "changes": {"amount": "1"}}), by=sales_owner)
    amendment = amendments.withdraw(amendment, by=sales_owner)
    assert amendment.status == Amendment.Status.DRAFT
    assert Instance.objects.get(amendment=amendment).status == Instance.Status.RECALLED
    assert Contract.objects.get(pk=active.pk).status == Contract.Status.ACTIVE


def test_cancelling_ends_its_approval(active, sales_owner, legal, publish):
    publish({"nodes": [{"key": "legal", "name": "法务审核", "mode": "one",
                        "approvers": [{"kind": "user", "user": legal.pk}]}]})
    amendment = amendments.submit(amendments.create_amendment(active, by=sales_owner, data={
        "title": "x", "effective_date": days(1), "changes": {"amount": "1"}}), by=sales_owner)
    amendment = amendments.cancel(amendment, by=sales_owner, note="不再需要")
    assert amendment.status == Amendment.Status.CANCELLED
    assert Instance.objects.get(amendment=amendment).status == Instance.Status.CANCELLED
    assert not Task.objects.filter(instance__amendment=amendment, status=Task.Status.PENDING).exists()
