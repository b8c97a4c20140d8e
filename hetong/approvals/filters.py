"""The contract list's filter of the contracts an approval step ran for in a year (the dashboard's approval-time chart
opens it): `approval_step=2026:财务与法务会签`."""

import datetime as dt

import django_filters as df
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import NodeRun


def step_value(year: int, name: str) -> str:
    return f"{year}:{name}"


def step_in(queryset, name, value):
    year, _sep, step = str(value).partition(":")
    try:
        first = timezone.make_aware(dt.datetime(int(year), 1, 1))
        last = timezone.make_aware(dt.datetime(int(year) + 1, 1, 1))
    except (ValueError, OverflowError):
        return queryset.none()
    runs = NodeRun.objects.filter(name=step, status=NodeRun.Status.DONE, finished_at__gte=first, finished_at__lt=last)
    return queryset.filter(pk__in=runs.values("instance__contract_id"))


def step_filter() -> df.CharFilter:
    return df.CharFilter(method=step_in, label=_("Approval step (year:name)"))
