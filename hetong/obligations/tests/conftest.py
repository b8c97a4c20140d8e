import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from hetong.notifications.tests.utils import make_active

# A Monday morning in Shanghai (2026-03-02); the tests freeze the clock there.
NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="acceptance.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def active(ca1, sales_owner, manager):
    """CA1, active from 100 days ago until about a year from now (2027-03-31)."""
    contract = make_active(ca1, owner=sales_owner, approver=manager, end_in=394)
    assert contract.end_date == dt.date(2027, 3, 31)
    return contract


@pytest.fixture
def add(sales_owner):
    from hetong.obligations import services

    def make(contract, by=None, **data):
        data.setdefault("title", "第一阶段交付")
        data.setdefault("due_date", "2026-04-30")
        return services.add_obligation(contract, by=by or sales_owner, data=data)

    return make
