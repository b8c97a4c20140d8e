"""Forms of the catalogue pages and of a contract's Line items card. They only carry the input: the services
(contracts.services.items) read the numbers and decide, so the page and the API give the same messages."""

import django_filters as df
import rules
from django import forms
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from hetong.core.errors import InvalidInput
from hetong.core.forms import style_fields
from hetong.core.money import CURRENCIES
from hetong.core.pagination import Sort

from .models import Contract, LineItem, Product
from .services.items import items_summary, products_for

# The picker lists the catalogue's active products up to this many (a catalogue, not a customer list).
PRODUCT_PICKER_LIMIT = 500
SORTS = {
    "code": Sort("code", kind=str),
    "name": Sort("name", kind=str),
    "-id": Sort("id", descending=True, kind=int),
}
SORT_CHOICES = [("code", _("Code")), ("name", _("Name")), ("-id", _("Newest first"))]


def sort_for(value: str | None) -> Sort:
    return SORTS.get(value or "code", SORTS["code"])


def _label(model, name: str):
    return capfirst(model._meta.get_field(name).verbose_name)


def _number_input(step: str, **attrs) -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": step, "min": "0", "inputmode": "decimal", **attrs})


class ProductFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label=_("Search"))
    active = df.ChoiceFilter(
        choices=[("yes", _("Active")), ("no", _("Inactive"))], method="filter_active", label=_("Active")
    )

    class Meta:
        model = Product
        fields: list = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)) if value else queryset

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "yes")


class ProductForm(forms.Form):
    """Create or edit a catalogue entry; the version read travels along, so a stale save is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    code = forms.CharField(label=_label(Product, "code"), max_length=40)
    name = forms.CharField(label=_label(Product, "name"), max_length=200)
    specification = forms.CharField(label=_label(Product, "specification"), max_length=200, required=False)
    unit = forms.CharField(
        label=_label(Product, "unit"),
        max_length=20,
        required=False,
        help_text=_("For example 台, 套, 月, 人天."),
    )
    list_price = forms.CharField(
        label=_label(Product, "list_price"),
        max_length=30,
        widget=_number_input("0.01"),
        help_text=_("Per unit, tax included."),
    )
    currency = forms.ChoiceField(label=_label(Product, "currency"), choices=CURRENCIES, initial="CNY")
    tax_rate = forms.CharField(
        label=_label(Product, "tax_rate"),
        max_length=10,
        initial="13",
        widget=_number_input("0.01", max="99.99"),
    )
    is_active = forms.BooleanField(
        label=_label(Product, "is_active"),
        required=False,
        initial=True,
        help_text=_("Inactive products cannot be added to contracts; lines that use them stay."),
    )

    def __init__(self, data=None, *, product: Product | None = None):
        self.product = product
        initial = None
        if product is not None:
            initial = {name: getattr(product, name) for name in self.base_fields if name != "version"}
            initial["version"] = product.version
        super().__init__(data, initial=initial)
        if product is None:
            del self.fields["version"]
        style_fields(self)

    def service_data(self) -> dict:
        if not self.is_valid():
            raise InvalidInput(errors={k: list(v) for k, v in self.errors.items()})
        names = [n for n in self.fields if n != "version"]
        if self.product is not None:
            names = [n for n in names if n in self.changed_data]
        return {name: self.cleaned_data[name] for name in names}


class LineItemForm(forms.Form):
    """Add a line (from a product of the catalogue, or a free line), or edit one (`item`). Ids carry the line,
    as the card shows one form per line."""

    product = forms.TypedChoiceField(label=_("Product"), coerce=int, required=False, empty_value=None)
    name = forms.CharField(label=_label(LineItem, "name"), max_length=200, required=False)
    specification = forms.CharField(label=_label(LineItem, "specification"), max_length=200, required=False)
    unit = forms.CharField(label=_label(LineItem, "unit"), max_length=20, required=False)
    quantity = forms.CharField(
        label=_label(LineItem, "quantity"), max_length=30, widget=_number_input("0.001")
    )
    unit_price = forms.CharField(
        label=_("Unit price (tax included)"), max_length=30, required=False, widget=_number_input("0.01")
    )
    discount = forms.CharField(
        label=_label(LineItem, "discount"),
        max_length=10,
        required=False,
        widget=_number_input("0.01", max="100"),
    )
    tax_rate = forms.CharField(
        label=_label(LineItem, "tax_rate"),
        max_length=10,
        required=False,
        widget=_number_input("0.01", max="99.99"),
    )

    def __init__(self, data=None, *, item: LineItem | None = None, products=()):
        self.item = item
        initial = {"quantity": "1", "discount": "0"}
        if item is not None:
            initial = {
                "name": item.name,
                "specification": item.specification,
                "unit": item.unit,
                "quantity": _plain(item.quantity),
                "unit_price": item.unit_price,
                "discount": _plain(item.discount),
                "tax_rate": _plain(item.tax_rate),
            }
        super().__init__(data, initial=initial, auto_id=f"line-{item.pk if item else 'new'}-%s")
        if item is None:
            self.offer(products)
            self.fields["name"].help_text = _("Leave empty to use the product's name.")
            self.fields["unit_price"].help_text = _("Leave empty for the list price.")
            self.fields["tax_rate"].help_text = _("Empty: the product's rate; 13 for a free line.")
        else:
            del self.fields["product"]
        style_fields(self)

    def offer(self, products) -> None:
        """The products to choose from: [(id, label)]."""
        if "product" in self.fields:
            choices = [("", _("— a free line, not from the catalogue —")), *products]
            self.fields["product"].choices = choices

    def service_data(self) -> dict:
        if not self.is_valid():
            raise InvalidInput(errors={k: list(v) for k, v in self.errors.items()})
        data = dict(self.cleaned_data)
        if self.item is not None:
            return {name: data[name] for name in self.changed_data}
        # Empty fields of a new line are left to the product (or the defaults of a free line).
        return {k: v for k, v in data.items() if v not in (None, "")}


def _plain(value) -> str:
    """12.500 -> 12.5, 10.000 -> 10: how people write quantities and rates."""
    return format(value.normalize(), "f") if value is not None else ""


def product_choices(user) -> list[tuple[int, str]]:
    rows = products_for(user).filter(is_active=True).order_by("code")[:PRODUCT_PICKER_LIMIT]
    choices = []
    for p in rows:
        parts = [
            f"{p.code} {p.name}",
            p.specification,
            f"{p.currency} {p.list_price:,.2f}" + (f"/{p.unit}" if p.unit else ""),
        ]
        choices.append((p.pk, " · ".join(part for part in parts if part)))
    return choices


def line_items_card(contract: Contract, user, *, bound: LineItemForm | None = None, error=None) -> dict:
    """The Line items card: the lines, their totals against the contract's amount, and, while the user may
    change a draft's lines, the form to add one and per line the form to edit it. `bound` is a refused
    submission, shown open with its input; `error` the service's refusal."""
    items = list(contract.line_items.select_related("product"))
    summary = items_summary(contract, items)
    editable = contract.is_editable and rules.has_perm("contracts.change_contract", user, contract)
    if editable:
        for item in items:
            if isinstance(bound, LineItemForm) and bound.item is not None and bound.item.pk == item.pk:
                item.edit_form = bound
            else:
                item.edit_form = LineItemForm(item=item)
        if isinstance(bound, LineItemForm) and bound.item is None:
            add_form = bound
            add_form.offer(product_choices(user))
        else:
            add_form = LineItemForm(products=product_choices(user))
    for item in items:
        item.quantity_display = _plain(item.quantity)
        item.discount_display = _plain(item.discount)
        item.tax_rate_display = _plain(item.tax_rate)
    return {
        "contract": contract,
        "items": items,
        "summary": summary,
        "can_edit_items": editable,
        "add_item_form": add_form if editable else None,
        "item_error": error,
        # Messages of fields the open form does not show (or of a refusal with no form open).
        "item_error_lines": [
            message
            for field, messages in (getattr(error, "errors", None) or {}).items()
            if bound is None or field not in bound.fields
            for message in messages
        ],
        "difference": abs(summary["difference"]),
        "open_item": getattr(getattr(bound, "item", None), "pk", "new" if bound is not None else None),
    }
