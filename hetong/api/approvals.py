"""Approval workflows, a contract's approval route and rounds, and the caller's approval tasks.

Everything goes through hetong.approvals.services. Workflows are read by everyone signed in and written by
administrators; a contract's route and rounds follow the contract's scope (404 outside it); tasks belong to
their approver, so another person's task is a 404 like one that does not exist.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db import transaction
from django.db.models import Prefetch
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import WithJsonSchema

from hetong.accounts.models import Role, User
from hetong.approvals import definition as defs
from hetong.approvals import services
from hetong.approvals.models import Instance, NodeRun, Task, Workflow, WorkflowVersion
from hetong.contracts.models import Contract
from hetong.core.pagination import Sort

from .errors import errors
from .schemas import BodySchema, PageQuery, page_of

router = Router(tags=["approvals"])

BY_PRIORITY = Sort("priority", kind=int)
NEWEST_FIRST = Sort("id", descending=True, kind=int)
Mode = Literal[defs.MODES]
MAX_ID = 2**63 - 1


def _choice(values):
    # Documented as an enum, read as text: the definition's own check names a wrong value in its own words.
    return Annotated[str, WithJsonSchema({"type": "string", "enum": list(values)})]


FactName = _choice(defs.FIELDS)
Operator = _choice(defs.OPS)
ApproverKind = _choice(defs.APPROVER_KINDS)
RoleName = _choice(Role.values)
PersonField = _choice(defs.USER_FIELDS)
ModeName = _choice(defs.MODES)
# JSON numbers arrive as Decimal; pydantic refuses a NaN or an infinite one (JSON has neither).
ConditionValue = bool | int | Decimal | str | list[int | Decimal | str] | None


class ConditionIn(BodySchema):
    field: FactName = Field(description="Or `extra.<key>` for an extra field of the type.")
    op: Operator
    value: ConditionValue = Field(
        None,
        description="A number for gt/gte/lt/lte (amounts in CNY), a list for in/not_in, none for is_true/is_false.",
    )


class ApproverIn(BodySchema):
    kind: ApproverKind
    user: int | None = Field(None, description="kind `user`: the user's id.")
    role: RoleName | None = Field(None, description="kind `role`: everyone with the role.")
    levels: int | None = Field(None, description="kind `manager`: 1 for the owner's manager, 2 above that...")
    field: PersonField | None = Field(None, description="kind `field`: a person of the contract.")


class NodeIn(BodySchema):
    key: str | None = Field(None, max_length=40, description="Unique in the workflow (default step<n>).")
    name: str = Field("", max_length=100)
    mode: ModeName = Field(
        "one",
        description="one: the first approver; all: everyone; any: the first of them to decide; n_of_m: `n`.",
    )
    n: int | None = None
    approvers: list[ApproverIn] = []
    condition: list[ConditionIn] = Field([], description="The step is skipped unless all hold.")
    sla_hours: int | None = Field(None, description="Time limit in business hours (escalation at the limit).")
    remind_share: Decimal | None = Field(None, description="Remind at this share of the limit (0.5).")
    checklist: list[str] = Field([], description="Items an approver ticks before approving.")


class LegalReviewIn(BodySchema):
    when: list[ConditionIn] = Field([], description="Inserted as the last step when any of these holds.")
    approvers: list[ApproverIn] = []
    checklist: list[str] = []
    sla_hours: int | None = None
    name: str | None = Field(None, max_length=100, description="The step's name (default: Legal review).")


class DefinitionIn(BodySchema):
    conditions: list[ConditionIn] = Field([], description="The workflow takes a contract when all hold.")
    nodes: list[NodeIn] = Field([], description="The steps, in order.")
    legal_review: LegalReviewIn | None = None
    fallback_user: int | None = Field(None, description="Takes a step nobody resolves to.")


def _definition(payload: DefinitionIn) -> dict:
    # Only what the client sent: the definition's check supplies its own defaults.
    return payload.model_dump(exclude_unset=True)


def _name(user) -> str:
    return str(user) if user is not None else ""


# --- workflows ------------------------------------------------------------------------------------------------


class WorkflowVersionOut(Schema):
    id: int
    number: int
    definition: dict[str, Any]
    note: str
    published_by: int
    published_at: dt.datetime

    @staticmethod
    def resolve_published_by(obj):
        return obj.published_by_id


class WorkflowOut(Schema):
    id: int
    name: str
    description: str
    priority: int = Field(
        description="Workflows are tried lowest first; the first whose conditions hold wins."
    )
    is_default: bool = Field(description="Takes every contract no other workflow matches.")
    is_active: bool
    current_version: int | None = Field(description="The number of the published version new approvals use.")
    definition: dict[str, Any] | None = Field(description="The published version's definition.")
    updated_at: dt.datetime

    @staticmethod
    def resolve_current_version(obj):
        return obj.current.number if obj.current_id else None

    @staticmethod
    def resolve_definition(obj):
        return obj.current.definition if obj.current_id else None


class WorkflowDetail(WorkflowOut):
    versions: list[WorkflowVersionOut] = Field(description="Every published version, newest first.")

    @staticmethod
    def resolve_versions(obj):
        return list(obj.versions.all())


class WorkflowPage(Schema):
    items: list[WorkflowOut]
    count: int
    next_cursor: str | None


class WorkflowQuery(PageQuery):
    active: bool | None = None


class WorkflowIn(BodySchema):
    name: str = Field(max_length=100)
    description: str = Field("", max_length=255)
    priority: int = Field(100, ge=0, le=32767)
    is_default: bool = False
    is_active: bool = True
    definition: DefinitionIn
    note: str = Field("", max_length=255, description="A note on the first version.")


class WorkflowPatch(BodySchema):
    name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=255)
    priority: int | None = Field(None, ge=0, le=32767)
    is_default: bool | None = None
    is_active: bool | None = None


class WorkflowVersionIn(BodySchema):
    definition: DefinitionIn
    note: str = Field("", max_length=255)


def _workflows():
    return Workflow.objects.select_related("current")


def _workflow_detail(workflow_id: int) -> Workflow:
    return _workflows().prefetch_related("versions").get(pk=workflow_id)


@router.get("/approval-workflows", response={200: WorkflowPage, **errors(400, 401)})
def list_workflows(request, query: Query[WorkflowQuery]):
    qs = _workflows()
    if query.active is not None:
        qs = qs.filter(is_active=query.active)
    return page_of(qs, BY_PRIORITY, query)


@router.get("/approval-workflows/{int:workflow_id}", response={200: WorkflowDetail, **errors(401, 404)})
def get_workflow(request, workflow_id: int):
    return _workflow_detail(workflow_id)


@router.post(
    "/approval-workflows",
    response={201: WorkflowDetail, **errors(400, 401, 403)},
    description="Create a workflow and publish its first version (administrators). A definition that could "
    "not complete is refused with `400 invalid_workflow`, naming each problem; nothing is saved then.",
)
def create_workflow(request, payload: WorkflowIn):
    data = payload.model_dump(exclude={"definition", "note"})
    # One transaction: a refused definition must not leave a workflow without a version behind.
    with transaction.atomic():
        workflow = services.save_workflow(None, by=request.auth, data=data)
        services.publish(
            workflow, by=request.auth, definition=_definition(payload.definition), note=payload.note
        )
    return HttpStatus(201, _workflow_detail(workflow.pk))


@router.patch(
    "/approval-workflows/{int:workflow_id}",
    response={200: WorkflowDetail, **errors(400, 401, 403, 404)},
    description="Change the name, description, order, default or active flag (administrators). Steps change "
    "by publishing a new version.",
)
def update_workflow(request, workflow_id: int, payload: WorkflowPatch):
    workflow = Workflow.objects.get(pk=workflow_id)
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    services.save_workflow(workflow, by=request.auth, data=data)
    return _workflow_detail(workflow_id)


@router.post(
    "/approval-workflows/{int:workflow_id}/versions",
    response={201: WorkflowVersionOut, **errors(400, 401, 403, 404)},
    description="Publish a new version (administrators); approvals already running keep the version they "
    "started with. `400 invalid_workflow` names each problem of the definition.",
)
def publish_version(request, workflow_id: int, payload: WorkflowVersionIn):
    workflow = Workflow.objects.get(pk=workflow_id)
    version = services.publish(
        workflow, by=request.auth, definition=_definition(payload.definition), note=payload.note
    )
    return HttpStatus(201, WorkflowVersion.objects.get(pk=version.pk))


# --- a contract's route and rounds ----------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj):
        return _name(obj)


class RouteStepOut(Schema):
    key: str
    name: str
    mode: Mode
    required: int = Field(description="Approvals the step needs.")
    approvers: list[PersonOut]
    fallback: bool = Field(
        description="Nobody resolved to the step's approvers; the fallback approver takes it."
    )
    skipped: bool = Field(description="The step's own condition does not hold: it is passed over.")
    sla_hours: int | None = Field(description="Time limit in business hours.")
    checklist: list[str]


class RouteOut(Schema):
    workflow: int | None
    workflow_name: str
    version: int | None = Field(description="The number of the workflow version chosen.")
    steps: list[RouteStepOut]


def _contract(request, contract_id: int) -> Contract:
    return (
        Contract.objects.visible_to(request.auth)
        .select_related("contract_type", "customer", "department", "owner")
        .get(pk=contract_id)
    )


@router.get(
    "/contracts/{int:contract_id}/approval-route",
    response={200: RouteOut, **errors(401, 404)},
    description="The workflow a submission of the contract would go through now, with the people of each "
    "step. Without any published workflow `workflow` is null and `steps` empty (approval by hand).",
)
def approval_route(request, contract_id: int):
    contract = _contract(request, contract_id)
    version, steps = services.preview(contract)
    if version is None:
        return {"workflow": None, "workflow_name": "", "version": None, "steps": []}
    return {
        "workflow": version.workflow_id,
        "workflow_name": version.workflow.name,
        "version": version.number,
        "steps": steps,
    }


class TaskBrief(Schema):
    id: int
    user: int
    user_name: str
    status: Task.Status
    comment: str
    checklist: list[str] = Field(description="The checklist items the approver ticked.")
    fallback: bool
    created_at: dt.datetime
    due_at: dt.datetime | None
    decided_at: dt.datetime | None
    on_behalf_of: int | None = Field(description="Delegated: the approver this task stands in for.")
    delegated_from: int | None = Field(description="The task this one was delegated from.")
    added_for: int | None = Field(description="加签: the task whose approval waits for this one.")
    added_by: int | None
    escalated_from: int | None = Field(
        description="An overdue task this manager's copy may decide in place of."
    )

    @staticmethod
    def resolve_user(obj):
        return obj.user_id

    @staticmethod
    def resolve_user_name(obj):
        return _name(obj.user)

    @staticmethod
    def resolve_on_behalf_of(obj):
        return obj.on_behalf_of_id

    @staticmethod
    def resolve_delegated_from(obj):
        return obj.delegated_from_id

    @staticmethod
    def resolve_added_for(obj):
        return obj.added_for_id

    @staticmethod
    def resolve_added_by(obj):
        return obj.added_by_id

    @staticmethod
    def resolve_escalated_from(obj):
        return obj.escalated_from_id


class NodeRunOut(Schema):
    index: int = Field(description="The step's position; `to_step` of a rejection names it.")
    key: str
    name: str
    mode: Mode
    required: int
    status: NodeRun.Status
    sla_hours: int | None
    checklist: list[str] = Field(description="Items an approver must tick before approving.")
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    seconds: int | None = Field(description="Time the step took.")
    business_seconds: int | None = Field(description="Time the step took, counting business hours only.")
    tasks: list[TaskBrief]

    @staticmethod
    def resolve_tasks(obj):
        return list(obj.tasks.all())


class InstanceOut(Schema):
    id: int
    round: int
    status: Instance.Status
    workflow: int
    workflow_name: str
    version: int
    current_step: int = Field(description="The index of the step in progress (or the last one reached).")
    submitted_by: int
    submitted_by_name: str
    contract_version: int
    document: int | None = Field(description="The generated document the approval was submitted with.")
    started_at: dt.datetime
    finished_at: dt.datetime | None
    steps: list[NodeRunOut]

    @staticmethod
    def resolve_workflow(obj):
        return obj.version.workflow_id

    @staticmethod
    def resolve_workflow_name(obj):
        return obj.version.workflow.name

    @staticmethod
    def resolve_version(obj):
        return obj.version.number

    @staticmethod
    def resolve_current_step(obj):
        return obj.current_node

    @staticmethod
    def resolve_submitted_by(obj):
        return obj.submitted_by_id

    @staticmethod
    def resolve_submitted_by_name(obj):
        return _name(obj.submitted_by)

    @staticmethod
    def resolve_document(obj):
        return obj.document_id

    @staticmethod
    def resolve_steps(obj):
        return list(obj.nodes.all())


class InstanceList(Schema):
    items: list[InstanceOut]


def _instances(contract):
    tasks = Task.objects.select_related("user").order_by("position", "id")
    nodes = NodeRun.objects.order_by("index").prefetch_related(Prefetch("tasks", queryset=tasks))
    return (
        Instance.objects.filter(contract=contract)
        .select_related("version__workflow", "submitted_by")
        .prefetch_related(Prefetch("nodes", queryset=nodes))
        .order_by("-round")
    )


@router.get(
    "/contracts/{int:contract_id}/approvals",
    response={200: InstanceList, **errors(401, 404)},
    description="The contract's approval rounds, newest first, with each step's people and decisions.",
)
def list_approvals(request, contract_id: int):
    return {"items": list(_instances(_contract(request, contract_id)))}


@router.post(
    "/contracts/{int:contract_id}/approvals/recall",
    response={200: InstanceOut, **errors(400, 401, 403, 404, 409)},
    description="The submitter takes the contract back before anyone decided; it is a draft again. "
    "`409 not_running` without an approval in progress, `409 already_decided` once someone decided, "
    "`403` for anyone but the submitter.",
)
def recall_approval(request, contract_id: int):
    contract = _contract(request, contract_id)
    instance = services.recall(contract, by=request.auth)
    return _instances(contract).get(pk=instance.pk)


# --- the caller's tasks ---------------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    status: Task.Status
    contract: int
    contract_number: str
    contract_title: str
    instance: int
    round: int
    step: str = Field(description="The step's name.")
    step_index: int
    mode: Mode
    checklist: list[str] = Field(description="Items to tick (send them in `checklist`) before approving.")
    ticked: list[str]
    comment: str
    on_behalf_of: int | None
    added_for: int | None
    escalated_from: int | None
    created_at: dt.datetime
    due_at: dt.datetime | None
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_contract(obj):
        return obj.instance.contract_id

    @staticmethod
    def resolve_contract_number(obj):
        return obj.instance.contract.number

    @staticmethod
    def resolve_contract_title(obj):
        return obj.instance.contract.title

    @staticmethod
    def resolve_instance(obj):
        return obj.instance_id

    @staticmethod
    def resolve_round(obj):
        return obj.instance.round

    @staticmethod
    def resolve_step(obj):
        return obj.node.name

    @staticmethod
    def resolve_step_index(obj):
        return obj.node.index

    @staticmethod
    def resolve_mode(obj):
        return obj.node.mode

    @staticmethod
    def resolve_checklist(obj):
        return obj.node.checklist

    @staticmethod
    def resolve_ticked(obj):
        return obj.checklist

    @staticmethod
    def resolve_on_behalf_of(obj):
        return obj.on_behalf_of_id

    @staticmethod
    def resolve_added_for(obj):
        return obj.added_for_id

    @staticmethod
    def resolve_escalated_from(obj):
        return obj.escalated_from_id


class TaskPage(Schema):
    items: list[TaskOut]
    count: int
    next_cursor: str | None


class TaskQuery(PageQuery):
    status: Literal[tuple(Task.Status.values) + ("all",)] = Field(
        Task.Status.PENDING, description="`pending` (the default): waiting for the caller's decision."
    )


class DecisionIn(BodySchema):
    decision: Literal["approve", "reject", "return"]
    comment: str = Field("", max_length=services.MAX_COMMENT, description="Required to reject or return.")
    to_step: int | None = Field(
        None,
        ge=0,
        le=defs.MAX_NODES,
        description="Reject back to this earlier step (its `index`) instead of to the submitter.",
    )
    checklist: list[str] | None = Field(
        None, description="The checklist items ticked; all are needed to approve."
    )


class DelegateIn(BodySchema):
    user: int = Field(ge=1, le=MAX_ID, description="The user who decides in the caller's place.")
    comment: str = Field("", max_length=services.MAX_COMMENT)


class AddApproverIn(BodySchema):
    user: int = Field(ge=1, le=MAX_ID)
    where: Literal["before", "after"] = Field(
        description="`before`: they decide first, then the task comes back to the caller; `after`: they decide "
        "once the caller approved. Either way the caller's approval counts only with theirs."
    )
    comment: str = Field("", max_length=500)


def _tasks(request):
    return Task.objects.filter(user=request.auth).select_related("node", "instance__contract")


def _task(request, task_id: int) -> Task:
    # Scoped to the caller first: another person's task is a 404, never the service's 403.
    return _tasks(request).get(pk=task_id)


def _user(pk: int):
    return User.objects.filter(pk=pk).first()


@router.get(
    "/approval-tasks",
    response={200: TaskPage, **errors(400, 401)},
    description="The caller's approval tasks, newest first.",
)
def list_tasks(request, query: Query[TaskQuery]):
    qs = _tasks(request)
    if query.status != "all":
        qs = qs.filter(status=query.status)
    return page_of(qs, NEWEST_FIRST, query)


@router.get("/approval-tasks/{int:task_id}", response={200: TaskOut, **errors(401, 404)})
def get_task(request, task_id: int):
    return _task(request, task_id)


@router.post(
    "/approval-tasks/{int:task_id}/decision",
    response={200: TaskOut, **errors(400, 401, 403, 404, 409)},
    description="Approve, reject or return for changes. `400 comment_required` to reject or return without a "
    "comment, `400 checklist_incomplete`, `400 invalid_step`; `409 task_not_pending` when the task no longer "
    "waits for the caller (someone decided first, or the approval moved on).",
)
def decide_task(request, task_id: int, payload: DecisionIn):
    task = _task(request, task_id)
    services.decide(
        task.pk,
        by=request.auth,
        decision=payload.decision,
        comment=payload.comment,
        to_step=payload.to_step,
        checklist=payload.checklist,
    )
    return _task(request, task_id)


@router.post(
    "/approval-tasks/{int:task_id}/delegate",
    response={200: TaskOut, **errors(400, 401, 403, 404, 409)},
    description="Hand the task to someone else, who decides in the caller's place; answers with the caller's "
    "task, now `delegated`. `400 invalid_user`, `self_approval` (the submitter), `duplicate_approver`.",
)
def delegate_task(request, task_id: int, payload: DelegateIn):
    task = _task(request, task_id)
    services.delegate(task.pk, by=request.auth, to=_user(payload.user), comment=payload.comment)
    return _task(request, task_id)


@router.post(
    "/approval-tasks/{int:task_id}/add-approver",
    response={200: TaskOut, **errors(400, 401, 403, 404, 409)},
    description="加签: add an approver before or after the caller in this step; answers with the caller's task "
    "(`waiting` when added before).",
)
def add_approver(request, task_id: int, payload: AddApproverIn):
    task = _task(request, task_id)
    services.add_approver(
        task.pk, by=request.auth, user=_user(payload.user), where=payload.where, comment=payload.comment
    )
    return _task(request, task_id)
