"""The approvals API: workflows (read by all, written by administrators), a contract's route and rounds, and
the caller's own approval tasks."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hetong.approvals import services
from hetong.approvals.models import Task, Workflow, WorkflowVersion
from hetong.contracts.models import Contract, Status

from .utils import row, send

pytestmark = pytest.mark.django_db

T = Task.Status


def step(name, *approvers, mode="one", **extra):
    return {"key": extra.pop("key", name), "name": name, "mode": mode, "approvers": list(approvers), **extra}


def person(user):
    return {"kind": "user", "user": user.pk}


@pytest.fixture
def publish(admin):
    def make(definition, *, name="标准审批", default=True, priority=100):
        workflow = services.save_workflow(
            None, by=admin, data={"name": name, "is_default": default, "priority": priority}
        )
        services.publish(workflow, by=admin, definition=definition)
        return workflow

    return make


@pytest.fixture
def submit(sales_owner):
    from hetong.contracts.services import submit_contract

    def make(contract):
        return submit_contract(contract, by=sales_owner)

    return make


@pytest.fixture
def two_steps(publish, manager, legal):
    return publish(
        {
            "nodes": [
                step("主管审批", person(manager)),
                step("法务审核", person(legal), checklist=["主体资格", "违约责任"]),
            ]
        }
    )


def pending(contract, who=None):
    qs = Task.objects.filter(instance__contract=contract, status=T.PENDING)
    return qs.filter(user=who) if who is not None else qs


# --- workflows ------------------------------------------------------------------------------------------------


def test_everyone_reads_the_workflows_with_their_published_definition(api_as, two_steps, viewer, manager):
    body = api_as(viewer).get("/api/v1/approval-workflows").json()
    assert body["count"] == 1
    [item] = body["items"]
    assert (
        item["id"] == two_steps.pk and item["name"] == "标准审批" and item["is_default"] and item["is_active"]
    )
    assert item["priority"] == 100 and item["current_version"] == 1
    assert [n["name"] for n in item["definition"]["nodes"]] == ["主管审批", "法务审核"]
    assert item["definition"]["nodes"][0]["approvers"] == [{"kind": "user", "user": manager.pk}]
    detail = api_as(viewer).get(f"/api/v1/approval-workflows/{two_steps.pk}").json()
    assert [v["number"] for v in detail["versions"]] == [1]
    assert api_as(viewer).get("/api/v1/approval-workflows?active=false").json()["count"] == 0
    assert api_as(viewer).get("/api/v1/approval-workflows/999999").status_code == 404


def test_an_administrator_creates_a_workflow_with_its_first_version(api_as, admin, legal):
    payload = {
        "name": "保密协议快速通道",
        "priority": 5,
        "note": "首版",
        "definition": {
            "conditions": [{"field": "contract_type", "op": "in", "value": ["BM"]}],
            "nodes": [step("法务审核", {"kind": "role", "role": "legal"}, mode="any", sla_hours=8)],
        },
    }
    response = send(api_as(admin), "post", "/api/v1/approval-workflows", payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "保密协议快速通道" and body["priority"] == 5 and not body["is_default"]
    assert body["current_version"] == 1 and body["versions"][0]["note"] == "首版"
    assert body["versions"][0]["published_by"] == admin.pk
    assert body["definition"]["nodes"][0]["sla_hours"] == 8
    assert Workflow.objects.get(pk=body["id"]).current.number == 1


def test_a_definition_that_cannot_complete_is_refused_naming_the_problems(api_as, admin):
    payload = {
        "name": "坏流程",
        "definition": {
            "nodes": [
                {"name": "空会签", "mode": "all", "approvers": []},
                {"name": "", "approvers": [{"kind": "role", "role": "x"}]},
            ]
        },
    }
    response = send(api_as(admin), "post", "/api/v1/approval-workflows", payload)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_workflow"
    problems = " ".join(body["errors"]["definition"])
    assert "no approvers" in problems and "unknown role x" in problems and "give the step a name" in problems
    assert not Workflow.objects.exists()  # nothing half-saved


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "x"}, "definition"),
        ({"definition": {}}, "name"),
        ({"name": "x", "definition": [], "priority": 1}, "definition"),
        ({"name": "x", "definition": {}, "priority": -1}, "priority"),
        ({"name": "x", "definition": {}, "current": 3}, "current"),
    ],
)
def test_workflow_bodies_are_checked(api_as, admin, payload, field):
    response = send(api_as(admin), "post", "/api/v1/approval-workflows", payload)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Workflow.objects.exists()


def test_only_administrators_write_workflows(api_as, two_steps, manager, legal):
    before = row(Workflow, two_steps.pk)
    client = api_as(manager)
    definition = {"nodes": [step("主管", person(legal))]}
    assert (
        send(
            client, "post", "/api/v1/approval-workflows", {"name": "x", "definition": definition}
        ).status_code
        == 403
    )
    assert (
        send(client, "patch", f"/api/v1/approval-workflows/{two_steps.pk}", {"name": "y"}).status_code == 403
    )
    response = send(
        client, "post", f"/api/v1/approval-workflows/{two_steps.pk}/versions", {"definition": definition}
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert Workflow.objects.count() == 1 and row(Workflow, two_steps.pk) == before
    assert WorkflowVersion.objects.count() == 1


def test_an_administrator_edits_a_workflow_and_publishes_versions(api_as, admin, two_steps, publish, finance):
    client = api_as(admin)
    response = send(
        client,
        "patch",
        f"/api/v1/approval-workflows/{two_steps.pk}",
        {"description": "默认流程", "is_active": False},
    )
    assert response.status_code == 200
    assert response.json()["description"] == "默认流程" and not response.json()["is_active"]
    assert response.json()["name"] == "标准审批"
    assert send(client, "patch", "/api/v1/approval-workflows/999999", {"name": "x"}).status_code == 404
    other = publish({"nodes": [step("财务", person(finance))]}, name="另一个", default=False)
    clash = send(client, "patch", f"/api/v1/approval-workflows/{other.pk}", {"name": "标准审批"})
    assert clash.status_code == 400 and clash.json()["code"] == "duplicate"

    version = send(
        client,
        "post",
        f"/api/v1/approval-workflows/{two_steps.pk}/versions",
        {"definition": {"nodes": [step("财务审核", person(finance))]}, "note": "改由财务审核"},
    )
    assert version.status_code == 201
    assert version.json()["number"] == 2 and version.json()["note"] == "改由财务审核"
    assert client.get(f"/api/v1/approval-workflows/{two_steps.pk}").json()["current_version"] == 2
    bad = send(
        client,
        "post",
        f"/api/v1/approval-workflows/{two_steps.pk}/versions",
        {"definition": {"nodes": [step("x", {"kind": "user", "user": 999999})]}},
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_workflow"
    assert "no active user 999999" in bad.json()["detail"]
    assert WorkflowVersion.objects.filter(workflow=two_steps).count() == 2
    missing = send(client, "post", "/api/v1/approval-workflows/999999/versions", {"definition": {}})
    assert missing.status_code == 404


def test_a_published_definition_can_be_sent_back_as_the_next_version(api_as, admin, publish, legal, finance):
    workflow = publish(
        {
            "conditions": [{"field": "amount", "op": "gte", "value": 1000000}],
            "nodes": [
                step(
                    "会签",
                    {"kind": "role", "role": "legal"},
                    person(finance),
                    mode="n_of_m",
                    n=2,
                    sla_hours=24,
                    remind_share=0.25,
                )
            ],
            "legal_review": {
                "when": [{"field": "nonstandard_clause", "op": "is_true"}],
                "approvers": [{"kind": "role", "role": "legal"}],
                "checklist": ["付款条款"],
            },
            "fallback_user": admin.pk,
        }
    )
    client = api_as(admin)
    published = client.get(f"/api/v1/approval-workflows/{workflow.pk}").json()["definition"]
    again = send(
        client, "post", f"/api/v1/approval-workflows/{workflow.pk}/versions", {"definition": published}
    )
    assert again.status_code == 201, again.json()
    assert again.json()["definition"] == published and again.json()["number"] == 2


@pytest.mark.parametrize(
    "raw",
    [
        '{"definition": {"nodes": [{"name": "a", "approvers": [{"kind": "department_head"}], "sla_hours": Infinity}]}}',
        '{"definition": {"nodes": [{"name": "a", "mode": "n_of_m", "n": 1e999, "approvers": []}]}}',
        '{"definition": {"nodes": [{"name": "a", "approvers": [{"kind": "user", "user": NaN}]}]}}',
        '{"definition": {"conditions": [{"field": "amount", "op": "gt", "value": NaN}], "nodes": []}}',
        '{"definition": {"legal_review": [null], "nodes": []}}',
        '{"definition": {"nodes": [{"name": "a", "checklist": true, "approvers": []}]}}',
        '{"definition": {"nodes": [{"name": "a", "approvers": [{"kind": "role", "role": "legal"}], "sla_hour": 8}]}}',
    ],
)
def test_a_malformed_definition_is_a_400_naming_the_place(api_as, two_steps, admin, raw):
    response = api_as(admin).post(
        f"/api/v1/approval-workflows/{two_steps.pk}/versions", raw, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert all(field.startswith("definition") for field in response.json()["errors"]), response.json()
    assert WorkflowVersion.objects.filter(workflow=two_steps).count() == 1


definition_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=10)
    | st.sampled_from(
        ["one", "all", "n_of_m", "user", "role", "legal", "amount", "gte", "in", "1e999", "-1"]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "kind",
                    "user",
                    "role",
                    "levels",
                    "name",
                    "mode",
                    "n",
                    "approvers",
                    "field",
                    "op",
                    "value",
                    "sla_hours",
                    "checklist",
                    "when",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)
definitions = st.fixed_dictionaries(
    {},
    optional={
        "conditions": definition_values,
        "nodes": st.lists(definition_values, max_size=3) | definition_values,
        "legal_review": definition_values,
        "fallback_user": definition_values,
    },
)


@given(definition=definitions)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_an_odd_definition_is_a_400_never_a_500(api_as, two_steps, admin, definition):
    response = send(
        api_as(admin),
        "post",
        f"/api/v1/approval-workflows/{two_steps.pk}/versions",
        {"definition": definition},
    )
    assert response.status_code in (201, 400), (definition, response.content)


# --- a contract's route and rounds ----------------------------------------------------------------------------


def test_the_route_names_the_workflow_the_steps_and_their_people(
    api_as, publish, ca1, org, manager, legal, admin, sales_owner, other_sales
):
    assert api_as(sales_owner).get(f"/api/v1/contracts/{ca1.pk}/approval-route").json() == {
        "workflow": None,
        "workflow_name": "",
        "version": None,
        "steps": [],
    }
    workflow = publish(
        {
            "nodes": [
                step("法务", {"kind": "role", "role": "legal"}),
                step("部门负责人", {"kind": "department_head"}),
                step(
                    "大额复核",
                    person(manager),
                    condition=[{"field": "amount", "op": "gt", "value": "5000000"}],
                ),
            ],
            "fallback_user": admin.pk,
        }
    )
    response = api_as(sales_owner).get(f"/api/v1/contracts/{ca1.pk}/approval-route")
    assert response.status_code == 200
    body = response.json()
    assert body["workflow"] == workflow.pk and body["workflow_name"] == "标准审批" and body["version"] == 1
    legal_step, head_step, big_step = body["steps"]
    assert legal_step["approvers"] == [{"id": legal.pk, "name": str(legal)}] and not legal_step["fallback"]
    assert (
        head_step["approvers"] == [{"id": admin.pk, "name": str(admin)}] and head_step["fallback"]
    )  # east: no head
    assert big_step["skipped"] and big_step["required"] == 1
    assert api_as(other_sales).get(f"/api/v1/contracts/{ca1.pk}/approval-route").status_code == 404


def test_the_rounds_show_steps_and_tasks(
    api_as, two_steps, ca1, submit, sales_owner, manager, legal, other_sales
):
    assert api_as(sales_owner).get(f"/api/v1/contracts/{ca1.pk}/approvals").json() == {"items": []}
    submit(ca1)
    services.decide(pending(ca1).get().pk, by=manager, decision="approve", comment="同意")
    response = api_as(sales_owner).get(f"/api/v1/contracts/{ca1.pk}/approvals")
    assert response.status_code == 200
    [instance] = response.json()["items"]
    assert instance["round"] == 1 and instance["status"] == "running" and instance["current_step"] == 1
    assert instance["workflow"] == two_steps.pk and instance["workflow_name"] == "标准审批"
    assert instance["version"] == 1 and instance["submitted_by"] == sales_owner.pk
    first, second = instance["steps"]
    assert first["name"] == "主管审批" and first["status"] == "done" and first["seconds"] is not None
    assert first["business_seconds"] is not None and first["finished_at"]
    [decided] = first["tasks"]
    assert decided["user"] == manager.pk and decided["status"] == "approved" and decided["comment"] == "同意"
    assert decided["decided_at"] and decided["on_behalf_of"] is None and decided["added_for"] is None
    assert second["status"] == "active" and second["checklist"] == ["主体资格", "违约责任"]
    assert [t["user"] for t in second["tasks"]] == [legal.pk] and second["tasks"][0]["status"] == "pending"
    assert api_as(other_sales).get(f"/api/v1/contracts/{ca1.pk}/approvals").status_code == 404


def test_the_rounds_cost_the_same_queries_however_many(
    api_as, two_steps, ca1, submit, sales_owner, manager, django_assert_max_num_queries
):
    client = api_as(sales_owner)
    submit(ca1)
    with django_assert_max_num_queries(12) as one_round:
        client.get(f"/api/v1/contracts/{ca1.pk}/approvals")
    for _round in range(3):
        services.decide(pending(ca1).get().pk, by=manager, decision="return", comment="补充")
        submit(Contract.objects.get(pk=ca1.pk))
    with django_assert_max_num_queries(len(one_round)):
        assert len(client.get(f"/api/v1/contracts/{ca1.pk}/approvals").json()["items"]) == 4


def test_the_submitter_recalls_before_the_first_decision(
    api_as, two_steps, ca1, submit, sales_owner, manager, other_sales, make_contract
):
    recall = f"/api/v1/contracts/{ca1.pk}/approvals/recall"
    not_running = api_as(sales_owner).post(recall)
    assert not_running.status_code == 409 and not_running.json()["code"] == "not_running"
    submit(ca1)
    assert api_as(other_sales).post(recall).status_code == 404
    refused = api_as(manager).post(recall)  # can see the contract, did not submit it
    assert refused.status_code == 403
    response = api_as(sales_owner).post(recall)
    assert response.status_code == 200 and response.json()["status"] == "recalled"
    assert Contract.objects.get(pk=ca1.pk).status == Status.DRAFT and not pending(ca1).exists()

    submit(Contract.objects.get(pk=ca1.pk))
    services.decide(pending(ca1).get().pk, by=manager, decision="approve")
    late = api_as(sales_owner).post(recall)
    assert late.status_code == 409 and late.json()["code"] == "already_decided"


# --- the caller's tasks ---------------------------------------------------------------------------------------


def test_the_caller_lists_and_reads_their_own_tasks_only(api_as, two_steps, ca1, submit, manager, legal):
    submit(ca1)
    task = pending(ca1).get()
    body = api_as(manager).get("/api/v1/approval-tasks").json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["id"] == task.pk and item["status"] == "pending" and item["contract"] == ca1.pk
    assert item["contract_number"] == ca1.number and item["contract_title"] == ca1.title
    assert item["step"] == "主管审批" and item["step_index"] == 0 and item["created_at"]
    assert api_as(legal).get("/api/v1/approval-tasks").json()["count"] == 0
    assert api_as(manager).get("/api/v1/approval-tasks?status=approved").json()["count"] == 0
    assert api_as(manager).get("/api/v1/approval-tasks?status=all").json()["count"] == 1
    assert api_as(manager).get("/api/v1/approval-tasks?status=maybe").status_code == 400
    assert api_as(manager).get(f"/api/v1/approval-tasks/{task.pk}").json()["id"] == task.pk
    assert api_as(legal).get(f"/api/v1/approval-tasks/{task.pk}").status_code == 404


def test_the_task_list_costs_the_same_queries_however_long(
    api_as,
    two_steps,
    ca1,
    make_customer,
    make_contract,
    sales_owner,
    submit,
    manager,
    django_assert_max_num_queries,
):
    client = api_as(manager)
    submit(ca1)
    with django_assert_max_num_queries(10) as one:
        client.get("/api/v1/approval-tasks")
    for _n in range(4):
        submit(make_contract(sales_owner, make_customer(sales_owner)))
    with django_assert_max_num_queries(len(one)):
        assert client.get("/api/v1/approval-tasks").json()["count"] == 5


def test_approve_then_the_task_is_no_longer_pending(api_as, two_steps, ca1, submit, manager, legal):
    submit(ca1)
    task = pending(ca1).get()
    url = f"/api/v1/approval-tasks/{task.pk}/decision"
    response = send(api_as(manager), "post", url, {"decision": "approve", "comment": "同意"})
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["comment"] == "同意"
    assert response.json()["decided_at"]
    again = send(api_as(manager), "post", url, {"decision": "approve"})
    assert again.status_code == 409 and again.json()["code"] == "task_not_pending"

    review = pending(ca1).get()
    url = f"/api/v1/approval-tasks/{review.pk}/decision"
    assert api_as(legal).get(f"/api/v1/approval-tasks/{review.pk}").json()["checklist"] == [
        "主体资格",
        "违约责任",
    ]
    partial = send(api_as(legal), "post", url, {"decision": "approve", "checklist": ["主体资格"]})
    assert partial.status_code == 400 and partial.json()["code"] == "checklist_incomplete"
    done = send(api_as(legal), "post", url, {"decision": "approve", "checklist": ["主体资格", "违约责任"]})
    assert done.status_code == 200 and done.json()["ticked"] == ["主体资格", "违约责任"]
    assert Contract.objects.get(pk=ca1.pk).status == Status.APPROVED


def test_reject_needs_a_comment_and_may_go_back_a_step(api_as, two_steps, ca1, submit, manager, legal):
    submit(ca1)
    services.decide(pending(ca1).get().pk, by=manager, decision="approve")
    review = pending(ca1).get()
    url = f"/api/v1/approval-tasks/{review.pk}/decision"
    bare = send(api_as(legal), "post", url, {"decision": "reject"})
    assert bare.status_code == 400 and bare.json()["code"] == "comment_required"
    assert "comment" in bare.json()["errors"]
    later = send(api_as(legal), "post", url, {"decision": "reject", "comment": "x", "to_step": 1})
    assert later.status_code == 400 and later.json()["code"] == "invalid_step"
    odd = send(api_as(legal), "post", url, {"decision": "maybe"})
    assert odd.status_code == 400 and "decision" in odd.json()["errors"]
    assert Task.objects.get(pk=review.pk).status == T.PENDING
    back = send(api_as(legal), "post", url, {"decision": "reject", "comment": "请主管复核", "to_step": 0})
    assert back.status_code == 200 and back.json()["status"] == "rejected"
    assert pending(ca1).get().user == manager and Contract.objects.get(pk=ca1.pk).status == Status.IN_REVIEW


def test_return_for_changes_makes_a_draft(api_as, two_steps, ca1, submit, manager):
    submit(ca1)
    task = pending(ca1).get()
    response = send(
        api_as(manager),
        "post",
        f"/api/v1/approval-tasks/{task.pk}/decision",
        {"decision": "return", "comment": "补充附件"},
    )
    assert response.status_code == 200 and response.json()["status"] == "returned"
    assert Contract.objects.get(pk=ca1.pk).status == Status.DRAFT


def test_someone_elses_task_is_a_404_whatever_the_action(
    api_as, two_steps, ca1, submit, legal, finance, admin
):
    submit(ca1)
    task = pending(ca1).get()
    for caller in (legal, admin):
        client = api_as(caller)
        for path, payload in [
            ("decision", {"decision": "approve"}),
            ("delegate", {"user": finance.pk}),
            ("add-approver", {"user": finance.pk, "where": "before"}),
        ]:
            response = send(client, "post", f"/api/v1/approval-tasks/{task.pk}/{path}", payload)
            assert response.status_code == 404, (caller, path)
            assert response.json()["code"] == "not_found"
    assert (
        send(
            api_as(legal), "post", "/api/v1/approval-tasks/999999/decision", {"decision": "approve"}
        ).status_code
        == 404
    )
    assert Task.objects.get(pk=task.pk).status == T.PENDING and Task.objects.count() == 1


def test_delegate_hands_the_task_to_someone_else(
    api_as, two_steps, ca1, submit, manager, finance, sales_owner
):
    submit(ca1)
    task = pending(ca1).get()
    url = f"/api/v1/approval-tasks/{task.pk}/delegate"
    own = send(api_as(manager), "post", url, {"user": sales_owner.pk})
    assert own.status_code == 400 and own.json()["code"] == "self_approval"
    nobody = send(api_as(manager), "post", url, {"user": 999999})
    assert nobody.status_code == 400 and nobody.json()["code"] == "invalid_user"
    assert send(api_as(manager), "post", url, {"user": "x"}).status_code == 400
    response = send(api_as(manager), "post", url, {"user": finance.pk, "comment": "出差，请代审"})
    assert response.status_code == 200 and response.json()["status"] == "delegated"
    new = pending(ca1).get()
    assert new.user == finance and new.delegated_from_id == task.pk
    again = send(api_as(manager), "post", url, {"user": finance.pk})
    assert again.status_code == 409 and again.json()["code"] == "task_not_pending"


def test_add_an_approver_before_oneself(api_as, two_steps, ca1, submit, manager, finance):
    submit(ca1)
    task = pending(ca1).get()
    url = f"/api/v1/approval-tasks/{task.pk}/add-approver"
    where = send(api_as(manager), "post", url, {"user": finance.pk, "where": "beside"})
    assert where.status_code == 400 and "where" in where.json()["errors"]
    twice = send(api_as(manager), "post", url, {"user": manager.pk, "where": "after"})
    assert twice.status_code == 400 and twice.json()["code"] == "duplicate_approver"
    response = send(api_as(manager), "post", url, {"user": finance.pk, "where": "before"})
    assert response.status_code == 200 and response.json()["status"] == "waiting"
    added = pending(ca1).get()
    assert added.user == finance and added.added_for_id == task.pk
    [round_] = api_as(manager).get(f"/api/v1/contracts/{ca1.pk}/approvals").json()["items"]
    assert [t["added_for"] for t in round_["steps"][0]["tasks"]] == [task.pk, None]
    blocked = send(
        api_as(manager), "post", f"/api/v1/approval-tasks/{task.pk}/decision", {"decision": "approve"}
    )
    assert blocked.status_code == 409 and blocked.json()["code"] == "task_not_pending"
