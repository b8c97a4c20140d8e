"""The clause library: list by category and language, a clause with every version (and what changed from the
one before), new clauses, proposed versions and their approval. Everyone signed in may read it."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hetong.core.errors import DomainError
from hetong.core.forms import add_domain_error

from .. import services
from ..forms import ClauseFilterForm, ClauseTextForm, NewClauseForm
from ..models import Clause, ClauseVersion
from .templates import catalogue


def _require(request, perm: str, obj=None) -> None:
    if not rules.has_perm(perm, request.user, obj):
        raise PermissionDenied


def _clause(pk) -> Clause:
    return get_object_or_404(Clause.objects.select_related("current"), pk=pk)


def clause_rows(form: ClauseFilterForm):
    """The clauses the filters ask for, each with `waiting`: the number of the newest draft that is newer than the
    approved version (None when nothing waits)."""
    waiting = ClauseVersion.objects.filter(
        clause=OuterRef("pk"), state=ClauseVersion.State.DRAFT, number__gt=Coalesce(OuterRef("current__number"), 0)
    ).order_by("-number").values("number")[:1]
    clauses = Clause.objects.select_related("current").annotate(waiting=Subquery(waiting))
    data = form.cleaned_data
    if data.get("q"):
        clauses = clauses.filter(Q(key__icontains=data["q"]) | Q(title__icontains=data["q"]))
    for name in ("category", "language"):
        if data.get(name):
            clauses = clauses.filter(**{name: data[name]})
    if data.get("waiting"):
        clauses = clauses.filter(waiting__isnull=False)
    # Categories in the order the model lists them (payment, delivery, …), not alphabetically by their codes.
    category_order = Case(
        *(When(category=value, then=Value(n)) for n, value in enumerate(Clause.Category.values)),
        default=Value(len(Clause.Category.values)), output_field=IntegerField(),
    )
    return clauses.order_by(category_order, "key", "language")


@login_required
@require_safe
def clause_list(request):
    form = ClauseFilterForm(request.GET)
    valid = form.is_valid()
    return render(request, "documents/clause_list.html", {
        "form": form, "clauses": clause_rows(form) if valid else [],
        "can_manage": rules.has_perm("documents.manage_clause", request.user),
    }, status=200 if valid else 400)


def _detail(request, clause: Clause, *, error=None):
    versions = list(clause.versions.select_related("created_by", "approved_by"))  # newest first
    for version, previous in zip(versions, versions[1:], strict=False):
        version.changes = services.redline(previous.text, version.text)
        version.previous = previous
    return render(request, "documents/clause_detail.html", {
        "clause": clause, "versions": versions, "error": error,
        "can_manage": rules.has_perm("documents.manage_clause", request.user, clause),
        "can_approve": rules.has_perm("documents.approve_clause", request.user, clause),
    }, status=error.status if error else 200)


@login_required
@require_safe
def clause_detail(request, pk):
    return _detail(request, _clause(pk))


@login_required
def clause_create(request):
    _require(request, "documents.manage_clause")
    form = NewClauseForm(request.POST or None)
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        try:
            clause = services.create_clause(
                by=request.user, data=form.service_data(), text=form.cleaned_data["text"], alternatives=form.alternatives()
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("The clause %(key)s was created as a draft.") % {"key": clause.key})
            return redirect("documents:clause_detail", pk=clause.pk)
    return render(request, "documents/clause_form.html", {"form": form, **catalogue()}, status=status)


@login_required
def clause_propose(request, pk):
    """Edit a clause: the text, prefilled from its newest version, becomes a new draft version."""
    clause = _clause(pk)
    _require(request, "documents.manage_clause", clause)
    form = ClauseTextForm(request.POST or None, version=clause.versions.order_by("-number").first())
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        try:
            version = services.propose_clause_version(
                clause, by=request.user, text=form.cleaned_data["text"], alternatives=form.alternatives(),
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("Version %(number)s was proposed; it is used once it is approved.")
                             % {"number": version.number})
            return redirect("documents:clause_detail", pk=clause.pk)
    return render(request, "documents/clause_form.html", {"form": form, "clause": clause, **catalogue()}, status=status)


@login_required
@require_POST
def clause_approve(request, pk, version_pk):
    version = get_object_or_404(ClauseVersion.objects.select_related("clause"), pk=version_pk, clause_id=pk)
    _require(request, "documents.approve_clause", version.clause)
    try:
        services.approve_clause_version(version, by=request.user)
    except DomainError as exc:
        return _detail(request, _clause(pk), error=exc)
    messages.success(request, _("Version %(number)s is approved; new documents use it.") % {"number": version.number})
    return redirect("documents:clause_detail", pk=pk)

