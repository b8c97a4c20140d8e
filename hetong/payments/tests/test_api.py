import datetime as dt

import pytest

from hetong.core.dates import company_today
from hetong.payments.models import Installment, Receipt

TODAY = company_today()


def url(path: str) -> str:
    return f"/api/v1{path}"


@pytest.fixture
def plan(contract, api_as, finance):
    body = {"installments": [
        {"kind": "prepayment", "label": "预付款", "percent": "30", "due_date": (TODAY - dt.timedelta(days=40)).isoformat()},
        {"kind": "acceptance", "label": "验收款", "percent": 60},
        {"kind": "retention", "label": "质保金", "amount": "5000.00"},
    ]}
    response = api_as(finance).put(url(f"/contracts/{contract.pk}/installments"), body, content_type="application/json")
    assert response.status_code == 200, response.json()
    return response.json()


def test_plan_round_trip_shows_the_difference(contract, plan, api_as, sales_owner):
    assert plan["difference"] == "5000.00" and plan["adds_up"] is False
    assert [i["amount"] for i in plan["installments"]] == ["30000.00", "60000.00", "5000.00"]
    assert plan["installments"][0]["overdue"] is True and plan["installments"][0]["days_overdue"] == 40
    got = api_as(sales_owner).get(url(f"/contracts/{contract.pk}/installments")).json()
    assert got == plan
    # Keep the first two, change the third, through ids.
    body = {"installments": [{"id": plan["installments"][0]["id"], "kind": "prepayment", "percent": "30"},
                             {"id": plan["installments"][1]["id"], "kind": "acceptance", "percent": "60"},
                             {"kind": "retention", "percent": "10"}]}
    changed = api_as(sales_owner).put(url(f"/contracts/{contract.pk}/installments"), body, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["adds_up"] is True
    assert changed.json()["installments"][0]["id"] == plan["installments"][0]["id"]


def test_plan_errors_are_400_with_field_errors(contract, plan, api_as, finance):
    client = api_as(finance)
    both = client.put(url(f"/contracts/{contract.pk}/installments"),
                      {"installments": [{"amount": "1", "percent": "1"}]}, content_type="application/json")
    assert both.status_code == 400 and "rows.0.percent" in both.json()["errors"]
    unknown = client.put(url(f"/contracts/{contract.pk}/installments"),
                         {"installments": [{"amount": "1", "paid": "1"}]}, content_type="application/json")
    assert unknown.status_code == 400
    assert len(client.get(url(f"/contracts/{contract.pk}/installments")).json()["installments"]) == 3


def test_receipt_round_trip_reversal_and_errors(contract, plan, api_as, finance):
    client = api_as(finance)
    receipts = url(f"/contracts/{contract.pk}/receipts")
    body = {"received_on": TODAY.isoformat(), "amount": "40000.00", "method": "acceptance_bill", "payer": "华运",
            "reference": "BILL-1", "allocations": [{"installment": plan["installments"][2]["id"], "amount": "5000"}]}
    created = client.post(receipts, body, content_type="application/json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert {a["installment"]: a["amount"] for a in data["allocations"]} == {
        plan["installments"][2]["id"]: "5000.00", plan["installments"][0]["id"]: "30000.00",
        plan["installments"][1]["id"]: "5000.00"}
    too_much = client.post(receipts, {**body, "amount": "55000.01", "allocations": None}, content_type="application/json")
    assert too_much.status_code == 400 and too_much.json()["code"] == "exceeds_outstanding"
    assert "amount" in too_much.json()["errors"]
    extra = client.post(receipts, {**body, "bank": "CMB"}, content_type="application/json")
    assert extra.status_code == 400
    assert Receipt.objects.count() == 1
    reverse = url(f"/receipts/{data['id']}/reverse")
    assert client.post(reverse, {"reason": ""}, content_type="application/json").status_code == 400
    done = client.post(reverse, {"reason": "票据退回"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["reversed"] is True
    assert client.post(reverse, {"reason": "again"}, content_type="application/json").status_code == 409
    listed = client.get(receipts).json()
    assert [r["id"] for r in listed] == [data["id"]]
    assert client.get(url(f"/contracts/{contract.pk}/installments")).json()["installments"][0]["paid"] == "0.00"


def test_foreign_installment_in_allocation_is_400(contract, other_contract, plan, api_as, finance, admin):
    foreign = Installment.objects.create(contract=other_contract, amount="100.00")
    response = api_as(finance).post(url(f"/contracts/{contract.pk}/receipts"), {
        "received_on": TODAY.isoformat(), "amount": "100", "allocations": [{"installment": foreign.pk, "amount": "100"}],
    }, content_type="application/json")
    assert response.status_code == 400 and "allocations.0.installment" in response.json()["errors"]


def test_due_date_invoices_and_aging(contract, plan, api_as, finance):
    client = api_as(finance)
    acceptance = plan["installments"][1]["id"]
    response = client.post(url(f"/installments/{acceptance}/due-date"),
                           {"due_date": (TODAY - dt.timedelta(days=61)).isoformat()}, content_type="application/json")
    assert response.status_code == 200 and response.json()["days_overdue"] == 61
    invoices = url(f"/contracts/{contract.pk}/invoices")
    body = {"number": "04412345", "kind": "special", "amount": "33900.00", "tax_amount": "3900.00",
            "issued_on": TODAY.isoformat()}
    assert client.post(invoices, body, content_type="application/json").status_code == 201
    duplicate = client.post(invoices, body, content_type="application/json")
    assert duplicate.status_code == 400 and "number" in duplicate.json()["errors"]
    assert [i["number"] for i in client.get(invoices).json()] == ["04412345"]
    aging = client.get(url("/payments/aging"), {"on": TODAY.isoformat()}).json()
    assert aging["totals"]["d31_60"] == "30000.00" and aging["totals"]["d61_90"] == "60000.00"
    assert aging["totals"]["not_due"] == "5000.00"
    assert aging["customers"][0]["customer"] == contract.customer_id
    assert client.get(url("/payments/aging"), {"on": "2026-02-30"}).status_code == 400


def test_invisible_is_404_and_viewer_changes_are_403(contract, plan, api_as, other_sales, viewer):
    receipt_body = {"received_on": TODAY.isoformat(), "amount": "1"}
    outsider = api_as(other_sales)
    assert outsider.get(url(f"/contracts/{contract.pk}/installments")).status_code == 404
    assert outsider.get(url(f"/contracts/{contract.pk}/receipts")).status_code == 404
    assert outsider.post(url(f"/contracts/{contract.pk}/receipts"), receipt_body,
                         content_type="application/json").status_code == 404
    assert outsider.post(url(f"/installments/{plan['installments'][0]['id']}/due-date"), {"due_date": None},
                         content_type="application/json").status_code == 404
    assert outsider.get(url("/payments/aging")).json()["customers"] == []
    onlooker = api_as(viewer)
    assert onlooker.get(url(f"/contracts/{contract.pk}/installments")).status_code == 200
    assert onlooker.post(url(f"/contracts/{contract.pk}/receipts"), receipt_body,
                         content_type="application/json").status_code == 403
    assert onlooker.put(url(f"/contracts/{contract.pk}/installments"), {"installments": []},
                        content_type="application/json").status_code == 403
