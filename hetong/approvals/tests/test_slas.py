"""Time limits in business hours: a reminder at a share of the limit, escalation to the manager at the limit,
across the National Day holiday of 2026, on a frozen clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from hetong.approvals import services
from hetong.approvals.models import Task
from hetong.contracts.models import Contract, Status
from hetong.core.scheduler import run_periodic
from hetong.core.workdays import WorkCalendar, add_business_hours, business_seconds_between

from .conftest import node, user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_business_hours_skip_nights_lunch_weekends_and_holidays():
    calendar = WorkCalendar()
    # Wednesday 30 September 2026, 16:00: two hours left that day, then the National Day holiday (1–7 October).
    start = at(2026, 9, 30, 16, 0)
    assert add_business_hours(start, 2, calendar, SHANGHAI) == at(2026, 9, 30, 18, 0)
    assert add_business_hours(start, 4, calendar, SHANGHAI) == at(2026, 10, 8, 11, 0)
    assert add_business_hours(at(2026, 11, 27, 11, 30), 1, calendar, SHANGHAI) == at(2026, 11, 27, 13, 30)  # lunch
    assert add_business_hours(at(2026, 11, 27, 20, 0), 1, calendar, SHANGHAI) == at(2026, 11, 30, 10, 0)  # weekend
    assert business_seconds_between(start, at(2026, 10, 8, 11, 0), calendar, SHANGHAI) == 4 * 3600


def test_reminder_at_half_the_limit_and_escalation_at_the_limit_across_a_holiday(
    publish, sales_owner, manager, legal, org, make_customer, make_contract
):
    from hetong.accounts.models import Department
    from hetong.contracts.services import submit_contract

    Department.objects.filter(pk=org["legal"].pk).update(head=manager)  # legal's manager
    publish({"nodes": [node("法务审核", user(legal), sla_hours=4, remind_share=0.5)]})
    with time_machine.travel(at(2026, 9, 30, 16, 0), tick=False):
        contract = submit_contract(make_contract(sales_owner, make_customer(sales_owner)), by=sales_owner)
        task = Task.objects.get(user=legal)
    assert task.remind_at == at(2026, 9, 30, 18, 0) and task.due_at == at(2026, 10, 8, 11, 0)

    with time_machine.travel(at(2026, 9, 30, 17, 59), tick=False):
        assert services.run_slas() == {"reminded": 0, "escalated": 0}
    with time_machine.travel(at(2026, 10, 3, 10, 0), tick=False):  # in the holiday: reminded once, not escalated
        assert run_periodic()["approvals"] == {"reminded": 1, "escalated": 0}
        assert services.run_slas() == {"reminded": 0, "escalated": 0}
    assert legal.notifications.filter(kind="reminder", url=services.task_url(task)).count() == 1
    with time_machine.travel(at(2026, 10, 8, 10, 59), tick=False):
        assert services.run_slas()["escalated"] == 0
    with time_machine.travel(at(2026, 10, 8, 11, 0), tick=False):
        assert services.run_slas() == {"reminded": 0, "escalated": 1}
        assert services.run_slas() == {"reminded": 0, "escalated": 0}
    copy = Task.objects.get(escalated_from=task)
    assert copy.user == manager and copy.status == "pending"
    assert manager.notifications.filter(kind="escalation").count() == 1
    with time_machine.travel(at(2026, 10, 8, 14, 0), tick=False):
        services.decide(copy.pk, by=manager, decision="approve", comment="代为审批")
    assert Task.objects.get(pk=task.pk).status == "cancelled"
    assert Contract.objects.get(pk=contract.pk).status == Status.APPROVED
    run = copy.node
    run.refresh_from_db()
    assert run.seconds == int((at(2026, 10, 8, 14, 0) - at(2026, 9, 30, 16, 0)).total_seconds())
    assert run.business_seconds == 2 * 3600 + 4 * 3600  # 16–18 on 30 Sep, 9–12 and 13–14 on 8 Oct
