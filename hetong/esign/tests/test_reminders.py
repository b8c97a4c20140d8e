"""催签: pending signers are reminded by the periodic job, two days apart, at most three times plus the day before
the deadline; never twice in one round, never after signing, voiding or expiry; the sender hears of the outcome."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hetong.audit.models import AuditEvent
from hetong.core.scheduler import run_periodic
from hetong.esign import services
from hetong.esign.models import SignatureRequest, Signer
from hetong.notifications.models import Delivery, Notification

from .flow import sign_as, token_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)  # a Tuesday
DEADLINE = dt.date(2026, 12, 11)


def mails(address: str) -> list[Delivery]:
    return list(Delivery.objects.filter(kind=Delivery.Kind.EMAIL, to=address).order_by("id"))


@pytest.fixture
def sent(setup, sales_owner):
    with time_machine.travel(START, tick=False):
        request = services.create_request(setup["contract"], by=sales_owner, signers=[setup["ours"], setup["contact"]],
                                          order="parallel", deadline=DEADLINE)
        return services.send(request, by=sales_owner)


def at(day: int, hour: int = 9):
    return time_machine.travel(dt.datetime(2026, 12, day, hour, 0, tzinfo=SHANGHAI), tick=False)


def test_reminders_every_two_days_three_times_then_the_day_before_the_deadline(sent, setup):
    contact_email = setup["contact"].email
    assert len(mails(contact_email)) == 1  # the invitation
    schedule = {2: 0, 3: 1, 4: 1, 5: 2, 7: 3, 8: 3, 9: 3, 10: 4, 11: 4}  # day of December -> reminders so far
    for day, expected in schedule.items():
        with at(day):
            run_periodic()
            run_periodic()  # a second round the same minute sends nothing more
        assert len(mails(contact_email)) == 1 + expected, day
    reminder = mails(contact_email)[-1]
    assert "2026-12-11" in reminder.subject
    assert "no longer work" in reminder.text or "不再有效" in reminder.text
    signer = Signer.objects.get(request=sent, contact=setup["contact"])
    assert signer.reminder_count == 4 and signer.sent_at.astimezone(SHANGHAI).date() == dt.date(2026, 12, 1)
    assert AuditEvent.objects.filter(verb="esign.reminded").count() == 8  # both signers, four each


def test_a_reminder_carries_a_new_link_and_the_old_one_dies(sent, setup):
    signer = Signer.objects.get(request=sent, contact=setup["contact"])
    with at(2):
        old = token_of(signer)
        services.open_link(old, "browser")  # viewed
    with at(3):
        run_periodic()
        new = token_of(signer)
        assert new != old
        with pytest.raises(services.LinkUnknown):
            services.open_link(old, "browser")
        assert services.open_link(new, "browser").status == Signer.Status.VIEWED  # still counted as viewed


def test_no_reminder_after_signing_voiding_or_expiry(sent, setup, sales_owner):
    ours = Signer.objects.get(request=sent, side="ours")
    with at(2):
        sign_as(ours, "our-browser")
    with at(3):
        run_periodic()
    assert len(mails(ours.email)) == 2  # the invitation and the code; no reminder after signing
    services.void(sent, by=sales_owner, reason="条款需要修改")
    count = Delivery.objects.count()
    with at(5):
        run_periodic()
    assert Delivery.objects.count() == count


def test_expiry_closes_the_request_and_tells_the_sender(sent, setup, sales_owner):
    with at(12):
        run_periodic()
    sent.refresh_from_db()
    assert sent.status == SignatureRequest.Status.EXPIRED
    (notice,) = Notification.objects.filter(user=sales_owner, kind="system")
    assert setup["contract"].number in notice.title and "2026-12-11" in notice.body
    assert setup["contact"].name in notice.body and notice.contract_id == setup["contract"].pk
    with at(13):
        run_periodic()
    assert Notification.objects.filter(user=sales_owner, kind="system").count() == 1
