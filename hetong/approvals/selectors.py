"""Reads that build the approval pages: the inbox, a contract's rounds with their steps and people, and what
changed between two rounds. Each is a fixed number of queries, whatever the number of rounds or tasks."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from hetong.accounts.models import User
from hetong.audit.models import AuditEvent

from .models import Instance, NodeRun, Task

T = Task.Status
DECIDED = (T.APPROVED, T.REJECTED, T.RETURNED, T.DELEGATED)

MODE_LABELS = {
    "one": _("Single approver"),
    "all": _("All must approve (countersign)"),
    "any": _("Any one may approve"),
    "n_of_m": _("N of M must approve"),
}
TASK_COLOURS = {
    T.PENDING: "yellow",
    T.WAITING: "secondary",
    T.APPROVED: "green",
    T.REJECTED: "red",
    T.RETURNED: "orange",
    T.DELEGATED: "azure",
    T.CANCELLED: "secondary",
}
INSTANCE_COLOURS = {
    Instance.Status.RUNNING: "azure",
    Instance.Status.APPROVED: "green",
    Instance.Status.REJECTED: "red",
    Instance.Status.RETURNED: "orange",
    Instance.Status.RECALLED: "secondary",
    Instance.Status.CANCELLED: "dark",
}
NODE_COLOURS = {
    NodeRun.Status.WAITING: "secondary",
    NodeRun.Status.ACTIVE: "azure",
    NodeRun.Status.DONE: "green",
    NodeRun.Status.SKIPPED: "secondary",
    NodeRun.Status.REJECTED: "red",
    NodeRun.Status.CANCELLED: "secondary",
}
# What may change a contract between two rounds: shown to the approvers of the next one.
CHANGE_VERBS = (
    "contract.update",
    "contract.party_add",
    "contract.party_update",
    "contract.party_remove",
    "contract.signatory_add",
    "contract.signatory_remove",
    "contract.line_item_added",
    "contract.line_item_updated",
    "contract.line_item_removed",
    "contract.file_upload",
    "document.generated",
)


def mode_label(mode: str, required: int | None = None, of: int | None = None) -> str:
    if mode == "n_of_m" and required is not None and of is not None:
        return str(_("%(n)s of %(m)s must approve") % {"n": required, "m": of})
    return str(MODE_LABELS.get(mode, mode))


def inbox(user, *, decided: bool = False):
    """The user's tasks waiting for a decision (or the ones they decided), with what the list shows."""
    tasks = Task.objects.filter(user=user)
    if decided:
        tasks = tasks.filter(status__in=DECIDED)
    else:
        tasks = tasks.filter(status=T.PENDING, instance__status=Instance.Status.RUNNING)
    return tasks.select_related(
        "node",
        "on_behalf_of",
        "instance__submitted_by",
        "instance__contract__customer",
        "instance__amendment",
    )


@dataclass
class Step:
    node: NodeRun
    mode: str
    tasks: list = field(default_factory=list)
    planned: list = field(default_factory=list)  # the route's people, for a step that has not started
    fallback: bool = False


def _mark(task: Task, by_id: dict) -> None:
    """Why this person is on the step, for the history: delegated, escalated, added (加签), fallback."""
    task.colour = TASK_COLOURS.get(task.status, "secondary")
    task.delegated_by = by_id[task.delegated_from_id].user if task.delegated_from_id in by_id else None
    task.escalated_for = by_id[task.escalated_from_id].user if task.escalated_from_id in by_id else None
    parent = by_id.get(task.added_for_id) if task.added_by_id else None
    task.added_where = None if parent is None else ("before" if task.position < parent.position else "after")


def rounds(contract) -> list[Instance]:
    """Every approval round of the contract, newest first, each with `.steps` (list of Step) — four queries."""
    instances = list(
        Instance.objects.filter(contract=contract)
        .select_related("version__workflow", "submitted_by", "amendment")
        .order_by("-round")
    )
    if not instances:
        return []
    nodes = list(NodeRun.objects.filter(instance__in=instances).order_by("instance_id", "index"))
    tasks = list(
        Task.objects.filter(instance__in=instances)
        .select_related("user", "on_behalf_of", "added_by")
        .order_by("node_id", "position", "id")
    )
    by_id = {t.pk: t for t in tasks}
    by_node: dict[int, list] = {}
    for task in tasks:
        _mark(task, by_id)
        by_node.setdefault(task.node_id, []).append(task)
    by_instance: dict[int, list] = {}
    for node in nodes:
        by_instance.setdefault(node.instance_id, []).append(node)
    # People of the steps that have not started yet, read once for every round.
    waiting = {
        pk
        for i in instances
        for n in by_instance.get(i.pk, [])
        if n.pk not in by_node
        for pk in _route_step(i, n.index).get("approvers", [])
    }
    people = User.objects.in_bulk(waiting) if waiting else {}
    for instance in instances:
        instance.colour = INSTANCE_COLOURS.get(instance.status, "secondary")
        instance.steps = []
        for node in by_instance.get(instance.pk, []):
            route = _route_step(instance, node.index)
            node.colour = NODE_COLOURS.get(node.status, "secondary")
            step_tasks = by_node.get(node.pk, [])
            approvers = route.get("approvers", [])
            instance.steps.append(
                Step(
                    node=node,
                    mode=mode_label(node.mode, node.required, len(approvers)),
                    tasks=step_tasks,
                    planned=[] if step_tasks else [people[pk] for pk in approvers if pk in people],
                    fallback=bool(route.get("fallback")),
                )
            )
    return instances


def _route_step(instance: Instance, index: int) -> dict:
    route = instance.route or []
    return route[index] if 0 <= index < len(route) else {}


def changes_since_previous(instance: Instance) -> dict | None:
    """For a second or later round: the contract's recorded edits since the previous round ended, and the redline
    of the document submitted then against the one submitted now (when both exist and differ)."""
    from hetong.documents.models import GeneratedDocument
    from hetong.documents.services import redline

    previous = (
        Instance.objects.filter(contract_id=instance.contract_id, round__lt=instance.round)
        .order_by("-round")
        .first()
    )
    if previous is None:
        return None
    since = previous.finished_at or previous.started_at
    events = list(
        AuditEvent.objects.for_target(instance.contract)
        .filter(verb__in=CHANGE_VERBS, at__gte=since, at__lte=instance.started_at)
        .select_related("actor")
        .order_by("seq")
    )
    lines, old_doc, new_doc = None, None, None
    if previous.document_id and instance.document_id and previous.document_id != instance.document_id:
        docs = GeneratedDocument.objects.only("pk", "number", "text").in_bulk(
            [previous.document_id, instance.document_id]
        )
        old_doc, new_doc = docs.get(previous.document_id), docs.get(instance.document_id)
        if old_doc and new_doc:
            lines = redline(old_doc.text, new_doc.text)
    return {
        "previous": previous,
        "events": events,
        "redline": lines,
        "old_doc": old_doc,
        "new_doc": new_doc,
        "same_document": previous.document_id == instance.document_id,
    }
