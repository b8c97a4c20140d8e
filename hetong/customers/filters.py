"""The customer list's filters and sorts, shared by the page, the API and the exports."""

import django_filters as df
from django.utils.translation import gettext_lazy as _

from hetong.accounts.models import Department, User
from hetong.core.pagination import Sort

from .models import Customer, CustomerStatus, Industry, Level

SORTS = {
    "-id": Sort("id", descending=True, kind=int),
    "id": Sort("id", kind=int),
    "name": Sort("name", kind=str),
}
SORT_CHOICES = [("-id", _("Newest first")), ("name", _("Name")), ("id", _("Oldest first"))]


class CustomerFilter(df.FilterSet):
    q = df.CharFilter(method="filter_q", label=_("Search"))
    status = df.MultipleChoiceFilter(choices=CustomerStatus.choices, label=_("Status"), distinct=False)
    industry = df.ChoiceFilter(choices=Industry.choices, label=_("Industry"))
    level = df.ChoiceFilter(choices=Level.choices, label=_("Level"))
    region = df.CharFilter(field_name="region", label=_("Region"))
    owner = df.ModelChoiceFilter(queryset=User.objects.all(), field_name="owner", label=_("Owner"))
    department = df.ModelChoiceFilter(queryset=Department.objects.all(), method="filter_department", label=_("Department"))
    tag = df.CharFilter(field_name="tags__name", label=_("Tag"))

    class Meta:
        model = Customer
        fields: list = []

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_department(self, queryset, name, value):
        return queryset.filter(department__in=Department.objects.filter(path__startswith=value.path).values("pk"))


def sort_for(value: str | None) -> Sort:
    return SORTS.get(value or "-id", SORTS["-id"])
