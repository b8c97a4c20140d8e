"""The approval engine: routes, node modes, decisions, delegation, 加签, recall, versions."""

import pytest

from hetong.approvals import services
from hetong.approvals.models import Delegation, Instance, NodeRun, Task
from hetong.audit.models import AuditEvent
from hetong.contracts.models import Contract, Status
from hetong.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied

from .conftest import node, user

T = Task.Status


def pending(contract, who=None):
    qs = Task.objects.filter(instance__contract=contract, status=T.PENDING)
    return qs.filter(user=who) if who is not None else qs


def status_of(contract):
    return Contract.objects.get(pk=contract.pk).status


def test_without_a_workflow_a_contract_is_approved_by_hand(submitted, manager):
    contract = submitted()
    assert not Instance.objects.exists()
    from hetong.contracts.services import approve_contract

    assert approve_contract(contract, by=manager).status == Status.APPROVED


def test_one_approver_approves_and_the_contract_is_approved(publish, submitted, manager, sales_owner):
    publish({"nodes": [node("主管审批", user(manager))]})
    contract = submitted()
    assert status_of(contract) == Status.IN_REVIEW
    task = pending(contract).get()
    assert task.user == manager
    from hetong.contracts.services import approve_contract

    with pytest.raises(IllegalTransition):
        approve_contract(contract, by=manager)  # the workflow decides, not the hand action
    services.decide(task.pk, by=manager, decision="approve", comment="同意")
    assert status_of(contract) == Status.APPROVED
    instance = Instance.objects.get()
    assert instance.status == "approved" and instance.finished_at
    run = instance.nodes.get()
    assert run.status == "done" and run.seconds is not None and run.business_seconds is not None
    verbs = list(AuditEvent.objects.for_target(contract).values_list("verb", flat=True).order_by("seq"))
    assert verbs[-4:] == ["contract.submit", "approval.started", "approval.approve", "contract.approve"]
    assert sales_owner.notifications.filter(kind="approval").exists() and manager.notifications.filter(kind="approval").exists()


def test_all_of_needs_everyone(publish, submitted, manager, legal, finance):
    publish({"nodes": [node("会签", user(manager), user(legal), user(finance), mode="all")]})
    contract = submitted()
    assert pending(contract).count() == 3
    services.decide(pending(contract, manager).get().pk, by=manager, decision="approve")
    services.decide(pending(contract, legal).get().pk, by=legal, decision="approve")
    assert status_of(contract) == Status.IN_REVIEW
    services.decide(pending(contract, finance).get().pk, by=finance, decision="approve")
    assert status_of(contract) == Status.APPROVED


def test_any_of_completes_with_the_first_and_the_other_is_told(publish, submitted, manager, legal):
    publish({"nodes": [node("或签", user(manager), user(legal), mode="any")]})
    contract = submitted()
    late = pending(contract, legal).get()
    services.decide(pending(contract, manager).get().pk, by=manager, decision="approve")
    assert status_of(contract) == Status.APPROVED
    with pytest.raises(Conflict) as caught:
        services.decide(late.pk, by=legal, decision="approve")
    assert caught.value.code == "task_not_pending"
    assert Task.objects.get(pk=late.pk).status == T.CANCELLED


def test_n_of_m(publish, submitted, manager, legal, finance):
    publish({"nodes": [node("三选二", user(manager), user(legal), user(finance), mode="n_of_m", n=2)]})
    contract = submitted()
    services.decide(pending(contract, manager).get().pk, by=manager, decision="approve")
    assert status_of(contract) == Status.IN_REVIEW
    services.decide(pending(contract, finance).get().pk, by=finance, decision="approve")
    assert status_of(contract) == Status.APPROVED
    assert Task.objects.get(user=legal).status == T.CANCELLED


def test_routes_by_conditions_and_steps_skip_by_their_own(publish, submitted, manager, legal, finance):
    publish({"nodes": [node("主管", user(manager))]}, name="默认")
    publish({"conditions": [{"field": "amount", "op": "gte", "value": "1000000"}],
             "nodes": [node("主管", user(manager)),
                       node("财务", user(finance), condition=[{"field": "amount", "op": "gt", "value": "5000000"}]),
                       node("法务", user(legal))]}, name="大额", default=False, priority=1)
    small = submitted(amount="5000.00")
    assert Instance.objects.get(contract=small).version.workflow.name == "默认"
    big = submitted(amount="2000000.00")
    instance = Instance.objects.get(contract=big)
    assert instance.version.workflow.name == "大额"
    assert [n.status for n in instance.nodes.all()] == ["active", "skipped", "waiting"]
    services.decide(pending(big, manager).get().pk, by=manager, decision="approve")
    assert pending(big).get().user == legal  # the finance step was skipped
    usd = submitted(amount="200000.00", currency="USD")  # 1.42M CNY at the default rate
    assert Instance.objects.get(contract=usd).version.workflow.name == "大额"


def test_approvers_by_role_head_manager_and_field_with_a_visible_fallback(publish, submitted, org, manager, legal, admin,
                                                                       sales_owner):
    from hetong.accounts.models import Department

    Department.objects.filter(pk=org["sales"].pk).update(head=manager)
    publish({"nodes": [node("法务", {"kind": "role", "role": "legal"}),
                       node("经理", {"kind": "manager", "levels": 1}),
                       node("部门负责人", {"kind": "department_head"}),
                       node("负责人本人", {"kind": "field", "field": "owner"})],
             "fallback_user": admin.pk})
    contract = submitted()
    route = Instance.objects.get(contract=contract).route
    assert route[0]["approvers"] == [legal.pk]
    assert route[1]["approvers"] == [manager.pk]  # the east region has no head: the one above
    assert route[2]["approvers"] == [manager.pk] and not route[2]["fallback"]  # likewise for the department's head
    assert route[3]["approvers"] == [admin.pk] and route[3]["fallback"]  # the owner submitted it: not them
    version, steps = services.preview(contract)
    assert [s.name for s in steps] == ["法务", "经理", "部门负责人", "负责人本人"] and steps[3].fallback


def test_the_submitter_never_approves_their_own(publish, submitted, sales_owner, manager):
    publish({"nodes": [node("主管", user(sales_owner), user(manager), mode="all")]})
    contract = submitted()
    assert list(pending(contract).values_list("user", flat=True)) == [manager.pk]


def test_a_decision_by_someone_else_or_on_a_forged_id_changes_nothing(publish, submitted, manager, legal):
    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    task = pending(contract).get()
    with pytest.raises(PermissionDenied):
        services.decide(task.pk, by=legal, decision="approve")
    with pytest.raises(Task.DoesNotExist):
        services.decide(task.pk + 999, by=manager, decision="approve")
    with pytest.raises(InvalidInput):
        services.decide(task.pk, by=manager, decision="maybe")
    with pytest.raises(InvalidInput):
        services.decide(task.pk, by=manager, decision="reject")  # a comment is required
    assert Task.objects.get(pk=task.pk).status == T.PENDING and status_of(contract) == Status.IN_REVIEW


def test_reject_to_the_submitter_makes_a_draft_and_return_too(publish, submitted, manager):
    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    services.decide(pending(contract).get().pk, by=manager, decision="reject", comment="价格过低")
    assert status_of(contract) == Status.DRAFT and Instance.objects.get().status == "rejected"
    from hetong.contracts.services import submit_contract

    submit_contract(Contract.objects.get(pk=contract.pk), by=contract.owner)
    assert Instance.objects.get(contract=contract, status="running").round == 2
    services.decide(pending(contract).get().pk, by=manager, decision="return", comment="补充附件")
    assert status_of(contract) == Status.DRAFT
    assert Instance.objects.get(round=2).status == "returned"


def test_reject_back_to_an_earlier_step(publish, submitted, manager, legal):
    publish({"nodes": [node("主管", user(manager)), node("法务", user(legal))]})
    contract = submitted()
    services.decide(pending(contract).get().pk, by=manager, decision="approve")
    with pytest.raises(InvalidInput):
        services.decide(pending(contract).get().pk, by=legal, decision="reject", comment="x", to_step=1)
    services.decide(pending(contract).get().pk, by=legal, decision="reject", comment="请主管复核", to_step=0)
    assert status_of(contract) == Status.IN_REVIEW
    assert pending(contract).get().user == manager
    assert [n.status for n in Instance.objects.get().nodes.all()] == ["active", "rejected"]
    services.decide(pending(contract).get().pk, by=manager, decision="approve")
    services.decide(pending(contract).get().pk, by=legal, decision="approve")
    assert status_of(contract) == Status.APPROVED


def test_delegation_for_one_task_and_for_an_absence(publish, submitted, manager, legal, finance, sales_owner):
    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    task = pending(contract).get()
    with pytest.raises(InvalidInput):
        services.delegate(task.pk, by=manager, to=sales_owner)  # the submitter
    new = services.delegate(task.pk, by=manager, to=legal)
    assert Task.objects.get(pk=task.pk).status == T.DELEGATED and new.delegated_from_id == task.pk
    services.decide(new.pk, by=legal, decision="approve")
    assert status_of(contract) == Status.APPROVED

    import datetime as dt

    from hetong.core.dates import company_today

    Delegation.objects.create(user=manager, delegate=finance, start=company_today(), end=company_today() + dt.timedelta(days=3))
    other = submitted()
    task = pending(other).get()
    assert task.user == finance and task.on_behalf_of == manager


def test_add_an_approver_before_or_after_oneself(publish, submitted, manager, legal, finance):
    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    mine = pending(contract).get()
    added = services.add_approver(mine.pk, by=manager, user=legal, where="before")
    assert Task.objects.get(pk=mine.pk).status == T.WAITING and added.status == T.PENDING
    services.decide(added.pk, by=legal, decision="approve")
    assert Task.objects.get(pk=mine.pk).status == T.PENDING and status_of(contract) == Status.IN_REVIEW
    after = services.add_approver(mine.pk, by=manager, user=finance, where="after")
    assert after.status == T.WAITING
    services.decide(mine.pk, by=manager, decision="approve")
    assert Task.objects.get(pk=after.pk).status == T.PENDING and status_of(contract) == Status.IN_REVIEW
    services.decide(after.pk, by=finance, decision="approve")
    assert status_of(contract) == Status.APPROVED


def test_recall_before_the_first_decision_only(publish, submitted, manager, legal, sales_owner):
    publish({"nodes": [node("主管", user(manager)), node("法务", user(legal))]})
    contract = submitted()
    with pytest.raises(PermissionDenied):
        services.recall(contract, by=manager)
    from hetong.contracts.services import submit_contract, withdraw_contract

    withdraw_contract(contract, by=sales_owner)
    assert status_of(contract) == Status.DRAFT and Instance.objects.get().status == "recalled"
    assert not pending(contract).exists()
    contract = submit_contract(Contract.objects.get(pk=contract.pk), by=sales_owner)
    services.decide(pending(contract).get().pk, by=manager, decision="approve")
    with pytest.raises(Conflict):
        services.recall(contract, by=sales_owner)


def test_an_edited_definition_leaves_a_running_approval_alone(publish, submitted, manager, legal, finance):
    workflow = publish({"nodes": [node("主管", user(manager)), node("法务", user(legal))]})
    contract = submitted()
    publish({"nodes": [node("财务", user(finance))]}, name=workflow.name)
    assert workflow.versions.count() == 2
    services.decide(pending(contract).get().pk, by=manager, decision="approve")
    assert pending(contract).get().user == legal  # still version 1's route
    newer = submitted()
    assert pending(newer).get().user == finance


def test_a_legal_review_is_inserted_by_rule_with_a_checklist(publish, submitted, manager, legal):
    publish({"nodes": [node("主管", user(manager))],
             "legal_review": {"when": [{"field": "amount", "op": "gt", "value": "1000000"}],
                              "approvers": [{"kind": "role", "role": "legal"}], "checklist": ["主体资格", "违约责任"]}})
    assert NodeRun.objects.count() == 0
    small = submitted(amount="1000.00")
    assert Instance.objects.get(contract=small).nodes.count() == 1
    big = submitted(amount="3000000.00")
    services.decide(pending(big).get().pk, by=manager, decision="approve")
    review = pending(big).get()
    assert review.user == legal and review.node.key == "legal_review"
    with pytest.raises(InvalidInput):
        services.decide(review.pk, by=legal, decision="approve", checklist=["主体资格"])
    services.decide(review.pk, by=legal, decision="approve", checklist=["主体资格", "违约责任"])
    assert status_of(big) == Status.APPROVED


@pytest.mark.parametrize(
    "definition, problem",
    [
        ({"nodes": []}, "at least one step"),
        ({"nodes": [{"name": "空会签", "mode": "all", "approvers": []}]}, "no approvers"),
        ({"nodes": [{"name": "x", "mode": "n_of_m", "n": 3, "approvers": [{"kind": "role", "role": "nope"}]}]}, "unknown role"),
        ({"nodes": [{"name": "x", "mode": "sometimes", "approvers": [{"kind": "department_head"}]}]}, "unknown mode"),
        ({"nodes": [{"name": "x", "approvers": [{"kind": "user", "user": 999999}]}]}, "no active user"),
        ({"nodes": [{"name": "x", "approvers": [{"kind": "department_head"}]}],
          "conditions": [{"field": "colour", "op": "eq", "value": "red"}]}, "unknown field"),
        ({"nodes": [{"name": "x", "approvers": [{"kind": "department_head"}]}],
          "conditions": [{"field": "amount", "op": "gt", "value": "NaN"}]}, "not a number"),
        ({"nodes": [{"name": "x", "sla_hours": float("inf"), "checklist": True,
                     "approvers": [{"kind": "manager", "levels": float("nan")}]}]}, "manager levels"),
        ({"nodes": [{"name": "x", "approvers": [{"kind": "department_head"}]}], "legal_review": True}, "not an object"),
        ("not a definition", "not an object"),
    ],
)
def test_a_definition_that_cannot_complete_is_refused(admin, publish, definition, problem):
    with pytest.raises(InvalidInput) as caught:
        publish(definition)
    assert problem in str(caught.value.message)


def test_n_above_the_named_approvers_is_refused(publish, manager, legal):
    with pytest.raises(InvalidInput):
        publish({"nodes": [node("x", user(manager), user(legal), mode="n_of_m", n=3)]})


def test_cancelling_the_contract_ends_its_approval(publish, submitted, manager, sales_owner):
    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    from hetong.contracts.services import cancel_contract

    cancel_contract(contract, by=sales_owner)
    assert Instance.objects.get().status == "cancelled" and not pending(contract).exists()
