"""The dashboard page: the figures of analytics.selectors.summary as ECharts charts and tables; each element links to
the contract list it counts."""

import json

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.shortcuts import render
from django.utils.translation import gettext as _

from hetong.accounts.models import Department, User
from hetong.contracts.models import ContractType
from hetong.core.errors import InvalidInput
from hetong.customers.models import Level

from . import selectors


@login_required
def dashboard(request):
    error = None
    try:
        figures = selectors.summary(request.user, request.GET)
    except InvalidInput as exc:
        error, figures = exc, selectors.summary(request.user, {})
    chosen = {key: request.GET.getlist(key) for key in selectors.FILTERS}
    return render(request, "analytics/dashboard.html", {
        "figures": figures,
        "charts": json.loads(json.dumps(figures, cls=DjangoJSONEncoder)),
        "error": error,
        "chosen": chosen,
        "year": request.GET.get("year") or figures["year"],
        "years": range(figures["on"].year, figures["on"].year - 6, -1),
        "departments": Department.objects.order_by("path"),
        "owners": User.objects.filter(is_active=True).order_by("username"),
        "types": ContractType.objects.filter(parent__isnull=True, is_active=True).order_by("code"),
        "levels": Level.choices,
        "labels": {"this_year": str(figures["year"]), "last_year": str(figures["year"] - 1), "count": _("Contracts"),
                   "amount": _("Value (CNY)"), "hours": _("Business hours"), "empty": _("No data")},
    }, status=400 if error else 200)
