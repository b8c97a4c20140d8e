"""Running approvals: one function per action, each in one transaction that locks the instance row first, so
concurrent decisions on one step are taken in turn (PostgreSQL: SELECT … FOR UPDATE; SQLite: IMMEDIATE
transactions) and a step completes exactly once.

Decisions: approve, reject (to the submitter, or back to an earlier step), return for changes; delegate a task;
add an approver before or after oneself (加签); recall by the submitter before the first decision. Time limits in
business hours remind the approver at a share of the limit and escalate to their manager at the limit
(`run_slas`, a step of the scheduler).
"""

import logging

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hetong.audit.services import record
from hetong.contracts.models import Contract
from hetong.contracts.services import require
from hetong.core.dates import company_today
from hetong.core.errors import Conflict, InvalidInput, PermissionDenied
from hetong.core.workdays import add_business_hours, business_seconds_between, company_calendar

from . import definition as defs
from .models import Delegation, Instance, NodeRun, Task, Workflow, WorkflowVersion

log = logging.getLogger(__name__)
T = Task.Status
DECISIONS = ("approve", "reject", "return")
MAX_COMMENT = 2000


# --- definitions ----------------------------------------------------------------------------------------------

def save_workflow(workflow: Workflow | None, *, by, data: dict) -> Workflow:
    """Create or edit a workflow's name, order, default flag and active flag (its steps are published)."""
    require(by, "approvals.manage_workflow")
    name = str(data.get("name", workflow.name if workflow else "")).strip()[:100]
    if not name:
        raise InvalidInput(errors={"name": [_("This field is required.")]})
    with transaction.atomic():
        clash = Workflow.objects.filter(name=name)
        if workflow is not None:
            clash = clash.exclude(pk=workflow.pk)
        if clash.exists():
            raise InvalidInput(errors={"name": [_("A workflow with this name exists already.")]}, code="duplicate")
        workflow = workflow or Workflow()
        workflow.name = name
        for key in ("description",):
            if key in data:
                setattr(workflow, key, str(data[key] or "")[:255])
        if "priority" in data:
            try:
                workflow.priority = max(0, min(32767, int(data["priority"])))
            except (TypeError, ValueError):
                raise InvalidInput(errors={"priority": [_("Enter a whole number.")]}) from None
        for key in ("is_default", "is_active"):
            if key in data:
                setattr(workflow, key, bool(data[key]))
        if workflow.is_default:
            Workflow.objects.filter(is_default=True).exclude(pk=workflow.pk).update(is_default=False)
        workflow.save()
        record(actor=by, verb="workflow.saved", target=workflow, data={"name": name, "default": workflow.is_default})
    return workflow


def publish(workflow: Workflow, *, by, definition: dict, note: str = "") -> WorkflowVersion:
    """Check the definition and make it the workflow's next version; running approvals keep theirs."""
    require(by, "approvals.manage_workflow")
    clean = defs.parse(definition)
    with transaction.atomic():
        locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
        number = (locked.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = WorkflowVersion.objects.create(workflow=locked, number=number, definition=clean,
                                                 note=str(note or "")[:255], published_by=by)
        Workflow.objects.filter(pk=locked.pk).update(current=version, updated_at=timezone.now())
        record(actor=by, verb="workflow.published", target=locked, data={"version": number})
    workflow.current = version
    return version


def preview(contract: Contract, *, submitter=None):
    """Which workflow version a contract would go through, and its steps with the people of each."""
    version = defs.choose(contract)
    if version is None:
        return None, []
    return version, defs.steps_for(version.definition, contract, submitter=submitter or contract.owner)


# --- starting -------------------------------------------------------------------------------------------------

def running(contract, *, any_subject: bool = False) -> Instance | None:
    """The contract's own running approval (or, with any_subject, one of its amendments' too)."""
    rows = Instance.objects.filter(contract=contract, status=Instance.Status.RUNNING)
    return (rows if any_subject else rows.filter(amendment__isnull=True)).first()


def running_for(amendment) -> Instance | None:
    return Instance.objects.filter(amendment=amendment, status=Instance.Status.RUNNING).first()


def start(contract: Contract, *, by, now=None, amendment=None) -> Instance | None:
    """Start an approval of a contract (or of an amendment of it) just submitted (call inside the submitting
    transaction). Without any published workflow there is none, and it is approved by hand as before. An amendment is
    routed by the terms the contract would have once amended."""
    from hetong.documents.selectors import latest_document

    if amendment is not None:
        from hetong.changes.amendments import routing_subject

        subject, document = routing_subject(amendment), amendment.document
    else:
        subject, document = contract, latest_document(contract)
    version = defs.choose(subject)
    if version is None:
        return None
    now = now or timezone.now()
    steps = defs.steps_for(version.definition, subject, submitter=by)
    round_number = (Instance.objects.filter(contract=contract).order_by("-round").values_list("round", flat=True).first() or 0) + 1
    instance = Instance.objects.create(
        contract=contract, amendment=amendment, round=round_number, version=version, route=[s.as_json() for s in steps],
        submitted_by=by, contract_version=contract.version, document=document, started_at=now,
    )
    NodeRun.objects.bulk_create(
        NodeRun(instance=instance, index=i, key=s.key, name=s.name, mode=s.mode, required=s.required,
                status=NodeRun.Status.SKIPPED if s.skipped else NodeRun.Status.WAITING, sla_hours=s.sla_hours,
                checklist=s.checklist)
        for i, s in enumerate(steps)
    )
    record(actor=by, verb="approval.started", target=contract,
           data={"instance": instance.pk, "round": round_number, **({"amendment": amendment.label} if amendment else {}), "workflow": version.workflow.name, "version": version.number,
                 "steps": [s.name for s in steps if not s.skipped]})
    _advance(instance, from_index=0, now=now, actor=by)
    return instance


def _advance(instance: Instance, *, from_index: int, now, actor) -> None:
    """Activate the first step at or after `from_index` that is not skipped; with none left, approve."""
    nodes = list(instance.nodes.filter(index__gte=from_index).order_by("index"))
    for node in nodes:
        if node.status == NodeRun.Status.SKIPPED:
            continue
        Instance.objects.filter(pk=instance.pk).update(current_node=node.index)
        instance.current_node = node.index
        _activate(instance, node, now=now)
        return
    _finish(instance, Instance.Status.APPROVED, now=now, actor=actor)


def _activate(instance: Instance, node: NodeRun, *, now) -> None:
    from hetong.accounts.models import User

    step = instance.route[node.index]
    node.status, node.started_at, node.finished_at = NodeRun.Status.ACTIVE, now, None
    node.activation += 1
    node.save(update_fields=["status", "started_at", "finished_at", "activation"])
    people = {u.pk: u for u in User.objects.filter(pk__in=step["approvers"])}
    for position, pk in enumerate(step["approvers"]):
        user = people.get(pk)
        if user is None:
            continue
        _create_task(instance, node, user, now=now, position=position * 10, fallback=step.get("fallback", False))


def _absent_delegate(user, today):
    delegation = (
        Delegation.objects.filter(user=user, start__lte=today, end__gte=today).select_related("delegate")
        .order_by("-start").first()
    )
    return delegation.delegate if delegation and delegation.delegate.is_active else None


def _create_task(instance, node, user, *, now, position=0, status=T.PENDING, fallback=False, **links) -> Task:
    on_behalf_of = None
    delegate = _absent_delegate(user, company_today())
    if delegate is not None and delegate.pk != instance.submitted_by_id:
        on_behalf_of, user = user, delegate
    task = Task(instance=instance, node=node, activation=node.activation, user=user, status=status, position=position,
                fallback=fallback, on_behalf_of=on_behalf_of, created_at=now, **links)
    if status == T.PENDING:
        _set_deadlines(task, node, now)
    task.save()
    if status == T.PENDING:
        _tell_approver(task)
    return task


def _set_deadlines(task: Task, node: NodeRun, now) -> None:
    if node.sla_hours:
        calendar = company_calendar()
        share = task.instance.route[node.index].get("remind_share", 0.5)
        task.due_at = add_business_hours(now, node.sla_hours, calendar)
        task.remind_at = add_business_hours(now, node.sla_hours * share, calendar)


def task_url(task: Task) -> str:
    return reverse("approvals:task", args=[task.pk])


def _tell_approver(task: Task) -> None:
    from hetong.notifications.models import Notification
    from hetong.notifications.services import notify

    contract = task.instance.contract
    notify(task.user, kind=Notification.Kind.APPROVAL,
           title=gettext_lazy("Approval needed: %(number)s %(title)s") % {"number": contract.number, "title": contract.title},
           body=gettext_lazy("Step: %(step)s.") % {"step": task.node.name}, url=task_url(task), contract=contract)


# --- deciding -------------------------------------------------------------------------------------------------

def _locked(task_id: int, by) -> tuple[Instance, Task]:
    """The task's instance and the task, locked, after checking that `by` may act on it now."""
    task = Task.objects.filter(pk=task_id).only("instance_id").first()
    if task is None:
        raise Task.DoesNotExist
    instance = Instance.objects.select_for_update().select_related("contract").get(pk=task.instance_id)
    task = Task.objects.select_for_update().select_related("node").get(pk=task_id)
    task.instance = instance
    if task.user_id != by.pk:
        raise PermissionDenied(_("This task is not yours."))
    if task.status != T.PENDING or instance.status != Instance.Status.RUNNING or task.node.index != instance.current_node:
        raise Conflict(
            _("This task is no longer waiting for you (it is %(status)s): someone else decided first, or the approval "
              "moved on. Reload the page.") % {"status": task.get_status_display()},
            code="task_not_pending",
        )
    if by.pk == instance.submitted_by_id:
        raise PermissionDenied(_("You cannot approve a contract you submitted."))
    return instance, task


def _close(task: Task, status: str, *, now, comment: str = "", checklist=None) -> None:
    updated = Task.objects.filter(pk=task.pk, status=T.PENDING).update(
        status=status, decided_at=now, comment=comment, checklist=checklist or []
    )
    if not updated:  # cannot happen under the instance lock; refuse rather than decide twice
        raise Conflict(_("This task was decided already."), code="task_not_pending")
    task.status, task.decided_at, task.comment = status, now, comment
    if task.escalated_from_id:  # the manager decided for the approver
        Task.objects.filter(pk=task.escalated_from_id, status=T.PENDING).update(status=T.CANCELLED, decided_at=now)
    Task.objects.filter(escalated_from=task, status=T.PENDING).update(status=T.CANCELLED, decided_at=now)


def decide(task_id: int, *, by, decision: str, comment: str = "", to_step: int | None = None,
           checklist: list | None = None, now=None) -> Task:
    """Approve, reject (to the submitter, or back to an earlier step with `to_step`) or return for changes."""
    if decision not in DECISIONS:
        raise InvalidInput(errors={"decision": [_("Choose approve, reject or return.")]}, code="invalid_decision")
    comment = str(comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(errors={"comment": [_("Too long.")]})
    if decision in ("reject", "return") and not comment:
        raise InvalidInput(errors={"comment": [_("Say why: a comment is required.")]}, code="comment_required")
    now = now or timezone.now()
    with transaction.atomic():
        instance, task = _locked(task_id, by)
        node = task.node
        ticked = [str(item) for item in (checklist or [])]
        if decision == "approve" and node.checklist and set(node.checklist) - set(ticked):
            raise InvalidInput(errors={"checklist": [_("Tick every item of the checklist before approving.")]},
                               code="checklist_incomplete")
        if to_step is not None:
            if decision != "reject" or not isinstance(to_step, int) or not 0 <= to_step < node.index:
                raise InvalidInput(errors={"to_step": [_("Choose an earlier step.")]}, code="invalid_step")
            if instance.nodes.get(index=to_step).status != NodeRun.Status.DONE:
                raise InvalidInput(errors={"to_step": [_("Choose an earlier step.")]}, code="invalid_step")
        status = {"approve": T.APPROVED, "reject": T.REJECTED, "return": T.RETURNED}[decision]
        _close(task, status, now=now, comment=comment, checklist=ticked)
        Instance.objects.filter(pk=instance.pk).update(decisions=F("decisions") + 1)
        record(actor=by, verb=f"approval.{decision}", target=instance.contract,
               data={"instance": instance.pk, "round": instance.round, "step": node.name, "task": task.pk,
                     "comment": comment[:500], **({"to_step": to_step} if to_step is not None else {})})
        if decision == "approve":
            _after_approval(instance, task, now=now, actor=by)
        elif decision == "reject" and to_step is not None:
            _end_node(node, NodeRun.Status.REJECTED, now)
            _cancel_pending(instance, now)
            for later in instance.nodes.filter(index__gt=to_step, index__lt=node.index).exclude(status=NodeRun.Status.SKIPPED):
                later.status = NodeRun.Status.WAITING
                later.save(update_fields=["status"])
            target = instance.nodes.get(index=to_step)
            Instance.objects.filter(pk=instance.pk).update(current_node=to_step)
            instance.current_node = to_step
            _activate(instance, target, now=now)
        else:
            _end_node(node, NodeRun.Status.REJECTED, now)
            _finish(instance, Instance.Status.REJECTED if decision == "reject" else Instance.Status.RETURNED,
                    now=now, actor=by, note=comment)
    return task


def _slot_approved(task: Task, tasks: list[Task]) -> bool:
    """An approval counts once every approver added for it (加签) approved as well."""
    if task.status != T.APPROVED:
        return False
    return all(_slot_approved(other, tasks) for other in tasks if other.added_for_id == task.pk)


def _after_approval(instance: Instance, task: Task, *, now, actor) -> None:
    node = task.node
    tasks = list(Task.objects.filter(node=node, activation=node.activation))
    by_id = {t.pk: t for t in tasks}
    # 加签: an approver added after this one may decide now; one this approver waited for hands back to them.
    for other in tasks:
        if other.added_for_id == task.pk and other.status == T.WAITING:
            _wake(other, instance, node, now)
    if task.added_for_id and by_id[task.added_for_id].status == T.WAITING:
        waiting = by_id[task.added_for_id]
        if all(t.status == T.APPROVED for t in tasks if t.added_for_id == waiting.pk):
            _wake(waiting, instance, node, now)
    tasks = list(Task.objects.filter(node=node, activation=node.activation))
    roots = [t for t in tasks if t.added_for_id is None and t.escalated_from_id is None and t.status != T.DELEGATED]
    # A delegated task's place is taken by its delegate's task (which has delegated_from set and no added_for).
    approved = sum(1 for t in roots if _slot_approved(t, tasks) or _escalation_approved(t, tasks))
    outstanding = any(t.status in (T.PENDING, T.WAITING) for t in tasks)
    if node.mode == "all":
        complete = not outstanding and approved >= node.required
    else:
        complete = approved >= node.required
    if complete:
        _end_node(node, NodeRun.Status.DONE, now)
        Task.objects.filter(node=node, status__in=[T.PENDING, T.WAITING]).update(status=T.CANCELLED, decided_at=now)
        _advance(instance, from_index=node.index + 1, now=now, actor=actor)


def _wake(task: Task, instance: Instance, node: NodeRun, now) -> None:
    """A waiting task's turn has come (加签): it is pending from now, with its own time limit, and its approver is told."""
    task.status, task.created_at, task.instance, task.node = T.PENDING, now, instance, node
    _set_deadlines(task, node, now)
    Task.objects.filter(pk=task.pk).update(status=T.PENDING, created_at=now, due_at=task.due_at, remind_at=task.remind_at)
    _tell_approver(task)


def _escalation_approved(task: Task, tasks: list[Task]) -> bool:
    return any(t.escalated_from_id == task.pk and _slot_approved(t, tasks) for t in tasks)


def _end_node(node: NodeRun, status: str, now) -> None:
    node.status, node.finished_at = status, now
    if node.started_at:
        node.seconds = int((now - node.started_at).total_seconds())
        node.business_seconds = business_seconds_between(node.started_at, now)
    node.save(update_fields=["status", "finished_at", "seconds", "business_seconds"])


def _cancel_pending(instance: Instance, now) -> None:
    Task.objects.filter(instance=instance, status__in=[T.PENDING, T.WAITING]).update(status=T.CANCELLED, decided_at=now)


def _finish(instance: Instance, status: str, *, now, actor, note: str = "") -> None:
    from hetong.contracts.services.status import _transition

    _cancel_pending(instance, now)
    instance.nodes.filter(status__in=[NodeRun.Status.ACTIVE, NodeRun.Status.WAITING]).update(status=NodeRun.Status.CANCELLED)
    Instance.objects.filter(pk=instance.pk).update(status=status, finished_at=now)
    instance.status = status
    action = {Instance.Status.APPROVED: "approve", Instance.Status.REJECTED: "reject",
              Instance.Status.RETURNED: "return_for_changes", Instance.Status.RECALLED: "withdraw"}[status]
    if instance.amendment_id:
        from hetong.changes import amendments

        amendments.transition(instance.amendment, action, by=actor, note=note)
    else:
        _transition(instance.contract, action, by=actor, enforce=False, status_note=note[:500])
    _tell_submitter(instance, status)


def _tell_submitter(instance: Instance, status: str) -> None:
    from hetong.notifications.models import Notification
    from hetong.notifications.services import notify

    if status == Instance.Status.RECALLED:
        return
    contract, amendment = instance.contract, instance.amendment
    titles = {
        Instance.Status.APPROVED: gettext_lazy("Approved: %(number)s %(title)s"),
        Instance.Status.REJECTED: gettext_lazy("Rejected: %(number)s %(title)s"),
        Instance.Status.RETURNED: gettext_lazy("Returned for changes: %(number)s %(title)s"),
    }
    if amendment is not None:
        number, title, url = str(amendment), amendment.title, reverse("changes:amendment", args=[amendment.pk])
    else:
        number, title = contract.number, contract.title
        url = reverse("contracts:detail", args=[contract.pk]) + "#approvals"
    notify(instance.submitted_by, kind=Notification.Kind.APPROVAL,
           title=titles[status] % {"number": number, "title": title}, url=url, contract=contract)


# --- delegating, adding approvers, recalling ------------------------------------------------------------------

def _other_user(user, instance: Instance, node: NodeRun):
    if user is None or not user.is_active:
        raise InvalidInput(errors={"user": [_("Choose an active user.")]}, code="invalid_user")
    if user.pk == instance.submitted_by_id:
        raise InvalidInput(errors={"user": [_("The submitter cannot approve their own contract.")]}, code="self_approval")
    if Task.objects.filter(node=node, user=user, status__in=[T.PENDING, T.WAITING]).exists():
        raise InvalidInput(errors={"user": [_("This person has a task in this step already.")]}, code="duplicate_approver")


def delegate(task_id: int, *, by, to, comment: str = "", now=None) -> Task:
    """Hand one task to someone else; they decide in the approver's place."""
    now = now or timezone.now()
    with transaction.atomic():
        instance, task = _locked(task_id, by)
        _other_user(to, instance, task.node)
        _close(task, T.DELEGATED, now=now, comment=str(comment or "")[:MAX_COMMENT])
        new = _create_task(instance, task.node, to, now=now, position=task.position, delegated_from=task,
                           added_for=task.added_for)
        if task.added_for_id is None:
            Task.objects.filter(added_for=task).update(added_for=new)
        record(actor=by, verb="approval.delegate", target=instance.contract,
               data={"instance": instance.pk, "step": task.node.name, "task": task.pk, "to": to.get_username()})
    return new


def add_approver(task_id: int, *, by, user, where: str, comment: str = "", now=None) -> Task:
    """加签: `before` — the added person decides first, then the task comes back; `after` — they decide after
    this approver approves. Either way this approval counts only once theirs is given too."""
    if where not in ("before", "after"):
        raise InvalidInput(errors={"where": [_("Choose before or after.")]})
    now = now or timezone.now()
    with transaction.atomic():
        instance, task = _locked(task_id, by)
        _other_user(user, instance, task.node)
        if where == "before":
            Task.objects.filter(pk=task.pk).update(status=T.WAITING)
            added = _create_task(instance, task.node, user, now=now, position=task.position - 1, added_by=by,
                                 added_for=task)
        else:
            added = _create_task(instance, task.node, user, now=now, position=task.position + 1, added_by=by,
                                 added_for=task, status=T.WAITING)
        record(actor=by, verb="approval.add_approver", target=instance.contract,
               data={"instance": instance.pk, "step": task.node.name, "user": user.get_username(), "where": where,
                     "comment": str(comment or "")[:500]})
    return added


def recall(contract: Contract, *, by, now=None, amendment=None) -> Instance:
    """The submitter takes the contract (or the amendment) back before anyone decided; it is a draft again."""
    now = now or timezone.now()
    with transaction.atomic():
        instance = Instance.objects.select_for_update().select_related("contract").filter(
            contract=contract, amendment=amendment, status=Instance.Status.RUNNING
        ).first()
        if instance is None:
            raise Conflict(_("There is no approval in progress to recall."), code="not_running")
        if by.pk != instance.submitted_by_id:
            raise PermissionDenied(_("Only the person who submitted it can recall it."))
        if instance.decisions:
            raise Conflict(_("Someone has decided already: the approval can no longer be recalled."), code="already_decided")
        record(actor=by, verb="approval.recall", target=contract, data={"instance": instance.pk, "round": instance.round})
        _finish(instance, Instance.Status.RECALLED, now=now, actor=by)
    return instance


def close_for_cancelled(contract: Contract, now=None, *, amendment=None) -> None:
    """The contract (or the amendment) was cancelled while in review: its running approval ends and its open tasks
    go away."""
    now = now or timezone.now()
    instance = Instance.objects.select_for_update().filter(
        contract=contract, amendment=amendment, status=Instance.Status.RUNNING).first()
    if instance is None:
        return
    _cancel_pending(instance, now)
    instance.nodes.filter(status__in=[NodeRun.Status.ACTIVE, NodeRun.Status.WAITING]).update(status=NodeRun.Status.CANCELLED)
    Instance.objects.filter(pk=instance.pk).update(status=Instance.Status.CANCELLED, finished_at=now)


# --- time limits ----------------------------------------------------------------------------------------------

def run_slas(now=None) -> dict:
    """Remind approvers at their share of a step's time limit and escalate to their manager at the limit, once
    each (claimed by a conditional UPDATE, so two schedulers never send twice)."""
    from hetong.notifications.models import Notification
    from hetong.notifications.services import notify

    now = now or timezone.now()
    reminded = escalated = 0
    for task in Task.objects.filter(status=T.PENDING, remind_at__lte=now, reminded_at__isnull=True).select_related(
        "node", "instance__contract", "user"
    )[:500]:
        with transaction.atomic():
            if not Task.objects.filter(pk=task.pk, status=T.PENDING, reminded_at__isnull=True).update(reminded_at=now):
                continue
            contract = task.instance.contract
            notify(task.user, kind=Notification.Kind.REMINDER,
                   title=gettext_lazy("Approval due soon: %(number)s %(title)s") % {"number": contract.number, "title": contract.title},
                   body=gettext_lazy("Decide by %(due)s.") % {"due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
                   url=task_url(task), contract=contract)
            reminded += 1
    people = defs.People()
    for task in Task.objects.filter(status=T.PENDING, due_at__lte=now, escalated_at__isnull=True).select_related(
        "node", "instance__contract", "user"
    )[:500]:
        with transaction.atomic():
            if not Task.objects.filter(pk=task.pk, status=T.PENDING, escalated_at__isnull=True).update(escalated_at=now):
                continue
            manager = people.manager_of(people.users.get(task.user_id))
            contract = task.instance.contract
            record(actor=None, verb="approval.escalate", target=contract,
                   data={"instance": task.instance_id, "step": task.node.name, "task": task.pk,
                         "to": manager.get_username() if manager else None})
            escalated += 1
            if manager is None or manager.pk == task.instance.submitted_by_id:
                continue
            copy = Task.objects.create(instance=task.instance, node=task.node, activation=task.activation, user=manager,
                                       status=T.PENDING, position=task.position, escalated_from=task,
                                       added_for=task.added_for, created_at=now)
            notify(manager, kind=Notification.Kind.ESCALATION,
                   title=gettext_lazy("Overdue approval: %(number)s %(title)s") % {"number": contract.number, "title": contract.title},
                   body=gettext_lazy("%(person)s has not decided step %(step)s in time; you may decide in their place.")
                   % {"person": str(task.user), "step": task.node.name},
                   url=task_url(copy), contract=contract)
    return {"reminded": reminded, "escalated": escalated}


def pending_count(user) -> int:
    return Task.objects.filter(user=user, status=T.PENDING, instance__status=Instance.Status.RUNNING).count()



# --- absence delegations --------------------------------------------------------------------------------------

def add_delegation(*, by, delegate, start, end, note: str = "") -> Delegation:
    """While `by` is away (start to end), their new approval tasks go to `delegate`."""
    if delegate is None or not delegate.is_active:
        raise InvalidInput(errors={"delegate": [_("Choose an active user.")]}, code="invalid_user")
    if delegate.pk == by.pk:
        raise InvalidInput(errors={"delegate": [_("Choose someone other than yourself.")]}, code="self_delegation")
    if start is None or end is None or end < start:
        raise InvalidInput(errors={"end": [_("The end date must be on or after the start date.")]}, code="bad_dates")
    if start < company_today():
        raise InvalidInput(errors={"start": [_("The start date cannot be in the past.")]}, code="bad_dates")
    with transaction.atomic():
        # Overlapping absences would leave it to chance who gets a task: refuse them.
        if Delegation.objects.select_for_update().filter(user=by, start__lte=end, end__gte=start).exists():
            raise InvalidInput(errors={"start": [_("This overlaps another of your absences.")]}, code="overlap")
        delegation = Delegation.objects.create(user=by, delegate=delegate, start=start, end=end, note=str(note or "")[:255])
        record(actor=by, verb="approval.delegation_add", target=by,
               data={"to": delegate.get_username(), "start": str(start), "end": str(end)})
    return delegation


def remove_delegation(delegation: Delegation, *, by) -> None:
    """Delete an absence that has not begun; one that has already routed tasks stays on record."""
    if delegation.user_id != by.pk:
        raise PermissionDenied()
    if delegation.start <= company_today():
        raise Conflict(_("This absence has begun: it can no longer be deleted."), code="delegation_started")
    with transaction.atomic():
        record(actor=by, verb="approval.delegation_remove", target=by,
               data={"to": delegation.delegate.get_username(), "start": str(delegation.start), "end": str(delegation.end)})
        delegation.delete()
