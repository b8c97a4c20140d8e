"""Collected %, invoiced % and fulfilment % on the contract list and the contract page, read in the same number of
queries for a page of 2 contracts as for a page of 12."""

import datetime as dt
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hetong.contracts.tests.test_views import bulk_contracts
from hetong.core.dates import company_today
from hetong.obligations import services as obligations
from hetong.payments import services

TODAY = company_today()


def figures(html: str) -> list[str]:
    return re.findall(r'class="small text-nowrap">(\d+)%<', html)


def test_list_and_page_show_collected_invoiced_and_fulfilled(contract, sales_owner, finance, admin):
    services.save_plan(contract, by=finance, rows=[
        {"kind": "prepayment", "label": "预付款", "percent": "40", "due_date": TODAY - dt.timedelta(days=3)},
        {"kind": "acceptance", "label": "验收款", "percent": "60", "due_date": TODAY + dt.timedelta(days=30)},
    ])
    services.record_receipt(contract, by=finance, received_on=TODAY, amount="40000")
    services.record_invoice(contract, by=finance, number="04400001", kind="special", amount="25000",
                            tax_amount="2876.11", issued_on=TODAY)
    done = obligations.add_obligation(contract, by=sales_owner, data={"title": "交付", "due_date": TODAY.isoformat()})
    obligations.add_obligation(contract, by=sales_owner, data={"title": "培训", "due_date": TODAY.isoformat()})
    obligations.complete_obligation(done, by=sales_owner)
    client = Client()
    client.force_login(admin)
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    block = page[page.index("contract-progress"):]
    assert figures(block)[:3] == ["40", "25", "50"]
    listing = client.get("/contracts/", {"size": 10}).content.decode()
    cell = listing[listing.index("progress-cell"):]
    assert re.findall(r'<span title="[^"]+">(\d+)%</span>', cell)[:3] == ["40", "25", "50"]


def test_the_list_reads_progress_in_constant_queries(contract, admin):
    bulk_contracts(12, like=contract)
    client = Client()
    client.force_login(admin)
    client.get("/contracts/")
    counts = {}
    for size in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/contracts/", {"size": size})
        assert response.status_code == 200 and len(response.context["rows"]) == size
        assert all(row.progress is None or len(row.progress) == 3 for row in response.context["rows"])
        assert any(row.progress for row in response.context["rows"])
        counts[size] = len(queries)
    assert counts[2] == counts[12]
