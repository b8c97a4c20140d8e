"""Whatever a client sends, the answer is a documented status with the error body, never a 500."""

import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .utils import send

FIELDS = [
    "title",
    "customer",
    "contract_type",
    "type",
    "entity",
    "amount",
    "currency",
    "signed_date",
    "effective_date",
    "end_date",
    "auto_renew",
    "renewal_term",
    "renewal_unit",
    "notice_period",
    "notice_unit",
    "description",
    "tags",
    "extra",
    "number",
    "owner",
    "department",
    "version",
    "status",
    "note",
    "terminated_on",
    "name",
    "credit_code",
]
QUERY = [
    "q",
    "status",
    "type",
    "customer",
    "owner",
    "department",
    "ends_within",
    "notice_within",
    "amount_min",
    "amount_max",
    "end_from",
    "end_to",
    "tag",
    "sort",
    "limit",
    "cursor",
    "industry",
    "region",
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "2026-02-30", "1e999", "-0", "128000.00", "FW", "9" * 40]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
bodies = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=6)
queries = st.lists(
    st.tuples(st.sampled_from(QUERY), st.text(max_size=12) | st.sampled_from(["-1", "0", "x", "1e9"])),
    max_size=5,
)
fuzz = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_answered(response):
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert "code" in response.json(), response.content


@pytest.fixture
def owner_client(sales_owner, api_as):
    return api_as(sales_owner)


@fuzz
@given(body=bodies)
def test_contract_create_and_edit_never_fail_on_odd_bodies(ca1, owner_client, body):
    assert_answered(send(owner_client, "post", "/api/v1/contracts", body))
    assert_answered(send(owner_client, "patch", f"/api/v1/contracts/{ca1.pk}", body))


@fuzz
@given(body=bodies, action=st.sampled_from(["submit", "sign", "terminate", "cancel", "x"]))
def test_actions_never_fail_on_odd_bodies(ca1, owner_client, body, action):
    assert_answered(send(owner_client, "post", f"/api/v1/contracts/{ca1.pk}/actions/{action}", body))


@fuzz
@given(body=bodies)
def test_customer_create_and_edit_never_fail_on_odd_bodies(ca1, owner_client, body):
    assert_answered(send(owner_client, "post", "/api/v1/customers", body))
    assert_answered(send(owner_client, "patch", f"/api/v1/customers/{ca1.customer_id}", body))


@fuzz
@given(params=queries)
def test_lists_never_fail_on_odd_parameters(ca1, owner_client, params):
    query = urlencode(params)
    for path in ("/api/v1/contracts", "/api/v1/customers", "/api/v1/users"):
        assert_answered(owner_client.get(f"{path}?{query}"))


@pytest.mark.parametrize(
    "raw", ['{"title": "\\ud800"}', '{"tags": ["\\u0000"]}', "[]", '"x"', "{", "\x00", "1e999999"]
)
def test_unreadable_or_unstorable_bodies_are_400(ca1, owner_client, raw):
    response = owner_client.post("/api/v1/contracts", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "bad_request"}


def test_lone_surrogate_is_refused_naming_the_field(owner_client):
    response = owner_client.post("/api/v1/customers", '{"name": "\\ud800"}', content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]


def test_body_is_read_as_json_whatever_the_declared_type(ca1, owner_client):
    response = owner_client.post("/api/v1/customers", json.dumps({"name": "x"}), content_type="text/plain")
    assert_answered(response)
