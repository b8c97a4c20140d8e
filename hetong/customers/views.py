import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hetong.contracts.models import Contract
from hetong.core.errors import DomainError, StaleVersion
from hetong.core.exports import export_response
from hetong.core.forms import add_domain_error, style_filter_form
from hetong.core.pagination import paginate

from . import archive, services
from .filters import SORT_CHOICES, CustomerFilter, sort_for
from .forms import ContactForm, CustomerForm, InteractionForm
from .models import Customer
from .selectors import customer_360, customer_list, status_badge

MAX_PAGE_SIZE = 200


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("size") or settings.PAGE_SIZE)
    except ValueError:
        size = settings.PAGE_SIZE
    return max(1, min(size, MAX_PAGE_SIZE))


def _query(request, *drop: str) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


def _filter_form(filterset):
    style_filter_form(filterset.form)
    return filterset


def _visible(request, pk) -> Customer:
    # Outside the user's scope a customer does not exist for them: 404, never 403.
    return get_object_or_404(Customer.objects.visible_to(request.user).select_related("owner", "department"), pk=pk)


def _require(request, perm: str, obj=None) -> None:
    if not rules.has_perm(perm, request.user, obj):
        raise PermissionDenied


@login_required
def customer_list_view(request):
    filterset = _filter_form(CustomerFilter(request.GET, queryset=customer_list(request.user)))
    cursor, page, error, status = request.GET.get("cursor") or None, None, None, 200
    if filterset.is_valid():
        try:
            page = paginate(filterset.qs, sort_for(request.GET.get("sort")), cursor=cursor, size=_page_size(request))
        except DomainError as exc:
            error, status = exc.message, exc.status
        for customer in page.items if page else []:
            customer.badge = status_badge(customer)
    else:
        error, status = _("Some filters are not valid; correct them and search again."), 400
    return render(request, "customers/customer_list.html", {
        "filter": filterset, "page": page, "error": error, "cursor": cursor, "query": _query(request, "cursor"),
        "export_query": _query(request, "cursor", "size", "format"), "sort_choices": SORT_CHOICES,
        "sort": request.GET.get("sort") or "-id", "size": _page_size(request),
        "can_add": rules.has_perm("customers.add_customer", request.user),
    }, status=status)


@login_required
def customer_export(request):
    filterset = CustomerFilter(request.GET, queryset=customer_list(request.user).order_by("id"))
    if not filterset.is_valid():
        return HttpResponseBadRequest(_("Some filters are not valid; correct them and export again."))
    columns = [
        (_("Name"), lambda c: c.name),
        (_("Unified social credit code"), lambda c: c.credit_code),
        (_("Industry"), lambda c: c.get_industry_display()),
        (_("Level"), lambda c: c.get_level_display()),
        (_("Region"), lambda c: c.region),
        (_("Status"), lambda c: c.get_status_display()),
        (_("Owner"), lambda c: str(c.owner)),
        (_("Department"), lambda c: str(c.department or "")),
        (_("Tags"), lambda c: ", ".join(t.name for t in c.tags.all())),
        (_("Contracts"), lambda c: c.contract_count),
    ]
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return export_response(fmt, columns, filterset.qs.iterator(chunk_size=1000), "customers")


def _detail(request, customer: Customer, *, interaction_form=None, status=200):
    data = customer_360(customer, request.user)
    can_log = rules.has_perm("customers.add_interaction", request.user, customer)
    if can_log and interaction_form is None:
        interaction_form = _interaction_form(request, customer)
    return render(request, "customers/customer_detail.html", {
        "customer": customer, "data": data, "badge": status_badge(customer), "interaction_form": interaction_form,
        "customer_label": Customer._meta.label_lower,
        "can_change": rules.has_perm("customers.change_customer", request.user, customer), "can_log": can_log,
    }, status=status)


def _interaction_form(request, customer, data=None) -> InteractionForm:
    contracts = Contract.objects.visible_to(request.user).filter(customer=customer)
    # The most recent hundred are enough to pick from; a big customer's page stays fast.
    recent = contracts.order_by("-id").values("pk")[:100]
    return InteractionForm(data, customer=customer, contracts=Contract.objects.filter(pk__in=recent).order_by("-id"))


@login_required
def customer_detail(request, pk: int):
    return _detail(request, _visible(request, pk))


def _form_page(request, form, template: str, context: dict, *, save, success: str):
    """The create and edit pages: validate, call the service, show its refusal on the form with the input
    kept (400, 403 or 409 as the service says), or go to the customer's page."""
    if request.method == "POST" and form.is_valid():
        try:
            customer = save(form)
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(request, template, {**context, "form": form, "stale": isinstance(exc, StaleVersion)},
                          status=exc.status)
        messages.success(request, success)
        return redirect("customers:detail", customer.pk)
    return render(request, template, {**context, "form": form}, status=400 if form.is_bound else 200)


def _data(request):
    return request.POST if request.method == "POST" else None


@login_required
def customer_create(request):
    _require(request, "customers.add_customer")
    return _form_page(
        request, CustomerForm(_data(request), user=request.user), "customers/customer_form.html", {},
        save=lambda f: services.create_customer(by=request.user, data=f.service_data()),
        success=_("The customer was created."))


@login_required
def customer_edit(request, pk: int):
    customer = _visible(request, pk)
    _require(request, "customers.change_customer", customer)
    return _form_page(
        request, CustomerForm(_data(request), user=request.user, customer=customer),
        "customers/customer_form.html", {"customer": customer},
        save=lambda f: services.update_customer(customer, by=request.user, version=f.cleaned_data["version"],
                                                data=f.service_data()),
        success=_("The customer was saved."))


@login_required
def contact_add(request, pk: int):
    customer = _visible(request, pk)
    _require(request, "customers.change_customer", customer)
    return _form_page(
        request, ContactForm(_data(request)), "customers/contact_form.html", {"customer": customer},
        save=lambda f: services.add_contact(customer, by=request.user, data=f.service_data()).customer,
        success=_("The contact was added."))


@login_required
def contact_edit(request, pk: int, contact_pk: int):
    customer = _visible(request, pk)
    contact = get_object_or_404(customer.contacts, pk=contact_pk)
    _require(request, "customers.change_customer", customer)
    return _form_page(
        request, ContactForm(_data(request), contact=contact), "customers/contact_form.html",
        {"customer": customer, "contact": contact},
        save=lambda f: services.update_contact(contact, by=request.user, version=f.cleaned_data["version"],
                                               data=f.service_data()).customer,
        success=_("The contact was saved."))


@login_required
@require_POST
def interaction_add(request, pk: int):
    customer = _visible(request, pk)
    _require(request, "customers.add_interaction", customer)
    form = _interaction_form(request, customer, request.POST)
    if form.is_valid():
        try:
            services.log_interaction(customer, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
            return _detail(request, customer, interaction_form=form, status=exc.status)
        messages.success(request, _("The interaction was logged."))
        return redirect("customers:detail", customer.pk)
    return _detail(request, customer, interaction_form=form, status=400)


@login_required
@require_safe
def customer_archive(request, pk: int):
    """Everything on record with the customer, in date order: contracts, files, documents, signatures, notices,
    payments and interactions (as far as the user may see them)."""
    customer = _visible(request, pk)
    contracts, section = archive.gather(customer, request.user)
    return render(request, "customers/customer_archive.html", {
        "customer": customer, "contracts": contracts, "entries": section.entries[::-1], "file_count": len(section.files),
    })


@login_required
@require_safe
def customer_dossier(request, pk: int):
    customer = _visible(request, pk)
    try:
        handle, name = archive.export_dossier(customer, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("customers:archive", pk=customer.pk)
    response = FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response
