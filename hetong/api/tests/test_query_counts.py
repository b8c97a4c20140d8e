"""List endpoints run the same number of queries for a page of 10 rows and a page of 200."""

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hetong.contracts.models import Contract
from hetong.core.models import Tag
from hetong.customers.models import Customer

FROZEN = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # keeps the token's last_used_at write out of the count


def add_contracts(template: Contract, count: int, tags: list[Tag]) -> None:
    start = Contract.objects.count()
    rows = Contract.objects.bulk_create(
        [
            Contract(
                number=f"HT-BULK-{start + i:05d}",
                title=f"{template.title} {i}",
                contract_type=template.contract_type,
                customer=template.customer,
                entity=template.entity,
                owner=template.owner,
                department=template.department,
                amount=template.amount + i,
                currency=template.currency,
                effective_date=template.effective_date,
                end_date=template.end_date,
                search_tokens=template.search_tokens,
            )
            for i in range(count)
        ]
    )
    through = Contract.tags.through
    through.objects.bulk_create([through(contract_id=c.pk, tag_id=t.pk) for c in rows for t in tags])


def add_customers(template: Customer, count: int, tags: list[Tag]) -> None:
    rows = Customer.objects.bulk_create(
        [
            Customer(name=f"{template.name}{i}", owner=template.owner, department=template.department)
            for i in range(Customer.objects.count(), Customer.objects.count() + count)
        ]
    )
    through = Customer.tags.through
    through.objects.bulk_create([through(customer_id=c.pk, tag_id=t.pk) for c in rows for t in tags])


def queries_for(client, path: str, expect_rows: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    assert len(response.json()["items"]) == expect_rows
    return len(captured)


def test_contract_list_queries_do_not_grow_with_the_page(ca1, manager, api_as):
    tags = [Tag.objects.create(name="重点"), Tag.objects.create(name="框架")]
    ca1.tags.set(tags)
    client = api_as(manager)
    filtered = (
        f"/api/v1/contracts?limit=200&status=draft&type=FW&owner={ca1.owner_id}&department={ca1.department_id}"
        "&tag=重点&q=华运&sort=-amount"
    )
    with time_machine.travel(FROZEN, tick=False):
        client.get("/api/v1/contracts?limit=1")
        add_contracts(ca1, 9, tags)
        ten = queries_for(client, "/api/v1/contracts?limit=200", 10)
        ten_filtered = queries_for(client, filtered, 10)
        add_contracts(ca1, 190, tags)
        two_hundred = queries_for(client, "/api/v1/contracts?limit=200", 200)
        two_hundred_filtered = queries_for(client, filtered, 200)
    assert ten == two_hundred
    assert ten_filtered == two_hundred_filtered


def test_customer_list_queries_do_not_grow_with_the_page(ca1, sales_owner, api_as):
    customer = ca1.customer
    tags = [Tag.objects.create(name="重点")]
    customer.tags.set(tags)
    client = api_as(sales_owner)
    with time_machine.travel(FROZEN, tick=False):
        client.get("/api/v1/customers?limit=1")
        add_customers(customer, 9, tags)
        ten = queries_for(client, "/api/v1/customers?limit=200", 10)
        add_customers(customer, 190, tags)
        two_hundred = queries_for(client, "/api/v1/customers?limit=200", 200)
    assert ten == two_hundred


def test_directory_queries_do_not_grow_with_the_page(org, admin, api_as):
    from hetong.accounts.models import User

    client = api_as(admin)
    with time_machine.travel(FROZEN, tick=False):
        client.get("/api/v1/users?limit=1")
        User.objects.bulk_create([User(username=f"u{i}", department=org["east"]) for i in range(9)])
        ten = queries_for(client, "/api/v1/users?limit=200", 10)
        User.objects.bulk_create([User(username=f"v{i}", department=org["east"]) for i in range(190)])
        two_hundred = queries_for(client, "/api/v1/users?limit=200", 200)
    assert ten == two_hundred
