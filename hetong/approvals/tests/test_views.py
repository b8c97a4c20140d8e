"""The approval pages: my approvals, the task page and its decisions, the contract's Approvals card, the route
preview, the workflow editor and absence delegations."""

import datetime as dt

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hetong.approvals import definition as defs
from hetong.approvals import services
from hetong.approvals.forms import Editor
from hetong.approvals.models import Delegation, Instance, Task, Workflow
from hetong.contracts.models import Contract, Status
from hetong.core.dates import company_today

from .conftest import node, user

T = Task.Status


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pending(contract, who=None):
    tasks = Task.objects.filter(instance__contract=contract, status=T.PENDING)
    return tasks.filter(user=who) if who is not None else tasks


def status_of(contract):
    return Contract.objects.get(pk=contract.pk).status


def task_url(task):
    return reverse("approvals:task", args=[task.pk])


# --- my approvals -------------------------------------------------------------------------------------------------


def test_my_approvals_lists_the_pending_task_and_the_decided_tab_the_decision(
    client, publish, submitted, manager, legal
):
    publish({"nodes": [node("主管审批", user(manager), sla_hours=8)]})
    contract = submitted(title="华运年度运输合同", amount="256000.00")
    client.force_login(manager)
    page = client.get(reverse("approvals:inbox")).content.decode()
    assert (
        contract.number in page and "华运年度运输合同" in page and "256,000.00" in page and "主管审批" in page
    )
    assert task_url(pending(contract).get()) in page
    client.force_login(legal)
    assert contract.number not in client.get(reverse("approvals:inbox")).content.decode()

    services.decide(pending(contract).get().pk, by=manager, decision="approve")
    client.force_login(manager)
    assert contract.number not in client.get(reverse("approvals:inbox")).content.decode()
    decided = client.get(reverse("approvals:inbox") + "?tab=decided").content.decode()
    assert contract.number in decided and "Approved" in decided


def test_an_overdue_task_is_marked(client, publish, submitted, manager):
    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    Task.objects.filter(instance__contract=contract).update(due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    client.force_login(manager)
    assert "Overdue" in client.get(reverse("approvals:inbox")).content.decode()


def test_the_inbox_pages_with_a_constant_number_of_queries(
    client, publish, submitted, manager, django_assert_max_num_queries
):
    publish({"nodes": [node("主管", user(manager))]})
    for _n in range(3):
        submitted()
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("approvals:inbox") + "?size=2")
    assert len(response.context["page"].items) == 2 and response.context["page"].next_cursor


def test_the_menu_counts_pending_approvals_in_one_query(client, rf, publish, submitted, manager, legal):
    publish({"nodes": [node("主管", user(manager))]})
    submitted()
    submitted()
    request = RequestFactory().get("/")
    request.user = manager
    with CaptureQueriesContext(connection) as queries:
        rendered = Template("{% load approvals_tags %}{% approvals_pending as n %}{{ n }}").render(
            Context({"request": request})
        )
    assert rendered == "2" and len(queries) == 1
    client.force_login(manager)
    assert 'data-pending-approvals="2"' in client.get(reverse("contracts:list")).content.decode()
    client.force_login(legal)
    page = client.get(reverse("contracts:list")).content.decode()
    assert "data-pending-approvals" not in page and reverse("approvals:inbox") in page
    assert reverse("approvals:workflows") not in page  # the editor is for administrators


# --- the task page ----------------------------------------------------------------------------------------------


def test_only_the_tasks_user_sees_the_task_page(
    client, publish, submitted, manager, legal, sales_owner, admin
):
    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    task = pending(contract).get()
    client.force_login(manager)
    response = client.get(task_url(task))
    assert response.status_code == 200
    page = response.content.decode()
    assert contract.number in page and contract.customer.name in page and "128,000.00" in page
    for other in (legal, sales_owner, admin):
        client.force_login(other)
        assert client.get(task_url(task)).status_code == 404
        assert client.post(task_url(task), {"op": "decide", "decision": "approve"}).status_code == 404
    assert Task.objects.get(pk=task.pk).status == T.PENDING


def test_approving_on_the_page_approves_the_contract(client, publish, submitted, manager):
    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    task = pending(contract).get()
    client.force_login(manager)
    response = client.post(
        task_url(task), {"op": "decide", "decision": "approve", "comment": "同意"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("approvals:inbox")
    assert f"You approved {contract.number}." in response.content.decode()
    assert status_of(contract) == Status.APPROVED
    assert Task.objects.get(pk=task.pk).comment == "同意"
    # Decided: the page now says so and offers no decision.
    page = client.get(task_url(task)).content.decode()
    assert 'name="decision"' not in page and "You decided on" in page


def test_rejecting_without_a_comment_is_refused_and_changes_nothing(client, publish, submitted, manager):
    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    task = pending(contract).get()
    client.force_login(manager)
    for decision in ("reject", "return"):
        response = client.post(task_url(task), {"op": "decide", "decision": decision, "comment": "  "})
        assert response.status_code == 400
        assert "Say why: a comment is required." in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == T.PENDING and status_of(contract) == Status.IN_REVIEW


def test_rejecting_back_to_an_earlier_step_from_the_page(client, publish, submitted, manager, legal):
    publish({"nodes": [node("主管", user(manager)), node("法务", user(legal))]})
    contract = submitted()
    services.decide(pending(contract).get().pk, by=manager, decision="approve")
    task = pending(contract).get()
    client.force_login(legal)
    page = client.get(task_url(task)).content.decode()
    assert 'name="to_step"' in page and "主管" in page
    response = client.post(
        task_url(task), {"op": "decide", "decision": "reject", "comment": "请复核价格", "to_step": "0"}
    )
    assert response.status_code == 302
    assert status_of(contract) == Status.IN_REVIEW and pending(contract).get().user == manager


def test_a_decision_taken_elsewhere_first_is_reported_not_repeated(
    client, publish, submitted, manager, legal
):
    publish({"nodes": [node("或签", user(manager), user(legal), mode="any")]})
    contract = submitted()
    late = pending(contract, legal).get()
    client.force_login(legal)
    client.get(task_url(late))
    services.decide(pending(contract, manager).get().pk, by=manager, decision="approve")
    response = client.post(task_url(late), {"op": "decide", "decision": "approve"})
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "no longer waiting for you" in page and 'name="decision"' not in page and "no longer needed" in page
    )
    assert Task.objects.get(pk=late.pk).status == T.CANCELLED


def test_the_checklist_must_be_ticked_on_the_page(client, publish, submitted, manager):
    publish({"nodes": [node("法务审核", user(manager), checklist=["主体资格", "违约责任"])]})
    contract = submitted()
    task = pending(contract).get()
    client.force_login(manager)
    assert "违约责任" in client.get(task_url(task)).content.decode()
    response = client.post(task_url(task), {"op": "decide", "decision": "approve", "checklist": ["主体资格"]})
    assert response.status_code == 400 and "Tick every item" in response.content.decode()
    assert status_of(contract) == Status.IN_REVIEW
    client.post(
        task_url(task), {"op": "decide", "decision": "approve", "checklist": ["主体资格", "违约责任"]}
    )
    assert status_of(contract) == Status.APPROVED


def test_delegating_and_adding_an_approver_from_the_page(
    client, publish, submitted, manager, legal, finance, sales_owner
):
    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    task = pending(contract).get()
    client.force_login(manager)
    response = client.post(task_url(task), {"op": "delegate", "to": sales_owner.pk})
    assert response.status_code == 400  # the submitter is not offered, and a forged choice is refused
    response = client.post(task_url(task), {"op": "delegate", "to": legal.pk, "comment": "出差"})
    assert response.status_code == 302
    new = pending(contract).get()
    assert new.user == legal and Task.objects.get(pk=task.pk).status == T.DELEGATED

    client.force_login(legal)
    response = client.post(task_url(new), {"op": "add", "user": finance.pk, "where": "before"})
    assert response.status_code == 302
    assert pending(contract).get().user == finance and Task.objects.get(pk=new.pk).status == T.WAITING
    page = client.get(task_url(new)).content.decode()
    assert "Another approver decides before you" in page
    history = client.get(task_url(new)).context["rounds"][0].steps[0].tasks
    added = next(t for t in history if t.user == finance)
    assert (
        added.added_where == "before" and next(t for t in history if t.user == legal).delegated_by == manager
    )


def test_an_unknown_action_is_a_bad_request(client, publish, submitted, manager):
    publish({"nodes": [node("主管", user(manager))]})
    task = pending(submitted()).get()
    client.force_login(manager)
    assert client.post(task_url(task), {"op": "approve_everything"}).status_code == 400


def test_the_task_page_links_the_newest_document_and_shows_changes_since_the_last_round(
    client, publish, submitted, manager, sales_owner
):
    from hetong.contracts.services import submit_contract, update_contract

    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    services.decide(pending(contract).get().pk, by=manager, decision="return", comment="请补充付款条款")
    contract = Contract.objects.get(pk=contract.pk)
    update_contract(
        contract, by=sales_owner, version=contract.version, data={"title": "华运运输合同（修订）"}
    )
    submit_contract(Contract.objects.get(pk=contract.pk), by=sales_owner)
    task = pending(contract).get()
    client.force_login(manager)
    response = client.get(task_url(task))
    page = response.content.decode()
    assert "Changes since the last round" in page and "华运运输合同（修订）" in page
    assert "请补充付款条款" in page  # the history of round 1
    assert [r.round for r in response.context["rounds"]] == [2, 1]
    assert response.context["document"] is None and "No document has been generated" in page


def test_the_approver_reads_the_document_and_the_redline_of_a_new_round(
    client, publish, sales_owner, make_customer, make_contract, manager, other_sales, legal
):
    from hetong.contracts.services import submit_contract, update_contract
    from hetong.documents import services as documents

    template = documents.create_template(
        by=legal,
        data={"name": "服务合同", "kind": "html"},
        html="<h1>{{ contract.title }}</h1><p>{{ customer.name }}</p>",
    )
    # other_sales sees only their own contracts: the task page serves them the document itself.
    publish({"nodes": [node("复核", user(other_sales))]})
    contract = make_contract(sales_owner, make_customer(sales_owner), title="运输服务合同")
    first = documents.generate_document(contract, template, by=sales_owner)
    submit_contract(contract, by=sales_owner)
    task = pending(contract).get()
    client.force_login(other_sales)
    page = client.get(task_url(task)).content.decode()
    own_link = reverse("approvals:task_document", args=[task.pk, "pdf"])
    assert own_link in page and reverse("documents:download", args=[first.pk, "pdf"]) not in page
    response = client.get(own_link)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(reverse("documents:download", args=[first.pk, "pdf"])).status_code == 404
    client.force_login(manager)
    assert client.get(own_link).status_code == 404  # not their task

    client.force_login(other_sales)
    client.post(task_url(task), {"op": "decide", "decision": "return", "comment": "标题不对"})
    contract = Contract.objects.get(pk=contract.pk)
    update_contract(contract, by=sales_owner, version=contract.version, data={"title": "年度运输服务合同"})
    second = documents.generate_document(Contract.objects.get(pk=contract.pk), template, by=sales_owner)
    submit_contract(Contract.objects.get(pk=contract.pk), by=sales_owner)
    response = client.get(task_url(pending(contract).get()))
    changes = response.context["changes"]
    assert changes["old_doc"] == first and changes["new_doc"] == second
    assert any(line["op"] != "equal" for line in changes["redline"])
    page = response.content.decode()
    assert "Document text: v1 against v2" in page and "generated a document" in page


# --- the contract page ------------------------------------------------------------------------------------------


def test_the_contract_page_shows_the_rounds_with_constant_queries(
    client, publish, submitted, manager, legal, sales_owner
):
    from hetong.contracts.services import submit_contract

    publish({"nodes": [node("主管", user(manager)), node("会签", user(legal), user(manager), mode="all")]})
    contract = submitted()
    client.force_login(sales_owner)
    url = reverse("contracts:detail", args=[contract.pk])
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    assert 'id="approvals"' in page and "Round 1" in page and "All must approve (countersign)" in page

    for _round in range(2):
        services.decide(pending(contract).get().pk, by=manager, decision="return", comment="补充材料")
        submit_contract(Contract.objects.get(pk=contract.pk), by=sales_owner)
    services.decide(pending(contract).get().pk, by=manager, decision="approve", comment="可以")
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    page = response.content.decode()
    assert "Round 3" in page and "补充材料" in page and "可以" in page
    assert len(three) == len(one)


def test_the_hand_approve_is_not_offered_while_the_workflow_runs(client, publish, submitted, manager, admin):
    contract_without = submitted()
    client.force_login(admin)
    actions = [
        a["name"]
        for a in client.get(reverse("contracts:detail", args=[contract_without.pk])).context["actions"]
    ]
    assert "approve" in actions and "reject" in actions
    publish({"nodes": [node("主管", user(manager))]})
    contract = submitted()
    actions = [
        a["name"] for a in client.get(reverse("contracts:detail", args=[contract.pk])).context["actions"]
    ]
    assert "approve" not in actions and "reject" not in actions


def test_the_submitter_recalls_before_any_decision(client, publish, submitted, manager, legal, sales_owner):
    publish({"nodes": [node("主管", user(manager)), node("法务", user(legal))]})
    contract = submitted()
    recall = reverse("approvals:recall", args=[contract.pk])
    client.force_login(manager)
    assert recall not in client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    client.post(recall)
    assert status_of(contract) == Status.IN_REVIEW  # only the submitter may
    client.force_login(sales_owner)
    assert recall in client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    response = client.post(recall, follow=True)
    assert "is a draft again" in response.content.decode()
    assert status_of(contract) == Status.DRAFT and Instance.objects.get().status == "recalled"


def test_recall_of_a_contract_outside_ones_scope_is_a_404(client, publish, submitted, other_sales):
    publish({"nodes": [node("主管", {"kind": "role", "role": "sales_manager"})]})
    contract = submitted()
    client.force_login(other_sales)
    assert client.post(reverse("approvals:recall", args=[contract.pk])).status_code == 404


# --- route preview ----------------------------------------------------------------------------------------------


def test_the_route_preview_shows_people_skipped_steps_and_the_fallback(
    client, publish, sales_owner, make_customer, make_contract, manager, legal, admin, other_sales
):
    publish(
        {
            "nodes": [
                node("主管", user(manager)),
                node(
                    "大额复核", user(legal), condition=[{"field": "amount", "op": "gt", "value": "1000000"}]
                ),
                node("部门负责人", {"kind": "department_head"}),
            ],
            "fallback_user": admin.pk,
        }
    )
    contract = make_contract(sales_owner, make_customer(sales_owner))
    client.force_login(sales_owner)
    response = client.get(reverse("approvals:preview", args=[contract.pk]))
    page = response.content.decode()
    assert (
        "Standard v1" in page
        and "Skipped: its condition does not hold." in page
        and "Fallback approver" in page
    )
    steps = response.context["steps"]
    assert [s["step"].approvers for s in steps][0] == [manager] and steps[1]["step"].skipped
    assert steps[2]["step"].approvers == [admin] and steps[2]["step"].fallback
    client.force_login(other_sales)
    assert client.get(reverse("approvals:preview", args=[contract.pk])).status_code == 404


def test_the_route_preview_without_a_workflow(client, sales_owner, make_customer, make_contract):
    contract = make_contract(sales_owner, make_customer(sales_owner))
    client.force_login(sales_owner)
    assert "approved by hand" in client.get(reverse("approvals:preview", args=[contract.pk])).content.decode()


# --- workflow editor --------------------------------------------------------------------------------------------


def editor_post(editor: Editor, **changes) -> dict:
    """What a browser submits for the editor as shown: every field's current value."""
    data = {}
    forms = [
        editor.conditions.management_form,
        *editor.conditions,
        editor.legal_when.management_form,
        *editor.legal_when,
        editor.steps.management_form,
        *editor.steps,
        editor.settings,
    ]
    for form in forms:
        for field in form:
            value = field.value()
            if value is False:
                continue  # an unticked box is not sent
            data[field.html_name] = (
                "" if value is None else (value if isinstance(value, list) else str(value))
            )
    data.update(changes)
    return data


@pytest.fixture
def rich(manager, legal, finance, admin):
    return {
        "conditions": [
            {"field": "amount", "op": "gte", "value": "500000"},
            {"field": "customer_level", "op": "in", "value": ["A", "B"]},
        ],
        "nodes": [
            node("部门经理", user(manager), key="head"),
            node(
                "三选二",
                user(manager),
                user(legal),
                user(finance),
                mode="n_of_m",
                n=2,
                sla_hours=16,
                remind_share=0.25,
                checklist=["价格", "账期"],
                condition=[{"field": "nonstandard_clause", "op": "is_true", "value": None}],
            ),
            node(
                "财务会签",
                {"kind": "role", "role": "finance"},
                {"kind": "manager", "levels": 2},
                {"kind": "field", "field": "customer_owner"},
                mode="all",
            ),
            node("负责人或签", {"kind": "department_head"}, mode="any"),
        ],
        "legal_review": {
            "when": [{"field": "nonstandard_template", "op": "is_true"}],
            "approvers": [{"kind": "role", "role": "legal"}],
            "checklist": ["主体资格"],
            "sla_hours": 8,
        },
        "fallback_user": admin.pk,
    }


def test_the_editor_round_trips_a_published_definition(client, admin, publish, rich):
    workflow = publish(rich, name="大额合同")
    clean = defs.parse(rich)
    assert workflow.current.definition == clean
    client.force_login(admin)
    url = reverse("approvals:workflow", args=[workflow.pk])
    response = client.get(url)
    assert response.status_code == 200
    data = editor_post(response.context["editor"], **{"settings-note": "不变，重新发布"})

    editor = Editor(data=data, definition=clean)
    assert editor.is_valid()
    built = editor.definition()
    assert not editor.has_errors()
    assert built == defs.parse(built) == clean

    response = client.post(url, data)
    assert response.status_code == 302
    workflow.refresh_from_db()
    assert workflow.current.number == 2 and workflow.current.note == "不变，重新发布"
    assert workflow.current.definition == clean
    history = client.get(url).content.decode()
    assert "v2" in history and "不变，重新发布" in history


def test_the_editor_builds_a_new_definition_from_its_rows(client, admin, manager, legal):
    workflow = services.save_workflow(None, by=admin, data={"name": "新流程", "is_default": True})
    client.force_login(admin)
    url = reverse("approvals:workflow", args=[workflow.pk])
    data = editor_post(
        client.get(url).context["editor"],
        **{
            "conditions-0-field": "currency",
            "conditions-0-op": "in",
            "conditions-0-value": "USD，EUR",
            "steps-0-name": "法务",
            "steps-0-mode": "one",
            "steps-0-a0_kind": "user",
            "steps-0-a0_user": str(legal.pk),
            "steps-0-ORDER": "2",
            "steps-1-name": "主管",
            "steps-1-mode": "any",
            "steps-1-a0_kind": "manager",
            "steps-1-a0_levels": "1",
            "steps-1-a1_kind": "user",
            "steps-1-a1_user": str(manager.pk),
            "steps-1-ORDER": "1",
            "steps-1-c0_field": "amount",
            "steps-1-c0_op": "gt",
            "steps-1-c0_value": "10000",
        },
    )
    assert client.post(url, data).status_code == 302
    definition = Workflow.objects.get(pk=workflow.pk).current.definition
    assert definition["conditions"] == [{"field": "currency", "op": "in", "value": ["USD", "EUR"]}]
    assert [n["name"] for n in definition["nodes"]] == ["主管", "法务"]  # the order numbers moved them
    assert definition["nodes"][0]["approvers"] == [
        {"kind": "manager", "levels": 1},
        {"kind": "user", "user": manager.pk},
    ]
    assert definition["nodes"][0]["condition"] == [{"field": "amount", "op": "gt", "value": "10000"}]
    assert len({n["key"] for n in definition["nodes"]}) == 2 and "legal_review" not in definition


def test_the_editor_shows_the_problems_and_publishes_nothing(client, admin, publish, manager):
    workflow = publish({"nodes": [node("主管", user(manager))]})
    client.force_login(admin)
    url = reverse("approvals:workflow", args=[workflow.pk])
    data = editor_post(
        client.get(url).context["editor"],
        **{
            "steps-0-mode": "all",
            "steps-0-a0_kind": "",  # a countersign nobody can decide
            "steps-1-name": "缺审批人",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "nothing was saved" in page and "no approvers: this step could never be decided" in page
    assert workflow.versions.count() == 1
    # A kind of approver without its person is caught on the row.
    data = editor_post(client.get(url).context["editor"], **{"steps-0-a0_user": ""})
    response = client.post(url, data)
    assert (
        response.status_code == 400
        and "Fill this in for the kind of approver chosen." in response.content.decode()
    )
    assert workflow.versions.count() == 1


def test_creating_and_renaming_a_workflow(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("approvals:workflow_create"),
        {"name": "标准审批", "priority": "10", "is_default": "on", "is_active": "on"},
    )
    workflow = Workflow.objects.get()
    assert response.status_code == 302 and response.url == reverse("approvals:workflow", args=[workflow.pk])
    assert workflow.is_default and workflow.priority == 10
    response = client.post(reverse("approvals:workflow_create"), {"name": "标准审批", "priority": "10"})
    assert response.status_code == 400 and "exists already" in response.content.decode()
    client.post(
        reverse("approvals:workflow_edit", args=[workflow.pk]), {"name": "标准审批流程", "priority": "20"}
    )
    workflow.refresh_from_db()
    assert workflow.name == "标准审批流程" and not workflow.is_default and not workflow.is_active
    page = client.get(reverse("approvals:workflows")).content.decode()
    assert "标准审批流程" in page and "Not published" in page


@pytest.mark.parametrize("name", ["workflows", "workflow_create"])
def test_the_workflow_pages_are_for_administrators_only(client, manager, legal, name):
    for person in (manager, legal):
        client.force_login(person)
        assert client.get(reverse(f"approvals:{name}")).status_code == 403
        assert client.post(reverse(f"approvals:{name}"), {"name": "x", "priority": "1"}).status_code == 403
    assert not Workflow.objects.exists()


def test_a_non_administrator_cannot_open_or_publish_the_editor(client, publish, manager, sales_owner):
    workflow = publish({"nodes": [node("主管", user(manager))]})
    client.force_login(manager)
    for url in (
        reverse("approvals:workflow", args=[workflow.pk]),
        reverse("approvals:workflow_edit", args=[workflow.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"steps-TOTAL_FORMS": "0"}).status_code == 403
    assert workflow.versions.count() == 1


# --- absence delegations ----------------------------------------------------------------------------------------


def test_absence_delegations_are_added_and_future_ones_deleted(
    client, publish, submitted, manager, finance, legal
):
    client.force_login(manager)
    url = reverse("approvals:delegations")
    today = company_today()
    response = client.post(url, {"start": today, "end": today + dt.timedelta(days=2), "delegate": finance.pk})
    assert response.status_code == 302
    response = client.post(
        url,
        {"start": today + dt.timedelta(days=1), "end": today + dt.timedelta(days=3), "delegate": legal.pk},
    )
    assert response.status_code == 400 and "overlaps" in response.content.decode()
    response = client.post(
        url,
        {"start": today + dt.timedelta(days=5), "end": today + dt.timedelta(days=4), "delegate": legal.pk},
    )
    assert response.status_code == 400 and Delegation.objects.count() == 1

    publish({"nodes": [node("主管", user(manager))]})
    assert pending(submitted()).get().user == finance  # new tasks go to the delegate

    later = Delegation.objects.create(
        user=manager, delegate=legal, start=today + dt.timedelta(days=10), end=today + dt.timedelta(days=12)
    )
    current = Delegation.objects.get(delegate=finance)
    client.post(reverse("approvals:delegation_delete", args=[current.pk]))
    client.post(reverse("approvals:delegation_delete", args=[later.pk]))
    assert list(Delegation.objects.values_list("pk", flat=True)) == [current.pk]  # a begun absence stays
    client.force_login(legal)
    assert client.post(reverse("approvals:delegation_delete", args=[current.pk])).status_code == 404
