import pytest

from hetong.core.uscc import check_char
from hetong.customers.models import Contact, Customer
from hetong.customers.services import add_contact

from .utils import row, send


def valid_credit_code() -> str:
    body = "91330100MA2H00042"
    return body + check_char(body)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.fixture
def customer_a(ca1):
    return ca1.customer


@pytest.fixture
def customer_b(cb1):
    return cb1.customer


def test_sales_user_lists_only_customers_in_their_scope(customer_a, customer_b, sales_owner, api_as):
    assert ids(api_as(sales_owner).get("/api/v1/customers")) == {customer_a.pk}


def test_manager_lists_the_whole_department(customer_a, customer_b, manager, api_as):
    assert ids(api_as(manager).get("/api/v1/customers")) == {customer_a.pk, customer_b.pk}


def test_list_filters_and_searches(customer_a, customer_b, admin, api_as):
    client = api_as(admin)
    assert ids(client.get("/api/v1/customers?q=华运")) == {customer_a.pk}
    assert ids(client.get(f"/api/v1/customers?owner={customer_b.owner_id}")) == {customer_b.pk}
    assert ids(client.get("/api/v1/customers?status=active&status=dormant")) == {customer_a.pk, customer_b.pk}
    assert ids(client.get("/api/v1/customers?status=blocked")) == set()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "status"),
        ("owner=x", "owner"),
        ("department=999999", "department"),
        ("limit=201", "limit"),
        ("sort=credit_code", "sort"),
        ("industry=mining", "industry"),
    ],
)
def test_bad_list_parameters_are_400(customer_a, sales_owner, api_as, query, field):
    response = api_as(sales_owner).get(f"/api/v1/customers?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]


def test_forged_cursor_is_400(customer_a, sales_owner, api_as):
    response = api_as(sales_owner).get("/api/v1/customers?sort=name&cursor=%%%")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_cursor"


def test_cursor_pages_through_all_customers(sales_owner, make_customer, api_as):
    made = {make_customer(sales_owner).pk for _ in range(5)}
    client = api_as(sales_owner)
    first = client.get("/api/v1/customers?limit=3&sort=name").json()
    second = client.get(f"/api/v1/customers?limit=3&sort=name&cursor={first['next_cursor']}").json()
    assert second["next_cursor"] is None
    assert {c["id"] for c in first["items"] + second["items"]} == made


def test_another_users_customer_is_404(customer_a, customer_b, sales_owner, api_as):
    client = api_as(sales_owner)
    before = row(Customer, customer_b.pk)
    assert client.get(f"/api/v1/customers/{customer_b.pk}").status_code == 404
    assert client.get(f"/api/v1/customers/{customer_b.pk}/contacts").status_code == 404
    patched = send(client, "patch", f"/api/v1/customers/{customer_b.pk}", {"version": 1, "name": "x"})
    added = send(client, "post", f"/api/v1/customers/{customer_b.pk}/contacts", {"name": "王经理"})
    assert (patched.status_code, added.status_code) == (404, 404)
    assert patched.json()["code"] == "not_found"
    assert row(Customer, customer_b.pk) == before
    assert not Contact.objects.exists()


def test_create_returns_201_owned_by_the_caller(sales_owner, api_as):
    code = valid_credit_code()
    response = send(
        api_as(sales_owner),
        "post",
        "/api/v1/customers",
        {"name": "杭州云帆科技有限公司", "credit_code": code.lower(), "industry": "it", "tags": ["新客户"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["owner"], body["department"], body["credit_code"]) == (
        sales_owner.pk,
        sales_owner.department_id,
        code,
    )
    assert body["tags"] == ["新客户"] and body["version"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"credit_code": "91310000MA1K000000"}, "credit_code"),
        ({"credit_code": "123"}, "credit_code"),
        ({"name": ""}, "name"),
        ({"industry": "mining"}, "industry"),
        ({"name": None}, "name"),
    ],
)
def test_bad_customer_input_is_400_and_creates_nothing(sales_owner, api_as, change, field):
    response = send(
        api_as(sales_owner), "post", "/api/v1/customers", {"name": "杭州云帆科技有限公司", **change}
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Customer.objects.exists()


def test_duplicate_credit_code_is_400(customer_a, sales_owner, api_as):
    response = send(
        api_as(sales_owner),
        "post",
        "/api/v1/customers",
        {"name": "另一家公司", "credit_code": customer_a.credit_code},
    )
    assert response.status_code == 400
    assert Customer.objects.count() == 1


def test_sales_may_not_choose_the_owner(sales_owner, other_sales, api_as):
    response = send(
        api_as(sales_owner), "post", "/api/v1/customers", {"name": "x公司", "owner": other_sales.pk}
    )
    assert response.status_code == 403  # as for contracts
    assert response.json()["code"] == "forbidden_field"
    assert not Customer.objects.exists()


def test_patch_with_stale_version_is_409_and_changes_nothing(customer_a, sales_owner, api_as):
    client = api_as(sales_owner)
    assert (
        send(
            client, "patch", f"/api/v1/customers/{customer_a.pk}", {"version": 1, "region": "上海"}
        ).status_code
        == 200
    )
    before = row(Customer, customer_a.pk)
    response = send(client, "patch", f"/api/v1/customers/{customer_a.pk}", {"version": 1, "region": "北京"})
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert row(Customer, customer_a.pk) == before


@pytest.mark.parametrize(
    ("change", "status"), [({"owner": "other"}, 403), ({"version_": 9}, 400), ({"search_tokens": "x"}, 400)]
)
def test_patch_of_privileged_fields_is_refused(customer_a, sales_owner, other_sales, api_as, change, status):
    change = {"owner": other_sales.pk} if change.get("owner") else change
    before = row(Customer, customer_a.pk)
    response = send(
        api_as(sales_owner), "patch", f"/api/v1/customers/{customer_a.pk}", {"version": 1, **change}
    )
    assert response.status_code == status
    assert response.json()["code"] == "forbidden_field"
    assert row(Customer, customer_a.pk) == before


def test_contacts_are_added_read_and_edited_through_the_customer(customer_a, sales_owner, api_as):
    client = api_as(sales_owner)
    added = send(
        client,
        "post",
        f"/api/v1/customers/{customer_a.pk}/contacts",
        {"name": "王经理", "email": "wang@example.cn", "is_signatory": True},
    )
    assert added.status_code == 201, added.content
    contact_id = added.json()["id"]
    assert [c["id"] for c in client.get(f"/api/v1/customers/{customer_a.pk}/contacts").json()] == [contact_id]
    assert client.get(f"/api/v1/contacts/{contact_id}").json()["customer"] == customer_a.pk
    edited = send(client, "patch", f"/api/v1/contacts/{contact_id}", {"version": 1, "title": "采购总监"})
    assert edited.status_code == 200
    assert (edited.json()["title"], edited.json()["version"]) == ("采购总监", 2)
    stale = send(client, "patch", f"/api/v1/contacts/{contact_id}", {"version": 1, "title": "x"})
    assert stale.status_code == 409


def test_bad_contact_email_is_400(customer_a, sales_owner, api_as):
    response = send(
        api_as(sales_owner),
        "post",
        f"/api/v1/customers/{customer_a.pk}/contacts",
        {"name": "王经理", "email": "not-an-email"},
    )
    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    assert not Contact.objects.exists()


def test_another_users_contact_is_404(customer_b, other_sales, sales_owner, api_as):
    contact = add_contact(customer_b, by=other_sales, data={"name": "李总"})
    client = api_as(sales_owner)
    assert client.get(f"/api/v1/contacts/{contact.pk}").status_code == 404
    response = send(client, "patch", f"/api/v1/contacts/{contact.pk}", {"version": 1, "name": "x"})
    assert response.status_code == 404
    assert Contact.objects.get(pk=contact.pk).name == "李总"
