"""Random workflows, random decisions by random people: the invariants hold whatever happens.

- only legal moves happen: a refused action changes nothing;
- one audit event per decision taken;
- nobody approves a contract they submitted;
- a step is done exactly when its rule says (one/any: one approval, all: every approver, N-of-M: N), and an approved
  contract has every step done or skipped.
"""

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hetong.approvals import services
from hetong.approvals.models import Instance, NodeRun, Task
from hetong.audit.models import AuditEvent
from hetong.contracts.models import Contract, Status
from hetong.core.errors import DomainError, PermissionDenied

MODES = ("one", "all", "any", "n_of_m")
ACTIONS = ("approve", "approve", "approve", "reject", "reject_to", "return", "delegate", "add_before", "add_after",
           "recall")

step = st.fixed_dictionaries({
    "mode": st.sampled_from(MODES),
    "people": st.lists(st.integers(0, 5), min_size=1, max_size=4, unique=True),
    "n": st.integers(1, 4),
})
# (what, who (None: the task's own approver, most of the time), whom, which task)
action = st.tuples(st.sampled_from(ACTIONS), st.one_of(st.none(), st.none(), st.none(), st.integers(0, 6)),
                   st.integers(0, 6), st.integers(0, 20))


outcomes: list[int] = []  # decisions taken per example, to check the test exercises the engine


def snapshot():
    return (
        sorted(Task.objects.values_list("pk", "status", "user_id")),
        sorted(NodeRun.objects.values_list("pk", "status")),
        sorted(Instance.objects.values_list("pk", "status", "current_node")),
        Contract.objects.values_list("status", flat=True).first(),
    )


def approved_slots(node: NodeRun) -> int:
    tasks = list(node.tasks.filter(activation=node.activation))  # a step started again counts afresh

    def slot_ok(task):
        return task.status == Task.Status.APPROVED and all(slot_ok(t) for t in tasks if t.added_for_id == task.pk)

    roots = [t for t in tasks if t.added_for_id is None and t.escalated_from_id is None and t.status != Task.Status.DELEGATED]
    return sum(1 for t in roots if slot_ok(t) or any(c.escalated_from_id == t.pk and slot_ok(c) for c in tasks))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=3), actions=st.lists(action, min_size=5, max_size=25))
def test_random_decisions_keep_the_invariants(steps, actions, admin, manager, legal, finance, other_sales, viewer,
                                              sales_owner, make_customer, make_contract):
    from hetong.contracts.services import submit_contract

    people = [manager, legal, finance, admin, other_sales, sales_owner]  # the submitter is among them on purpose
    everyone = [*people, viewer]
    with transaction.atomic():
        definition = {"nodes": []}
        for i, s in enumerate(steps):
            approvers = [{"kind": "user", "user": people[p].pk} for p in s["people"]]
            n = min(s["n"], len(approvers))
            definition["nodes"].append({"key": f"s{i}", "name": f"步骤{i}", "mode": s["mode"], "n": n, "approvers": approvers})
        workflow = services.save_workflow(None, by=admin, data={"name": "随机", "is_default": True})
        services.publish(workflow, by=admin, definition=definition)
        contract = submit_contract(make_contract(sales_owner, make_customer(sales_owner)), by=sales_owner)
        instance = Instance.objects.get(contract=contract)
        decided = 0
        start_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
        for kind, actor_index, other_index, pick in actions:
            tasks = list(Task.objects.filter(instance__contract=contract).select_related("user").order_by("pk"))
            task = tasks[pick % len(tasks)] if tasks else None
            other = everyone[other_index]
            if actor_index is not None:
                actor = everyone[actor_index]
            elif kind == "recall":
                actor = sales_owner
            else:
                actor = task.user if task is not None else admin
            before = snapshot()
            try:
                if kind == "recall":
                    services.recall(contract, by=actor)
                elif task is None:
                    continue
                elif kind in ("approve", "reject", "return"):
                    services.decide(task.pk, by=actor, decision=kind, comment="理由" if kind != "approve" else "")
                    decided += 1
                elif kind == "reject_to":
                    services.decide(task.pk, by=actor, decision="reject", comment="退回", to_step=pick % 3)
                    decided += 1
                elif kind == "delegate":
                    services.delegate(task.pk, by=actor, to=other)
                else:
                    services.add_approver(task.pk, by=actor, user=other, where=kind[4:])
            except (DomainError, PermissionDenied, Task.DoesNotExist):
                assert snapshot() == before, f"a refused {kind} changed something"
            check(contract, instance, sales_owner)
        outcomes.append(decided)
        decisions = AuditEvent.objects.filter(
            seq__gt=start_seq or 0, verb__in=["approval.approve", "approval.reject", "approval.return"]
        ).count()
        assert decisions == decided
        transaction.set_rollback(True)


def check(contract, instance, submitter):
    instance.refresh_from_db()
    contract.refresh_from_db()
    assert not Task.objects.filter(user=submitter, status=Task.Status.APPROVED).exists(), "self-approval"
    assert not Task.objects.filter(user=submitter, status__in=["pending", "waiting"]).exists()
    for node in NodeRun.objects.filter(instance__contract=contract):
        slots = approved_slots(node)
        if node.status == NodeRun.Status.DONE:
            if node.mode == "all":
                roots = node.tasks.filter(activation=node.activation, added_for__isnull=True, escalated_from__isnull=True).exclude(status="delegated")
                assert slots == roots.count(), "an all-of step done before everyone approved"
            else:
                assert slots >= node.required, "a step done without enough approvals"
        elif node.status == NodeRun.Status.ACTIVE:
            if node.mode != "all":
                assert slots < node.required, "a step with enough approvals still open"
    if contract.status == Status.APPROVED:
        latest = Instance.objects.filter(contract=contract).order_by("-round").first()
        assert latest.status == "approved"
        assert set(latest.nodes.values_list("status", flat=True)) <= {"done", "skipped"}
    running = Instance.objects.filter(contract=contract, status="running").count()
    assert running <= 1 and (running == 1) == (contract.status == Status.IN_REVIEW)


def test_the_random_walk_takes_decisions():
    """The property test above is worth something only if its walks decide things."""
    assert not outcomes or sum(outcomes) >= len(outcomes) / 2, outcomes
