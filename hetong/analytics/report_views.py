"""The report pages: the index, each report with its filters, a preview and its exports, and the person's own
scheduled reports. The reports and the schedules' rules are in analytics.reports and analytics.schedules."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from hetong.accounts.models import Department, User
from hetong.contracts.models import ContractType
from hetong.core.errors import DomainError, InvalidInput
from hetong.core.forms import StyledFormMixin, add_domain_error
from hetong.customers.models import Level

from . import reports, schedules, selectors
from .models import ReportSchedule


class DateInput(forms.DateInput):
    input_type = "date"


class ReportFilterForm(StyledFormMixin, forms.Form):
    """The filters as the page shows them; reports.query checks them (the same rules as the API and schedules)."""

    department = forms.ModelChoiceField(Department.objects.order_by("path"), required=False,
                                        empty_label=gettext_lazy("All"), label=gettext_lazy("Department"))
    owner = forms.ModelChoiceField(User.objects.filter(is_active=True).order_by("username"), required=False,
                                   empty_label=gettext_lazy("All"), label=gettext_lazy("Owner"))
    type = forms.ModelChoiceField(ContractType.objects.filter(is_active=True).order_by("code"), required=False,
                                  empty_label=gettext_lazy("All"), label=gettext_lazy("Type"))
    customer_level = forms.ChoiceField(choices=[("", gettext_lazy("All")), *Level.choices], required=False,
                                       label=gettext_lazy("Customer level"))
    # "from" and "to" are Python keywords, so these two are added under their query-string names below.


ReportFilterForm.base_fields["from"] = forms.DateField(required=False, widget=DateInput,
                                                       label=gettext_lazy("Period from"))
ReportFilterForm.base_fields["to"] = forms.DateField(required=False, widget=DateInput, label=gettext_lazy("Period to"))


class ScheduleForm(StyledFormMixin, forms.Form):
    frequency = forms.ChoiceField(choices=ReportSchedule.Frequency.choices, label=gettext_lazy("Frequency"))
    weekday = forms.TypedChoiceField(choices=list(WEEKDAYS.items()), coerce=int, required=False,
                                     label=gettext_lazy("On (weekly)"))
    day_of_month = forms.IntegerField(min_value=1, max_value=28, required=False,
                                      label=gettext_lazy("On day of the month (monthly)"))
    format = forms.ChoiceField(choices=ReportSchedule.Format.choices, label=gettext_lazy("Format"))
    period = forms.ChoiceField(choices=ReportSchedule.Period.choices, label=gettext_lazy("Covering"))


def _report(key: str) -> reports.Report:
    report = reports.get(key)
    if report is None:
        raise Http404
    return report


def _file(made: reports.Export) -> HttpResponse:
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = content_disposition_header(True, made.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _filter_data(data) -> dict:
    return {key: data.getlist(key) for key in (*selectors.FILTERS, "from", "to") if data.getlist(key)}


def _page(request, report, *, data, error=None, schedule_form=None, status=200):
    q = None
    try:
        q = reports.query(request.user, data)
    except InvalidInput as exc:
        error = error or exc
    chosen = _filter_data(data)
    form = ReportFilterForm(initial={key: values[-1] for key, values in chosen.items()})
    labels = {name: field.label for name, field in form.fields.items()}
    pairs = [(key, value) for key, values in chosen.items() for value in values]
    return render(request, "analytics/report_detail.html", {
        "report": report, "form": form, "q": q, "error": error,
        "error_lines": [(labels.get(k, ""), m) for k, msgs in (error.errors.items() if error else []) for m in msgs],
        "preview": reports.preview(report, q) if q else None,
        "schedule_form": schedule_form or ScheduleForm(initial={"frequency": "weekly", "weekday": 0, "format": "xlsx"}),
        "export_query": urlencode(pairs),
        "hidden_filters": [(key, value) for key, value in pairs if key in selectors.FILTERS],
    }, status=400 if error or schedule_form is not None and schedule_form.errors else status)


@login_required
@require_safe
def report_index(request):
    return render(request, "analytics/report_index.html", {"reports": reports.REGISTRY.values()})


@login_required
@require_safe
def report_detail(request, key):
    report = _report(key)
    fmt = request.GET.get("format")
    if fmt:
        try:
            return _file(reports.export(report, reports.query(request.user, request.GET), fmt))
        except InvalidInput as exc:
            return _page(request, report, data=request.GET, error=exc)
    return _page(request, report, data=request.GET)


@login_required
@require_POST
def schedule_create(request, key):
    report = _report(key)
    form = ScheduleForm(request.POST)
    filters = QueryDict(mutable=True)
    for name in selectors.FILTERS:
        if request.POST.getlist(name):
            filters.setlist(name, request.POST.getlist(name))
    try:
        schedules.create_schedule(by=request.user, data={
            "report": report.key, "filters": {name: filters.getlist(name) for name in filters},
            **{name: request.POST.get(name) for name in form.fields}})
    except DomainError as exc:
        add_domain_error(form, exc)
        return _page(request, report, data=filters, schedule_form=form)
    messages.success(request, _("The report will be emailed to you as scheduled."))
    return redirect("analytics:schedules")


@login_required
@require_safe
def schedule_list(request):
    rows = list(ReportSchedule.objects.filter(user=request.user).order_by("-created_at", "-id"))
    described = reports.describe([[(k, v) for k, values in row.filters.items() for v in values] for row in rows])
    for row, filters in zip(rows, described, strict=True):
        row.described = filters
        found = reports.get(row.report)
        row.title = found.title if found else row.report
        row.day = WEEKDAYS.get(row.weekday) if row.frequency == ReportSchedule.Frequency.WEEKLY else row.day_of_month
        row.url = reverse("analytics:report", args=[row.report]) if found else ""
    return render(request, "analytics/schedule_list.html", {"schedules": rows})


@login_required
@require_POST
def schedule_delete(request, pk):
    schedule = ReportSchedule.objects.filter(user=request.user, pk=pk).first()
    if schedule is None:
        raise Http404
    schedules.delete_schedule(schedule, by=request.user)
    messages.success(request, _("The scheduled report was deleted."))
    return redirect("analytics:schedules")
