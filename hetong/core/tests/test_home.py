import datetime as dt
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hetong.contracts import services as contracts


@pytest.fixture(autouse=True)
def _today(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast personas
    # The settings may be loaded before the root conftest marks the run as a test: plain HTTP, no manifest.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def make_active(contract, *, owner, approver):
    contracts.submit_contract(contract, by=owner)
    contracts.approve_contract(contract, by=approver)
    signed = SimpleUploadedFile("signed.pdf", b"%PDF-1.4\n%signed\n", content_type="application/pdf")
    return contracts.sign_contract(contract, by=owner, signed_file=signed, signed_date="2026-01-01")


def cards(client, user):
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return {card.key: card for card in response.context["cards"]}


def test_sales_user_sees_only_own_contracts(client, sales_owner, other_sales, manager, ca1, cb1):
    make_active(ca1, owner=sales_owner, approver=manager)
    make_active(cb1, owner=other_sales, approver=manager)
    mine = cards(client, sales_owner)
    assert [c.pk for c in mine["expiring"].items] == [ca1.pk]
    assert mine["expiring"].count == 1
    assert cb1.title not in client.get(reverse("core:home")).content.decode()


def test_notice_deadline_card_lists_contracts_whose_notice_is_due(
        client, sales_owner, manager, make_customer, make_contract):
    customer = make_customer(sales_owner)
    contract = make_contract(sales_owner, customer, notice_period=30, notice_unit="days")
    make_active(contract, owner=sales_owner, approver=manager)
    card = cards(client, sales_owner)["notice_due"]
    assert [c.pk for c in card.items] == [contract.pk]
    assert card.items[0].card_date == dt.date(2026, 12, 1)
    assert card.items[0].days_left == 30


def test_manager_sees_department_contracts_waiting_for_approval(client, sales_owner, manager, ca1):
    contracts.submit_contract(ca1, by=sales_owner)
    assert [c.pk for c in cards(client, manager)["review"].items] == [ca1.pk]
    assert "review" not in cards(client, sales_owner)  # a salesperson approves nothing


def test_approver_is_not_asked_to_approve_own_submission(client, manager, make_customer, make_contract):
    contract = make_contract(manager, make_customer(manager))
    contracts.submit_contract(contract, by=manager)
    assert cards(client, manager)["review"].items == []


def test_drafts_card_holds_only_my_drafts(client, admin, sales_owner, ca1):
    seen = cards(client, admin)
    assert seen["drafts"].count == 0
    assert [c.pk for c in seen["recent"].items] == [ca1.pk]  # admin oversees everything else
    assert [c.pk for c in cards(client, sales_owner)["drafts"].items] == [ca1.pk]


def test_cards_link_to_the_filtered_contract_list(client, sales_owner, admin):
    url = urlparse(cards(client, sales_owner)["expiring"].url)
    assert url.path == reverse("contracts:list")
    assert parse_qs(url.query) == {"ends_within": ["90"], "owner": [str(sales_owner.pk)], "sort": ["end_date"]}
    assert "owner" not in parse_qs(urlparse(cards(client, admin)["notice_due"].url).query)


def test_home_page_query_count_does_not_grow_with_contracts(client, sales_owner, manager, make_customer, make_contract):
    customer = make_customer(sales_owner)
    make_active(make_contract(sales_owner, customer), owner=sales_owner, approver=manager)
    make_contract(sales_owner, customer)
    client.force_login(sales_owner)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("core:home"))
    for _n in range(6):
        make_active(make_contract(sales_owner, customer), owner=sales_owner, approver=manager)
        make_contract(sales_owner, customer)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("core:home"))
    assert response.context["cards"][0].count == 7
    assert len(many) == len(few)
