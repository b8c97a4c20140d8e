import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from hetong.core.dates import company_today
from hetong.payments import services
from hetong.payments.models import Installment, Invoice, Receipt
from hetong.payments.selectors import contract_payments

TODAY = company_today()


def client_of(user, language="zh-hans"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def planned(contract, finance):
    services.save_plan(contract, by=finance, rows=[
        {"kind": "prepayment", "label": "预付款", "percent": "30", "due_date": TODAY - dt.timedelta(days=40)},
        {"kind": "acceptance", "label": "验收款", "percent": "60", "due_date": TODAY - dt.timedelta(days=5)},
        {"kind": "retention", "label": "质保金", "amount": "5000"},
    ])
    return contract


def test_contract_page_shows_the_payments_card_in_chinese(planned, finance):
    receipt = services.record_receipt(planned, by=finance, received_on=TODAY, amount="35000", payer="华运")
    services.reverse_receipt(receipt, by=finance, reason="银行退票")
    services.record_receipt(planned, by=finance, received_on=TODAY, amount="30000")
    services.record_invoice(planned, by=finance, number="04412345", kind="special", amount="30000",
                            tax_amount="3451.33", issued_on=TODAY)
    client = Client()  # no language preference: the default is Chinese
    client.force_login(finance)
    finance.language = ""
    finance.save(update_fields=["language"])
    page = client.get(reverse("contracts:detail", args=[planned.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="payments"' in html and "04412345" in html and "银行退票" in html
    assert 'lang="zh-hans"' in html and "金额" in html  # Chinese by default (the card's own msgids: see the .po)
    assert 'data-plan-difference="5000.00"' in html
    assert reverse("payments:aging") in html


def test_card_query_count_is_constant(planned, finance, django_assert_max_num_queries):
    client = client_of(finance, "en")
    url = reverse("contracts:detail", args=[planned.pk])
    services.record_receipt(planned, by=finance, received_on=TODAY, amount="100")
    services.record_invoice(planned, by=finance, number="04412399", kind="normal", amount="100", tax_amount="1",
                            issued_on=TODAY)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        services.record_receipt(planned, by=finance, received_on=TODAY, amount="100")
        services.record_invoice(planned, by=finance, number=f"0441230{n}", kind="normal", amount="100",
                                tax_amount="1", issued_on=TODAY)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(4):
        data = contract_payments(planned)
    assert len(data["receipts"]) == 6 and len(data["invoices"]) == 6


def test_plan_form_saves_a_plan_and_shows_the_difference(contract, sales_owner):
    client = client_of(sales_owner, "en")
    url = reverse("payments:plan_edit", args=[contract.pk])
    assert client.get(url).status_code == 200
    data = {"rows-TOTAL_FORMS": "2", "rows-INITIAL_FORMS": "0", "rows-MIN_NUM_FORMS": "0", "rows-MAX_NUM_FORMS": "60",
            "rows-0-kind": "prepayment", "rows-0-label": "预付款", "rows-0-percent": "30", "rows-0-amount": "",
            "rows-0-due_date": "", "rows-1-kind": "other", "rows-1-label": "", "rows-1-amount": "",
            "rows-1-percent": "", "rows-1-due_date": ""}
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "a difference of 70,000.00" in response.content.decode()
    assert Installment.objects.get(contract=contract).amount == Decimal("30000.00")
    bad = client.post(url, {**data, "rows-0-amount": "100"})
    assert bad.status_code == 400 and "not both" in bad.content.decode()


def test_receipt_form_with_manual_allocation_and_errors(planned, finance):
    client = client_of(finance, "en")
    url = reverse("payments:receipt_create", args=[planned.pk])
    retention = Installment.objects.get(contract=planned, kind="retention")
    assert client.get(url).status_code == 200
    data = {"received_on": TODAY.isoformat(), "amount": "6000", "method": "bank_transfer", "payer": "华运",
            "reference": "X1", f"alloc_{retention.pk}": "5000"}
    assert client.post(url, data).status_code == 302
    receipt = Receipt.objects.get()
    assert dict(receipt.allocations.values_list("installment__kind", "amount")) == {
        "retention": Decimal("5000.00"), "prepayment": Decimal("1000.00")}
    too_much = client.post(url, {**data, "amount": "999999", f"alloc_{retention.pk}": ""})
    assert too_much.status_code == 400 and "outstanding" in too_much.content.decode()
    assert Receipt.objects.count() == 1


def test_reverse_and_invoice_and_due_date_from_the_card(planned, finance):
    client = client_of(finance, "en")
    receipt = services.record_receipt(planned, by=finance, received_on=TODAY, amount="100")
    url = reverse("payments:receipt_reverse", args=[receipt.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert client.post(url, {"reason": "退票"}).status_code == 302
    assert Receipt.objects.get().is_reversed
    again = client.post(url, {"reason": "退票"})
    assert again.status_code == 409
    invoice_url = reverse("payments:invoice_create", args=[planned.pk])
    assert client.get(invoice_url).status_code == 200
    assert client.post(invoice_url, {"kind": "special", "number": "12345678", "amount": "1130", "tax_amount": "130",
                                     "issued_on": TODAY.isoformat()}).status_code == 302
    assert client.post(invoice_url, {"kind": "special", "number": "12345678", "amount": "1130", "tax_amount": "130",
                                     "issued_on": TODAY.isoformat()}).status_code == 400
    assert Invoice.objects.count() == 1
    retention = Installment.objects.get(contract=planned, kind="retention")
    due = reverse("payments:due_date_set", args=[retention.pk])
    assert client.post(due, {"due_date": "2027-11-26"}).status_code == 302
    assert Installment.objects.get(pk=retention.pk).due_date == dt.date(2027, 11, 26)
    assert client.post(due, {"due_date": "2027-13-26"}).status_code == 400


def test_other_users_get_404_and_viewers_403(planned, finance, other_sales, viewer):
    retention = Installment.objects.get(contract=planned, kind="retention")
    receipt = services.record_receipt(planned, by=finance, received_on=TODAY, amount="100")
    outsider = client_of(other_sales, "en")
    for url in (reverse("payments:plan_edit", args=[planned.pk]), reverse("payments:receipt_create", args=[planned.pk]),
                reverse("payments:invoice_create", args=[planned.pk])):
        assert outsider.get(url).status_code == 404
    assert outsider.post(reverse("payments:receipt_reverse", args=[receipt.pk]), {"reason": "x"}).status_code == 404
    assert outsider.post(reverse("payments:due_date_set", args=[retention.pk]), {"due_date": ""}).status_code == 404
    onlooker = client_of(viewer, "en")
    assert onlooker.get(reverse("contracts:detail", args=[planned.pk])).status_code == 200
    for url in (reverse("payments:plan_edit", args=[planned.pk]), reverse("payments:receipt_create", args=[planned.pk]),
                reverse("payments:invoice_create", args=[planned.pk])):
        assert onlooker.get(url).status_code == 403
    assert onlooker.post(reverse("payments:receipt_reverse", args=[receipt.pk]), {"reason": "x"}).status_code == 403
    assert onlooker.post(reverse("payments:due_date_set", args=[retention.pk]), {"due_date": ""}).status_code == 403
    assert not Receipt.objects.filter(reversed_at__isnull=False).exists()


def test_aging_page_renders_with_links_to_customers(planned, finance, django_assert_max_num_queries):
    client = client_of(finance)
    response = client.get(reverse("payments:aging"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("customers:detail", args=[planned.customer_id]) in html
    assert "账龄" in html or "Receivables aging" in html
    assert client.get(reverse("payments:aging"), {"on": "nonsense"}).status_code == 400
    with django_assert_max_num_queries(12):
        client.get(reverse("payments:aging"), {"on": "2027-06-01"})
