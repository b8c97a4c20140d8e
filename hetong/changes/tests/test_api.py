import datetime as dt
import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile

from hetong.changes.models import Notice, Renewal
from hetong.contracts.models import Contract, Status
from hetong.core.dates import company_today

PROOF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_renew_and_list_the_history(active, api_as, sales_owner):
    api = api_as(sales_owner)
    start = active.end_date + dt.timedelta(days=1)
    body = {
        "start": start.isoformat(),
        "end": (start + dt.timedelta(days=364)).isoformat(),
        "price_change_percent": "5",
    }
    response = api.post(f"/api/v1/contracts/{active.pk}/renewals", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["kind"], data["predecessor"], data["new_amount"]) == ("manual", active.pk, "134400.00")
    history = api.get(f"/api/v1/contracts/{data['successor']}/renewals").json()
    assert [(h["kind"], h["successor"]) for h in history] == [("manual", data["successor"])]


def test_unknown_fields_and_bad_input_are_400_with_field_errors(active, api_as, sales_owner, legal):
    api = api_as(sales_owner)
    response = api.post(
        f"/api/v1/contracts/{active.pk}/renewals",
        {"start": "2027-01-01", "end": "2026-01-01", "owner": 1},
        content_type="application/json",
    )
    assert response.status_code == 400 and "owner" in response.json()["errors"]
    response = api.post(
        f"/api/v1/contracts/{active.pk}/renewals",
        {"start": "2028-01-01", "end": "2027-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "end" in response.json()["errors"]
    response = api_as(legal).post(
        f"/api/v1/contracts/{active.pk}/termination",
        {"reason": "bored", "effective_on": "2026-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert not Renewal.objects.exists()


def test_terminate_notices_and_deliveries(active, api_as, legal, notice_templates):
    api = api_as(legal)
    on = company_today()
    response = api.post(
        f"/api/v1/contracts/{active.pk}/termination",
        {"reason": "mutual", "effective_on": on.isoformat(), "note": "协商提前解除"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    notice = response.json()
    assert (notice["kind"], notice["reason"], notice["document"] is not None) == (
        "termination",
        "mutual",
        True,
    )
    assert Contract.objects.get(pk=active.pk).status == Status.TERMINATED
    response = api.post(
        f"/api/v1/notices/{notice['id']}/deliveries",
        {
            "channel": "esign",
            "delivered_at": "2026-01-10 10:00",
            "recipient": "李总",
            "signing_reference": "SR-1",
            "proof": SimpleUploadedFile("receipt.pdf", PROOF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 201, response.content
    delivery = response.json()["deliveries"][0]
    assert delivery["proof_sha256"] == hashlib.sha256(PROOF).hexdigest()
    response = api.post(
        f"/api/v1/notices/{notice['id']}/deliveries",
        {"channel": "pigeon", "delivered_at": "yesterday", "recipient": "李总", "colour": "red"},
    )
    assert response.status_code == 400 and "colour" in response.json()["errors"]
    listed = api.get(f"/api/v1/contracts/{active.pk}/notices").json()
    assert [n["id"] for n in listed] == [notice["id"]]
    assert api.get(f"/api/v1/notices/{notice['id']}").json()["deliveries"][0]["channel"] == "esign"


def test_non_renewal_notice_by_api(active, api_as, sales_owner, notice_templates):
    response = api_as(sales_owner).post(
        f"/api/v1/contracts/{active.pk}/notices", {"kind": "non_renewal"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["effective_on"] == active.end_date.isoformat()
    assert Contract.objects.get(pk=active.pk).status == Status.ACTIVE


def test_other_sales_get_404_and_a_viewer_403(active, api_as, other_sales, viewer, legal, notice_templates):
    notice = (
        api_as(legal)
        .post(
            f"/api/v1/contracts/{active.pk}/notices", {"kind": "non_renewal"}, content_type="application/json"
        )
        .json()
    )
    other = api_as(other_sales)
    assert other.get(f"/api/v1/contracts/{active.pk}/renewals").status_code == 404
    assert other.get(f"/api/v1/notices/{notice['id']}").status_code == 404
    assert (
        other.post(
            f"/api/v1/contracts/{active.pk}/termination",
            {"reason": "mutual", "effective_on": "2026-02-01"},
            content_type="application/json",
        ).status_code
        == 404
    )
    look = api_as(viewer)
    assert look.get(f"/api/v1/notices/{notice['id']}").status_code == 200
    start = active.end_date + dt.timedelta(days=1)
    assert (
        look.post(
            f"/api/v1/contracts/{active.pk}/renewals",
            {"start": start.isoformat(), "end": (start + dt.timedelta(days=30)).isoformat()},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        look.post(
            f"/api/v1/contracts/{active.pk}/notices", {"kind": "non_renewal"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        look.post(
            f"/api/v1/notices/{notice['id']}/deliveries",
            {"channel": "email", "delivered_at": "2026-01-10", "recipient": "x", "tracking_number": "1"},
        ).status_code
        == 403
    )
    assert Notice.objects.count() == 1
