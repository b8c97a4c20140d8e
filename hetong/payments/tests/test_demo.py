"""The demo gives signed contracts payment plans, receipts (one reversed), invoices and something overdue."""

import io

import pytest
from django.core.management import call_command

from hetong.contracts.models import KeyDate
from hetong.payments.models import Installment, Invoice, Receipt
from hetong.payments.selectors import aging


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_loads_plans_receipts_and_invoices(db):
    call_command("demo", "--customers", "6", "--contracts", "30", stdout=io.StringIO())
    assert Installment.objects.exists()
    assert Receipt.objects.filter(reversed_at__isnull=False).count() == 1
    assert Receipt.objects.filter(reversed_at__isnull=True).exists()
    assert Invoice.objects.exists()
    from hetong.accounts.models import User

    report = aging(User.objects.get(username="admin"))
    assert report["totals"].overdue > 0 and report["totals"].not_due > 0
    assert KeyDate.objects.filter(kind="payment").exists()
