"""API v1 obligations: round trips, field errors, unknown fields, 404 for what the caller cannot see, 403, 409."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage

from hetong.obligations import services
from hetong.obligations.models import Obligation

from .conftest import PDF, pdf

pytestmark = pytest.mark.usefixtures("_plain_http")


@pytest.fixture
def _plain_http(settings):
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def client_of(token_for):
    from django.test import Client

    return lambda user: Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")


def test_create_read_patch_complete_reopen_waive(active, sales_owner, client_of):
    api = client_of(sales_owner)
    created = api.post(f"/api/v1/contracts/{active.pk}/obligations", {
        "title": "月度运输服务报告", "kind": "report", "due_date": "2026-03-31", "recurrence": "monthly",
        "repeat_until": "2026-12-31"}, content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["owner_id"], body["status"], body["overdue"], body["evidence"]) == (sales_owner.pk, "open", False, [])
    pk = body["id"]
    patched = api.patch(f"/api/v1/obligations/{pk}", {"version": body["version"], "due_date": "2026-03-01"},
                        content_type="application/json")
    assert patched.status_code == 200 and patched.json()["overdue"] is True
    stale = api.patch(f"/api/v1/obligations/{pk}", {"version": body["version"], "title": "x"},
                      content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    done = api.post(f"/api/v1/obligations/{pk}/complete", {"done_on": "2026-03-02", "note": "已提交"},
                    content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = api.post(f"/api/v1/obligations/{pk}/complete", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    listed = api.get(f"/api/v1/contracts/{active.pk}/obligations").json()
    assert [(i["due_date"], i["occurrence"]) for i in listed["items"]] == [("2026-03-01", 1), ("2026-04-01", 2)]
    assert listed["count"] == 2
    assert api.post(f"/api/v1/obligations/{pk}/reopen").json()["status"] == "open"
    refused = api.post(f"/api/v1/obligations/{pk}/waive", {"reason": ""}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "reason_required"
    waived = api.post(f"/api/v1/obligations/{pk}/waive", {"reason": "客户同意免除"}, content_type="application/json")
    assert waived.json()["waived_reason"] == "客户同意免除"


def test_bad_input_gives_field_errors(active, sales_owner, client_of):
    api = client_of(sales_owner)
    url = f"/api/v1/contracts/{active.pk}/obligations"
    response = api.post(url, {"title": "x", "due_date": "2026-13-01", "kind": "gift"}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"due_date", "kind"}
    unknown = api.post(url, {"title": "x", "due_date": "2026-04-01", "status": "done"}, content_type="application/json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "forbidden_field"
    no_owner = api.post(url, {"title": "x", "due_date": "2026-04-01", "owner": 987654}, content_type="application/json")
    assert no_owner.status_code == 400 and "owner" in no_owner.json()["errors"]
    assert not Obligation.objects.exists()


def test_invisible_is_404_and_read_only_is_403(active, add, other_sales, viewer, client_of):
    obligation = add(active)
    outsider = client_of(other_sales)
    assert outsider.get(f"/api/v1/obligations/{obligation.pk}").status_code == 404
    assert outsider.get(f"/api/v1/contracts/{active.pk}/obligations").status_code == 404
    assert outsider.post(f"/api/v1/obligations/{obligation.pk}/reopen").status_code == 404
    reader = client_of(viewer)
    assert reader.get(f"/api/v1/obligations/{obligation.pk}").status_code == 200
    refused = reader.post(f"/api/v1/obligations/{obligation.pk}/complete", {}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_evidence_upload_and_download_checked_against_its_sha256(active, add, sales_owner, admin, client_of):
    obligation = add(active)
    api = client_of(sales_owner)
    url = f"/api/v1/obligations/{obligation.pk}/evidence"
    bad = api.post(url, {"file": pdf("a.pdf", b"plain text")})
    assert bad.status_code == 400 and bad.json()["code"] == "file_content"
    uploaded = api.post(url, {"file": pdf("验收单.pdf")})
    assert uploaded.status_code == 201
    file_id = uploaded.json()["id"]
    download = api.get(f"{url}/{file_id}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    evidence = obligation.evidence.get()
    with default_storage.open(evidence.blob.name, "wb") as handle:
        handle.write(b"%PDF-1.4 tampered")
    tampered = api.get(f"{url}/{file_id}")
    assert tampered.status_code == 409 and tampered.json()["code"] == "file_changed"
    assert admin.notifications.count() == 1
    other = add(active)
    assert api.get(f"/api/v1/obligations/{other.pk}/evidence/{file_id}").status_code == 404


def test_list_pages_in_a_constant_number_of_queries(active, add, sales_owner, client_of, django_assert_max_num_queries):
    api = client_of(sales_owner)
    for i in range(3):
        services.add_evidence(add(active, due_date=(dt.date(2026, 4, 1) + dt.timedelta(days=i)).isoformat()),
                              by=sales_owner, upload=pdf())
    url = f"/api/v1/contracts/{active.pk}/obligations?limit=50"
    api.get(url)
    with django_assert_max_num_queries(12) as few:
        api.get(url)
    for _i in range(12):
        services.add_evidence(add(active, due_date="2026-05-01"), by=sales_owner, upload=pdf())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(url).json()["items"]) == 15


def test_complete_with_an_empty_object_means_today(active, add, sales_owner, client_of):
    obligation = add(active)
    api = client_of(sales_owner)
    no_body = api.post(f"/api/v1/obligations/{obligation.pk}/complete")
    assert no_body.status_code == 400 and no_body.json()["code"] == "bad_request"  # a JSON object is required
    response = api.post(f"/api/v1/obligations/{obligation.pk}/complete", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["done_on"] == "2026-03-02"
