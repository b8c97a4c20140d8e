"""The reminder pass: when reminders fall due, to whom, once, collapsed after an outage, escalated, followed."""

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from hetong.contracts import services as contracts
from hetong.contracts.models import Contract, ContractType, KeyDate, Status
from hetong.contracts.tests.test_services import full_lifecycle
from hetong.core.errors import InvalidInput, PermissionDenied
from hetong.notifications import services
from hetong.notifications.models import (
    Channel,
    Delivery,
    Dispatch,
    JobRun,
    Notification,
    Reminder,
    ReminderRule,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def effects(function, *args, **kwargs):
    """Call a service and run what it queued for after its commit (the tests run inside a transaction)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(*args, **kwargs)


def run_pass(*, now):
    return effects(services.run_reminders, now=now)


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def active(sales_owner, manager, make_customer, make_contract):
    """An active contract of sales_owner, signed on 2026-01-01, with the given dates (made on 2026-01-05)."""
    customer = make_customer(sales_owner)

    def make(**dates):
        with time_machine.travel(at("2026-01-05"), tick=False):
            contract = make_contract(sales_owner, customer, **dates)
            return full_lifecycle(contract, owner=sales_owner, approver=manager)

    return make


def sent_keys(contract) -> list[tuple[str, str, int]]:
    return sorted((d.kind, d.date.isoformat(), d.offset) for d in Dispatch.objects.filter(contract=contract))


def test_each_offset_falls_due_once_on_its_day(active, sales_owner):
    contract = active(effective_date="2026-01-01", end_date="2026-12-31")
    assert contract.status == Status.ACTIVE
    assert run_pass(now=at("2026-10-01")).reminders == 0  # 91 days before: nothing yet
    result = run_pass(now=at("2026-10-02"))
    assert [(user, [i.offset for i in items]) for user, items in result.sent] == [("sales_owner", [90])]
    assert run_pass(now=at("2026-10-02", 15)).reminders == 0  # the same day again: nothing
    for day, offset in [("2026-11-01", 60), ("2026-12-01", 30), ("2026-12-24", 7), ("2026-12-31", 0)]:
        assert run_pass(now=at(day)).sent[0][1][0].offset == offset
        assert run_pass(now=at(day, 18)).reminders == 0
    assert sent_keys(contract) == [("end", "2026-12-31", o) for o in (0, 7, 30, 60, 90)]
    assert Reminder.objects.filter(user=sales_owner).count() == 5
    assert Reminder.objects.filter(user=sales_owner, state=Reminder.State.OPEN).count() == 1  # the newest supersedes
    assert Notification.objects.filter(user=sales_owner, kind=Notification.Kind.REMINDER).count() == 5
    assert len(mail.outbox) == 5 and mail.outbox[0].to == [sales_owner.email]


def test_three_day_outage_sends_every_due_reminder_once_collapsed(active, sales_owner):
    # Three contracts whose 30-day reminders fall due on each of the three days the scheduler was down.
    contracts_ = [active(effective_date="2026-01-01", end_date=end) for end in ("2026-12-02", "2026-12-03", "2026-12-04")]
    run_pass(now=at("2026-11-01"))  # the last run before the outage sends what fell due until then (60 days)
    before = Notification.objects.filter(user=sales_owner).count()
    mail.outbox.clear()
    # Down on 2, 3 and 4 November; back on the 5th.
    result = run_pass(now=at("2026-11-05"))
    assert len(result.sent) == 1  # one message for the one recipient
    user, items = result.sent[0]
    assert user == "sales_owner"
    assert [(i.date.isoformat(), i.offset) for i in items] == [("2026-12-02", 30), ("2026-12-03", 30), ("2026-12-04", 30)]
    assert [sent_keys(c) for c in contracts_] == [[("end", c.end_date.isoformat(), o) for o in (30, 60, 90)]
                                                  for c in contracts_]
    assert Notification.objects.filter(user=sales_owner).count() == before + 1
    assert Reminder.objects.filter(user=sales_owner, state=Reminder.State.OPEN).count() == 3  # one per contract date
    assert len(mail.outbox) == 1 and mail.outbox[0].body.count("2026-12-0") == 3
    assert run_pass(now=at("2026-11-05", 10)).reminders == 0


def test_a_late_contract_gets_one_message_for_its_past_offsets(active):
    with time_machine.travel(at("2026-12-10"), tick=False):
        contract = active(effective_date="2026-01-01", end_date="2026-12-31")
    KeyDate.objects.filter(contract=contract).update(due_on=dt.date(2026, 12, 10))
    result = run_pass(now=at("2026-12-10"))
    assert [(i.offset, i.days_left) for i in result.sent[0][1]] == [(30, 21)]  # 90, 60, 30 collapsed in one line
    assert [k[2] for k in sent_keys(contract)] == [30, 60, 90]
    assert Notification.objects.count() == 1


def test_business_day_offsets_skip_national_day_and_count_its_make_up_saturday(active, admin):
    contract = active(effective_date="2026-01-01", end_date="2026-10-12")
    rule = ReminderRule.objects.defaults().get(date_kind="end")
    services.save_rule(rule, by=admin, data={"offsets": "5", "business_days": True})
    # Five business days before Monday 12 October 2026: Saturday the 10th (a make-up workday), the 9th, the 8th,
    # then over the holiday of 1–7 October to 30 and 29 September.
    assert run_pass(now=at("2026-09-28")).reminders == 0
    result = run_pass(now=at("2026-09-29"))
    assert [(i.kind, i.offset, i.days_left) for i in result.sent[0][1]] == [("end", 5, 13)]
    assert sent_keys(contract) == [("end", "2026-10-12", 5)]


def test_evergreen_contract_is_reminded_of_its_review_date_only(active):
    contract = active(effective_date="2026-01-01", end_date="")
    assert contract.end_date is None
    contract = contracts.update_contract(contract, by=contract.owner, version=contract.version,
                                         data={"review_date": "2026-12-15"})
    assert sorted(KeyDate.objects.filter(contract=contract).values_list("kind", flat=True)) == ["review"]
    run_pass(now=at("2026-12-15"))
    assert {d.kind for d in Dispatch.objects.filter(contract=contract)} == {"review"}


def test_type_rule_overrides_the_default_and_a_contract_rule_overrides_the_type(active, sales_owner, admin):
    contract = active(effective_date="2026-01-01", end_date="2026-12-31")
    service_type = ContractType.objects.get(code="FW")
    services.save_rule(None, by=admin, data={"contract_type": service_type, "date_kind": "end", "offsets": "45",
                                             "recipient_roles": ["owner"]})
    run_pass(now=at("2026-11-16"))
    assert [k[2] for k in sent_keys(contract)] == [45]
    own = services.save_rule(None, by=sales_owner, data={"contract": contract, "date_kind": "end", "offsets": "10",
                                                         "recipient_roles": ["owner"], "is_active": False})
    assert own.contract == contract
    run_pass(now=at("2026-12-21"))
    assert [k[2] for k in sent_keys(contract)] == [45]  # switched off for this contract


def test_offsets_that_are_negative_or_absurd_are_refused_and_nothing_changes(admin):
    rule = ReminderRule.objects.defaults().get(date_kind="end")
    for bad in ("-1", "abc", "99999", "1,2,3,4,5,6,7,8,9,10,11", ""):
        with pytest.raises(InvalidInput) as caught:
            services.save_rule(rule, by=admin, data={"offsets": bad or " , "})
        assert "offsets" in caught.value.errors
    rule.refresh_from_db()
    assert rule.offsets == [90, 60, 30, 7, 0]


def test_termination_closes_open_reminders_and_stops_the_pending_ones(active, sales_owner, admin):
    contract = active(effective_date="2026-01-01", end_date="2026-12-31")
    run_pass(now=at("2026-12-01"))
    assert Reminder.objects.get(user=sales_owner).state == Reminder.State.OPEN
    contract = contracts.terminate_contract(contract, by=admin, terminated_on="2026-11-20", note="客户要求")
    assert Reminder.objects.get(user=sales_owner).state == Reminder.State.CLOSED
    assert not KeyDate.objects.filter(contract=contract).exists()
    assert run_pass(now=at("2026-12-31")).reminders == 0


def test_tacit_renewal_tells_the_owner_and_reminds_of_the_next_notice_deadline(active, sales_owner):
    contract = active(effective_date="2025-01-01", end_date="2025-12-31", auto_renew=True, renewal_term=12,
                      renewal_unit="months", notice_period=30, notice_unit="days")
    with time_machine.travel(at("2026-01-02"), tick=False):
        contracts.apply_date_transitions()
    contract.refresh_from_db()
    assert contract.end_date == dt.date(2026, 12, 31) and contract.renewal_count == 1
    told = Notification.objects.get(user=sales_owner, kind=Notification.Kind.RENEWAL)
    assert contract.number in told.title and "2026-12-31" in told.body
    notice = KeyDate.objects.get(contract=contract, kind="notice")
    assert notice.date == contract.notice_deadline == dt.date(2026, 12, 1)
    run_pass(now=at("2026-11-24"))
    assert ("notice", "2026-12-01", 7) in sent_keys(contract)


def test_unacknowledged_reminders_escalate_to_the_manager_once(active, sales_owner, manager, org):
    org["east"].head = manager
    org["east"].save()
    active(effective_date="2026-01-01", end_date="2026-12-31")
    run_pass(now=at("2026-12-01"))  # a Tuesday; escalation after 3 business days: Friday the 4th
    assert run_pass(now=at("2026-12-03")).escalated == 0
    assert run_pass(now=at("2026-12-04")).escalated == 1
    assert run_pass(now=at("2026-12-07")).escalated == 0
    escalated = Reminder.objects.get(user=manager)
    assert escalated.escalated_from.user == sales_owner
    assert Notification.objects.get(user=manager).kind == Notification.Kind.ESCALATION


def test_acknowledged_reminders_do_not_escalate_and_snoozed_ones_come_back(active, sales_owner, manager, org):
    org["east"].head = manager
    org["east"].save()
    first = active(effective_date="2026-01-01", end_date="2026-12-30")
    second = active(effective_date="2026-01-01", end_date="2026-12-29")
    run_pass(now=at("2026-11-30"))
    one = Reminder.objects.get(user=sales_owner, dispatch__contract=first)
    two = Reminder.objects.get(user=sales_owner, dispatch__contract=second)
    with time_machine.travel(at("2026-12-01"), tick=False):
        services.acknowledge_reminder(one, by=sales_owner)
        services.snooze_reminder(two, by=sales_owner, days=2)
    with pytest.raises(PermissionDenied):
        services.acknowledge_reminder(one, by=manager)  # not theirs
    result = run_pass(now=at("2026-12-03", 10))
    assert result.woken == 1 and result.escalated == 0
    assert Reminder.objects.get(pk=two.pk).state == Reminder.State.OPEN
    assert run_pass(now=at("2026-12-09")).escalated == 1  # three business days after waking
    assert Reminder.objects.filter(user=manager).get().escalated_from_id == two.pk


def test_recipients_by_role(active, sales_owner, manager, legal, finance, org, viewer, admin):
    org["east"].head = manager
    org["east"].save()
    contract = active(effective_date="2026-01-01", end_date="2026-12-31")
    rule = ReminderRule.objects.defaults().get(date_kind="end")
    services.save_rule(rule, by=admin, data={"recipient_roles": ["owner_manager", "legal", "finance"],
                                                "recipient_users": [viewer.pk]})
    result = run_pass(now=at("2026-12-31"))
    assert sorted(user for user, _items in result.sent) == ["finance", "legal", "manager", "viewer"]
    assert [k[2] for k in sent_keys(contract)] == [0, 7, 30, 60, 90]  # the first pass: all fell due, collapsed
    assert all(len(items) == 1 for _user, items in result.sent)


def test_channels_get_one_message_each_in_the_vendors_formats(active, admin, robot, allow_local_channels, smtp_sink):
    receivers = {
        "wecom": robot("wecom"), "dingtalk": robot("dingtalk", secret="SEC" + "a1" * 32, keyword="合同"),
        "feishu": robot("feishu", secret="feishu-secret-123"), "webhook": robot("webhook", secret="w" * 32),
    }
    channels = [services.save_channel(None, by=admin, data={"name": kind, "kind": kind, "url": r.url, "secret": r.secret or "",
                                                           "keyword": r.keyword or ""}) for kind, r in receivers.items()]
    rule = ReminderRule.objects.defaults().get(date_kind="end")
    services.save_rule(rule, by=admin, data={"channels": [c.pk for c in channels]})
    active(effective_date="2026-01-01", end_date="2026-12-31")
    active(effective_date="2026-01-01", end_date="2026-12-30")
    run_pass(now=at("2026-12-24"))
    for kind, receiver in receivers.items():
        assert len(receiver.accepted) == 1, (kind, receiver.rejected)
        assert not receiver.rejected
    assert receivers["webhook"].accepted[0]["type"] == "reminders"
    assert len(receivers["webhook"].accepted[0]["reminders"]) == 2
    assert len(smtp_sink.messages) == 1  # the owner's email, through a real SMTP exchange
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}


def test_a_wrong_secret_is_a_visible_delivery_failure(active, admin, robot, allow_local_channels):
    receiver = robot("dingtalk", secret="SEC" + "b2" * 32)
    channel = services.save_channel(None, by=admin, data={"name": "销售群", "kind": "dingtalk", "url": receiver.url,
                                                          "secret": "SEC" + "c3" * 32})
    delivery = effects(services.send_test_message, channel, by=admin)
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED and "310000" in delivery.last_error
    assert not receiver.accepted and receiver.rejected


def test_an_unreachable_webhook_is_retried_with_backoff_then_sent(active, admin, robot, allow_local_channels):
    receiver = robot("webhook", secret="s" * 32)
    channel = services.save_channel(None, by=admin, data={"name": "ERP", "kind": "webhook", "url": receiver.url,
                                                          "secret": "s" * 32})
    receiver.fail_next(2, status=503)
    delivery = effects(services.send_test_message, channel, by=admin)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.PENDING, 1)
    assert "503" in delivery.last_error
    later = delivery.next_attempt_at + dt.timedelta(seconds=1)
    assert effects(services.retry_due_deliveries, now=delivery.next_attempt_at - dt.timedelta(seconds=5)) == 0
    with time_machine.travel(later, tick=False):
        effects(services.retry_due_deliveries, now=later)
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.state == Delivery.State.PENDING
    final = delivery.next_attempt_at + dt.timedelta(seconds=1)
    with time_machine.travel(final, tick=False):
        effects(services.retry_due_deliveries, now=final)
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT and len(receiver.accepted) == 1


def test_digest_goes_once_a_day_after_the_morning_hour(active, sales_owner):
    active(effective_date="2026-01-01", end_date="2026-12-31")
    run_pass(now=at("2026-12-01"))
    mail.outbox.clear()
    assert effects(services.send_digests, now=at("2026-12-02", 7)) == 0
    assert effects(services.send_digests, now=at("2026-12-02", 8)) == 1
    assert effects(services.send_digests, now=at("2026-12-02", 17)) == 0
    assert len(mail.outbox) == 1 and "2026-12-31" in mail.outbox[0].body
    assert JobRun.objects.filter(job="digest", slot=f"2026-12-02:{sales_owner.pk}").count() == 1


def test_reminders_command_prints_what_it_sent_and_then_nothing(active):
    contract = active(effective_date="2026-01-01", end_date="2026-12-31")
    out = io.StringIO()
    call_command("reminders", "run", "--now", "2026-12-01T09:00", stdout=out)
    assert f"sales_owner: {contract.number} End date 2026-12-31 (in 30 days) [-30]" in out.getvalue()
    out = io.StringIO()
    call_command("reminders", "run", "--now", "2026-12-01T09:00", stdout=out)
    assert out.getvalue().startswith("reminders at 2026-12-01 09:00") and ": 0 sent to 0 people" in out.getvalue()


def test_nothing_in_a_broken_channel_stops_the_pass(active, admin, allow_local_channels):
    channel = Channel.objects.create(name="坏的", kind="wecom", url="http://127.0.0.1:9/cgi-bin/webhook/send?key=x")
    rule = ReminderRule.objects.defaults().get(date_kind="end")
    rule.channels.add(channel)
    active(effective_date="2026-01-01", end_date="2026-12-31")
    result = run_pass(now=at("2026-12-31"))
    assert result.reminders == 1
    assert Delivery.objects.get(channel=channel).state == Delivery.State.FAILED
    assert Contract.objects.count() == 1


def test_the_reminder_scan_reads_the_due_index_not_the_whole_table(db):
    from django.db import connection

    scan = KeyDate.objects.filter(due_on__lte=dt.date(2026, 12, 1)).order_by("due_on", "id")[:500]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")  # a tiny test table would otherwise be read whole anyway
    plan = scan.explain()
    assert "keydate_due_idx" in plan
