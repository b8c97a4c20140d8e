"""Approval workflows: versioned definitions, and the instances, node runs and tasks of each approval.

A definition is a JSON document checked by `definition.parse` (conditions, nodes, approvers, SLA, legal review);
publishing it makes an immutable `WorkflowVersion`, and an instance keeps the version it started with.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hetong.core.models import TimeStamped


class Workflow(TimeStamped):
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Workflows are tried in this order (lowest first); the first match wins.")
    )
    is_default = models.BooleanField(
        _("default workflow"), default=False, help_text=_("Catches every contract no other workflow matches.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    current = models.ForeignKey(
        "WorkflowVersion", verbose_name=_("published version"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("approval workflow")
        verbose_name_plural = _("approval workflows")
        ordering = ["priority", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="workflow_name_unique"),
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="workflow_one_default"),
        ]

    def __str__(self):
        return self.name


class WorkflowVersion(models.Model):
    workflow = models.ForeignKey(Workflow, verbose_name=_("workflow"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    note = models.CharField(_("change note"), max_length=255, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        verbose_name = _("workflow version")
        verbose_name_plural = _("workflow versions")
        ordering = ["workflow", "-number"]
        constraints = [models.UniqueConstraint(fields=["workflow", "number"], name="workflowversion_number_unique")]

    def __str__(self):
        return f"{self.workflow} v{self.number}"


class Delegation(models.Model):
    """While `user` is away (start to end, inclusive), new tasks of theirs go to `delegate`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("absence delegation")
        verbose_name_plural = _("absence delegations")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="delegation_end_after_start"),
            models.CheckConstraint(condition=~Q(user=models.F("delegate")), name="delegation_not_to_self"),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.delegate_id} {self.start}..{self.end}"


class Instance(models.Model):
    """One approval round of a contract: started by submitting it, ended by the last approval, a rejection, a
    return for changes or a recall."""

    class Status(models.TextChoices):
        RUNNING = "running", _("In progress")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for changes")
        RECALLED = "recalled", _("Recalled")
        CANCELLED = "cancelled", _("Ended: contract cancelled")

    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="approvals"
    )
    # Set when the round approves an amendment of the contract (its changed terms), not the contract itself.
    amendment = models.ForeignKey(
        "changes.Amendment", verbose_name=_("amendment"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="approvals",
    )
    round = models.PositiveIntegerField(_("round"))
    version = models.ForeignKey(WorkflowVersion, verbose_name=_("workflow version"), on_delete=models.PROTECT,
                                related_name="instances")
    # The route as it was resolved at submission: [{"key", "name", "mode", "n", "approvers": [user ids], ...}]
    route = models.JSONField(_("route"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    current_node = models.PositiveSmallIntegerField(_("current step"), default=0)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contract_version = models.PositiveIntegerField(_("contract version submitted"))
    document = models.ForeignKey(
        "documents.GeneratedDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    decisions = models.PositiveIntegerField(default=0)  # decisions taken; a recall is allowed only before the first

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["contract", "-round"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "round"], name="instance_round_unique"),
            models.UniqueConstraint(fields=["contract"], condition=Q(status="running"), name="instance_one_running"),
        ]

    def __str__(self):
        return f"{self.contract_id} #{self.round}"


class NodeRun(models.Model):
    """One step of an instance as it ran: when it started and ended (per-node durations for analytics)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ACTIVE = "active", _("In progress")
        DONE = "done", _("Approved")
        SKIPPED = "skipped", _("Skipped")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="nodes")
    index = models.PositiveSmallIntegerField(_("step"))
    key = models.CharField(max_length=40)
    name = models.CharField(_("name"), max_length=100)
    mode = models.CharField(_("mode"), max_length=10)
    required = models.PositiveSmallIntegerField(_("approvals needed"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    business_seconds = models.PositiveIntegerField(_("duration in business hours (s)"), null=True, blank=True)
    sla_hours = models.PositiveSmallIntegerField(_("time limit (business hours)"), null=True, blank=True)
    checklist = models.JSONField(default=list, blank=True)
    # Counts the step's activations: a rejection back to it starts it again, and only the tasks of the current
    # activation count towards completing it (the earlier ones stay as history).
    activation = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["instance", "index"]
        constraints = [models.UniqueConstraint(fields=["instance", "index"], name="noderun_index_unique")]

    def __str__(self):
        return f"{self.instance_id}:{self.index} {self.name}"


class Task(models.Model):
    """One person's part in one step."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        WAITING = "waiting", _("Waiting for another approver")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned for changes")
        DELEGATED = "delegated", _("Delegated")
        CANCELLED = "cancelled", _("No longer needed")

    node = models.ForeignKey(NodeRun, on_delete=models.CASCADE, related_name="tasks")
    activation = models.PositiveSmallIntegerField(default=0)  # the step's activation this task belongs to
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="tasks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT,
                             related_name="approval_tasks")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # 加签: an approver added before (who decides first) or after (who decides next) the one who added them.
    position = models.SmallIntegerField(default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    delegated_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The approver whose decision this one is part of (加签 before or after them): their approval counts once
    # every task added for them has approved too.
    added_for = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="added")
    # An escalated copy (the approver's manager) stands in the same place as the task it copies: whichever of the
    # two decides first decides for both.
    escalated_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", help_text=_("The approver this task was delegated from."))
    fallback = models.BooleanField(_("fallback approver"), default=False,
                                   help_text=_("The step's approver could not be resolved; the workflow's fallback took it."))
    comment = models.TextField(_("comment"), blank=True)
    checklist = models.JSONField(default=list, blank=True)  # the items the reviewer ticked
    created_at = models.DateTimeField(_("assigned at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("approval task")
        verbose_name_plural = _("approval tasks")
        ordering = ["instance", "node__index", "position", "id"]
        indexes = [
            models.Index(fields=["user", "status"], name="task_user_status_idx"),
            models.Index(fields=["status", "remind_at"], name="task_remind_idx", condition=Q(status="pending")),
            models.Index(fields=["status", "due_at"], name="task_due_idx", condition=Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.instance_id}:{self.node_id} {self.user_id} {self.status}"
