import rules
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from hetong.accounts.models import User
from hetong.contracts.models import Contract
from hetong.core.errors import DomainError
from hetong.core.forms import style_fields
from hetong.core.pagination import Sort, paginate
from hetong.customers.models import Customer

from .models import AuditEvent
from .services import verify_chain

TARGET_TYPES = [(m._meta.label_lower, m._meta.verbose_name) for m in (Contract, Customer, User)]
# paginate() breaks ties on `id`; the audit table's key is `seq`, so it is exposed under that name.
NEWEST_FIRST = Sort("id", descending=True, kind=int)


class EventFilter(forms.Form):
    verb = forms.CharField(label=_("Action starts with"), required=False, max_length=60,
                           widget=forms.TextInput(attrs={"placeholder": "contract."}))
    target_type = forms.ChoiceField(label=_("Record type"), required=False,
                                    choices=[("", _("All record types")), *TARGET_TYPES])


def _page_size(request) -> int:
    try:
        return max(1, min(int(request.GET.get("size") or settings.PAGE_SIZE), 200))
    except ValueError:
        return settings.PAGE_SIZE


@login_required
def log(request):
    # Only those who may verify the chain see the whole trail; for everyone else the page does not exist.
    if not rules.has_perm("audit.verify_chain", request.user):
        raise Http404
    form = EventFilter(request.GET)
    style_fields(form)
    events = AuditEvent.objects.select_related("actor").annotate(id=F("seq"))
    page, error, status, cursor = None, None, 200, request.GET.get("cursor") or None
    if form.is_valid():
        if form.cleaned_data["verb"]:
            events = events.filter(verb__startswith=form.cleaned_data["verb"])
        if form.cleaned_data["target_type"]:
            events = events.filter(target_type=form.cleaned_data["target_type"])
        try:
            page = paginate(events, NEWEST_FIRST, cursor=cursor, size=_page_size(request))
        except DomainError as exc:
            error, status = exc.message, exc.status
    else:
        status = 400
    verification = None
    if request.method == "POST":
        ok, count, problem = verify_chain()
        verification = {"ok": ok, "count": count, "problem": problem}
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(request, "audit/log.html", {
        "form": form, "page": page, "cursor": cursor, "query": query.urlencode(), "error": error,
        "verification": verification,
    }, status=status)
