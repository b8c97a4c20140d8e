"""Signed contracts to plan and collect on: CA1 (sales_owner, east) and CB1 (other_sales, north), 100000.00 each."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hetong.contracts import services as contracts

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign(contract, *, owner, approver):
    contract = contracts.submit_contract(contract, by=owner)
    contract = contracts.approve_contract(contract, by=approver)
    pdf = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    return contracts.sign_contract(contract, by=owner, signed_file=pdf)


@pytest.fixture
def contract(sales_owner, manager, make_customer, make_contract):
    customer = make_customer(sales_owner, name="上海华运物流有限公司")
    made = make_contract(sales_owner, customer, title="华运物流年度运输服务合同", amount="100000.00")
    return sign(made, owner=sales_owner, approver=manager)


@pytest.fixture
def other_contract(other_sales, manager, make_customer, make_contract):
    customer = make_customer(other_sales, name="北京启明软件有限公司")
    made = make_contract(other_sales, customer, title="Software licence agreement", amount="100000.00")
    return sign(made, owner=other_sales, approver=manager)


def money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


@pytest.fixture
def api_as(token_for):
    """api_as(user): a test client that sends a fresh bearer token of `user` on every request."""
    from django.test import Client

    def make(user) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")

    return make
