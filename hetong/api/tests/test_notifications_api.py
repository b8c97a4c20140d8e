"""The notifications API: the caller's reminders and inbox, reminder rules, admin-only channels."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hetong.contracts.models import ContractType
from hetong.notifications.models import Channel, Delivery, Notification, Reminder, ReminderRule
from hetong.notifications.receivers import RobotReceiver
from hetong.notifications.tests.utils import NOW, more_reminders, remind

from .utils import send

pytestmark = pytest.mark.django_db

WEBHOOK_SECRET = "whsec-0123456789abcdef"


@pytest.fixture(autouse=True)
def _clock_and_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hook(settings):
    """A local webhook receiver, with its host allowed as a channel address."""
    settings.HETONG_CHANNEL_ALLOWED_HOSTS = ["127.0.0.1"]
    with RobotReceiver("webhook", WEBHOOK_SECRET) as receiver:
        yield receiver


@pytest.fixture
def reminder(ca1, sales_owner, manager):
    return remind(ca1, owner=sales_owner, approver=manager)


# --- reminders -------------------------------------------------------------------------------------------


def test_list_reminders_of_the_caller_only(api_as, reminder, sales_owner, other_sales, ca1):
    body = api_as(sales_owner).get("/api/v1/reminders").json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["id"] == reminder.pk and item["contract"] == ca1.pk and item["contract_number"] == ca1.number
    assert item["date_kind"] == "end" and item["date_label"] == "End date" and item["days_left"] == 30
    assert item["state"] == "open"
    assert api_as(other_sales).get("/api/v1/reminders").json()["count"] == 0
    assert api_as(sales_owner).get("/api/v1/reminders?state=acknowledged").json()["count"] == 0
    assert api_as(sales_owner).get("/api/v1/reminders?state=bogus").status_code == 400


def test_acknowledge_and_snooze_through_the_api(api_as, reminder, sales_owner):
    client = api_as(sales_owner)
    snoozed = send(client, "post", f"/api/v1/reminders/{reminder.pk}/snooze", {"days": 3})
    assert snoozed.status_code == 200 and snoozed.json()["state"] == "snoozed"
    assert snoozed.json()["snoozed_until"].startswith((NOW + dt.timedelta(days=3)).date().isoformat())
    until = (NOW + dt.timedelta(hours=5)).isoformat()
    assert (
        send(client, "post", f"/api/v1/reminders/{reminder.pk}/snooze", {"until": until}).status_code == 200
    )
    acked = client.post(f"/api/v1/reminders/{reminder.pk}/acknowledge")
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    again = client.post(f"/api/v1/reminders/{reminder.pk}/acknowledge")
    assert again.status_code == 400 and again.json()["code"] == "reminder_settled"


@pytest.mark.parametrize(
    "body",
    [
        {"days": 0},
        {"days": -1},
        {"days": 100000},
        {"days": "abc"},
        {"until": "2026-03-01T09:00:00+08:00"},
        {"until": "2026-03-05T09:00:00"},
        {"days": 1, "until": "2026-03-05T09:00:00+08:00"},
        {"weeks": 1},
    ],
)
def test_bad_snooze_is_a_400_and_changes_nothing(api_as, reminder, sales_owner, body):
    response = send(api_as(sales_owner), "post", f"/api/v1/reminders/{reminder.pk}/snooze", body)
    assert response.status_code == 400
    assert response.json()["errors"]
    assert set(Reminder.objects.values_list("state", flat=True)) == {"open"}


def test_another_users_reminder_is_a_404(api_as, reminder, other_sales, admin):
    for user in (other_sales, admin):
        client = api_as(user)
        assert client.post(f"/api/v1/reminders/{reminder.pk}/acknowledge").status_code == 404
        assert send(client, "post", f"/api/v1/reminders/{reminder.pk}/snooze", {"days": 1}).status_code == 404
    assert Reminder.objects.get(pk=reminder.pk).state == "open"


def test_reminder_list_queries_do_not_grow_with_the_page(api_as, reminder, sales_owner):
    client = api_as(sales_owner)
    client.get("/api/v1/reminders?limit=1")
    more_reminders(reminder, 4)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get("/api/v1/reminders?limit=200").json()["items"]) == 5
    more_reminders(reminder, 25)
    with CaptureQueriesContext(connection) as thirty:
        assert len(client.get("/api/v1/reminders?limit=200").json()["items"]) == 30
    assert len(five) == len(thirty)


# --- inbox -----------------------------------------------------------------------------------------------


def test_inbox_unread_count_read_and_read_all(api_as, sales_owner, other_sales):
    first, second = (
        Notification.objects.create(user=sales_owner, kind="system", title=f"n{i}") for i in range(2)
    )
    theirs = Notification.objects.create(user=other_sales, kind="system", title="theirs")
    client = api_as(sales_owner)
    body = client.get("/api/v1/notifications").json()
    assert [n["id"] for n in body["items"]] == [second.pk, first.pk]
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread_count": 2}
    read = client.post(f"/api/v1/notifications/{first.pk}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert [n["id"] for n in client.get("/api/v1/notifications?unread=true").json()["items"]] == [second.pk]
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread_count": 0}
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_notification_list_queries_do_not_grow_with_the_page(api_as, sales_owner):
    client = api_as(sales_owner)
    client.get("/api/v1/notifications?limit=1")
    Notification.objects.bulk_create(
        [Notification(user=sales_owner, kind="system", title="x") for _ in range(5)]
    )
    with CaptureQueriesContext(connection) as five:
        client.get("/api/v1/notifications?limit=200")
    Notification.objects.bulk_create(
        [Notification(user=sales_owner, kind="system", title="x") for _ in range(25)]
    )
    with CaptureQueriesContext(connection) as thirty:
        assert len(client.get("/api/v1/notifications?limit=200").json()["items"]) == 30
    assert len(five) == len(thirty)


# --- reminder rules --------------------------------------------------------------------------------------


def test_everyone_reads_default_rules_contract_rules_only_in_scope(
    api_as, ca1, sales_owner, other_sales, admin
):
    own = send(
        api_as(sales_owner),
        "post",
        "/api/v1/reminder-rules",
        {"contract": ca1.pk, "date_kind": "end", "offsets": [100, 10], "recipient_roles": ["owner"]},
    )
    assert own.status_code == 201, own.json()
    assert own.json()["scope"] == "contract" and own.json()["offsets"] == [100, 10]
    rule_id = own.json()["id"]
    defaults = api_as(other_sales).get("/api/v1/reminder-rules?scope=default").json()
    assert {r["date_kind"] for r in defaults["items"]} >= {"end", "notice"}
    assert rule_id not in [r["id"] for r in api_as(other_sales).get("/api/v1/reminder-rules").json()["items"]]
    assert api_as(other_sales).get(f"/api/v1/reminder-rules/{rule_id}").status_code == 404
    assert (
        send(api_as(other_sales), "patch", f"/api/v1/reminder-rules/{rule_id}", {"offsets": [1]}).status_code
        == 404
    )
    assert api_as(other_sales).delete(f"/api/v1/reminder-rules/{rule_id}").status_code == 404
    assert api_as(admin).get(f"/api/v1/reminder-rules/{rule_id}").status_code == 200
    changed = send(api_as(sales_owner), "patch", f"/api/v1/reminder-rules/{rule_id}", {"offsets": [45]})
    assert changed.status_code == 200 and changed.json()["offsets"] == [45]
    assert api_as(sales_owner).delete(f"/api/v1/reminder-rules/{rule_id}").status_code == 204
    assert not ReminderRule.objects.filter(contract=ca1).exists()


def test_only_admins_write_default_and_type_rules(api_as, manager, admin):
    default = ReminderRule.objects.defaults().get(date_kind="end")
    assert (
        send(api_as(manager), "patch", f"/api/v1/reminder-rules/{default.pk}", {"offsets": [1]}).status_code
        == 403
    )
    fw = ContractType.objects.get(code="FW").pk
    refused = send(
        api_as(manager),
        "post",
        "/api/v1/reminder-rules",
        {"contract_type": fw, "date_kind": "end", "recipient_roles": ["owner"]},
    )
    assert refused.status_code == 403
    created = send(
        api_as(admin),
        "post",
        "/api/v1/reminder-rules",
        {
            "contract_type": fw,
            "date_kind": "end",
            "recipient_roles": ["owner", "legal"],
            "escalate_after": None,
        },
    )
    assert (
        created.status_code == 201
        and created.json()["scope"] == "type"
        and created.json()["escalate_after"] is None
    )
    assert api_as(admin).delete(f"/api/v1/reminder-rules/{default.pk}").json()["code"] == "default_rule"
    assert ReminderRule.objects.get(pk=default.pk).offsets == [90, 60, 30, 7, 0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"offsets": [-1]}, "offsets"),
        ({"offsets": [100000]}, "offsets"),
        ({"offsets": ["abc"]}, "offsets"),
        ({"offsets": []}, "offsets"),
        ({"offsets": list(range(11))}, "offsets"),
        ({"offsets": "30"}, "offsets"),
        ({"escalate_after": 0}, "escalate_after"),
        ({"recipient_roles": ["boss"]}, "recipient_roles"),
        ({"recipient_roles": []}, "recipient_roles"),
        ({"recipient_users": [999999]}, "recipient_users"),
        ({"channels": [999999]}, "channels"),
        ({"date_kind": "nonsense"}, "date_kind"),
        ({"contract": 999999}, "contract"),
        ({"contract_type": 999999}, "contract_type"),
    ],
)
def test_bad_rule_input_is_a_400_per_field_and_saves_nothing(api_as, admin, body, field):
    before = list(ReminderRule.objects.values())
    data = {"date_kind": "effective", "recipient_roles": ["owner"], **body}
    response = send(api_as(admin), "post", "/api/v1/reminder-rules", data)
    assert response.status_code == 400, response.json()
    assert any(name.split(".")[0] == field for name in response.json()["errors"])
    assert list(ReminderRule.objects.values()) == before


# --- channels --------------------------------------------------------------------------------------------


def test_channels_are_for_admins_only(api_as, manager, legal):
    channel = Channel.objects.create(name="群", kind="wecom", url="https://qyapi.weixin.qq.com/x")
    for user in (manager, legal):
        client = api_as(user)
        assert client.get("/api/v1/channels").status_code == 403
        assert client.get(f"/api/v1/channels/{channel.pk}").status_code == 403
        assert send(client, "patch", f"/api/v1/channels/{channel.pk}", {"name": "x"}).status_code == 403
        assert client.post(f"/api/v1/channels/{channel.pk}/test").status_code == 403
        assert (
            send(
                client,
                "post",
                "/api/v1/channels",
                {
                    "name": "n",
                    "kind": "wecom",
                    "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=00000000-0000-0000-0000-000000000000",
                },
            ).status_code
            == 403
        )
    assert Channel.objects.get().name == "群" and not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "dingtalk", "url": "https://oapi.dingtalk.com/wrong"}, "url"),
        ({"kind": "webhook", "url": "https://hooks.example.com/h"}, "secret"),
        ({"kind": "webhook", "url": "https://hooks.example.com/h", "secret": "x" * 300}, "secret"),
        ({"kind": "fax", "url": "https://example.com/"}, "kind"),
        ({"kind": "wecom", "url": "http://127.0.0.1/cgi-bin/webhook/send"}, "url"),
    ],
)
def test_bad_channel_input_is_a_400_and_saves_nothing(api_as, admin, body, field):
    response = send(api_as(admin), "post", "/api/v1/channels", {"name": "群", **body})
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Channel.objects.exists()


# Committed for real, so the delivery job runs after commit as it does after a request in production.
@pytest.mark.django_db(transaction=True)
def test_admin_creates_tests_and_patches_a_channel_and_never_sees_the_secret(api_as, admin, hook):
    client = api_as(admin)
    created = send(
        client,
        "post",
        "/api/v1/channels",
        {"name": "ERP", "kind": "webhook", "url": hook.url, "secret": WEBHOOK_SECRET},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["has_secret"] is True and "secret" not in body and WEBHOOK_SECRET not in created.text
    tested = client.post(f"/api/v1/channels/{body['id']}/test")
    assert tested.status_code == 202 and tested.json()["state"] == "sent" and len(hook.accepted) == 1
    patched = send(client, "patch", f"/api/v1/channels/{body['id']}", {"name": "ERP 2", "secret": ""})
    assert patched.status_code == 200 and patched.json()["name"] == "ERP 2" and patched.json()["has_secret"]
    assert Channel.objects.get().secret == WEBHOOK_SECRET
    kind = send(client, "patch", f"/api/v1/channels/{body['id']}", {"kind": "wecom"})
    assert kind.status_code == 400 and kind.json()["code"] == "forbidden_field"
    assert WEBHOOK_SECRET not in client.get("/api/v1/channels").text
