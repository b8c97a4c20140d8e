import datetime as dt

from django.test import Client


def test_contract_items_carry_the_current_term(ca1, sales_owner, token_for):
    response = Client().get(f"/api/v1/contracts/{ca1.pk}", headers={"Authorization": f"Bearer {token_for(sales_owner)}"})
    item = response.json()
    assert response.status_code == 200
    assert (item["current_term_start"], item["current_term_end"], item["renewal_count"]) == (
        "2026-01-01", "2026-12-31", 0)
    listed = Client().get("/api/v1/contracts", headers={"Authorization": f"Bearer {token_for(sales_owner)}"}).json()
    assert listed["items"][0]["current_term_end"] == dt.date(2026, 12, 31).isoformat()
