"""The demo's approval workflows route contracts as their conditions say, and the demo has approvals running."""

import io

import pytest
from django.core.management import call_command

from hetong.accounts.models import User
from hetong.approvals import demo, services
from hetong.approvals.models import Instance, NodeRun, Task, Workflow
from hetong.contracts.models import Contract, ContractType, LegalEntity
from hetong.contracts.services import create_contract
from hetong.customers.models import Customer


def load_demo(*args):
    call_command("demo", *args, stdout=io.StringIO())
    return {u.username: u for u in User.objects.all()}


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # The demo's PBKDF2 hashes are slow on purpose; these tests never log in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def small_demo(db):
    """The demo's organisation, a few customers and the workflows: enough to route new contracts."""
    return load_demo("--customers", "12", "--contracts", "0")


@pytest.fixture
def draft(small_demo):
    """draft(type code, amount) -> a new draft of an east salesperson's (上海 or 杭州, under 华东大区)."""
    customer = Customer.objects.filter(owner__username__in=["sales1", "sales2"]).select_related("owner").first()
    entity = LegalEntity.objects.order_by("pk").first()

    def make(code, amount):
        data = {
            "title": f"演示路由 {code} {amount}",
            "contract_type": ContractType.objects.get(code=code).pk,
            "customer": customer.pk,
            "entity": entity.pk,
            "amount": amount,
            "effective_date": "2026-01-01",
            "end_date": "2026-12-31",
        }
        return create_contract(by=customer.owner, data=data)

    return make


def route(contract):
    version, steps = services.preview(Contract.objects.get(pk=contract.pk))
    return version.workflow.name, {s.key: s for s in steps}


def usernames(step):
    return {u.username for u in step.approvers}


def test_the_three_workflows_are_published_once(small_demo):
    workflows = {w.name: w for w in Workflow.objects.select_related("current")}
    assert set(workflows) == {demo.STANDARD, demo.LARGE, demo.NDA}
    assert workflows[demo.STANDARD].is_default and workflows[demo.STANDARD].current.number == 1
    assert (workflows[demo.NDA].priority, workflows[demo.LARGE].priority) == (5, 10)
    assert workflows[demo.STANDARD].current.definition["fallback_user"] == small_demo["admin"].pk
    assert demo.load_workflows(small_demo["admin"], progress=lambda _line: None) == 0
    assert Workflow.objects.count() == 3


def test_an_nda_takes_the_fast_track_to_legal(draft, small_demo):
    name, steps = route(draft("BM", "0"))
    assert name == demo.NDA
    assert list(steps) == ["legal"]
    assert usernames(steps["legal"]) == {"legal"} and steps["legal"].sla_hours == 8


def test_a_sale_service_or_framework_of_a_million_or_more_is_countersigned(draft):
    for code in ("XS", "FW", "KJ"):
        name, steps = route(draft(code, "1000000.00"))
        assert name == demo.LARGE, code
        assert list(steps) == ["manager", "countersign", "gm"]
        assert usernames(steps["manager"]) == {"east_manager"}  # the city has no head: the head of 华东大区
        countersign = steps["countersign"]
        assert countersign.mode == "all" and usernames(countersign) == {"finance", "legal"}
        assert countersign.required == 2
        assert usernames(steps["gm"]) == {"admin"}
        assert all(s.sla_hours == 24 and not s.skipped for s in steps.values())
    assert route(draft("XS", "999999.99"))[0] == demo.STANDARD


def test_a_small_sale_goes_the_standard_way(draft):
    name, steps = route(draft("XS", "150000.00"))
    assert name == demo.STANDARD
    assert list(steps) == ["head", "manager"]  # no legal review
    # The city has no head of its own: the head of the nearest department above it (华东大区).
    assert usernames(steps["head"]) == {"east_manager"} and not steps["head"].fallback
    assert steps["manager"].skipped and steps["head"].sla_hours == 16


def test_the_sales_manager_steps_in_above_200000(draft):
    name, steps = route(draft("XS", "500000.00"))
    assert name == demo.STANDARD
    assert not steps["manager"].skipped and usernames(steps["manager"]) == {"east_manager"}
    assert "legal_review" not in steps


def test_a_large_contract_of_another_type_gets_the_legal_review(draft):
    name, steps = route(draft("CG", "1500000.00"))
    assert name == demo.STANDARD
    assert list(steps) == ["head", "manager", "legal_review"]
    review = steps["legal_review"]
    assert (
        usernames(review) == {"legal"} and review.checklist == demo.LEGAL_CHECKLIST and review.sla_hours == 16
    )


def test_the_demo_has_approvals_running_with_pending_tasks(db):
    load_demo("--customers", "12", "--contracts", "100")
    running = Instance.objects.filter(status=Instance.Status.RUNNING).select_related("contract", "version__workflow")
    assert running.exists()
    assert Contract.objects.filter(status=Contract.Status.DRAFT).exists()  # some drafts are left as they were
    for instance in running:
        if instance.amendment_id:  # an amendment of a contract in force is in review, not the contract
            assert instance.amendment.status == "in_review" and instance.contract.status == Contract.Status.ACTIVE
            assert instance.submitted_by_id == instance.contract.owner_id
            continue
        assert instance.contract.status == Contract.Status.IN_REVIEW
        assert instance.submitted_by_id == instance.contract.owner_id
        assert Task.objects.filter(instance=instance, status=Task.Status.PENDING).exists()
    # One of them moved past its first step: approved by the first step's approver, the next step active.
    advanced = NodeRun.objects.filter(instance__in=running, status=NodeRun.Status.DONE)
    assert advanced.exists()
    first = advanced.select_related("instance").first()
    assert first.tasks.filter(status=Task.Status.APPROVED, comment__startswith="同意").exists()
    assert first.instance.nodes.filter(status=NodeRun.Status.ACTIVE).exists()
