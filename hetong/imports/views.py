"""Import pages: the list of imports, a new import (with each kind's template), a job's page with its progress,
problems and the button that imports it. The rules are in services."""

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hetong.core.errors import DomainError
from hetong.core.exports import csv_response
from hetong.core.forms import add_domain_error
from hetong.core.pagination import Sort, paginate

from . import files, services
from .forms import ImportForm
from .models import ImportJob, Kind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _allowed(request) -> None:
    if not rules.has_perm("imports.import_data", request.user):
        raise PermissionDenied


def _job(request, pk) -> ImportJob:
    """A job the user may see (their own; an administrator's: every one); any other id is a 404."""
    return get_object_or_404(ImportJob.objects.visible_to(request.user).select_related("created_by"), pk=pk)


@login_required
@require_safe
def job_list(request):
    _allowed(request)
    jobs = ImportJob.objects.visible_to(request.user).select_related("created_by")
    mine = not request.user.is_admin or request.GET.get("scope") != "all"
    if mine:
        jobs = jobs.filter(created_by=request.user)
    cursor = request.GET.get("cursor") or None
    try:
        page = paginate(jobs, Sort("id", descending=True, kind=int), cursor=cursor, size=settings.PAGE_SIZE)
    except DomainError:
        return redirect(request.path)
    scope = "" if mine else "scope=all"
    return render(request, "imports/list.html", {"page": page, "mine": mine, "cursor": cursor, "query": scope,
                                                 "Status": ImportJob.Status})


@login_required
@require_http_methods(["GET", "POST"])
def job_new(request):
    _allowed(request)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_import(by=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("imports:detail", pk=job.pk)
    return render(request, "imports/new.html", {"form": form, "kinds": Kind.choices},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_safe
def template(request, kind: str, fmt: str):
    _allowed(request)
    if kind not in Kind.values or fmt not in files.TEMPLATE_FORMATS:
        raise Http404
    name = f"hetong-{kind}-template.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(files.template_xlsx(kind, request.user), content_type=XLSX)
    else:
        response = HttpResponse(files.template_csv(kind, request.user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_safe
def job_detail(request, pk):
    _allowed(request)
    job = _job(request, pk)
    context = {"job": job, "progress": services.progress_of(job), "percent": services.percent_of(job),
               "problems": job.problems[:PROBLEMS_SHOWN], "shown": PROBLEMS_SHOWN, "Status": ImportJob.Status}
    if request.htmx:
        return render(request, "imports/detail.html#job", context)
    return render(request, "imports/detail.html", context)


PROBLEMS_SHOWN = 1000  # the rest are in the problems file


@login_required
@require_safe
def job_problems(request, pk):
    _allowed(request)
    job = _job(request, pk)
    columns = [(_("Row"), lambda p: p["row"] or ""), (_("Column"), lambda p: p["column"]),
               (_("Problem"), lambda p: p["message"])]
    return csv_response(columns, job.problems, f"import-{job.pk}-problems")


@login_required
@require_POST
def job_commit(request, pk):
    _allowed(request)
    job = _job(request, pk)
    try:
        job = services.commit_import(job, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if job.status == ImportJob.Status.COMMITTED:
            messages.success(request, _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                             % {"created": job.created_count, "updated": job.updated_count,
                                "unchanged": job.unchanged_count})
        elif job.status == ImportJob.Status.FAILED:
            messages.error(request, _("Nothing was imported: the file met the problems listed below."))
    return redirect("imports:detail", pk=job.pk)
