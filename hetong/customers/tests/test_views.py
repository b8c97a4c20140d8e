import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from conftest import make_uscc
from hetong.audit.models import AuditEvent
from hetong.customers.models import Contact, Customer, Interaction


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast personas
    # The settings may be loaded before the root conftest marks the run as a test: plain HTTP, no manifest.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def listed(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("customers:list"), params)
    assert response.status_code == 200, response.content.decode()[:500]
    return [c.name for c in response.context["page"].items]


def bulk_customers(owner, count, prefix="客户"):
    Customer.objects.bulk_create([
        Customer(name=f"{prefix}{n:04d}", owner=owner, department=owner.department) for n in range(count)])


# --- list --------------------------------------------------------------------------------------------------


def test_list_is_scoped_to_what_each_role_may_see(client, admin, manager, sales_owner, other_sales, make_customer):
    make_customer(sales_owner, name="甲方东区")
    make_customer(other_sales, name="乙方北区")
    make_customer(admin, name="总部客户")
    assert listed(client, sales_owner) == ["甲方东区"]
    assert listed(client, other_sales) == ["乙方北区"]
    assert sorted(listed(client, manager)) == ["乙方北区", "甲方东区"]  # the sales department and below
    assert sorted(listed(client, admin)) == ["乙方北区", "总部客户", "甲方东区"]


def test_search_finds_a_company_by_part_of_its_chinese_name(client, sales_owner, make_customer):
    make_customer(sales_owner, name="上海华运物流有限公司")
    make_customer(sales_owner, name="北京启明软件有限公司")
    assert listed(client, sales_owner, q="物流") == ["上海华运物流有限公司"]


def test_filters_combine(client, sales_owner, make_customer):
    make_customer(sales_owner, name="甲", industry="logistics", status="active", tags="重点")
    make_customer(sales_owner, name="乙", industry="logistics", status="dormant")
    make_customer(sales_owner, name="丙", industry="retail", status="active", tags="重点")
    assert listed(client, sales_owner, industry="logistics", status=["active", "prospect"]) == ["甲"]
    assert sorted(listed(client, sales_owner, tag="重点")) == ["丙", "甲"]


def test_invalid_filter_values_show_errors_not_a_crash(client, sales_owner):
    client.force_login(sales_owner)
    response = client.get(reverse("customers:list"), {"status": "nonsense", "owner": "abc", "industry": "x"})
    assert response.status_code == 400
    errors = response.context["filter"].form.errors
    assert {"status", "owner", "industry"} <= set(errors)


def test_keyset_pages_follow_each_other(client, sales_owner):
    bulk_customers(sales_owner, 5)
    client.force_login(sales_owner)
    first = client.get(reverse("customers:list"), {"sort": "name", "size": 2})
    names = [c.name for c in first.context["page"].items]
    assert names == ["客户0000", "客户0001"]
    assert first.context["page"].count == 5
    cursor = first.context["page"].next_cursor
    assert f"cursor={cursor}" in first.content.decode()
    second = client.get(reverse("customers:list"), {"sort": "name", "size": 2, "cursor": cursor})
    assert [c.name for c in second.context["page"].items] == ["客户0002", "客户0003"]


def test_a_garbage_cursor_is_a_clear_400(client, sales_owner):
    client.force_login(sales_owner)
    response = client.get(reverse("customers:list"), {"cursor": "!!not-a-cursor", "sort": "name"})
    assert response.status_code == 400
    assert "page link is not valid" in response.content.decode()


def test_page_size_is_capped(client, sales_owner):
    bulk_customers(sales_owner, 3)
    client.force_login(sales_owner)
    assert client.get(reverse("customers:list"), {"size": "100000"}).context["page"].size == 200
    assert client.get(reverse("customers:list"), {"size": "abc"}).status_code == 200


def test_list_query_count_is_the_same_for_10_and_200_rows(client, sales_owner, make_customer, make_contract):
    bulk_customers(sales_owner, 200)
    tagged = make_customer(sales_owner, name="有标签的", tags="重点, 华东")
    make_contract(sales_owner, tagged)
    client.force_login(sales_owner)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(reverse("customers:list"), {"size": 10}).context["page"].items) == 10
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("customers:list"), {"size": 200})
    assert len(response.context["page"].items) == 200
    assert len(small) == len(large)
    row = next(c for c in response.context["page"].items if c.pk == tagged.pk)
    assert row.contract_count == 1


# --- detail ------------------------------------------------------------------------------------------------


def test_customer_of_another_salesperson_is_404(client, sales_owner, cb1):
    client.force_login(sales_owner)
    assert client.get(reverse("customers:detail", args=[cb1.customer_id])).status_code == 404
    assert client.get(reverse("customers:edit", args=[cb1.customer_id])).status_code == 404
    assert client.post(reverse("customers:interaction_add", args=[cb1.customer_id]),
                       {"kind": "call", "text": "hi"}).status_code == 404


def test_detail_shows_contracts_contacts_and_one_timeline(client, sales_owner, ca1):
    from hetong.customers import services

    customer = ca1.customer
    services.add_contact(customer, by=sales_owner, data={"name": "李经理", "is_signatory": True})
    services.log_interaction(customer, by=sales_owner, kind="call", text="确认续约意向", contract=ca1)
    client.force_login(sales_owner)
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    data = response.context["data"]
    assert [c.pk for c in data.contracts] == [ca1.pk]
    assert data.contract_count == 1
    assert [(m.currency, m.total, m.active) for m in data.money] == [("CNY", ca1.amount, 0)]
    assert [c.name for c in data.contacts] == ["李经理"]
    kinds = [("interaction" if e.interaction else e.event.verb) for e in data.timeline]
    assert kinds[0] == "interaction"
    assert {"contract.create", "customer.create", "customer.contact_add"} <= set(kinds)
    assert "customer.interaction" not in kinds  # shown once, as the interaction itself
    html = response.content.decode()
    assert "确认续约意向" in html and "李经理" in html and ca1.title in html


def test_detail_money_and_next_deadline_count_only_contracts_in_force(client, sales_owner, manager, ca1,
                                                                      make_contract):
    from hetong.core.tests.test_home import make_active

    make_contract(sales_owner, ca1.customer, amount="50.00", currency="USD", end_date="2027-03-31",
                  notice_period=1, notice_unit="months")
    make_active(ca1, owner=sales_owner, approver=manager)
    client.force_login(sales_owner)
    data = client.get(reverse("customers:detail", args=[ca1.customer_id])).context["data"]
    assert {m.currency: (m.total, m.active) for m in data.money} == {
        "CNY": (Decimal("128000"), Decimal("128000")), "USD": (Decimal("50"), 0)}
    assert data.next_deadline == dt.date(2026, 12, 31)  # the draft's notice deadline does not count
    assert not data.next_deadline_is_notice


def test_detail_query_count_does_not_grow_with_contracts_and_contacts(client, sales_owner, make_customer,
                                                                      make_contract):
    from hetong.customers import services

    customer = make_customer(sales_owner)
    make_contract(sales_owner, customer)
    services.add_contact(customer, by=sales_owner, data={"name": "联系人0"})
    client.force_login(sales_owner)
    url = reverse("customers:detail", args=[customer.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(1, 6):
        contract = make_contract(sales_owner, customer)
        contact = services.add_contact(customer, by=sales_owner, data={"name": f"联系人{n}"})
        services.log_interaction(customer, by=sales_owner, kind="note", text=f"记录{n}", contract=contract,
                                 contact=contact)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["data"].contacts) == 6
    assert len(many) == len(few)


# --- create and edit ---------------------------------------------------------------------------------------


def customer_post(customer=None, **changes):
    data = {"name": "上海华运物流有限公司", "credit_code": "", "industry": "logistics", "level": "key",
            "status": "active", "region": "上海", "address": "", "tags": "", "notes": ""}
    if customer is not None:
        data.update({f: getattr(customer, f) for f in ("name", "credit_code", "industry", "level", "status",
                                                        "region", "address", "notes")})
        data["version"] = customer.version
    data.update(changes)
    return data


def test_salesperson_creates_a_customer_for_themselves(client, sales_owner, other_sales):
    client.force_login(sales_owner)
    response = client.post(reverse("customers:create"),
                           customer_post(credit_code=make_uscc(), tags="重点, 华东", owner=other_sales.pk))
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[customer.pk])
    assert customer.owner == sales_owner  # owner is not theirs to choose; the field is not even offered
    assert sorted(customer.tags.values_list("name", flat=True)) == ["华东", "重点"]


def test_manager_may_choose_the_owner(client, manager, sales_owner, org):
    client.force_login(manager)
    assert "owner" in client.get(reverse("customers:create")).context["form"].fields
    client.post(reverse("customers:create"), customer_post(owner=sales_owner.pk, department=org["east"].pk))
    assert Customer.objects.get().owner == sales_owner


def test_invalid_credit_code_shows_on_the_field_and_saves_nothing(client, sales_owner):
    client.force_login(sales_owner)
    response = client.post(reverse("customers:create"), customer_post(credit_code="91110000802100433C"))
    assert response.status_code == 400
    assert "not a valid unified social credit code" in " ".join(response.context["form"].errors["credit_code"])
    assert not Customer.objects.exists()


def test_duplicate_credit_code_is_refused_with_the_input_kept(client, sales_owner, make_customer):
    code = make_uscc()
    make_customer(sales_owner, credit_code=code)
    client.force_login(sales_owner)
    response = client.post(reverse("customers:create"), customer_post(name="另一家公司", credit_code=code))
    assert response.status_code == 400
    assert response.context["form"].errors
    assert "另一家公司" in response.content.decode()
    assert Customer.objects.count() == 1


def test_edit_saves_through_the_service_with_the_version(client, sales_owner, make_customer):
    customer = make_customer(sales_owner, region="上海")
    client.force_login(sales_owner)
    response = client.post(reverse("customers:edit", args=[customer.pk]), customer_post(customer, region="杭州"))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.region, customer.version) == ("杭州", 2)
    assert AuditEvent.objects.filter(verb="customer.update", target_id=str(customer.pk)).exists()


def test_stale_edit_is_a_409_that_keeps_the_input_and_changes_nothing(client, sales_owner, make_customer):
    from hetong.customers import services

    customer = make_customer(sales_owner, region="上海")
    stale = customer_post(customer, region="杭州", notes="我的修改")
    services.update_customer(customer, by=sales_owner, version=1, data={"region": "北京"})
    client.force_login(sales_owner)
    response = client.post(reverse("customers:edit", args=[customer.pk]), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this record" in html
    assert "我的修改" in html
    customer.refresh_from_db()
    assert (customer.region, customer.notes, customer.version) == ("北京", "", 2)


def test_visible_but_not_editable_customer_is_403(client, viewer, sales_owner, make_customer):
    customer = make_customer(sales_owner)
    client.force_login(viewer)  # same department: may read, may not change
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 403
    assert client.post(reverse("customers:edit", args=[customer.pk]),
                       customer_post(customer, region="X")).status_code == 403
    assert client.get(reverse("customers:create")).status_code == 403


# --- contacts and interactions -----------------------------------------------------------------------------


def test_contacts_are_added_and_edited_through_the_service(client, sales_owner, make_customer):
    customer = make_customer(sales_owner)
    client.force_login(sales_owner)
    response = client.post(reverse("customers:contact_add", args=[customer.pk]),
                           {"name": "王总", "title": "总经理", "phone": "13800000000", "email": "",
                            "is_signatory": "on", "notes": ""})
    assert response.status_code == 302
    contact = Contact.objects.get(customer=customer)
    assert contact.is_signatory
    url = reverse("customers:contact_edit", args=[customer.pk, contact.pk])
    bad = client.post(url, {"name": "王总", "email": "not-an-email", "version": contact.version})
    assert bad.status_code == 400 and bad.context["form"].errors["email"]
    assert client.post(url, {"name": "王总", "title": "董事长", "version": contact.version}).status_code == 302
    contact.refresh_from_db()
    assert (contact.title, contact.version, contact.is_signatory) == ("董事长", 2, False)
    stale = client.post(url, {"name": "王总", "title": "旧的", "version": 1})
    assert stale.status_code == 409


def test_contact_of_another_customer_is_404(client, sales_owner, make_customer):
    from hetong.customers import services

    mine, other = make_customer(sales_owner), make_customer(sales_owner)
    contact = services.add_contact(other, by=sales_owner, data={"name": "别家"})
    client.force_login(sales_owner)
    assert client.get(reverse("customers:contact_edit", args=[mine.pk, contact.pk])).status_code == 404


def test_interaction_is_logged_and_may_name_only_this_customers_contracts(client, sales_owner, ca1,
                                                                         make_customer, make_contract):
    elsewhere = make_contract(sales_owner, make_customer(sales_owner))
    client.force_login(sales_owner)
    url = reverse("customers:interaction_add", args=[ca1.customer_id])
    refused = client.post(url, {"kind": "visit", "date": "2026-10-30", "contract": elsewhere.pk, "text": "拜访"})
    assert refused.status_code == 400
    assert refused.context["interaction_form"].errors["contract"]
    assert not Interaction.objects.exists()
    response = client.post(url, {"kind": "visit", "date": "2026-10-30", "contract": ca1.pk, "text": "拜访"})
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert (interaction.contract, interaction.author, interaction.date) == (ca1, sales_owner, dt.date(2026, 10, 30))


def test_interaction_needs_text(client, sales_owner, ca1):
    client.force_login(sales_owner)
    response = client.post(reverse("customers:interaction_add", args=[ca1.customer_id]), {"kind": "call", "text": ""})
    assert response.status_code == 400
    assert not Interaction.objects.exists()


# --- export ------------------------------------------------------------------------------------------------


def export(client, user, fmt, **params):
    client.force_login(user)
    response = client.get(reverse("customers:export"), {"format": fmt, **params})
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.getvalue()


def test_csv_export_neutralises_formulas(client, sales_owner, make_customer):
    make_customer(sales_owner, name="=1+1", region="@SUM(A1)", tags="-2")
    rows = list(csv.reader(io.StringIO(export(client, sales_owner, "csv").decode("utf-8-sig"))))
    assert rows[0][0] == "Name"
    assert rows[1][0] == "'=1+1"
    assert rows[1][4] == "'@SUM(A1)"
    assert rows[1][8] == "'-2"


def test_xlsx_export_has_no_formula_cells(client, sales_owner, make_customer):
    make_customer(sales_owner, name="=1+1", region="+cmd", tags="=HYPERLINK(\"x\")")
    book = load_workbook(io.BytesIO(export(client, sales_owner, "xlsx")))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert book.active["A2"].value == "'=1+1"


def test_export_is_scoped_and_filtered(client, sales_owner, other_sales, make_customer):
    make_customer(sales_owner, name="上海华运物流有限公司")
    make_customer(sales_owner, name="杭州某软件公司")
    make_customer(other_sales, name="北京物流集团")
    rows = list(csv.reader(io.StringIO(export(client, sales_owner, "csv", q="物流").decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["上海华运物流有限公司"]
    client.force_login(sales_owner)
    assert client.get(reverse("customers:export"), {"format": "csv", "owner": "abc"}).status_code == 400


def test_viewer_may_read_but_not_log_interactions(client, viewer, sales_owner, make_customer):
    customer = make_customer(sales_owner)
    client.force_login(viewer)
    page = client.get(reverse("customers:detail", args=[customer.pk]))
    assert page.status_code == 200 and page.context["interaction_form"] is None
    response = client.post(reverse("customers:interaction_add", args=[customer.pk]), {"kind": "call", "text": "x"})
    assert response.status_code == 403
    assert not Interaction.objects.exists()
