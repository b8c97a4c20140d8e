"""The API of the product catalogue and of a contract's line items."""

from decimal import Decimal

import pytest

from hetong.api.tests.utils import row, send
from hetong.audit.models import AuditEvent
from hetong.contracts import services
from hetong.contracts.models import Contract, LineItem, Product


@pytest.fixture
def delivery(manager):
    return services.save_product(
        by=manager,
        data={"code": "WL-001", "name": "城市配送服务", "specification": "4.2 米厢式货车", "unit": "车次",
              "list_price": "380", "tax_rate": "9"},
    )


def lines_url(contract) -> str:
    return f"/api/v1/contracts/{contract.pk}/line-items"


def state(contract) -> tuple:
    return (
        row(Contract, contract.pk),
        list(LineItem.objects.filter(contract=contract).values_list("pk", "quantity", "total")),
        AuditEvent.objects.count(),
    )


# --- products --------------------------------------------------------------------------------------------


def test_a_catalogue_keeper_creates_reads_and_edits_a_product(api_as, finance):
    client = api_as(finance)
    response = send(
        client, "post", "/api/v1/products",
        {"code": "RJ-001", "name": "软件许可", "unit": "套", "list_price": 12800, "tax_rate": "6"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body | {"id": 0, "created_at": "", "updated_at": ""} == {
        "id": 0, "code": "RJ-001", "name": "软件许可", "specification": "", "unit": "套", "list_price": "12800.00",
        "currency": "CNY", "tax_rate": "6.00", "is_active": True, "version": 1, "created_at": "", "updated_at": "",
    }
    url = f"/api/v1/products/{body['id']}"
    assert client.get(url).json()["code"] == "RJ-001"
    response = send(client, "patch", url, {"version": 1, "list_price": "13000.5", "is_active": False})
    assert response.status_code == 200, response.content
    assert (response.json()["list_price"], response.json()["is_active"], response.json()["version"]) == (
        "13000.50", False, 2)


def test_list_searches_code_and_name_and_pages(api_as, manager, sales_owner, delivery):
    for n in range(3):
        services.save_product(by=manager, data={"code": f"SB-00{n}", "name": f"服务器{n}", "list_price": "1"})
    services.save_product(by=manager, data={"code": "OLD-1", "name": "旧产品", "list_price": "1", "is_active": False})
    client = api_as(sales_owner)
    body = client.get("/api/v1/products", {"q": "服务器", "limit": 2}).json()
    assert [p["code"] for p in body["items"]] == ["SB-000", "SB-001"] and body["count"] == 3
    more = client.get("/api/v1/products", {"q": "服务器", "limit": 2, "cursor": body["next_cursor"]}).json()
    assert [p["code"] for p in more["items"]] == ["SB-002"] and more["next_cursor"] is None
    assert [p["code"] for p in client.get("/api/v1/products", {"q": "wl"}).json()["items"]] == ["WL-001"]
    # Inactive products exist only for the people who keep the catalogue.
    assert client.get("/api/v1/products", {"active": "false"}).json()["count"] == 0
    old = Product.objects.get(code="OLD-1")
    assert client.get(f"/api/v1/products/{old.pk}").status_code == 404
    keeper = api_as(manager)
    assert [p["code"] for p in keeper.get("/api/v1/products", {"active": "false"}).json()["items"]] == ["OLD-1"]
    assert keeper.get(f"/api/v1/products/{old.pk}").status_code == 200


def test_sales_cannot_change_the_catalogue(api_as, sales_owner, delivery):
    client = api_as(sales_owner)
    response = send(client, "post", "/api/v1/products", {"code": "X", "name": "x", "list_price": "1"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    before = row(Product, delivery.pk)
    response = send(client, "patch", f"/api/v1/products/{delivery.pk}", {"version": 1, "is_active": False})
    assert response.status_code == 403 and row(Product, delivery.pk) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"list_price": "12.345"}, "list_price"),
        ({"list_price": "-1"}, "list_price"),
        ({"list_price": True}, "list_price"),
        ({"tax_rate": "100"}, "tax_rate"),
        ({"currency": "XXX"}, "currency"),
        ({"code": "wl-001"}, "code"),
        ({"name": "a\x00b"}, "name"),
        ({"price": "1"}, "price"),
    ],
)
def test_bad_product_input_is_a_400_with_field_errors(api_as, manager, delivery, data, field):
    payload = {"code": "LL-001", "name": "冷链运输", "list_price": "1500", **data}
    response = send(api_as(manager), "post", "/api/v1/products", payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Product.objects.count() == 1


def test_a_stale_product_version_is_a_409(api_as, manager, legal, delivery):
    url = f"/api/v1/products/{delivery.pk}"
    assert send(api_as(manager), "patch", url, {"version": 1, "name": "同城配送"}).status_code == 200
    before = row(Product, delivery.pk)
    response = send(api_as(legal), "patch", url, {"version": 1, "name": "城市配送"})
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    assert row(Product, delivery.pk) == before
    assert api_as(manager).get("/api/v1/products/999999").status_code == 404


# --- line items ------------------------------------------------------------------------------------------


def test_add_list_update_and_remove_lines_with_the_amount_following(api_as, sales_owner, ca1, delivery):
    client = api_as(sales_owner)
    response = send(client, "post", lines_url(ca1), {"product": delivery.pk, "quantity": 120, "discount": "5"})
    assert response.status_code == 201, response.content
    line = response.json()
    assert line | {"id": 0} == {
        "id": 0, "contract": ca1.pk, "product": delivery.pk, "product_code": "WL-001", "name": "城市配送服务",
        "specification": "4.2 米厢式货车", "unit": "车次", "quantity": "120.000", "unit_price": "380.00",
        "discount": "5.00", "tax_rate": "9.00", "total": "43320.00", "position": 0,
    }
    response = send(client, "post", lines_url(ca1), {"name": "实施服务", "unit": "人天", "quantity": "2.5",
                                                     "unit_price": "1999.99", "tax_rate": 6})
    assert response.status_code == 201 and response.json()["total"] == "4999.98"  # 4999.975 rounds half up
    body = client.get(lines_url(ca1)).json()
    assert [i["name"] for i in body["items"]] == ["城市配送服务", "实施服务"]
    assert body["totals"] | {"words": ""} == {
        "count": 2, "list": "50599.98", "discount": "2280.00", "tax": "3859.90", "net": "44460.08",
        "total": "48319.98", "words": "", "amount": "48319.98", "currency": "CNY", "matches_amount": True,
        "difference": "0.00",
    }
    assert body["totals"]["words"] == "肆万捌仟叁佰壹拾玖元玖角捌分"
    contract = client.get(f"/api/v1/contracts/{ca1.pk}").json()
    assert (contract["amount"], contract["version"]) == ("48319.98", ca1.version + 2)

    response = send(client, "patch", f"/api/v1/line-items/{line['id']}", {"quantity": "100"})
    assert response.status_code == 200 and response.json()["total"] == "36100.00"
    assert Contract.objects.get(pk=ca1.pk).amount == Decimal("41099.98")
    assert client.delete(f"/api/v1/line-items/{line['id']}").status_code == 204
    assert Contract.objects.get(pk=ca1.pk).amount == Decimal("4999.98")


def test_an_amount_typed_by_hand_shows_as_a_difference(api_as, sales_owner, ca1, delivery):
    client = api_as(sales_owner)
    send(client, "post", lines_url(ca1), {"product": delivery.pk, "quantity": "10"})
    version = client.get(f"/api/v1/contracts/{ca1.pk}").json()["version"]
    response = send(client, "patch", f"/api/v1/contracts/{ca1.pk}", {"version": version, "amount": "4000"})
    assert response.status_code == 200
    totals = client.get(lines_url(ca1)).json()["totals"]
    assert (totals["matches_amount"], totals["difference"], totals["total"]) == (False, "200.00", "3800.00")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": "1.0001"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"discount": "101"}, "discount"),
        ({"unit_price": "1.001"}, "unit_price"),
        ({"product": 999999}, "product"),
        ({"total": "1"}, "total"),
    ],
)
def test_bad_line_input_is_a_400_and_changes_nothing(api_as, sales_owner, ca1, delivery, data, field):
    client = api_as(sales_owner)
    before = state(ca1)
    response = send(client, "post", lines_url(ca1), {"product": delivery.pk, "quantity": "1", **data})
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert state(ca1) == before


def test_a_free_line_without_name_or_price_is_a_400(api_as, sales_owner, ca1):
    response = send(api_as(sales_owner), "post", lines_url(ca1), {"quantity": "1"})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"name", "unit_price"}


def test_lines_outside_the_callers_scope_are_404(api_as, other_sales, sales_owner, ca1, delivery):
    item = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1"})
    client = api_as(other_sales)
    before = state(ca1)
    assert client.get(lines_url(ca1)).status_code == 404
    assert send(client, "post", lines_url(ca1), {"product": delivery.pk, "quantity": "1"}).status_code == 404
    assert send(client, "patch", f"/api/v1/line-items/{item.pk}", {"quantity": "2"}).status_code == 404
    assert client.delete(f"/api/v1/line-items/{item.pk}").status_code == 404
    assert state(ca1) == before


def test_a_role_that_cannot_edit_the_contract_gets_403(api_as, viewer, sales_owner, ca1, delivery):
    item = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1"})
    client = api_as(viewer)  # sees the east department's contracts, changes none
    assert client.get(lines_url(ca1)).status_code == 200
    before = state(ca1)
    assert send(client, "post", lines_url(ca1), {"product": delivery.pk, "quantity": "1"}).status_code == 403
    assert send(client, "patch", f"/api/v1/line-items/{item.pk}", {"quantity": "2"}).status_code == 403
    assert client.delete(f"/api/v1/line-items/{item.pk}").status_code == 403
    assert state(ca1) == before


def test_lines_of_a_submitted_contract_are_frozen_409(api_as, sales_owner, ca1, delivery):
    item = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1"})
    services.submit_contract(ca1, by=sales_owner)
    client = api_as(sales_owner)
    before = state(ca1)
    response = send(client, "post", lines_url(ca1), {"product": delivery.pk, "quantity": "1"})
    assert response.status_code == 409 and response.json()["code"] == "frozen"
    assert send(client, "patch", f"/api/v1/line-items/{item.pk}", {"quantity": "2"}).status_code == 409
    assert client.delete(f"/api/v1/line-items/{item.pk}").status_code == 409
    assert state(ca1) == before
