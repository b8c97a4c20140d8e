import datetime as dt
import io

import time_machine
from django.core.management import call_command
from django.test import Client

from hetong.contracts.models import Contract, Status
from hetong.contracts.tests.test_services import full_lifecycle


def test_token_command_prints_a_working_token(sales_owner, ca1):
    out = io.StringIO()
    call_command("token", "create", "sales_owner", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("ht_")
    response = Client().get("/api/v1/contracts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [ca1.pk]


def test_daily_command_and_periodic_task_move_contracts(sales_owner, manager, make_customer, make_contract):
    from hetong.contracts.tasks import date_transitions

    with time_machine.travel(dt.datetime(2026, 1, 10, 2, 0, tzinfo=dt.UTC)):
        ending = full_lifecycle(make_contract(sales_owner, make_customer(sales_owner), effective_date="2025-01-01",
                                              end_date="2026-01-31"), owner=sales_owner, approver=manager)
        starting = full_lifecycle(make_contract(sales_owner, make_customer(sales_owner), effective_date="2026-03-01",
                                                end_date="2026-12-31"), owner=sales_owner, approver=manager)
    out = io.StringIO()
    call_command("daily", "--today", "2026-02-15", stdout=out)
    assert out.getvalue().strip() == "activated 0, renewed 0, expired 1"
    assert Contract.objects.get(pk=ending.pk).status == Status.EXPIRED
    with time_machine.travel(dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC)):
        date_transitions()  # huey runs tasks inline in the test settings
    assert Contract.objects.get(pk=starting.pk).status == Status.ACTIVE
