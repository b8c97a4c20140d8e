"""Every report on the demo data (80 contracts with plans, receipts, approvals, renewals): a fixed number of
queries however many rows, and every format opens with one line per row."""

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from hetong.accounts.models import User
from hetong.analytics import reports

MAX_QUERIES = 12  # the most any report needs here; one query per row would be far more


@pytest.fixture
def demo(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--customers", "10", "--contracts", "80", stdout=io.StringIO())
    return User.objects.get(username="admin")


def test_every_report_on_the_demo_in_few_queries_and_every_format(demo, django_assert_max_num_queries):
    q = reports.query(demo, {})
    for key, report in reports.REGISTRY.items():
        with django_assert_max_num_queries(MAX_QUERIES):
            rows = list(report.rows(q))
        assert len(rows) >= 5, key  # enough rows that a query per row would show
        assert all(set(row) == {c.key for c in report.columns} for row in rows), key
        book = load_workbook(io.BytesIO(reports.export(report, q, "xlsx").content))
        assert book.active.max_row == len(rows) + 1, key
        text = reports.export(report, q, "csv").content.decode("utf-8-sig")
        assert len(list(csv.reader(io.StringIO(text)))) == len(rows) + 1, key
        assert reports.export(report, q, "pdf").content.startswith(b"%PDF"), key
