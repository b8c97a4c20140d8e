"""Approval pages: my approvals, the task page and its decisions, recall and the route preview of a contract,
the workflow editor (administrators only) and absence delegations."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hetong.accounts.models import User
from hetong.changes.amendments import diff as amendment_diff
from hetong.contracts.models import Contract
from hetong.contracts.selectors import STATUS_COLOURS
from hetong.core.dates import company_today
from hetong.core.errors import Conflict, DomainError, InvalidInput
from hetong.core.forms import add_domain_error
from hetong.core.pagination import Sort, paginate
from hetong.documents.models import GeneratedDocument
from hetong.documents.selectors import CONTENT_TYPES, file_response, latest_document

from . import selectors, services
from .forms import AddApproverForm, DecisionForm, DelegateForm, DelegationForm, Editor, WorkflowForm
from .models import Delegation, Instance, NodeRun, Task, Workflow

log = logging.getLogger(__name__)
NEWEST_FIRST = Sort("id", descending=True, kind=int)
TASK_OPS = ("decide", "delegate", "add")


def _size(request) -> int:
    try:
        return max(1, min(int(request.GET.get("size") or settings.PAGE_SIZE), 200))
    except ValueError:
        return settings.PAGE_SIZE


# --- my approvals -----------------------------------------------------------------------------------------------


@login_required
def inbox(request):
    decided = request.GET.get("tab") == "decided"
    cursor, page, error = request.GET.get("cursor") or None, None, None
    try:
        page = paginate(
            selectors.inbox(request.user, decided=decided), NEWEST_FIRST, cursor=cursor, size=_size(request)
        )
    except DomainError as exc:
        error = exc.message
    now = timezone.now()
    for task in page.items if page else []:
        task.overdue = task.status == Task.Status.PENDING and task.due_at is not None and task.due_at < now
        task.colour = selectors.TASK_COLOURS.get(task.status, "secondary")
    context = {
        "page": page,
        "error": error,
        "cursor": cursor,
        "decided": decided,
        "query": "tab=decided" if decided else "",
        "section": "decided" if decided else "pending",
    }
    return render(request, "approvals/inbox.html", context, status=400 if error else 200)


# --- the task page ----------------------------------------------------------------------------------------------


def _own_task(request, pk) -> Task:
    """A task of the user's; anyone else's (or a forged id) is a 404."""
    return get_object_or_404(
        Task.objects.filter(user=request.user).select_related(
            "node",
            "on_behalf_of",
            "instance__submitted_by",
            "instance__version__workflow",
            "instance__contract__customer",
            "instance__contract__contract_type",
            "instance__contract__owner",
            "instance__amendment",
        ),
        pk=pk,
    )


def _task_forms(request, task: Task, op: str | None) -> dict:
    instance, node = task.instance, task.node
    earlier = [
        (n.index, n.name) for n in instance.nodes.filter(index__lt=node.index, status=NodeRun.Status.DONE)
    ]
    people = User.objects.filter(is_active=True).exclude(pk__in=[request.user.pk, instance.submitted_by_id])
    data = request.POST if op else None
    return {
        "decide": DecisionForm(
            data if op == "decide" else None, checklist=node.checklist, earlier_steps=earlier
        ),
        "delegate": DelegateForm(data if op == "delegate" else None, people=people.order_by("username")),
        "add": AddApproverForm(data if op == "add" else None, people=people.order_by("username")),
    }


def _perform(op: str, task: Task, user, data: dict) -> str:
    """Call the service for one action of the task page; the message to show once it is done."""
    amendment = task.instance.amendment
    number = str(amendment) if amendment is not None else task.instance.contract.number
    if op == "decide":
        services.decide(
            task.pk,
            by=user,
            decision=data["decision"],
            comment=data["comment"],
            to_step=data.get("to_step"),
            checklist=data.get("checklist"),
        )
        done = {
            "approve": _("You approved %(number)s."),
            "reject": _("You rejected %(number)s."),
            "return": _("You returned %(number)s for changes."),
        }[data["decision"]]
        return done % {"number": number}
    if op == "delegate":
        services.delegate(task.pk, by=user, to=data["to"], comment=data["comment"])
        return _("Your task on %(number)s was handed to %(person)s.") % {
            "number": number,
            "person": data["to"],
        }
    services.add_approver(task.pk, by=user, user=data["user"], where=data["where"], comment=data["comment"])
    return _("%(person)s was added as an approver of %(number)s.") % {
        "number": number,
        "person": data["user"],
    }


@login_required
def task_detail(request, pk):
    task = _own_task(request, pk)
    op = request.POST.get("op") if request.method == "POST" else None
    if request.method == "POST" and op not in TASK_OPS:
        return HttpResponseBadRequest()
    forms = _task_forms(request, task, op)
    status, error = 200, None
    if op:
        form = forms[op]
        if form.is_valid():
            try:
                message = _perform(op, task, request.user, form.cleaned_data)
            except Task.DoesNotExist:
                raise Http404 from None
            except DomainError as exc:
                add_domain_error(form, exc)
                status, error = exc.status, exc
                task = _own_task(request, pk)  # someone may have decided first: show the task as it is now
            else:
                messages.success(request, message)
                return redirect("approvals:inbox")
        else:
            status = 400
    return render(
        request, "approvals/task.html", _task_context(request, task, forms, op, error), status=status
    )


def _document(instance: Instance):
    """What the approver reads: the amendment's document for an amendment, else the contract's newest."""
    if instance.amendment_id:
        return instance.amendment.document
    return latest_document(instance.contract)


def _task_context(request, task: Task, forms: dict, op: str | None, error=None) -> dict:
    instance = task.instance
    contract = instance.contract
    contract.status_colour = STATUS_COLOURS.get(contract.status, "secondary")
    return {
        "task": task,
        "error": error,
        "instance": instance,
        "contract": contract,
        "open_form": op,
        "decide_form": forms["decide"],
        "delegate_form": forms["delegate"],
        "add_form": forms["add"],
        "can_act": task.status == Task.Status.PENDING
        and instance.status == Instance.Status.RUNNING
        and task.node.index == instance.current_node,
        "overdue": task.status == Task.Status.PENDING
        and task.due_at is not None
        and task.due_at < timezone.now(),
        "document": _document(instance),
        "PdfStatus": GeneratedDocument.PdfStatus,
        "amendment": instance.amendment,
        "amendment_changes": amendment_diff(instance.amendment) if instance.amendment_id else None,
        "changes": selectors.changes_since_previous(instance) if instance.round > 1 and not instance.amendment_id else None,
        "rounds": selectors.rounds(contract),
        "can_see_contract": Contract.objects.visible_to(request.user).filter(pk=contract.pk).exists(),
    }


@login_required
def task_document(request, pk, fmt):
    """The contract's newest document for the task's approver, who must read what they decide on even where the
    contract is outside their usual scope (a delegate from another department)."""
    task = _own_task(request, pk)
    document = _document(task.instance)
    if document is None or fmt not in CONTENT_TYPES:
        raise Http404
    try:
        return file_response(document, fmt)
    except Conflict as exc:
        if exc.code == "document_changed":
            log.error("stored %s of generated document %s does not match its sha256", fmt, document.pk)
        messages.error(request, exc.message)
        return redirect("approvals:task", pk=task.pk)
    except InvalidInput:
        raise Http404 from None


# --- a contract's approval: recall, route preview ---------------------------------------------------------------


@login_required
@require_POST
def recall(request, contract_id):
    contract = get_object_or_404(Contract.objects.visible_to(request.user), pk=contract_id)
    try:
        services.recall(contract, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The approval was recalled: %(number)s is a draft again.") % {"number": contract.number},
        )
    return redirect(reverse("contracts:detail", args=[contract.pk]) + "#approvals")


@login_required
def preview(request, contract_id):
    contract = get_object_or_404(
        Contract.objects.visible_to(request.user).select_related(
            "customer", "contract_type", "department", "owner"
        ),
        pk=contract_id,
    )
    version, steps = services.preview(contract)
    rows = [{"step": s, "mode": selectors.mode_label(s.mode, s.required, len(s.approvers))} for s in steps]
    return render(
        request, "approvals/preview.html", {"contract": contract, "version": version, "steps": rows}
    )


# --- workflows (administrators) -------------------------------------------------------------------------------


def _admin_only(request) -> None:
    if not request.user.has_perm("approvals.manage_workflow"):
        raise PermissionDenied


@login_required
def workflow_list(request):
    _admin_only(request)
    workflows = Workflow.objects.select_related("current__published_by").order_by("priority", "id")
    return render(request, "approvals/workflow_list.html", {"workflows": workflows})


@login_required
def workflow_create(request):
    return _workflow_form(request, None)


@login_required
def workflow_edit(request, pk):
    return _workflow_form(request, pk)


def _workflow_form(request, pk):
    _admin_only(request)
    workflow = get_object_or_404(Workflow, pk=pk) if pk is not None else None
    initial = {name: getattr(workflow, name) for name in WorkflowForm.base_fields} if workflow else None
    form = WorkflowForm(request.POST or None, initial=initial)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                workflow = services.save_workflow(workflow, by=request.user, data=form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The workflow %(name)s was saved.") % {"name": workflow.name})
                return redirect("approvals:workflow", pk=workflow.pk)
        else:
            status = 400
    return render(
        request, "approvals/workflow_form.html", {"form": form, "workflow": workflow}, status=status
    )


@login_required
def workflow_detail(request, pk):
    """The definition editor, prefilled from the published version (or `?from=<version>`), and the history."""
    _admin_only(request)
    workflow = get_object_or_404(Workflow.objects.select_related("current"), pk=pk)
    versions = list(workflow.versions.select_related("published_by").order_by("-number"))
    source = next((v for v in versions if str(v.number) == request.GET.get("from")), workflow.current)
    editor = Editor(
        data=request.POST if request.method == "POST" else None,
        definition=source.definition if source else None,
    )
    problems, status = [], 200
    if request.method == "POST":
        status = 400
        if editor.is_valid():
            built = editor.definition()
            if not editor.has_errors():
                try:
                    version = services.publish(workflow, by=request.user, definition=built, note=editor.note)
                except DomainError as exc:
                    problems = [str(p) for p in exc.errors.get("definition", [])] or [str(exc.message)]
                    status = exc.status
                else:
                    messages.success(
                        request,
                        _("Version %(number)s of %(name)s was published.")
                        % {"number": version.number, "name": workflow.name},
                    )
                    return redirect("approvals:workflow", pk=workflow.pk)
    context = {
        "workflow": workflow,
        "versions": versions,
        "source": source,
        "editor": editor,
        "problems": problems,
    }
    return render(request, "approvals/workflow_editor.html", context, status=status)


# --- absence delegations ---------------------------------------------------------------------------------------


@login_required
def delegations(request):
    form = DelegationForm(request.POST or None, user=request.user)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                services.add_delegation(by=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Your absence was saved: new approval tasks go to %(person)s.")
                    % {"person": form.cleaned_data["delegate"]},
                )
                return redirect("approvals:delegations")
        else:
            status = 400
    today = company_today()
    rows = list(Delegation.objects.filter(user=request.user).select_related("delegate").order_by("-start"))
    for row in rows:
        row.upcoming, row.current = row.start > today, row.start <= today <= row.end
    context = {"form": form, "delegations": rows, "section": "delegations"}
    return render(request, "approvals/delegations.html", context, status=status)


@login_required
@require_POST
def delegation_delete(request, pk):
    delegation = get_object_or_404(
        Delegation.objects.filter(user=request.user).select_related("delegate"), pk=pk
    )
    try:
        services.remove_delegation(delegation, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The absence was deleted."))
    return redirect("approvals:delegations")
