"""The contract list page and its exports: scope, filters, keyset paging, query counts, safe spreadsheets."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from hetong.contracts import services
from hetong.contracts.models import Contract, ContractType
from hetong.core.dates import company_today

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LIST = reverse("contracts:list")
EXPORT = reverse("contracts:export")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas' passwords are hashed at creation; the real hasher costs a second per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def numbers(response) -> list[str]:
    return [row.number for row in response.context["rows"]]


def make_active(contract, *, owner, approver, end_date):
    """A contract taken through the services to active, ending on end_date."""
    contract = services.update_contract(
        contract,
        by=owner,
        version=contract.version,
        data={"effective_date": company_today() - dt.timedelta(days=100), "end_date": end_date},
    )
    contract = services.submit_contract(contract, by=owner)
    contract = services.approve_contract(contract, by=approver)
    signed = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    return services.sign_contract(contract, by=owner, signed_date=company_today(), signed_file=signed)


def bulk_contracts(n, *, like: Contract, prefix="BULK"):
    """n more rows like `like` (straight inserts: only the list's reading is under test here)."""
    fields = {
        f.attname: getattr(like, f.attname) for f in Contract._meta.concrete_fields if f.attname != "id"
    }
    Contract.objects.bulk_create(
        [Contract(**{**fields, "number": f"{prefix}-{i:05d}", "title": f"Bulk {i}"}) for i in range(n)]
    )


# --- scope -----------------------------------------------------------------------------------------------


def test_sales_user_sees_only_own_contracts(client, ca1, cb1, sales_owner):
    client.force_login(sales_owner)
    response = client.get(LIST)
    assert response.status_code == 200
    assert numbers(response) == [ca1.number]
    assert cb1.number not in response.content.decode()


def test_other_sales_does_not_see_ca1(client, ca1, cb1, other_sales):
    client.force_login(other_sales)
    assert numbers(client.get(LIST)) == [cb1.number]


def test_manager_sees_the_sales_departments_contracts(client, ca1, cb1, manager):
    client.force_login(manager)
    assert set(numbers(client.get(LIST))) == {ca1.number, cb1.number}


def test_admin_sees_all_contracts(client, ca1, cb1, admin, make_customer, make_contract, org):
    from hetong.accounts.models import User

    outsider = User.objects.create_user("outsider", role="sales", department=org["legal"])
    theirs = make_contract(outsider, make_customer(outsider))
    client.force_login(admin)
    assert set(numbers(client.get(LIST))) == {ca1.number, cb1.number, theirs.number}


def test_anonymous_is_sent_to_login(client, ca1):
    response = client.get(LIST)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- query count and paging ------------------------------------------------------------------------------


def test_list_runs_the_same_number_of_queries_for_10_and_200_rows(client, admin, ca1):
    services.update_contract(ca1, by=admin, version=ca1.version, data={"tags": "重点, 年度"})
    bulk_contracts(210, like=Contract.objects.get(pk=ca1.pk))
    client.force_login(admin)
    client.get(LIST)  # warm up: session, content types
    counts = {}
    for size in (10, 200):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"size": size, "sort": "end_date"})
        assert response.status_code == 200
        assert len(response.context["rows"]) == size
        counts[size] = len(queries)
    assert counts[10] == counts[200]


def test_next_page_continues_without_overlap(client, admin, ca1):
    bulk_contracts(11, like=Contract.objects.get(pk=ca1.pk))
    client.force_login(admin)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"size": 5, "sort": "number"} | ({"cursor": cursor} if cursor else {})
        response = client.get(LIST, params)
        assert response.status_code == 200
        seen += numbers(response)
        cursor = response.context["page"].next_cursor
        pages += 1
        if not cursor:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 12
    assert seen == sorted(seen)


def test_page_size_is_capped_at_200(client, admin, ca1):
    bulk_contracts(205, like=Contract.objects.get(pk=ca1.pk))
    client.force_login(admin)
    assert len(client.get(LIST, {"size": 5000}).context["rows"]) == 200


def test_bad_cursor_is_a_400_with_a_message(client, admin, ca1, cb1):
    client.force_login(admin)
    response = client.get(LIST, {"cursor": "not-a-cursor!!"})
    assert response.status_code == 400
    assert "The page link is not valid" in response.content.decode()
    # A cursor made for one sort is just as invalid with another.
    date_cursor = client.get(LIST, {"size": 1, "sort": "end_date"}).context["page"].next_cursor
    assert date_cursor
    assert client.get(LIST, {"sort": "-amount", "cursor": date_cursor}).status_code == 400
    assert client.get(LIST, {"sort": "-id", "cursor": date_cursor}).status_code == 400


def test_bad_page_size_is_a_400(client, admin, ca1):
    client.force_login(admin)
    assert client.get(LIST, {"size": "lots"}).status_code == 400


# --- filters ---------------------------------------------------------------------------------------------


def test_filter_by_status(client, manager, sales_owner, ca1, cb1):
    services.submit_contract(ca1, by=sales_owner)
    client.force_login(manager)
    assert numbers(client.get(LIST, {"status": "in_review"})) == [ca1.number]
    assert set(numbers(client.get(LIST, {"status": ["in_review", "draft"]}))) == {ca1.number, cb1.number}


def test_filter_ends_within(client, manager, sales_owner, other_sales, ca1, cb1):
    soon = make_active(
        ca1, owner=sales_owner, approver=manager, end_date=company_today() + dt.timedelta(days=10)
    )
    make_active(cb1, owner=other_sales, approver=manager, end_date=company_today() + dt.timedelta(days=200))
    client.force_login(manager)
    response = client.get(LIST, {"ends_within": 30})
    assert numbers(response) == [soon.number]
    assert "ti-alarm" in response.content.decode()  # the end date is highlighted


def test_filter_by_amount_range(client, admin, sales_owner, make_customer, make_contract):
    customer = make_customer(sales_owner)
    small = make_contract(sales_owner, customer, amount="5000.00")
    middle = make_contract(sales_owner, customer, amount="150000.00")
    make_contract(sales_owner, customer, amount="9000000.00")
    client.force_login(admin)
    assert numbers(client.get(LIST, {"amount_min": "100000", "amount_max": "200000"})) == [middle.number]
    assert numbers(client.get(LIST, {"amount_max": "5000"})) == [small.number]


def test_search_in_chinese_matches_the_customer_name(client, admin, sales_owner, ca1, cb1, make_contract):
    other_title = make_contract(sales_owner, ca1.customer, title="年度运输服务合同")
    client.force_login(admin)
    found = set(numbers(client.get(LIST, {"q": "物流"})))
    assert other_title.number in found  # only its customer, 上海华运物流有限公司, says 物流
    assert cb1.number not in found


def test_search_in_english(client, admin, ca1, cb1):
    client.force_login(admin)
    assert numbers(client.get(LIST, {"q": "licence"})) == [cb1.number]
    assert numbers(client.get(LIST, {"q": "soft"})) == [cb1.number]


def test_search_never_reaches_outside_the_scope(client, sales_owner, ca1, cb1):
    client.force_login(sales_owner)
    assert numbers(client.get(LIST, {"q": "licence"})) == []


def test_bad_filter_value_shows_the_error_with_400(client, admin, ca1):
    client.force_login(admin)
    response = client.get(LIST, {"amount_min": "abc"})
    assert response.status_code == 400
    assert response.context["filter"].errors["amount_min"]
    assert "Some filters are not valid" in response.content.decode()


def test_filter_by_unknown_type_is_a_400_not_a_500(client, admin, ca1):
    client.force_login(admin)
    assert client.get(LIST, {"type": "999999"}).status_code == 400
    assert client.get(LIST, {"type": ContractType.objects.get(code="FW").pk}).status_code == 200


# --- exports ---------------------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_neutralises_formulas(client, admin, sales_owner, ca1, make_contract):
    make_contract(sales_owner, ca1.customer, title="=1+1")
    client.force_login(admin)
    response = client.get(EXPORT, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = _csv_rows(response)
    assert rows[0][:5] == ["Number", "Title", "Customer", "Type", "Status"]
    titles = [row[1] for row in rows[1:]]
    assert "'=1+1" in titles
    assert "=1+1" not in titles
    ca1_row = next(row for row in rows if row[0] == ca1.number)
    assert ca1_row[4] == "Draft"  # the translated label, not the stored value
    assert ca1_row[5] == "128000.00"


def test_xlsx_export_has_no_formula_cells(client, admin, sales_owner, ca1, make_contract):
    make_contract(sales_owner, ca1.customer, title='=HYPERLINK("http://x")', description="@SUM(1)")
    services.update_contract(ca1, by=admin, version=ca1.version, data={"tags": "-cmd, +x"})
    client.force_login(admin)
    response = client.get(EXPORT, {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert cells
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = [cell.value for cell in cells]
    assert '\'=HYPERLINK("http://x")' in values


def test_export_is_scoped_to_the_user(client, other_sales, ca1, cb1):
    client.force_login(other_sales)
    numbers_out = [row[0] for row in _csv_rows(client.get(EXPORT, {"format": "csv"}))[1:]]
    assert numbers_out == [cb1.number]


def test_export_follows_the_filters(client, admin, sales_owner, ca1, cb1):
    services.submit_contract(ca1, by=sales_owner)
    client.force_login(admin)
    numbers_out = [
        row[0] for row in _csv_rows(client.get(EXPORT, {"format": "csv", "status": "in_review"}))[1:]
    ]
    assert numbers_out == [ca1.number]


def test_export_with_a_bad_filter_is_a_400(client, admin, ca1):
    client.force_login(admin)
    assert client.get(EXPORT, {"format": "csv", "amount_max": "x"}).status_code == 400


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_query_count_does_not_grow_with_rows(client, admin, ca1, fmt):
    services.update_contract(ca1, by=admin, version=ca1.version, data={"tags": "a, b"})
    client.force_login(admin)
    client.get(EXPORT, {"format": fmt})
    counts = []
    for extra in (0, 50):
        bulk_contracts(extra, like=Contract.objects.get(pk=ca1.pk), prefix=f"X{extra}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(EXPORT, {"format": fmt})
            b"".join(response.streaming_content)
        counts.append(len(queries))
    assert counts[0] == counts[1]
