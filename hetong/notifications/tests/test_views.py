"""The notification pages: inbox, my reminders, the admin's rules, channels and deliveries, a contract's card."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from hetong.notifications.models import Channel, Delivery, Notification, Reminder, ReminderRule
from hetong.notifications.services import run_reminders

from .utils import NOW, more_reminders, remind

pytestmark = pytest.mark.django_db

INBOX = reverse("notifications:inbox")
REMINDERS = reverse("notifications:reminders")
RULES = reverse("notifications:rules")
CHANNELS = reverse("notifications:channels")
DELIVERIES = reverse("notifications:deliveries")
DINGTALK_SECRET = "SEC" + "ab12" * 16
WEBHOOK_SECRET = "whsec-0123456789abcdef"


@pytest.fixture(autouse=True)
def _clock_and_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def reminder(ca1, sales_owner, manager):
    return remind(ca1, owner=sales_owner, approver=manager)


def detail(contract):
    return reverse("contracts:detail", args=[contract.pk])


# --- inbox and badge -------------------------------------------------------------------------------------


def test_the_pass_puts_one_unread_entry_in_the_owners_inbox_with_a_badge(client, reminder, sales_owner):
    client.force_login(sales_owner)
    page = client.get(INBOX)
    assert page.status_code == 200
    [entry] = page.context["page"].items
    assert entry.read_at is None and "End date" in entry.title
    assert b'data-unread="1"' in page.content
    assert b"fw-bold" in page.content


def test_opening_an_entry_reads_it_and_goes_to_the_contract(client, reminder, sales_owner, ca1):
    client.force_login(sales_owner)
    entry = Notification.objects.get(user=sales_owner)
    response = client.post(reverse("notifications:open", args=[entry.pk]))
    assert response.status_code == 302 and response["Location"] == detail(ca1)
    entry.refresh_from_db()
    assert entry.read_at is not None
    assert b"data-unread" not in client.get(INBOX).content


def test_an_entry_with_a_foreign_url_does_not_redirect_there(client, sales_owner):
    entry = Notification.objects.create(
        user=sales_owner, kind="system", title="t", url="https://evil.example/"
    )
    client.force_login(sales_owner)
    assert client.post(reverse("notifications:open", args=[entry.pk]))["Location"] == INBOX


def test_mark_one_read_with_htmx_returns_the_entry_and_mark_all(client, sales_owner):
    first, second = (
        Notification.objects.create(user=sales_owner, kind="system", title=f"n{i}") for i in range(2)
    )
    client.force_login(sales_owner)
    fragment = client.post(reverse("notifications:read", args=[first.pk]), HTTP_HX_REQUEST="true")
    assert (
        fragment.status_code == 200
        and b"<html" not in fragment.content
        and f"notification-{first.pk}" in fragment.text
    )
    assert Notification.objects.filter(user=sales_owner, read_at__isnull=True).count() == 1
    assert client.post(reverse("notifications:read_all")).status_code == 302
    assert not Notification.objects.filter(user=sales_owner, read_at__isnull=True).exists()
    second.refresh_from_db()
    assert second.read_at is not None


def test_other_peoples_notifications_do_not_exist(client, reminder, other_sales):
    entry = Notification.objects.get()
    client.force_login(other_sales)
    assert client.post(reverse("notifications:open", args=[entry.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[entry.pk])).status_code == 404
    client.post(reverse("notifications:read_all"))
    assert Notification.objects.get().read_at is None
    assert client.get(INBOX).context["page"].items == []


def test_unread_badge_counts_and_caps_and_is_absent_for_nobody(client, sales_owner):
    Notification.objects.bulk_create(
        [Notification(user=sales_owner, kind="system", title="x") for _ in range(120)]
    )
    assert b"data-unread" not in client.get(reverse("accounts:login")).content
    client.force_login(sales_owner)
    page = client.get(REMINDERS)
    assert b'data-unread="120"' in page.content and b">99+<" in page.content


def test_inbox_bad_cursor_is_a_clear_400(client, sales_owner):
    client.force_login(sales_owner)
    assert client.get(INBOX, {"cursor": "!!nonsense"}).status_code == 400


# --- my reminders ----------------------------------------------------------------------------------------


def test_reminders_page_shows_one_row_per_date_with_label_date_and_days_left(
    client, reminder, sales_owner, ca1
):
    client.force_login(sales_owner)
    page = client.get(REMINDERS)
    [row] = page.context["rows"]
    assert row.label == "End date" and row.days_left == 30
    assert ca1.number in page.text and "in 30 days" in page.text and "Acknowledge" in page.text
    # A week before the end the next offset reaches the owner: still one row for the date, the latest.
    later = NOW + dt.timedelta(days=23)
    with time_machine.travel(later, tick=False):
        run_reminders(now=later)
        assert Reminder.objects.filter(user=sales_owner, dispatch__contract=ca1).count() == 2
        client.force_login(sales_owner)  # the session of three weeks ago has expired
        [row] = client.get(REMINDERS).context["rows"]
    assert row.days_left == 7 and row.dispatch.offset == 7


def test_acknowledge_from_the_page_settles_the_date(client, reminder, sales_owner):
    client.force_login(sales_owner)
    response = client.post(
        reverse("notifications:acknowledge", args=[reminder.pk]), {"next": REMINDERS + "?state=open"}
    )
    assert response.status_code == 302 and response["Location"] == REMINDERS + "?state=open"
    assert set(Reminder.objects.filter(user=sales_owner).values_list("state", flat=True)) == {"acknowledged"}
    assert client.get(REMINDERS, {"state": "open"}).context["rows"] == []
    assert len(client.get(REMINDERS, {"state": "acknowledged"}).context["rows"]) == 1
    again = client.post(reverse("notifications:acknowledge", args=[reminder.pk]), follow=True)
    assert "already settled" in again.text


@pytest.mark.parametrize("days", ["1", "3", "7"])
def test_snooze_from_the_page_with_htmx(client, reminder, sales_owner, days):
    client.force_login(sales_owner)
    response = client.post(
        reverse("notifications:snooze", args=[reminder.pk]), {"days": days}, HTTP_HX_REQUEST="true"
    )
    assert (
        response.status_code == 200 and b"<html" not in response.content and "Snoozed until" in response.text
    )
    reminder.refresh_from_db()
    assert reminder.state == "snoozed" and reminder.snoozed_until == NOW + dt.timedelta(days=int(days))


@pytest.mark.parametrize("days", ["0", "-3", "abc", "100000", ""])
def test_a_bad_snooze_changes_nothing(client, reminder, sales_owner, days):
    client.force_login(sales_owner)
    response = client.post(reverse("notifications:snooze", args=[reminder.pk]), {"days": days}, follow=True)
    assert response.status_code == 200 and "Snooze for 1 to 30 days." in response.text
    assert set(Reminder.objects.filter(user=sales_owner).values_list("state", flat=True)) == {"open"}


def test_other_peoples_reminders_do_not_exist(client, reminder, other_sales):
    client.force_login(other_sales)
    assert client.post(reverse("notifications:acknowledge", args=[reminder.pk])).status_code == 404
    assert client.post(reverse("notifications:snooze", args=[reminder.pk]), {"days": 1}).status_code == 404
    assert client.get(REMINDERS).context["rows"] == []
    reminder.refresh_from_db()
    assert reminder.state == "open"


def test_unknown_filter_shows_everything(client, reminder, sales_owner):
    client.force_login(sales_owner)
    assert client.get(REMINDERS, {"state": "nonsense"}).status_code == 200


@pytest.mark.parametrize("url", [INBOX, REMINDERS])
def test_lists_run_a_constant_number_of_queries(
    client, reminder, sales_owner, django_assert_max_num_queries, url
):
    client.force_login(sales_owner)
    more_reminders(reminder, 4)
    client.get(url)
    with django_assert_max_num_queries(12) as five:
        client.get(url, {"size": 50})
    more_reminders(reminder, 25)
    with django_assert_max_num_queries(len(five.captured_queries)):
        page = client.get(url, {"size": 50})
    assert len(page.context["rows"] if url == REMINDERS else page.context["page"].items) >= 30


# --- admin pages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        RULES,
        reverse("notifications:rule_create"),
        CHANNELS,
        reverse("notifications:channel_create"),
        DELIVERIES,
    ],
)
def test_settings_pages_do_not_exist_for_non_admins(client, manager, legal, url):
    for user in (manager, legal):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_non_admins_cannot_post_to_settings(client, manager):
    channel = Channel.objects.create(name="群", kind="wecom", url="https://qyapi.weixin.qq.com/x")
    rule = ReminderRule.objects.defaults().first()
    client.force_login(manager)
    assert client.post(reverse("notifications:channel_test", args=[channel.pk])).status_code == 404
    assert (
        client.post(reverse("notifications:rule_edit", args=[rule.pk]), {"offsets": "1"}).status_code == 404
    )
    assert not Delivery.objects.exists()


def test_rules_table_shows_the_defaults(client, admin):
    client.force_login(admin)
    page = client.get(RULES)
    assert page.status_code == 200
    assert "Notice deadline" in page.text and "90, 60, 30, 7, 0" in page.text and "Owner" in page.text


def rule_data(**extra):
    data = {
        "date_kind": "end",
        "offsets": "60, 14",
        "recipient_roles": ["owner", "legal"],
        "email": "on",
        "escalate_after": "2",
        "is_active": "on",
    }
    data.update(extra)
    return data


def test_admin_creates_a_type_rule_in_two_steps_and_removes_it(client, admin):
    from hetong.contracts.models import ContractType

    fw = ContractType.objects.get(code="FW")
    client.force_login(admin)
    step = client.get(reverse("notifications:rule_create"))
    assert step.status_code == 200 and "contract_type" in step.text
    url = reverse("notifications:rule_create") + f"?contract_type={fw.pk}"
    assert "End date" in client.get(url).text
    assert client.post(url, rule_data()).status_code == 302
    rule = ReminderRule.objects.get(contract_type=fw)
    assert (
        rule.offsets == [60, 14] and rule.recipient_roles == ["owner", "legal"] and rule.escalate_after == 2
    )
    assert client.post(url, rule_data()).status_code == 400  # one rule per type and date
    assert client.post(reverse("notifications:rule_delete", args=[rule.pk])).status_code == 302
    assert not ReminderRule.objects.filter(contract_type=fw).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("offsets", "-1"),
        ("offsets", "abc"),
        ("offsets", "100000"),
        ("offsets", ""),
        ("offsets", "7, x"),
        ("escalate_after", "abc"),
        ("escalate_after", "-2"),
        ("recipient_roles", []),
        ("date_kind", "nonsense"),
    ],
)
def test_bad_rule_input_shows_field_errors_and_saves_nothing(client, admin, field, value):
    client.force_login(admin)
    before = list(ReminderRule.objects.values())
    url = reverse("notifications:rule_create") + "?contract_type="
    response = client.post(url, rule_data(**{"date_kind": "effective", field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert list(ReminderRule.objects.values()) == before


def test_admin_edits_a_default_rule_with_errors_kept_on_the_form(client, admin):
    rule = ReminderRule.objects.defaults().get(date_kind="end")
    client.force_login(admin)
    url = reverse("notifications:rule_edit", args=[rule.pk])
    bad = client.post(url, rule_data(offsets="5, -5"))
    assert bad.status_code == 400 and "whole numbers of days" in bad.text
    assert client.post(url, rule_data(offsets="45, 15, 0")).status_code == 302
    rule.refresh_from_db()
    assert rule.offsets == [45, 15, 0] and rule.date_kind == "end"
    refused = client.post(reverse("notifications:rule_delete", args=[rule.pk]), follow=True)
    assert "A default rule cannot be removed" in refused.text
    assert ReminderRule.objects.filter(pk=rule.pk).exists()


# --- channels and deliveries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "dingtalk", "url": "https://oapi.dingtalk.com/wrong/path"}, "url"),
        ({"kind": "wecom", "url": "https://example.com/cgi-bin/webhook/send?key=x"}, "url"),
        ({"kind": "wecom", "url": "not a url"}, "url"),
        ({"kind": "webhook", "url": "https://hooks.example.com/h"}, "secret"),
        (
            {
                "kind": "dingtalk",
                "url": "https://oapi.dingtalk.com/robot/send?access_token=" + "a" * 64,
                "secret": "wrong",
            },
            "secret",
        ),
        ({"kind": "fax", "url": "https://example.com/"}, "kind"),
        ({"kind": "wecom", "url": "https://" + "a" * 600 + ".com/"}, "url"),
    ],
)
def test_bad_channel_input_shows_field_errors_and_saves_nothing(client, admin, data, field):
    client.force_login(admin)
    response = client.post(reverse("notifications:channel_create"), {"name": "销售群", **data})
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Channel.objects.exists()


# Committed for real, so the delivery job runs after commit as it does after a request in production.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("allow_local_channels")
def test_admin_adds_a_robot_tests_it_and_the_secret_is_never_shown(client, admin, robot):
    dingtalk = robot("dingtalk", secret=DINGTALK_SECRET)
    client.force_login(admin)
    created = client.post(
        reverse("notifications:channel_create"),
        {
            "name": "法务群",
            "kind": "dingtalk",
            "url": dingtalk.url,
            "secret": DINGTALK_SECRET,
            "is_active": "on",
        },
    )
    assert created.status_code == 302
    channel = Channel.objects.get()
    edit_url = reverse("notifications:channel_edit", args=[channel.pk])
    assert DINGTALK_SECRET not in client.get(edit_url).text
    assert DINGTALK_SECRET not in client.get(CHANNELS).text
    # An empty secret keeps the current one.
    assert (
        client.post(
            edit_url, {"name": "法务群2", "url": dingtalk.url, "secret": "", "is_active": "on"}
        ).status_code
        == 302
    )
    channel.refresh_from_db()
    assert channel.secret == DINGTALK_SECRET and channel.name == "法务群2"
    tested = client.post(reverse("notifications:channel_test", args=[channel.pk]), follow=True)
    assert "The test message was sent" in tested.text
    assert len(dingtalk.accepted) == 1 and Delivery.objects.get().state == "sent"


# Committed for real, so the delivery job runs after commit as it does after a request in production.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("allow_local_channels")
def test_a_failed_test_shows_the_error_and_can_be_sent_again(client, admin, robot):
    dingtalk = robot("dingtalk", secret=DINGTALK_SECRET)
    # The robot was set up with another secret: DingTalk refuses the signature.
    channel = Channel.objects.create(name="群", kind="dingtalk", url=dingtalk.url, secret="SEC" + "cd34" * 16)
    client.force_login(admin)
    tested = client.post(reverse("notifications:channel_test", args=[channel.pk]), follow=True)
    delivery = Delivery.objects.get()
    assert delivery.state == "failed" and delivery.last_error
    assert "failed" in tested.text and tested.request["PATH_INFO"] == DELIVERIES
    page = client.get(DELIVERIES)
    assert page.context["page"].object_list[0].pk == delivery.pk and "Send again" in page.text
    Channel.objects.filter(pk=channel.pk).update(secret=DINGTALK_SECRET)
    client.post(reverse("notifications:delivery_retry", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.state == "sent"
    again = client.post(reverse("notifications:delivery_retry", args=[delivery.pk]), follow=True)
    assert "Only a failed delivery can be sent again." in again.text


def test_deliveries_list_failed_first_and_filters_by_state(client, admin):
    sent = Delivery.objects.create(kind="email", to="a@example.com", subject="sent", state="sent")
    failed = Delivery.objects.create(
        kind="email", to="b@example.com", subject="failed", state="failed", last_error="550 No such user"
    )
    retrying = Delivery.objects.create(
        kind="email", to="c@example.com", subject="retrying", state="pending", attempts=2
    )
    client.force_login(admin)
    rows = client.get(DELIVERIES).context["page"].object_list
    assert [r.pk for r in rows] == [failed.pk, retrying.pk, sent.pk]
    assert [r.pk for r in client.get(DELIVERIES, {"state": "sent"}).context["page"].object_list] == [sent.pk]
    assert client.get(DELIVERIES, {"state": "bogus", "page": "x"}).status_code == 200


# --- a contract's reminders ------------------------------------------------------------------------------


def test_contract_card_shows_the_default_rule_and_an_override_is_removable(client, ca1, sales_owner, manager):
    from .utils import make_active

    make_active(ca1, owner=sales_owner, approver=manager, end_in=120)
    client.force_login(sales_owner)
    page = client.get(detail(ca1))
    assert page.status_code == 200 and 'id="reminders"' in page.text
    assert "Default" in page.text and "90, 60, 30, 7, 0 days before" in page.text
    assert (NOW.date() + dt.timedelta(days=30)).isoformat() in page.text  # the 90-day reminder of the end
    url = reverse("notifications:contract_rule", args=[ca1.pk, "end"])
    form = client.get(url)
    assert form.status_code == 200 and "Default" in form.text
    bad = client.post(url, rule_data(offsets="-1"))
    assert bad.status_code == 400 and not ReminderRule.objects.filter(contract=ca1).exists()
    assert client.post(url, rule_data(offsets="100, 10")).status_code == 302
    own = ReminderRule.objects.get(contract=ca1)
    assert own.offsets == [100, 10] and own.date_kind == "end"
    page = client.get(detail(ca1))
    assert "This contract" in page.text and "100, 10 days before" in page.text
    assert client.post(reverse("notifications:contract_rule_delete", args=[ca1.pk, "end"])).status_code == 302
    assert not ReminderRule.objects.filter(contract=ca1).exists()
    assert "100, 10 days before" not in client.get(detail(ca1)).text


def test_contract_rules_are_scoped_and_need_the_right_to_change(client, ca1, other_sales, viewer):
    url = reverse("notifications:contract_rule", args=[ca1.pk, "end"])
    client.force_login(other_sales)
    assert client.get(url).status_code == 404
    assert client.post(url, rule_data()).status_code == 404
    client.force_login(viewer)  # sees the east department's contracts, changes none
    assert client.get(detail(ca1)).status_code == 200
    assert "Set for this contract" not in client.get(detail(ca1)).text
    assert client.post(url, rule_data()).status_code == 403
    assert client.get(reverse("notifications:contract_rule", args=[ca1.pk, "nonsense"])).status_code == 404
    assert not ReminderRule.objects.filter(contract=ca1).exists()
