"""The contract pages: list and export, detail with its status actions, create and edit, parties, files,
and the calendars of key dates with their iCalendar files."""

import datetime as dt
import logging
import re

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hetong.approvals import services as approvals
from hetong.core.dates import company_today
from hetong.core.errors import DomainError, InvalidInput, StaleVersion
from hetong.core.exports import export_response
from hetong.core.pagination import order, paginate
from hetong.notifications.models import CalendarFeed

from . import ics, selectors, services
from .filters import SORT_CHOICES, ContractFilter, sort_for
from .forms import (
    ActionForm,
    ContractForm,
    PartyForm,
    SignatoryForm,
    UploadForm,
    VersionUploadForm,
    party_forms,
    show_service_error,
    style_contract_filters,
)
from .models import TRANSITIONS, Contract, ContractFile, FileVersion, Signatory

log = logging.getLogger(__name__)
MAX_PAGE_SIZE = 200


def _contract(request, pk) -> Contract:
    """A contract the user may see; any other id (foreign, forged, deleted) is a 404."""
    return get_object_or_404(
        Contract.objects.visible_to(request.user).select_related(
            "contract_type", "customer", "entity", "owner", "department", "submitted_by"
        ),
        pk=pk,
    )


# --- list and export -------------------------------------------------------------------------------------


def _page_size(raw) -> int:
    if raw in (None, ""):
        return settings.PAGE_SIZE
    try:
        return max(1, min(int(raw), MAX_PAGE_SIZE))
    except ValueError:
        raise InvalidInput(_("The page size must be a whole number."), code="bad_page_size") from None


def _filters(request) -> ContractFilter:
    filterset = ContractFilter(request.GET, queryset=selectors.list_queryset(request.user), request=request)
    style_contract_filters(filterset.form)
    return filterset


def _without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _list_page(request, filterset, *, page=None, error=None):
    return render(
        request,
        "contracts/list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": selectors.with_progress(selectors.decorate(page.items)) if page else [],
            "error": error,
            "sort": request.GET.get("sort") or "-id",
            "sort_choices": SORT_CHOICES,
            "cursor": request.GET.get("cursor"),
            "query": _without(request, "cursor"),
            "export_query": _without(request, "cursor", "size", "format"),
            "filters_open": bool(set(request.GET) - {"sort", "size", "cursor", "q"})
            or bool(filterset.errors),
            "can_create": rules.has_perm("contracts.add_contract", request.user),
            "can_generate_many": rules.has_perm("documents.generate_many", request.user),
            "can_renew_many": rules.has_perm("changes.renew_many", request.user),
        },
        status=400 if error or filterset.errors else 200,
    )


@login_required
def contract_list(request):
    filterset = _filters(request)
    if not filterset.is_valid():
        return _list_page(request, filterset, error=_("Some filters are not valid; correct them below."))
    try:
        size = _page_size(request.GET.get("size"))
        page = paginate(
            filterset.qs, sort_for(request.GET.get("sort")), cursor=request.GET.get("cursor"), size=size
        )
    except DomainError as exc:
        return _list_page(request, filterset, error=exc.message)
    return _list_page(request, filterset, page=page)


@login_required
def contract_export(request):
    if not rules.has_perm("contracts.export_contracts", request.user):
        raise PermissionDenied
    filterset = _filters(request)
    if not filterset.is_valid():
        return _list_page(request, filterset, error=_("Some filters are not valid; correct them below."))
    rows = selectors.export_rows(order(filterset.qs, sort_for(request.GET.get("sort"))))
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return export_response(fmt, _export_columns(), rows, filename=f"contracts-{company_today():%Y%m%d}")


def _export_columns():
    # Labels are translated now: the rows are written after this view has returned.
    status_labels = {value: str(label) for value, label in Contract.Status.choices}
    return [
        (_("Number"), lambda c: c.number),
        (_("Title"), lambda c: c.title),
        (_("Customer"), lambda c: c.customer.name),
        (_("Type"), lambda c: c.contract_type.name),
        (_("Status"), lambda c: status_labels.get(c.status, c.status)),
        (_("Amount"), lambda c: c.amount),
        (_("Currency"), lambda c: c.currency),
        (_("Signed date"), lambda c: c.signed_date),
        (_("Effective date"), lambda c: c.effective_date),
        (_("End date"), lambda c: c.end_date),
        (_("Notice deadline"), lambda c: c.notice_deadline),
        (_("Owner"), lambda c: str(c.owner)),
        (_("Department"), lambda c: c.department.name if c.department else ""),
        (_("Tags"), lambda c: ", ".join(t.name for t in c.tags.all())),
    ]


# --- detail and status actions ---------------------------------------------------------------------------


def _detail(request, contract, *, error=None, posted=None, bound=None):
    """The detail page; after a refused change, with the message, its status, and `bound` (a refused form)
    shown open with the user's input."""
    context = selectors.contract_page(contract, request.user)
    if contract.status == Contract.Status.IN_REVIEW and approvals.running(contract) is not None:
        # The approval workflow decides; the hand Approve and Reject would only be refused (approval_running).
        context["actions"] = [a for a in context["actions"] if a["name"] not in ("approve", "reject")]
    if bound is not None and error is not None:
        show_service_error(bound, error)
    context.update(party_forms(contract, request.user, context["parties"], bound=bound))
    context.update(error=error, posted=posted or {})
    return render(request, "contracts/detail.html", context, status=error.status if error else 200)


@login_required
def contract_detail(request, pk):
    return _detail(request, _contract(request, pk))


@login_required
@require_POST
def contract_action(request, pk, action):
    if action not in services.ACTIONS:
        raise Http404
    contract = _contract(request, pk)
    form = ActionForm(request.POST, request.FILES)
    try:
        params = form.params_for(services.ACTIONS[action])
        services.perform_action(contract, action, by=request.user, **params)
    except DomainError as exc:
        posted = {
            "action": action,
            "note": request.POST.get("note", ""),
            "signed_date": request.POST.get("signed_date", ""),
            "terminated_on": request.POST.get("terminated_on", ""),
        }
        return _detail(request, _contract(request, pk), error=exc, posted=posted)
    messages.success(request, _("%(action)s: done.") % {"action": TRANSITIONS[action].label})
    return redirect("contracts:detail", pk=contract.pk)


# --- create and edit -------------------------------------------------------------------------------------


def _form_page(request, form, contract=None, *, status=200):
    if request.htmx and request.method == "GET":
        return render(request, "contracts/form.html#extra-fields", {"form": form})
    return render(request, "contracts/form.html", {"form": form, "contract": contract}, status=status)


@login_required
def contract_create(request):
    if not rules.has_perm("contracts.add_contract", request.user):
        raise PermissionDenied
    form = ContractForm(
        request.POST or None,
        user=request.user,
        contract_type=request.GET.get("contract_type"),
        can_reassign=rules.has_perm("contracts.reassign_contract", request.user),
    )
    if not form.is_bound:
        return _form_page(request, form)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    try:
        contract = services.create_contract(by=request.user, data=form.service_data())
    except DomainError as exc:
        form.add_service_error(exc)
        return _form_page(request, form, status=exc.status)
    messages.success(request, _("Contract %(number)s was created.") % {"number": contract.number})
    return redirect("contracts:detail", pk=contract.pk)


@login_required
def contract_edit(request, pk):
    contract = _contract(request, pk)
    if not rules.has_perm("contracts.change_contract", request.user, contract):
        raise PermissionDenied
    form = ContractForm(
        request.POST or None,
        user=request.user,
        contract=contract,
        contract_type=request.GET.get("contract_type"),
        can_reassign=rules.has_perm("contracts.reassign_contract", request.user, contract),
    )
    if not form.is_bound:
        return _form_page(request, form, contract)
    if not form.is_valid():
        return _form_page(request, form, contract, status=400)
    try:
        data = form.service_data(changed_only=True)
        if data:
            services.update_contract(
                contract, by=request.user, version=form.cleaned_data["version"], data=data
            )
        elif form.cleaned_data["version"] != contract.version:
            raise StaleVersion()  # nothing to save, but the page was out of date: say so rather than "saved"
    except DomainError as exc:
        form.add_service_error(exc)
        return _form_page(request, form, contract, status=exc.status)
    messages.success(request, _("The contract was saved.") if data else _("Nothing was changed."))
    return redirect("contracts:detail", pk=contract.pk)


# --- parties and signatories -----------------------------------------------------------------------------


@login_required
@require_POST
def party_add(request, pk):
    contract = _contract(request, pk)
    form = PartyForm(request.POST)
    try:
        party = services.add_party(contract, by=request.user, data=form.service_data())
    except DomainError as exc:
        return _detail(request, contract, error=exc, bound=form)
    messages.success(request, _("%(name)s was added to the parties.") % {"name": party.name})
    return redirect("contracts:detail", pk=contract.pk)


@login_required
@require_POST
def party_edit(request, pk, party_pk):
    contract = _contract(request, pk)
    form = PartyForm(request.POST, party=get_object_or_404(contract.parties, pk=party_pk))
    try:
        data = form.service_data()
        party = services.update_party(form.party, by=request.user, data=data)
    except DomainError as exc:
        return _detail(request, contract, error=exc, bound=form)
    done = _("The party %(name)s was saved.") % {"name": party.name}
    messages.success(request, done if data else _("Nothing was changed."))
    return redirect("contracts:detail", pk=contract.pk)


@login_required
@require_POST
def party_remove(request, pk, party_pk):
    contract = _contract(request, pk)
    party = get_object_or_404(contract.parties, pk=party_pk)
    try:
        services.remove_party(party, by=request.user)
    except DomainError as exc:
        return _detail(request, contract, error=exc)
    messages.success(request, _("%(name)s was removed from the parties.") % {"name": party.name})
    return redirect("contracts:detail", pk=contract.pk)


@login_required
@require_POST
def signatory_add(request, pk, party_pk):
    contract = _contract(request, pk)
    form = SignatoryForm(request.POST, party=get_object_or_404(contract.parties, pk=party_pk))
    try:
        signatory = services.add_signatory(form.party, by=request.user, data=form.service_data())
    except DomainError as exc:
        return _detail(request, contract, error=exc, bound=form)
    messages.success(
        request,
        _("%(name)s signs for %(party)s.") % {"name": signatory.name, "party": form.party.name},
    )
    return redirect("contracts:detail", pk=contract.pk)


@login_required
@require_POST
def signatory_remove(request, pk, party_pk, signatory_pk):
    contract = _contract(request, pk)
    signatory = get_object_or_404(
        Signatory.objects.select_related("party"),
        pk=signatory_pk,
        party__pk=party_pk,
        party__contract=contract,
    )
    try:
        services.remove_signatory(signatory, by=request.user)
    except DomainError as exc:
        return _detail(request, contract, error=exc)
    messages.success(
        request,
        _("%(name)s no longer signs for %(party)s.")
        % {"name": signatory.name, "party": signatory.party.name},
    )
    return redirect("contracts:detail", pk=contract.pk)


# --- files -----------------------------------------------------------------------------------------------


def _upload(request, contract, form, *, file=None):
    try:
        if not form.is_valid():
            raise InvalidInput(errors={k: list(v) for k, v in form.errors.items()})
        services.upload_file(
            contract,
            by=request.user,
            upload=form.cleaned_data["file"],
            kind=form.cleaned_data.get("kind") or ContractFile.Kind.ATTACHMENT,
            file=file,
        )
    except DomainError as exc:
        return _detail(request, contract, error=exc)
    messages.success(request, _("The file %(name)s was uploaded.") % {"name": form.cleaned_data["file"].name})
    return redirect("contracts:detail", pk=contract.pk)


@login_required
@require_POST
def file_upload(request, pk):
    return _upload(request, _contract(request, pk), UploadForm(request.POST, request.FILES))


@login_required
@require_POST
def file_version_upload(request, pk, file_pk):
    contract = _contract(request, pk)
    file = get_object_or_404(contract.files, pk=file_pk)
    return _upload(request, contract, VersionUploadForm(request.POST, request.FILES), file=file)


@login_required
def file_download(request, pk, version_pk):
    contract = _contract(request, pk)
    version = get_object_or_404(
        FileVersion.objects.select_related("file"), pk=version_pk, file__contract=contract
    )
    if not version.intact():
        # Never hand out bytes that are not the ones uploaded: a scrub or a restore must look at it first.
        error = services.stored_file_changed(contract, what=version.original_name, expected_sha256=version.sha256,
                                             by=request.user)
        return _detail(request, contract, error=error)
    return version.response()


# --- calendars -------------------------------------------------------------------------------------------


# Dates a calendar page may be asked for; beyond them the grid's neighbouring months would leave the calendar.
CALENDAR_YEARS = range(1900, 3000)


def _calendar_day(raw: str | None, pattern: str) -> dt.date | None:
    """A month ("2026-03", its first day) or a day ("2026-03-31") from the query; None when absent,
    ValueError when malformed or outside CALENDAR_YEARS."""
    if not raw:
        return None
    match = re.fullmatch(pattern, raw.strip())
    if not match:
        raise ValueError(raw)
    day = dt.date(int(match["y"]), int(match["m"]), int(match.groupdict().get("d") or 1))
    if day.year not in CALENDAR_YEARS:
        raise ValueError(raw)
    return day


def _calendar_filters(request, errors: list) -> dict:
    """The kind filter and the "mine only" switch; a kind that does not exist is reported, not ignored."""
    kind = request.GET.get("kind") or None
    if kind and kind not in dict(selectors.kind_choices()):
        errors.append(_("There is no such kind of date; all kinds are shown."))
        kind = None
    return {"kind": kind, "mine": request.GET.get("mine") == "1"}


def _calendar_page(request, template, context, errors):
    filters = {key: request.GET[key] for key in ("kind", "mine") if request.GET.get(key)}
    context.update(
        errors=errors,
        kind_choices=selectors.kind_choices(),
        legend=selectors.kind_legend(),
        filter_query=urlencode(filters),
        feed=CalendarFeed.objects.filter(user=request.user).first(),
    )
    return render(request, template, context, status=400 if errors else 200)


@login_required
def calendar_month(request):
    errors = []
    try:
        month = _calendar_day(request.GET.get("month"), r"(?P<y>\d{4})-(?P<m>\d{1,2})")
    except ValueError:
        errors.append(_("Give the month as YYYY-MM (for example 2026-03); this month is shown instead."))
        month = None
    filters = _calendar_filters(request, errors)
    context = selectors.calendar_month(request.user, month=month or company_today(), **filters)
    return _calendar_page(request, "contracts/calendar_month.html", context, errors)


@login_required
def calendar_agenda(request):
    errors = []
    try:
        start = _calendar_day(request.GET.get("start"), r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
    except ValueError:
        errors.append(_("Give the start date as YYYY-MM-DD; today is used instead."))
        start = None
    filters = _calendar_filters(request, errors)
    context = selectors.calendar_agenda(request.user, start=start, **filters)
    return _calendar_page(request, "contracts/calendar_agenda.html", context, errors)


@login_required
@require_POST
def calendar_feed_issue(request):
    raw = services.issue_calendar_feed(by=request.user)
    # The address is on this page and nowhere else, ever: only its hash is stored.
    response = render(
        request,
        "contracts/calendar_feed_issued.html",
        {"feed_url": request.build_absolute_uri(reverse("calendar:feed", args=[raw]))},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def calendar_feed_revoke(request):
    services.revoke_calendar_feed(by=request.user)
    messages.success(
        request, _("Your calendar address no longer works; calendar apps subscribed to it stop updating.")
    )
    return redirect("calendar:month")


@require_safe
def calendar_feed(request, token):
    """The personal feed, fetched by calendar apps without a session: the token in the address is the key."""
    feed = CalendarFeed.objects.authenticate(token)
    if feed is None:
        raise Http404
    response = HttpResponse(ics.user_feed(feed.user), content_type="text/calendar; charset=utf-8")
    response["Content-Language"] = feed.user.language  # the owner's, not the one the app's request asks for
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_safe
def contract_ics(request, pk):
    contract = _contract(request, pk)
    response = HttpResponse(ics.contract_calendar(contract), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{contract.number}.ics")
    return response
