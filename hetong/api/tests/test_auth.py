import datetime as dt

import pytest
import time_machine
from django.test import Client

from hetong.accounts.models import ApiToken
from hetong.accounts.services import create_api_token, revoke_api_token
from hetong.contracts.models import Contract
from hetong.customers.models import Customer

from .utils import send


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/contracts"),
        ("get", "/api/v1/users"),
        ("post", "/api/v1/customers"),
        ("patch", "/api/v1/contracts/1"),
    ],
)
def test_no_credentials_is_401_with_a_code(db, client, method, path):
    response = send(client, method, path, {"name": "x"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize(
    "header", ["Bearer ", "Bearer not-a-token", "Token ht_x", "Basic dTpw", "Bearer ht_" + "x" * 5000]
)
def test_malformed_or_unknown_token_is_401(ca1, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/contracts")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_token_gives_the_callers_view(ca1, sales_owner, api_as):
    response = api_as(sales_owner).get("/api/v1/contracts")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [ca1.pk]


def test_revoked_token_is_401(ca1, sales_owner):
    token, secret = create_api_token(sales_owner, by=sales_owner, name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/contracts").status_code == 200
    revoke_api_token(token, by=sales_owner)
    response = client.get("/api/v1/contracts")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_inactive_users_token_is_401(ca1, sales_owner, token_for):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(sales_owner)}")
    sales_owner.is_active = False
    sales_owner.save(update_fields=["is_active"])
    assert client.get("/api/v1/contracts").status_code == 401


def test_failed_token_writes_nothing(ca1, sales_owner):
    before = Contract.objects.get(pk=ca1.pk).version
    response = send(
        Client(HTTP_AUTHORIZATION="Bearer wrong"),
        "patch",
        f"/api/v1/contracts/{ca1.pk}",
        {"version": before, "title": "changed"},
    )
    assert response.status_code == 401
    assert Contract.objects.get(pk=ca1.pk).title == ca1.title


def test_last_used_is_written_at_most_once_a_minute(ca1, sales_owner):
    token, secret = create_api_token(sales_owner, by=sales_owner)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    start = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client.get("/api/v1/contracts")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        client.get("/api/v1/contracts")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        client.get("/api/v1/contracts")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == start + dt.timedelta(seconds=61)


def test_signed_in_session_reads_without_a_token(ca1, sales_owner, client):
    client.force_login(sales_owner)
    response = client.get(f"/api/v1/contracts/{ca1.pk}")
    assert response.status_code == 200


def test_session_write_needs_the_csrf_token(sales_owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_owner)
    refused = send(client, "post", "/api/v1/customers", {"name": "杭州云帆科技有限公司"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert not Customer.objects.exists()

    client.get("/api/v1/docs")  # the docs page sets the CSRF cookie, as in a browser
    token = client.cookies["csrftoken"].value
    created = client.post(
        "/api/v1/customers",
        {"name": "杭州云帆科技有限公司"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert created.status_code == 201


def test_token_write_needs_no_csrf_token(sales_owner, token_for):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token_for(sales_owner)}")
    assert send(client, "post", "/api/v1/customers", {"name": "杭州云帆科技有限公司"}).status_code == 201
