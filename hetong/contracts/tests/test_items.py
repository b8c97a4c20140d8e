"""The product catalogue and a contract's line items: the services, and the Line items card of the page."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hetong.audit.models import AuditEvent
from hetong.contracts import services
from hetong.contracts.models import Contract, LineItem, Product
from hetong.contracts.services.items import line_total
from hetong.core.errors import Conflict, Frozen, InvalidInput, PermissionDenied, StaleVersion


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def delivery(manager):
    return services.save_product(
        by=manager,
        data={
            "code": "WL-001",
            "name": "城市配送服务",
            "specification": "4.2 米厢式货车",
            "unit": "车次",
            "list_price": "380.00",
            "tax_rate": "9",
        },
    )


@pytest.fixture
def server(manager):
    return services.save_product(
        by=manager,
        data={"code": "SB-001", "name": "服务器", "specification": "2U 双路", "unit": "台",
              "list_price": "45800", "tax_rate": "13"},
    )


def state(contract) -> tuple:
    """Everything the line item services may touch, to show that a refused call changed nothing."""
    row = Contract.objects.get(pk=contract.pk)
    return (
        row.amount,
        row.version,
        list(LineItem.objects.filter(contract=contract).values_list("pk", "name", "quantity", "unit_price", "total")),
        AuditEvent.objects.count(),
    )


def amount_of(contract) -> Decimal:
    return Contract.objects.get(pk=contract.pk).amount


# --- the catalogue ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "manager", "legal", "finance"])
def test_catalogue_keepers_create_a_product(request, who):
    user = request.getfixturevalue(who)
    product = services.save_product(
        by=user, data={"code": "RJ-001", "name": "合同管理软件许可", "unit": "套", "list_price": "12,800.5"}
    )
    assert (product.code, product.list_price, product.tax_rate, product.currency, product.is_active) == (
        "RJ-001", Decimal("12800.50"), Decimal("13.00"), "CNY", True)
    event = AuditEvent.objects.get(verb="product.saved", target_id=str(product.pk))
    assert event.data["created"] is True and event.data["after"]["list_price"] == "12800.50"


@pytest.mark.parametrize("who", ["sales_owner", "viewer"])
def test_others_cannot_change_the_catalogue(request, who, delivery):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.save_product(by=user, data={"code": "X-1", "name": "x", "list_price": "1"})
    with pytest.raises(PermissionDenied):
        services.save_product(by=user, data={"is_active": False}, product=delivery, version=delivery.version)
    assert Product.objects.count() == 1 and Product.objects.get().is_active


def test_product_code_is_unique_whatever_the_case(manager, delivery):
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        services.save_product(by=manager, data={"code": "wl-001", "name": "重复", "list_price": "1"})
    assert caught.value.errors == {"code": ["Another product already has the code wl-001."]}
    assert Product.objects.count() == 1 and AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"list_price": "abc"}, "list_price"),
        ({"list_price": "-1"}, "list_price"),
        ({"list_price": "1.001"}, "list_price"),
        ({"tax_rate": "100"}, "tax_rate"),
        ({"tax_rate": "-1"}, "tax_rate"),
        ({"tax_rate": "六"}, "tax_rate"),
        ({"currency": "XXX"}, "currency"),
        ({"code": ""}, "code"),
        ({"name": "   "}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_product_input_is_refused_with_field_errors_and_nothing_saved(manager, data, field):
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        services.save_product(by=manager, data={"code": "WL-009", "name": "冷链运输", "list_price": "10", **data})
    assert field in caught.value.errors
    assert not Product.objects.exists() and AuditEvent.objects.count() == events


def test_a_product_needs_a_list_price(manager):
    with pytest.raises(InvalidInput) as caught:
        services.save_product(by=manager, data={"code": "WL-009", "name": "冷链运输"})
    assert caught.value.errors["list_price"] == ["This field is required."]


def test_edit_checks_the_version_and_records_the_changes(manager, legal, delivery):
    edited = services.save_product(by=manager, data={"list_price": "400"}, product=delivery, version=1)
    assert (edited.list_price, edited.version) == (Decimal("400.00"), 2)
    event = AuditEvent.objects.filter(verb="product.saved").latest("seq")
    assert event.data["changes"] == {"list_price": ["380.00", "400.00"]}
    with pytest.raises(StaleVersion):
        services.save_product(by=legal, data={"name": "旧的"}, product=delivery, version=1)
    with pytest.raises(InvalidInput) as caught:
        services.save_product(by=legal, data={"name": "旧的"}, product=delivery)
    assert caught.value.code == "version_required"
    assert Product.objects.get().name == "城市配送服务"


def test_deactivated_products_leave_the_picker_but_their_lines_stay(manager, sales_owner, ca1, delivery):
    line = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "10"})
    services.save_product(by=manager, data={"is_active": "false"}, product=delivery, version=delivery.version)
    assert list(services.products_for(sales_owner)) == []
    assert list(services.products_for(manager)) == [delivery]
    with pytest.raises(InvalidInput) as caught:
        services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1"})
    assert "product" in caught.value.errors
    with pytest.raises(InvalidInput) as caught:
        services.add_line_item(ca1, by=manager, data={"product": delivery.pk, "quantity": "1"})
    assert caught.value.errors["product"] == ["城市配送服务 is no longer offered; choose another product."]
    assert LineItem.objects.get().pk == line.pk


# --- line totals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "total"),
    [
        ("120", "100.00", "5", "11400.00"),
        ("3", "33.33", "0", "99.99"),
        ("1", "0.05", "50", "0.03"),  # 0.025 rounds half up, not to even
        ("1", "0.15", "50", "0.08"),  # 0.075
        ("2.5", "19.99", "10", "44.98"),  # 44.9775
        ("0.001", "0.01", "0", "0.00"),
        ("1", "999.99", "100", "0.00"),
        ("0.005", "1.00", "0", "0.01"),
        ("1234567.891", "123.45", "0", "152407406.14"),  # 152407406.14395 exactly
        ("99999999999.999", "9.99", "0", "998999999999.99"),  # the largest quantity: no digit lost
    ],
)
def test_line_total_rounds_half_up_to_the_cent(quantity, price, discount, total):
    assert line_total(Decimal(quantity), Decimal(price), Decimal(discount)) == Decimal(total)


# --- line items ------------------------------------------------------------------------------------------


def test_a_line_from_a_product_copies_it_and_drives_the_amount(sales_owner, ca1, delivery):
    item = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "120", "discount": "5"})
    assert (item.name, item.specification, item.unit, item.unit_price, item.tax_rate, item.total) == (
        "城市配送服务", "4.2 米厢式货车", "车次", Decimal("380.00"), Decimal("9.00"), Decimal("43320.00"))
    contract = Contract.objects.get(pk=ca1.pk)
    assert (contract.amount, contract.version) == (Decimal("43320.00"), ca1.version + 1)
    event = AuditEvent.objects.filter(verb="contract.line_item_added").get()
    assert event.data["amount"] == ["128000.00", "43320.00"] and event.data["total"] == "43320.00"
    assert event.target_id == str(ca1.pk)


def test_given_values_win_over_the_product(sales_owner, ca1, delivery):
    item = services.add_line_item(
        ca1, by=sales_owner,
        data={"product": delivery.pk, "quantity": "2", "unit_price": "350", "name": "夜间配送", "tax_rate": "6"},
    )
    assert (item.name, item.unit_price, item.tax_rate, item.unit, item.total) == (
        "夜间配送", Decimal("350.00"), Decimal("6.00"), "车次", Decimal("700.00"))


def test_free_lines_need_a_name_and_a_price(sales_owner, ca1):
    before = state(ca1)
    with pytest.raises(InvalidInput) as caught:
        services.add_line_item(ca1, by=sales_owner, data={"quantity": "1"})
    assert set(caught.value.errors) == {"name", "unit_price"}
    assert state(ca1) == before
    item = services.add_line_item(
        ca1, by=sales_owner, data={"name": "现场培训", "unit": "人天", "quantity": "3", "unit_price": "2000"}
    )
    assert (item.product, item.tax_rate, item.total) == (None, Decimal("13.00"), Decimal("6000.00"))


def test_the_amount_is_the_sum_of_the_lines_after_every_change(sales_owner, ca1, delivery, server):
    first = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "100"})
    second = services.add_line_item(ca1, by=sales_owner, data={"product": server.pk, "quantity": "2", "discount": "12.5"})
    assert amount_of(ca1) == Decimal("38000.00") + Decimal("80150.00")
    assert [i.position for i in LineItem.objects.filter(contract=ca1)] == [0, 1]
    services.update_line_item(first, by=sales_owner, data={"quantity": "110.5"})
    assert amount_of(ca1) == Decimal("41990.00") + Decimal("80150.00")
    event = AuditEvent.objects.filter(verb="contract.line_item_updated").get()
    assert event.data["changes"]["quantity"] == ["100.000", "110.500"]
    assert event.data["changes"]["total"] == ["38000.00", "41990.00"]
    services.remove_line_item(second, by=sales_owner)
    assert amount_of(ca1) == Decimal("41990.00")
    # After the last line the amount stays as it was: a draft may be priced without a schedule.
    services.remove_line_item(first, by=sales_owner)
    contract = Contract.objects.get(pk=ca1.pk)
    assert (contract.amount, contract.version) == (Decimal("41990.00"), ca1.version + 4)
    assert AuditEvent.objects.filter(verb="contract.line_item_removed").count() == 2


def test_an_update_that_changes_nothing_writes_nothing(sales_owner, ca1, delivery):
    item = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1"})
    before = state(ca1)
    services.update_line_item(item, by=sales_owner, data={"quantity": "1.000", "name": "城市配送服务"})
    assert state(ca1) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "1.0001"}, "quantity"),
        ({"quantity": "很多"}, "quantity"),
        ({"quantity": "NaN"}, "quantity"),
        ({"quantity": "1e20"}, "quantity"),
        ({"discount": "100.01"}, "discount"),
        ({"discount": "-5"}, "discount"),
        ({"unit_price": "12.345"}, "unit_price"),
        ({"unit_price": "-1"}, "unit_price"),
        ({"tax_rate": "100"}, "tax_rate"),
        ({"name": "x" * 201}, "name"),
        ({"name": "bad\x00"}, "name"),
        ({"product": "abc"}, "product"),
        ({"product": 999999}, "product"),
        ({"total": "1"}, "total"),
        ({"contract": 1}, "contract"),
    ],
)
def test_bad_line_input_is_refused_with_field_errors_and_nothing_saved(sales_owner, ca1, delivery, data, field):
    services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1"})
    before = state(ca1)
    with pytest.raises(InvalidInput) as caught:
        services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1", **data})
    assert field in caught.value.errors
    assert state(ca1) == before
    if field not in {"product", "contract"}:
        with pytest.raises(InvalidInput) as caught:
            services.update_line_item(LineItem.objects.get(), by=sales_owner, data=data)
        assert field in caught.value.errors
        assert state(ca1) == before


def test_a_line_too_large_for_an_amount_is_refused(sales_owner, ca1):
    before = state(ca1)
    with pytest.raises(InvalidInput) as caught:
        services.add_line_item(
            ca1, by=sales_owner, data={"name": "巨额", "quantity": "99999999999", "unit_price": "999999999999.99"}
        )
    assert "quantity" in caught.value.errors
    assert state(ca1) == before


def test_a_product_in_another_currency_needs_a_unit_price(sales_owner, manager, ca1):
    usd = services.save_product(by=manager, data={"code": "US-1", "name": "Cloud hosting", "currency": "USD", "list_price": "99"})
    with pytest.raises(InvalidInput) as caught:
        services.add_line_item(ca1, by=sales_owner, data={"product": usd.pk, "quantity": "1"})
    assert caught.value.errors["unit_price"] == [
        "Cloud hosting is priced in USD but the contract is in CNY: enter the unit price."
    ]
    item = services.add_line_item(ca1, by=sales_owner, data={"product": usd.pk, "quantity": "1", "unit_price": "700"})
    assert item.total == Decimal("700.00")


def test_lines_are_frozen_once_the_contract_is_submitted(sales_owner, ca1, delivery):
    item = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "10"})
    services.submit_contract(ca1, by=sales_owner)
    before = state(ca1)
    with pytest.raises(Frozen) as caught:
        services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1"})
    assert "its line items can no longer change" in str(caught.value.message)
    with pytest.raises(Frozen):
        services.update_line_item(item, by=sales_owner, data={"quantity": "2"})
    with pytest.raises(Frozen):
        services.remove_line_item(item, by=sales_owner)
    assert state(ca1) == before


@pytest.mark.parametrize("who", ["other_sales", "viewer", "finance"])
def test_who_may_not_edit_the_contract_may_not_change_its_lines(request, who, sales_owner, ca1, delivery):
    item = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "10"})
    user = request.getfixturevalue(who)
    before = state(ca1)
    with pytest.raises(PermissionDenied):
        services.add_line_item(ca1, by=user, data={"product": delivery.pk, "quantity": "1"})
    with pytest.raises(PermissionDenied):
        services.update_line_item(item, by=user, data={"quantity": "2"})
    with pytest.raises(PermissionDenied):
        services.remove_line_item(item, by=user)
    assert state(ca1) == before


def test_a_line_removed_meanwhile_is_a_conflict(sales_owner, manager, ca1, delivery):
    item = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "10"})
    stale_copy = LineItem.objects.get(pk=item.pk)
    services.remove_line_item(item, by=manager)
    with pytest.raises(Conflict) as caught:
        services.update_line_item(stale_copy, by=sales_owner, data={"quantity": "2"})
    assert caught.value.code == "line_item_gone"


def test_a_line_change_makes_a_form_opened_before_it_stale(sales_owner, ca1, delivery):
    services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "10"})
    with pytest.raises(StaleVersion):
        services.update_contract(ca1, by=sales_owner, version=ca1.version, data={"amount": "1"})
    assert amount_of(ca1) == Decimal("3800.00")


def test_summary_says_when_an_amount_typed_by_hand_differs_from_the_lines(sales_owner, ca1, delivery, server):
    services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "120", "discount": "5"})
    services.add_line_item(ca1, by=sales_owner, data={"name": "实施服务", "quantity": "1", "unit_price": "10000", "tax_rate": "6"})
    contract = Contract.objects.get(pk=ca1.pk)
    summary = services.items_summary(contract)
    assert summary == {
        "count": 2,
        "list": Decimal("55600.00"),
        "discount": Decimal("2280.00"),
        "tax": Decimal("3576.88") + Decimal("566.04"),  # 43320 x 9/109 and 10000 x 6/106
        "net": Decimal("53320.00") - Decimal("4142.92"),
        "total": Decimal("53320.00"),
        "words": "伍万叁仟叁佰贰拾元整",
        "matches_amount": True,
        "difference": Decimal("0.00"),
    }
    # An amount edited by hand is kept (the form warns, it does not refuse).
    contract = services.update_contract(contract, by=sales_owner, version=contract.version, data={"amount": "50000"})
    summary = services.items_summary(contract)
    assert (contract.amount, summary["matches_amount"], summary["difference"]) == (
        Decimal("50000.00"), False, Decimal("-3320.00"))


def test_summary_of_a_contract_without_lines_has_nothing_to_disagree_with(ca1):
    summary = services.items_summary(ca1)
    assert (summary["count"], summary["total"], summary["matches_amount"]) == (0, Decimal("0.00"), True)


# --- the Line items card ---------------------------------------------------------------------------------


def detail(contract) -> str:
    return reverse("contracts:detail", args=[contract.pk])


def test_the_card_shows_the_lines_and_totals_in_words(client, sales_owner, ca1, delivery):
    services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "120", "discount": "5"})
    client.force_login(sales_owner)
    response = client.get(detail(ca1))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="line-items"' in page and "城市配送服务" in page and "4.2 米厢式货车" in page
    assert "43,320.00" in page and "肆万叁仟叁佰贰拾元整" in page
    assert 'class="table-responsive"' in page
    assert reverse("contracts:line_item_add", args=[ca1.pk]) in page and "WL-001 城市配送服务" in page
    assert 'data-testid="amount-mismatch"' not in page


def test_the_card_of_a_submitted_contract_has_no_forms(client, sales_owner, ca1, delivery):
    services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1"})
    services.submit_contract(ca1, by=sales_owner)
    client.force_login(sales_owner)
    page = client.get(detail(ca1)).content.decode()
    assert "城市配送服务" in page and reverse("contracts:line_item_add", args=[ca1.pk]) not in page


def test_htmx_add_swaps_the_page_body_with_the_new_amount(client, sales_owner, ca1, delivery):
    client.force_login(sales_owner)
    url = reverse("contracts:line_item_add", args=[ca1.pk])
    response = client.post(
        url, {"product": delivery.pk, "quantity": "2", "discount": "", "unit_price": ""}, HTTP_HX_REQUEST="true", follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "760.00" in page and "城市配送服务 was added to the line items." in page
    contract = Contract.objects.get(pk=ca1.pk)
    assert contract.amount == Decimal("760.00")
    # The status actions of the page that htmx puts in place carry the new version.
    assert f'name="version" value="{contract.version}"' in page


def test_htmx_refusal_comes_back_as_200_with_the_form_open(client, sales_owner, ca1):
    client.force_login(sales_owner)
    before = state(ca1)
    response = client.post(
        reverse("contracts:line_item_add", args=[ca1.pk]), {"quantity": "0", "name": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The quantity must be more than zero." in page
    assert response.context["line_item_error"].code == "invalid"
    assert state(ca1) == before


def test_plain_form_add_edit_and_remove(client, sales_owner, ca1, delivery):
    client.force_login(sales_owner)
    response = client.post(
        reverse("contracts:line_item_add", args=[ca1.pk]),
        {"name": "仓储服务", "unit": "托", "quantity": "30", "unit_price": "45", "tax_rate": "6"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"{detail(ca1)}#line-items")
    item = LineItem.objects.get()
    assert item.total == Decimal("1350.00")
    assert client.get(reverse("contracts:line_item_edit", args=[ca1.pk, item.pk])).status_code == 200
    response = client.post(
        reverse("contracts:line_item_edit", args=[ca1.pk, item.pk]),
        {"name": "仓储服务", "unit": "托", "quantity": "40", "unit_price": "45", "discount": "0", "tax_rate": "6"},
    )
    assert response.status_code == 302 and amount_of(ca1) == Decimal("1800.00")
    response = client.post(reverse("contracts:line_item_edit", args=[ca1.pk, item.pk]), {"quantity": "x"})
    assert response.status_code == 400 and "Enter a quantity such as 12 or 2.5." in response.content.decode()
    response = client.post(reverse("contracts:line_item_remove", args=[ca1.pk, item.pk]))
    assert response.status_code == 302 and not LineItem.objects.exists()


def test_line_pages_of_a_foreign_contract_are_404(client, other_sales, sales_owner, ca1, delivery):
    item = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1"})
    client.force_login(other_sales)
    assert client.post(reverse("contracts:line_item_add", args=[ca1.pk]), {"quantity": "1"}).status_code == 404
    assert client.post(reverse("contracts:line_item_remove", args=[ca1.pk, item.pk])).status_code == 404
    assert LineItem.objects.count() == 1


def test_a_frozen_contract_refuses_with_409_on_the_page(client, sales_owner, ca1, delivery):
    item = services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1"})
    services.submit_contract(ca1, by=sales_owner)
    client.force_login(sales_owner)
    response = client.post(reverse("contracts:line_item_remove", args=[ca1.pk, item.pk]))
    assert response.status_code == 409
    assert "its line items can no longer change" in response.content.decode()


def test_the_edit_form_warns_when_the_amount_differs_from_the_lines(client, sales_owner, ca1, delivery):
    services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "10"})
    contract = Contract.objects.get(pk=ca1.pk)
    services.update_contract(contract, by=sales_owner, version=contract.version, data={"amount": "4000"})
    client.force_login(sales_owner)
    page = client.get(reverse("contracts:edit", args=[ca1.pk])).content.decode()
    assert "The saved amount differs from the lines' total by 200.00." in page
    page = client.get(detail(ca1)).content.decode()
    assert 'data-testid="amount-mismatch"' in page and "by 200.00" in page


def test_the_page_reads_the_card_in_constant_queries(client, sales_owner, ca1, delivery, server):
    client.force_login(sales_owner)
    services.add_line_item(ca1, by=sales_owner, data={"product": delivery.pk, "quantity": "1"})
    client.get(detail(ca1))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        assert client.get(detail(ca1)).status_code == 200
    for n in range(19):
        product = server if n % 2 else delivery
        services.add_line_item(ca1, by=sales_owner, data={"product": product.pk, "quantity": str(n + 1)})
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(detail(ca1))
    assert len(response.context["items"]) == 20
    assert len(twenty.captured_queries) == len(one.captured_queries)


# --- the catalogue pages ---------------------------------------------------------------------------------


def test_everyone_reads_the_active_catalogue_and_keepers_see_all(client, manager, sales_owner, delivery, server):
    services.save_product(by=manager, data={"is_active": False}, product=server, version=server.version)
    client.force_login(sales_owner)
    response = client.get(reverse("products:list"), {"q": "wl"})
    page = response.content.decode()
    assert response.status_code == 200 and "城市配送服务" in page and reverse("products:create") not in page
    assert [p.code for p in client.get(reverse("products:list")).context["page"].items] == ["WL-001"]
    assert client.get(reverse("products:create")).status_code == 403
    client.force_login(manager)
    assert [p.code for p in client.get(reverse("products:list")).context["page"].items] == ["SB-001", "WL-001"]
    assert [p.code for p in client.get(reverse("products:list"), {"active": "no"}).context["page"].items] == ["SB-001"]


def test_the_catalogue_list_pages_with_a_cursor(client, manager):
    for n in range(5):
        services.save_product(by=manager, data={"code": f"P-{n}", "name": f"产品{n}", "list_price": "1"})
    client.force_login(manager)
    first = client.get(reverse("products:list"), {"size": 2}).context["page"]
    second = client.get(reverse("products:list"), {"size": 2, "cursor": first.next_cursor}).context["page"]
    assert [p.code for p in first.items + second.items] == ["P-0", "P-1", "P-2", "P-3"] and first.count == 5
    assert client.get(reverse("products:list"), {"cursor": "!!"}).status_code == 400


def test_create_and_edit_a_product_on_its_page(client, manager, delivery):
    client.force_login(manager)
    response = client.post(
        reverse("products:create"),
        {"code": "LL-001", "name": "冷链运输", "unit": "车次", "list_price": "1500", "currency": "CNY", "tax_rate": "9",
         "is_active": "on"},
    )
    assert response.status_code == 302
    product = Product.objects.get(code="LL-001")
    response = client.post(
        reverse("products:create"),
        {"code": "ll-001", "name": "重复", "list_price": "1", "currency": "CNY", "tax_rate": "9"},
    )
    assert response.status_code == 400 and "Another product already has the code ll-001." in response.content.decode()
    url = reverse("products:edit", args=[product.pk])
    data = {"version": 1, "code": "LL-001", "name": "冷链运输", "unit": "车次", "list_price": "1600", "currency": "CNY",
            "tax_rate": "9", "is_active": "on"}
    assert client.post(url, data).status_code == 302
    assert Product.objects.get(pk=product.pk).list_price == Decimal("1600.00")
    response = client.post(url, data)  # the same form again: version 1 is stale now
    assert response.status_code == 409 and "Open the current version" in response.content.decode()


def test_several_lines_at_once_are_all_or_none(sales_owner, ca1, delivery, server):
    before = state(ca1)
    with pytest.raises(InvalidInput) as caught:
        services.add_line_items(ca1, by=sales_owner, lines=[
            {"product": delivery.pk, "quantity": "1"},
            {"product": server.pk, "quantity": "0"},
        ])
    assert caught.value.errors == {"lines.1.quantity": ["The quantity must be more than zero."]}
    assert state(ca1) == before
    items = services.add_line_items(ca1, by=sales_owner, lines=[
        {"product": delivery.pk, "quantity": "10"},
        {"product": server.pk, "quantity": "1", "discount": "10"},
    ])
    assert [(i.position, i.total) for i in items] == [(0, Decimal("3800.00")), (1, Decimal("41220.00"))]
    contract = Contract.objects.get(pk=ca1.pk)
    assert (contract.amount, contract.version) == (Decimal("45020.00"), ca1.version + 1)
    events = list(AuditEvent.objects.filter(verb="contract.line_item_added").order_by("seq"))
    assert [e.data["item"] for e in events] == [i.pk for i in items]
    assert "amount" not in events[0].data and events[1].data["amount"] == ["128000.00", "45020.00"]


# --- demo data -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_code", ["XS", "CG", "FW", "KJ", "ZL"])
@pytest.mark.parametrize("currency", ["CNY", "USD"])
def test_demo_lines_add_up_to_the_planned_amount_exactly(type_code, currency):
    from hetong.contracts.demo import plan_lines

    for key in range(150):
        amount = Decimal(1000 * (key * 37 % 1999 + 20)) + Decimal(["0", "0.50", "80", "0.01"][key % 4])
        months = [12, 24, 36, 13][key % 4]
        lines = plan_lines(key, type_code, amount, currency, months)
        assert 1 <= len(lines) <= 4
        totals = [line_total(li["quantity"], li["unit_price"], li.get("discount", Decimal(0))) for li in lines]
        assert sum(totals) == amount
        assert all(li["quantity"] >= 1 and li["unit_price"] >= 0 for li in lines)
        assert lines == plan_lines(key, type_code, amount, currency, months)  # the key decides
    assert plan_lines(1, "BM", Decimal(0), "CNY") == [] and plan_lines(1, "KJ", Decimal(0), "CNY") == []


def test_the_demo_prices_its_drafts_line_by_line(db):
    from django.core.management import call_command

    call_command("demo", "--customers", "5", "--contracts", "24", stdout=io.StringIO())
    assert Product.objects.count() >= 25
    priced = Contract.objects.filter(line_items__isnull=False).distinct()
    assert priced.exists()
    for contract in priced.prefetch_related("line_items", "amendments"):
        if any("amount" in a.changes and a.applied_at for a in contract.amendments.all()):
            continue  # an amendment changed the price since: the difference is shown, not hidden
        assert services.items_summary(contract)["matches_amount"], contract.number
    assert not Contract.objects.filter(amount__gt=0, line_items__isnull=True).exists()
