"""Fixtures of the renewals and notices tests: the seeded notice templates, active contracts, API clients."""

import pytest
from django.test import Client

from hetong.approvals.tests.conftest import publish  # noqa: F401  (the amendment tests publish workflows)
from hetong.documents import services as documents
from hetong.documents.seed import TEMPLATES
from hetong.notifications.tests.utils import make_active

NOTICE_PURPOSES = {"termination", "non_renewal", "change_notice"}


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def notice_templates(legal):
    """The shipped notice templates, created through the documents service (their variables are checked)."""
    made = {}
    for row in TEMPLATES:
        if row["purpose"] in NOTICE_PURPOSES:
            made[row["purpose"]] = documents.create_template(
                by=legal,
                data={
                    "name": row["name"],
                    "kind": row["kind"],
                    "language": row["language"],
                    "purpose": row["purpose"],
                },
                html=row["html"],
            )
    return made


@pytest.fixture
def active(ca1, sales_owner, manager):
    """CA1 taken to active: effective 100 days ago, ends in 30 days, signed today."""
    return make_active(ca1, owner=sales_owner, approver=manager, end_in=30)


@pytest.fixture
def api_as(token_for):
    def make(user) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")

    return make
