"""The contract list's filter of money past due, by aging bucket (the dashboard's aging chart opens it)."""

import datetime as dt

import django_filters as df
from django.utils.translation import gettext_lazy as _

from hetong.core.dates import company_today

from .models import RECEIVABLE_STATES, Installment
from .selectors import BUCKETS


def overdue_in(queryset, name, value, today: dt.date | None = None):
    """Contracts with money owed on an installment whose days past due fall in the bucket `value`."""
    today = today or company_today()
    first, last = next((first, last) for key, _label, first, last in BUCKETS if key == value)
    due = Installment.objects.with_paid().unpaid().filter(due_date__lte=today - dt.timedelta(days=first))
    if last is not None:
        due = due.filter(due_date__gte=today - dt.timedelta(days=last))
    return queryset.filter(status__in=RECEIVABLE_STATES, pk__in=due.values("contract_id"))


def overdue_filter() -> df.ChoiceFilter:
    return df.ChoiceFilter(choices=[(key, label) for key, label, *_rest in BUCKETS], method=overdue_in,
                           label=_("Money past due"))
