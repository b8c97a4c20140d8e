"""The contract list's filters and sorts, shared by the page, the API and the exports."""

import datetime as dt
from decimal import Decimal

import django_filters as df
from django import forms
from django.utils.translation import gettext_lazy as _

from hetong.accounts.models import Department, User
from hetong.core.pagination import Sort
from hetong.customers.models import Level as CustomerLevel

from .models import Contract, ContractType, Status

SORTS = {
    "-id": Sort("id", descending=True, kind=int),
    "id": Sort("id", kind=int),
    "end_date": Sort("end_date", kind=dt.date),
    "-end_date": Sort("end_date", descending=True, kind=dt.date),
    "-amount": Sort("amount", descending=True, kind=Decimal),
    "amount": Sort("amount", kind=Decimal),
    "notice_deadline": Sort("notice_deadline", kind=dt.date),
    "-signed_date": Sort("signed_date", descending=True, kind=dt.date),
    "number": Sort("number", kind=str),
}
SORT_CHOICES = [
    ("-id", _("Newest first")),
    ("end_date", _("Ending soonest")),
    ("notice_deadline", _("Notice deadline soonest")),
    ("-amount", _("Largest amount")),
    ("amount", _("Smallest amount")),
    ("-signed_date", _("Recently signed")),
    ("number", _("Number")),
    ("-end_date", _("Ending latest")),
    ("id", _("Oldest first")),
]


class DateInput(forms.DateInput):
    input_type = "date"


class ContractFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label=_("Search"))
    status = df.MultipleChoiceFilter(choices=Status.choices, label=_("Status"), distinct=False)
    type = df.ModelChoiceFilter(
        queryset=ContractType.objects.all(), method="filter_type", label=_("Type")
    )
    customer = df.NumberFilter(field_name="customer_id", label=_("Customer"))
    owner = df.ModelChoiceFilter(queryset=User.objects.all(), field_name="owner", label=_("Owner"))
    department = df.ModelChoiceFilter(queryset=Department.objects.all(), method="filter_department", label=_("Department"))
    amount_min = df.NumberFilter(field_name="amount", lookup_expr="gte", label=_("Amount from"))
    amount_max = df.NumberFilter(field_name="amount", lookup_expr="lte", label=_("Amount to"))
    signed_from = df.DateFilter(field_name="signed_date", lookup_expr="gte", label=_("Signed from"), widget=DateInput)
    signed_to = df.DateFilter(field_name="signed_date", lookup_expr="lte", label=_("Signed to"), widget=DateInput)
    effective_from = df.DateFilter(field_name="effective_date", lookup_expr="gte", label=_("Effective from"), widget=DateInput)
    effective_to = df.DateFilter(field_name="effective_date", lookup_expr="lte", label=_("Effective to"), widget=DateInput)
    end_from = df.DateFilter(field_name="end_date", lookup_expr="gte", label=_("Ends from"), widget=DateInput)
    end_to = df.DateFilter(field_name="end_date", lookup_expr="lte", label=_("Ends to"), widget=DateInput)
    ends_within = df.NumberFilter(method="filter_ends_within", label=_("Ends within (days)"), min_value=0, max_value=36500)
    notice_within = df.NumberFilter(method="filter_notice_within", label=_("Notice deadline within (days)"), min_value=0, max_value=36500)
    tag = df.CharFilter(method="filter_tag", label=_("Tag"))
    # The dashboard's drill-downs: a customer level, one department without those under it, the contracts waiting in
    # review longer than some days.
    customer_level = df.MultipleChoiceFilter(field_name="customer__level", choices=CustomerLevel.choices,
                                             label=_("Customer level"), distinct=False)
    dept = df.NumberFilter(field_name="department_id", label=_("Department (not those under it)"),
                           widget=forms.HiddenInput)
    stuck_days = df.NumberFilter(method="filter_stuck_days", label=_("In review longer than (days)"), min_value=0,
                                 max_value=36500, widget=forms.HiddenInput)

    class Meta:
        model = Contract
        fields: list = []

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_type(self, queryset, name, value):
        # A type includes its sub-types (two levels deep is what the tree holds in practice).
        ids = {value.pk} | set(ContractType.objects.filter(parent=value).values_list("pk", flat=True))
        ids |= set(ContractType.objects.filter(parent__in=ids).values_list("pk", flat=True))
        return queryset.filter(contract_type__in=ids)

    def filter_department(self, queryset, name, value):
        return queryset.filter(department__in=Department.objects.filter(path__startswith=value.path).values("pk"))

    def filter_ends_within(self, queryset, name, value):
        return queryset.expiring(within=int(value))

    def filter_notice_within(self, queryset, name, value):
        return queryset.notice_due(within=int(value))

    def filter_stuck_days(self, queryset, name, value):
        return queryset.stuck(days=int(value))

    def filter_tag(self, queryset, name, value):
        names = [t.strip() for t in value.replace("，", ",").split(",") if t.strip()]
        for tag in names:
            queryset = queryset.filter(tags__name=tag)
        return queryset


def add_contract_filter(name: str, contract_filter) -> None:
    """A filter another capability adds to the contract list (payments: money past due; approvals: a step), so the
    dashboard's drill-downs can say what they count. Call from AppConfig.ready; the list's form shows it hidden."""
    contract_filter.extra.setdefault("widget", forms.HiddenInput)
    ContractFilter.base_filters[name] = contract_filter


def sort_for(value: str | None) -> Sort:
    return SORTS.get(value or "-id", SORTS["-id"])


