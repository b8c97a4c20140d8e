"""Demo approval workflows, published through the services, and a few demo drafts submitted through them so the
approval pages and inboxes have something to show (called by `hetong demo` after the contracts exist)."""

from collections import Counter
from collections.abc import Callable

from django.db import transaction
from django.utils import translation

from hetong.contracts.models import Contract
from hetong.contracts.services import submit_contract

from . import definition as defs
from . import services
from .models import Instance, NodeRun, Task, Workflow

STANDARD = "标准销售审批"
LARGE = "大额合同会签"
NDA = "保密协议快速通道"
LEGAL_CHECKLIST = ["主体资格审查", "付款条款", "违约责任", "争议解决"]
# How many drafts of each workflow `submit_some` sends, in this order.
QUOTAS = {LARGE: 4, NDA: 2, STANDARD: 6}


def _role(name: str) -> dict:
    return {"kind": "role", "role": name}


def _workflows(admin) -> list[dict]:
    return [
        {
            "name": STANDARD,
            "description": "销售、采购、服务等合同的默认审批：部门负责人审批，金额超过20万元由销售经理审批，"
            "非标准条款或金额超过100万元加法务审核。",
            "priority": 100,
            "is_default": True,
            "definition": {
                "nodes": [
                    {
                        "key": "head",
                        "name": "部门负责人",
                        "approvers": [{"kind": "department_head"}],
                        "sla_hours": 16,
                    },
                    {
                        "key": "manager",
                        "name": "销售经理",
                        "approvers": [{"kind": "manager", "levels": 1}],
                        "condition": [{"field": "amount", "op": "gt", "value": "200000"}],
                        "sla_hours": 16,
                    },
                ],
                "legal_review": {
                    "name": "法务审核",
                    "when": [
                        {"field": "nonstandard_clause", "op": "is_true"},
                        {"field": "amount", "op": "gt", "value": "1000000"},
                    ],
                    "approvers": [_role("legal")],
                    "checklist": LEGAL_CHECKLIST,
                    "sla_hours": 16,
                },
                "fallback_user": admin.pk,
            },
        },
        {
            "name": LARGE,
            "description": "100万元及以上的销售、服务和框架合同：销售经理审批，财务与法务会签，总经理审批。",
            "priority": 10,
            "definition": {
                "conditions": [
                    {"field": "amount", "op": "gte", "value": "1000000"},
                    {"field": "contract_type", "op": "in", "value": ["XS", "FW", "KJ"]},
                ],
                "nodes": [
                    {
                        "key": "manager",
                        "name": "销售经理",
                        "approvers": [{"kind": "manager", "levels": 1}],
                        "sla_hours": 24,
                    },
                    {
                        "key": "countersign",
                        "name": "财务与法务会签",
                        "mode": "all",
                        "approvers": [_role("finance"), _role("legal")],
                        "sla_hours": 24,
                    },
                    # The demo's 总经办 has no head of its own: the administrator signs off as general manager.
                    {
                        "key": "gm",
                        "name": "总经理审批",
                        "approvers": [{"kind": "user", "user": admin.pk}],
                        "sla_hours": 24,
                    },
                ],
            },
        },
        {
            "name": NDA,
            "description": "保密协议只需法务审核。",
            "priority": 5,
            "definition": {
                "conditions": [{"field": "contract_type", "op": "in", "value": ["BM"]}],
                "nodes": [
                    {
                        "key": "legal",
                        "name": "法务审核",
                        "mode": "any",
                        "approvers": [_role("legal")],
                        "sla_hours": 8,
                    }
                ],
            },
        },
    ]


def load_workflows(admin, *, progress: Callable[[str], None] = print) -> int:
    """Publish the three demo workflows as `admin`; ones that exist already are left as they are."""
    made = 0
    with transaction.atomic():
        for row in _workflows(admin):
            if Workflow.objects.filter(name=row["name"]).exists():
                continue
            data = {key: row.get(key, False) for key in ("name", "description", "priority", "is_default")}
            workflow = services.save_workflow(None, by=admin, data=data)
            services.publish(workflow, by=admin, definition=row["definition"], note="演示流程")
            made += 1
    progress(f"approval workflows: {made}")
    return made


def submit_some(*, progress: Callable[[str], None] = print) -> int:
    """Submit about a dozen demo drafts as their owners, some through each workflow, and approve the first step
    of two of them so a running approval shows progress."""
    drafts = (
        Contract.objects.filter(status=Contract.Status.DRAFT, parties__isnull=False, owner__is_active=True)
        .select_related("contract_type", "customer", "department", "owner", "entity")
        .distinct()
        .order_by("pk")
    )
    # Half the drafts at most: the demo keeps contracts in every state.
    limit = min(sum(QUOTAS.values()), drafts.count() // 2)
    # The route is resolved at submission, and the legal review step is named in the submitter's language.
    with translation.override("zh-hans"):
        submitted = _submit(drafts, limit=limit)
        advanced = _approve_first_steps(submitted, wanted=2)
    progress(f"approvals started for {len(submitted)} demo contracts ({advanced} past their first step)")
    return len(submitted)


def _submit(drafts, *, limit: int) -> list[Contract]:
    taken: Counter = Counter()
    submitted: list[Contract] = []
    for contract in drafts:
        if len(submitted) >= limit:
            break
        version = defs.choose(contract)
        name = version.workflow.name if version is not None else None
        if taken[name] >= QUOTAS.get(name, 0):
            if all(taken[n] >= quota for n, quota in QUOTAS.items()):
                break
            continue
        submitted.append(submit_contract(contract, by=contract.owner))
        taken[name] += 1
    return submitted


def _approve_first_steps(contracts: list[Contract], *, wanted: int) -> int:
    """Approve the first step of a few running approvals that have more steps to come, one per workflow."""
    advanced, seen = 0, set()
    instances = (
        Instance.objects.filter(contract__in=contracts, status=Instance.Status.RUNNING)
        .select_related("version__workflow")
        .order_by("-version__workflow__priority", "pk")  # a standard one first, then a large one
    )
    for instance in instances:
        if advanced >= wanted or instance.version.workflow_id in seen:
            continue
        if instance.nodes.exclude(status=NodeRun.Status.SKIPPED).count() < 2:
            continue
        task = (
            Task.objects.filter(instance=instance, status=Task.Status.PENDING)
            .select_related("user", "node")
            .first()
        )
        if task is None:
            continue
        services.decide(
            task.pk,
            by=task.user,
            decision="approve",
            comment="同意，请继续审批。",
            checklist=task.node.checklist,
        )
        seen.add(instance.version.workflow_id)
        advanced += 1
    return advanced
