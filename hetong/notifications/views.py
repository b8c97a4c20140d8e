"""The notification pages: the inbox, my reminders, and for admins the reminder rules, channels and deliveries;
and a contract's own reminder rules, changed from its page."""

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from hetong.contracts.models import Contract
from hetong.core.errors import DomainError
from hetong.core.forms import add_domain_error
from hetong.core.pagination import Sort, paginate

from . import selectors, services
from .forms import ChannelForm, RuleForm, RuleTypeForm
from .models import Channel, Delivery, Notification, Reminder, ReminderRule

NEWEST_FIRST = Sort("id", descending=True, kind=int)
REMINDER_FILTERS = [
    ("all", gettext_lazy("All")),
    ("open", gettext_lazy("Open")),
    ("snoozed", gettext_lazy("Snoozed")),
    ("acknowledged", gettext_lazy("Acknowledged")),
]


def _size(request) -> int:
    try:
        return max(1, min(int(request.GET.get("size") or settings.PAGE_SIZE), 200))
    except ValueError:
        return settings.PAGE_SIZE


def _admin(request) -> None:
    # The settings pages do not exist for anyone but an administrator.
    if not request.user.is_admin:
        raise Http404


def _back(request, fallback: str) -> str:
    """Where a POST form asked to go next (its list with the user's filters), if it is one of our own pages."""
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _refused(request, exc: DomainError, fallback: str):
    messages.error(request, exc.message)
    if request.htmx:
        return HttpResponseClientRedirect(_back(request, fallback))
    return redirect(_back(request, fallback))


# --- inbox -----------------------------------------------------------------------------------------------


@login_required
def inbox(request):
    cursor, page, error = request.GET.get("cursor") or None, None, None
    try:
        page = paginate(selectors.inbox(request.user), NEWEST_FIRST, cursor=cursor, size=_size(request))
    except DomainError as exc:
        error = exc.message
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "error": error,
            "cursor": cursor,
            "query": "",
        },
        status=400 if error else 200,
    )


def _own_notification(request, pk) -> Notification:
    return get_object_or_404(Notification.objects.filter(user=request.user), pk=pk)


@login_required
@require_POST
def notification_open(request, pk):
    """Following an entry reads it."""
    notification = services.mark_read(_own_notification(request, pk), by=request.user)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return redirect(url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def notification_read(request, pk):
    notification = services.mark_read(_own_notification(request, pk), by=request.user)
    if request.htmx:
        return render(request, "notifications/inbox.html#entry", {"item": notification})
    return redirect(_back(request, reverse("notifications:inbox")))


@login_required
@require_POST
def read_all(request):
    count = services.mark_all_read(by=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:inbox")


# --- my reminders ----------------------------------------------------------------------------------------


@login_required
def reminder_list(request):
    state = request.GET.get("state") or "all"
    if state not in selectors.REMINDER_FILTERS:
        state = "all"
    page = Paginator(selectors.reminders(request.user, state), _size(request)).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/reminders.html",
        {
            "page": page,
            "rows": selectors.decorate_reminders(page.object_list),
            "state": state,
            "filters": REMINDER_FILTERS,
            "here": request.get_full_path(),
            "size_query": urlencode({"state": state}),
        },
    )


def _own_reminder(request, pk) -> Reminder:
    return get_object_or_404(Reminder.objects.filter(user=request.user).select_related("dispatch"), pk=pk)


def _reminder_done(request, reminder: Reminder, message: str):
    if request.htmx:
        row = selectors.reminders(request.user, "all").filter(pk=reminder.pk).first() or reminder
        return render(
            request,
            "notifications/reminders.html#row",
            {
                "row": selectors.decorate_reminders([row])[0],
                "here": request.POST.get("next") or "",
                "done": message,
            },
        )
    messages.success(request, message)
    return redirect(_back(request, reverse("notifications:reminders")))


@login_required
@require_POST
def reminder_acknowledge(request, pk):
    reminder = _own_reminder(request, pk)
    try:
        reminder = services.acknowledge_reminder(reminder, by=request.user)
    except DomainError as exc:
        return _refused(request, exc, reverse("notifications:reminders"))
    return _reminder_done(request, reminder, _("Acknowledged."))


@login_required
@require_POST
def reminder_snooze(request, pk):
    reminder = _own_reminder(request, pk)
    try:
        reminder = services.snooze_reminder(reminder, by=request.user, days=request.POST.get("days"))
    except DomainError as exc:
        return _refused(request, exc, reverse("notifications:reminders"))
    until = reminder.snoozed_until
    return _reminder_done(
        request,
        reminder,
        _("Snoozed until %(until)s.")
        % {"until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M") if until else ""},
    )


# --- reminder rules (admin) ------------------------------------------------------------------------------


@login_required
def rule_list(request):
    _admin(request)
    return render(request, "notifications/rules.html", {"rules": selectors.rule_table(), "section": "rules"})


def _rule_page(request, form, context: dict, *, save, success: str, back: str):
    """Create and edit: validate the shape, call the service, show its refusal on the form with the input kept."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(
                request, "notifications/rule_form.html", {**context, "form": form}, status=exc.status
            )
        messages.success(request, success)
        return redirect(back)
    return render(
        request,
        "notifications/rule_form.html",
        {**context, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
def rule_create(request):
    _admin(request)
    # Step one picks the type (a GET, so it works without script); step two is the rule itself.
    step = RuleTypeForm(request.GET if "contract_type" in request.GET else None)
    if not step.is_bound or not step.is_valid():
        return render(
            request,
            "notifications/rule_type.html",
            {"form": step, "section": "rules"},
            status=400 if step.is_bound else 200,
        )
    contract_type = step.cleaned_data["contract_type"]
    form = RuleForm(request.POST if request.method == "POST" else None, contract_type=contract_type)
    return _rule_page(
        request,
        form,
        {"contract_type": contract_type, "creating": True, "section": "rules"},
        save=lambda f: services.save_rule(
            None, by=request.user, data={**f.service_data(), "contract_type": contract_type}
        ),
        success=_("The reminder rule was saved."),
        back=reverse("notifications:rules"),
    )


@login_required
def rule_edit(request, pk):
    _admin(request)
    rule = get_object_or_404(
        ReminderRule.objects.filter(contract__isnull=True).select_related("contract_type"), pk=pk
    )
    form = RuleForm(
        request.POST if request.method == "POST" else None, contract_type=rule.contract_type, rule=rule
    )
    return _rule_page(
        request,
        form,
        {"rule": rule, "contract_type": rule.contract_type, "section": "rules"},
        save=lambda f: services.save_rule(rule, by=request.user, data=f.service_data()),
        success=_("The reminder rule was saved."),
        back=reverse("notifications:rules"),
    )


@login_required
@require_POST
def rule_delete(request, pk):
    _admin(request)
    rule = get_object_or_404(ReminderRule.objects.filter(contract__isnull=True), pk=pk)
    try:
        services.delete_rule(rule, by=request.user)
    except DomainError as exc:
        return _refused(request, exc, reverse("notifications:rules"))
    messages.success(request, _("The reminder rule was removed."))
    return redirect("notifications:rules")


# --- a contract's own rules ------------------------------------------------------------------------------


def _contract_and_kind(request, pk, kind) -> tuple[Contract, str]:
    contract = get_object_or_404(
        Contract.objects.visible_to(request.user).select_related("contract_type", "owner"), pk=pk
    )
    if kind not in dict(services.date_kinds_for(contract.contract_type)):
        raise Http404
    if not rules.has_perm("contracts.change_contract", request.user, contract):
        raise PermissionDenied
    return contract, kind


@login_required
def contract_rule(request, pk, kind):
    contract, kind = _contract_and_kind(request, pk, kind)
    own = selectors.contract_rule(contract, kind)
    # A new override starts from the rule in force, so the user changes what they see rather than retyping it.
    base = own or selectors.rule_in_force(contract, kind)
    form = RuleForm(
        request.POST if request.method == "POST" else None, contract_type=contract.contract_type, rule=base
    )
    form.fields["date_kind"].disabled = True
    form.fields["date_kind"].initial = kind
    context = {
        "contract": contract,
        "rule": own,
        "kind": kind,
        "inherited": None if own else base,
        "inherited_scope": selectors.scope_of(base),
        "label": dict(services.date_kinds_for(contract.contract_type))[kind],
    }
    return _rule_page(
        request,
        form,
        context,
        save=lambda f: services.save_rule(
            own,
            by=request.user,
            data={**f.service_data(), **({} if own else {"contract": contract, "date_kind": kind})},
        ),
        success=_("The reminders of this contract were saved."),
        back=reverse("contracts:detail", args=[contract.pk]) + "#reminders",
    )


@login_required
@require_POST
def contract_rule_delete(request, pk, kind):
    contract, kind = _contract_and_kind(request, pk, kind)
    back = reverse("contracts:detail", args=[contract.pk]) + "#reminders"
    own = selectors.contract_rule(contract, kind)
    if own is None:
        return redirect(back)
    try:
        services.delete_rule(own, by=request.user)
    except DomainError as exc:
        return _refused(request, exc, back)
    messages.success(request, _("This contract follows the general reminder rule again."))
    return redirect(back)


# --- channels (admin) ------------------------------------------------------------------------------------


@login_required
def channel_list(request):
    _admin(request)
    channels = list(Channel.objects.all())
    for channel in channels:
        # A robot's key is in its URL's query: the list shows only the address without it.
        base, _sep, query = channel.url.partition("?")
        channel.url_shown = f"{base}?…" if query else base
    return render(request, "notifications/channels.html", {"channels": channels, "section": "channels"})


def _channel_page(request, form, context: dict, *, save, success: str):
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except DomainError as exc:
            add_domain_error(form, exc)
            return render(
                request, "notifications/channel_form.html", {**context, "form": form}, status=exc.status
            )
        messages.success(request, success)
        return redirect("notifications:channels")
    return render(
        request,
        "notifications/channel_form.html",
        {**context, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
def channel_create(request):
    _admin(request)
    form = ChannelForm(request.POST if request.method == "POST" else None)
    return _channel_page(
        request,
        form,
        {"section": "channels"},
        save=lambda f: services.save_channel(None, by=request.user, data=f.service_data()),
        success=_("The channel was saved."),
    )


@login_required
def channel_edit(request, pk):
    _admin(request)
    channel = get_object_or_404(Channel, pk=pk)
    form = ChannelForm(request.POST if request.method == "POST" else None, channel=channel)
    return _channel_page(
        request,
        form,
        {"channel": channel, "section": "channels"},
        save=lambda f: services.save_channel(channel, by=request.user, data=f.service_data()),
        success=_("The channel was saved."),
    )


@login_required
@require_POST
def channel_test(request, pk):
    _admin(request)
    channel = get_object_or_404(Channel, pk=pk)
    delivery = services.send_test_message(channel, by=request.user)
    delivery.refresh_from_db()  # sent already when jobs run in-process; queued for a worker otherwise
    if delivery.state == Delivery.State.SENT:
        messages.success(request, _("The test message was sent to %(name)s.") % {"name": channel.name})
    elif delivery.state == Delivery.State.FAILED or delivery.last_error:
        messages.error(
            request,
            _("The test message to %(name)s failed: %(error)s")
            % {"name": channel.name, "error": delivery.last_error},
        )
    else:
        messages.info(request, _("The test message is queued; its result will show on the deliveries page."))
    if delivery.state == Delivery.State.SENT:
        return redirect("notifications:channels")
    # Not sent (yet): the deliveries page shows its state, error and next attempt.
    return redirect(reverse("notifications:deliveries") + "?" + urlencode({"highlight": delivery.pk}))


# --- deliveries (admin) ----------------------------------------------------------------------------------


@login_required
def delivery_list(request):
    _admin(request)
    state = request.GET.get("state") or ""
    if state not in Delivery.State.values:
        state = ""
    page = Paginator(selectors.deliveries(state), _size(request)).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.colour = selectors.DELIVERY_COLOURS.get(row.state, "secondary")
        row.is_failed, row.is_waiting = (
            row.state == Delivery.State.FAILED,
            row.state == Delivery.State.PENDING,
        )
    return render(
        request,
        "notifications/deliveries.html",
        {
            "page": page,
            "state": state,
            "states": Delivery.State.choices,
            "section": "deliveries",
            "highlight": request.GET.get("highlight") or "",
            "here": request.get_full_path(),
            "size_query": urlencode({"state": state}),
        },
    )


@login_required
@require_POST
def delivery_retry(request, pk):
    _admin(request)
    delivery = get_object_or_404(Delivery, pk=pk)
    try:
        delivery = services.retry_delivery(delivery, by=request.user)
    except DomainError as exc:
        return _refused(request, exc, reverse("notifications:deliveries"))
    delivery.refresh_from_db()
    messages.success(
        request, _("The delivery was sent again: %(state)s.") % {"state": delivery.get_state_display()}
    )
    return redirect(_back(request, reverse("notifications:deliveries")))
