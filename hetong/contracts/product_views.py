"""The product catalogue pages, and the Line items card of a contract's page (add, edit, remove a line).

The card's forms post with htmx and take the whole page body back, so the amount, the totals and the version
the status actions carry all follow the change; without JavaScript the same forms post and come back."""

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hetong.core.errors import DomainError, StaleVersion
from hetong.core.forms import add_domain_error, style_filter_form
from hetong.core.pagination import paginate

from . import selectors, services
from .forms import party_forms, show_service_error
from .models import Contract, LineItem, Product
from .product_forms import SORT_CHOICES, LineItemForm, ProductFilter, ProductForm, product_choices, sort_for

MAX_PAGE_SIZE = 200


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("size") or settings.PAGE_SIZE)
    except ValueError:
        size = settings.PAGE_SIZE
    return max(1, min(size, MAX_PAGE_SIZE))


def _without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# --- the catalogue ---------------------------------------------------------------------------------------


@login_required
def product_list(request):
    can_manage = rules.has_perm("contracts.manage_products", request.user)
    filterset = ProductFilter(request.GET, queryset=services.products_for(request.user))
    if not can_manage:
        del filterset.form.fields["active"]  # others see the active products only
    style_filter_form(filterset.form)
    cursor, page, error, status = request.GET.get("cursor") or None, None, None, 200
    if filterset.is_valid():
        try:
            page = paginate(
                filterset.qs, sort_for(request.GET.get("sort")), cursor=cursor, size=_page_size(request)
            )
        except DomainError as exc:
            error, status = exc.message, exc.status
    else:
        error, status = _("Some filters are not valid; correct them and search again."), 400
    return render(
        request,
        "contracts/product_list.html",
        {
            "filter": filterset,
            "page": page,
            "error": error,
            "cursor": cursor,
            "query": _without(request, "cursor"),
            "sort": request.GET.get("sort") or "code",
            "sort_choices": SORT_CHOICES,
            "size": _page_size(request),
            "can_manage": can_manage,
        },
        status=status,
    )


def _product_page(request, form, product=None):
    """Validate, save through the service, show its refusal on the form with the input kept, or go back to
    the list."""
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request, "contracts/product_form.html", {"form": form, "product": product}, status=400
            )
        try:
            saved = services.save_product(
                by=request.user,
                data=form.service_data(),
                product=product,
                version=form.cleaned_data.get("version") if product else None,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            context = {"form": form, "product": product, "stale": isinstance(exc, StaleVersion)}
            return render(request, "contracts/product_form.html", context, status=exc.status)
        messages.success(request, _("The product %(code)s was saved.") % {"code": saved.code})
        return redirect(reverse("products:list") + "?" + urlencode({"q": saved.code}))
    return render(request, "contracts/product_form.html", {"form": form, "product": product})


@login_required
def product_create(request):
    if not rules.has_perm("contracts.manage_products", request.user):
        raise PermissionDenied
    return _product_page(request, ProductForm(request.POST if request.method == "POST" else None))


@login_required
def product_edit(request, pk):
    if not rules.has_perm("contracts.manage_products", request.user):
        raise PermissionDenied
    product = get_object_or_404(Product, pk=pk)
    return _product_page(
        request, ProductForm(request.POST if request.method == "POST" else None, product=product), product
    )


# --- a contract's line items -----------------------------------------------------------------------------


def _contract(request, pk) -> Contract:
    """A contract the user may see; any other id is a 404."""
    return get_object_or_404(
        Contract.objects.visible_to(request.user).select_related(
            "contract_type", "customer", "entity", "owner", "department", "submitted_by"
        ),
        pk=pk,
    )


def _item(contract: Contract, item_pk) -> LineItem:
    item = get_object_or_404(LineItem, contract=contract, pk=item_pk)
    item.contract = contract
    return item


def _done(request, contract: Contract, message: str):
    messages.success(request, message)
    return redirect(reverse("contracts:detail", args=[contract.pk]) + "#line-items")


def _refused(request, contract: Contract, exc: DomainError, form: LineItemForm | None = None):
    """The contract page again, with the refusal in the Line items card and the refused form open with its
    input. htmx swaps only a 2xx answer, so it gets a 200; a plain form gets the service's status."""
    if form is not None:
        show_service_error(form, exc)
    context = selectors.contract_page(contract, request.user)
    context.update(party_forms(contract, request.user, context["parties"]))
    context.update(error=None, posted={}, line_item_form=form, line_item_error=exc)
    return render(request, "contracts/detail.html", context, status=200 if request.htmx else exc.status)


@login_required
@require_POST
def line_item_add(request, pk):
    contract = _contract(request, pk)
    form = LineItemForm(request.POST, products=product_choices(request.user))
    try:
        item = services.add_line_item(contract, by=request.user, data=form.service_data())
    except DomainError as exc:
        return _refused(request, contract, exc, form)
    return _done(request, contract, _("%(name)s was added to the line items.") % {"name": item.name})


@login_required
def line_item_edit(request, pk, item_pk):
    """POST saves the line; GET is the line's form on a page of its own (the card opens it in place)."""
    contract = _contract(request, pk)
    item = _item(contract, item_pk)
    if request.method != "POST":
        if not (contract.is_editable and rules.has_perm("contracts.change_contract", request.user, contract)):
            return redirect(reverse("contracts:detail", args=[contract.pk]) + "#line-items")
        return render(
            request, "contracts/line_item_form.html", {"contract": contract, "form": LineItemForm(item=item)}
        )
    form = LineItemForm(request.POST, item=item)
    try:
        data = form.service_data()
        item = services.update_line_item(item, by=request.user, data=data)
    except DomainError as exc:
        return _refused(request, contract, exc, form)
    done = _("The line %(name)s was saved.") % {"name": item.name}
    return _done(request, contract, done if data else _("Nothing was changed."))


@login_required
@require_POST
def line_item_remove(request, pk, item_pk):
    contract = _contract(request, pk)
    item = _item(contract, item_pk)
    try:
        services.remove_line_item(item, by=request.user)
    except DomainError as exc:
        return _refused(request, contract, exc)
    return _done(request, contract, _("%(name)s was removed from the line items.") % {"name": item.name})
