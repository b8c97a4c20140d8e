import datetime as dt
import json

import pytest
import time_machine
from django.core.files.storage import default_storage

from hetong.audit.models import AuditEvent
from hetong.contracts import services
from hetong.contracts.models import Contract, ContractFile, ContractType, FileVersion, Status

from .utils import PDF, pdf, row, send

ITEM_FIELDS = {
    "id",
    "number",
    "title",
    "status",
    "customer",
    "customer_name",
    "owner",
    "department",
    "type",
    "amount",
    "currency",
    "signed_date",
    "effective_date",
    "end_date",
    "notice_deadline",
    "auto_renew",
    "renewal_term",
    "renewal_unit",
    "notice_period",
    "notice_unit",
    "tags",
    "extra",
    "version",
    "created_at",
    "updated_at",
}


@pytest.fixture
def customer_a(ca1):
    return ca1.customer


@pytest.fixture
def new_contract(entity, customer_a):
    """A valid create body for customer A."""
    return {
        "title": "仓储服务合同",
        "customer": customer_a.pk,
        "type": "FW",
        "entity": entity.pk,
        "amount": "56000.50",
        "effective_date": "2026-01-01",
        "end_date": "2026-12-31",
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


# --- scope -------------------------------------------------------------------------------------------------


def test_sales_user_lists_only_own_contracts(ca1, cb1, sales_owner, api_as):
    assert ids(api_as(sales_owner).get("/api/v1/contracts")) == {ca1.pk}


def test_manager_lists_their_department_and_its_sub_departments(
    ca1, cb1, manager, legal, admin, make_customer, make_contract, api_as
):
    legal_own = make_contract(legal, make_customer(admin))
    managers_own = make_contract(manager, make_customer(manager))  # in the sales department itself
    seen = ids(api_as(manager).get("/api/v1/contracts"))
    assert seen == {ca1.pk, cb1.pk, managers_own.pk}  # sales, with its east and north sub-departments
    assert legal_own.pk not in seen


def test_admin_lists_everything(ca1, cb1, admin, legal, make_customer, make_contract, api_as):
    legal_own = make_contract(legal, make_customer(admin))
    response = api_as(admin).get("/api/v1/contracts")
    assert ids(response) == {ca1.pk, cb1.pk, legal_own.pk}
    assert response.json()["count"] == 3


def test_list_item_has_the_documented_fields(ca1, sales_owner, api_as):
    item = api_as(sales_owner).get("/api/v1/contracts").json()["items"][0]
    assert ITEM_FIELDS <= set(item)
    assert item["amount"] == "128000.00"
    assert item["customer"] == ca1.customer_id and item["customer_name"] == "上海华运物流有限公司"
    assert item["type"] == "FW" and item["owner"] == sales_owner.pk and item["version"] == 1


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/api/v1/contracts/{id}", None),
        ("patch", "/api/v1/contracts/{id}", {"version": 1, "title": "x"}),
        ("post", "/api/v1/contracts/{id}/actions/submit", {"version": 1}),
        ("post", "/api/v1/contracts/{id}/actions/cancel", {"note": "x"}),
        ("post", "/api/v1/contracts/{id}/actions/nonsense", {}),
        ("get", "/api/v1/contracts/{id}/files", None),
    ],
)
def test_another_users_contract_is_404(ca1, cb1, sales_owner, api_as, method, path, data):
    before = row(Contract, cb1.pk)
    response = send(api_as(sales_owner), method, path.format(id=cb1.pk), data)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert row(Contract, cb1.pk) == before


def test_upload_to_another_users_contract_is_404(cb1, sales_owner, api_as):
    response = api_as(sales_owner).post(
        f"/api/v1/contracts/{cb1.pk}/files", {"kind": "attachment", "file": pdf()}
    )
    assert response.status_code == 404
    assert not ContractFile.objects.exists()


def test_download_outside_scope_is_404(ca1, cb1, sales_owner, other_sales, api_as):
    version = services.upload_file(cb1, by=other_sales, upload=pdf("报价单.pdf"))
    client = api_as(sales_owner)
    direct = client.get(f"/api/v1/contracts/{cb1.pk}/files/{version.pk}/download")
    via_own_contract = client.get(f"/api/v1/contracts/{ca1.pk}/files/{version.pk}/download")
    assert (direct.status_code, via_own_contract.status_code) == (404, 404)
    assert via_own_contract.json()["code"] == "not_found"


def test_unknown_or_absurd_ids_are_404(ca1, sales_owner, api_as):
    client = api_as(sales_owner)
    for path in (
        "/api/v1/contracts/999999",
        "/api/v1/contracts/99999999999999999999999999",
        f"/api/v1/contracts/{ca1.pk}/files/99999999999999999999999/download",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


# --- create ------------------------------------------------------------------------------------------------


def test_create_returns_201_with_the_item(sales_owner, new_contract, api_as):
    response = send(
        api_as(sales_owner),
        "post",
        "/api/v1/contracts",
        {**new_contract, "tags": ["仓储", "2026"], "notice_period": 30},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == Status.DRAFT and body["owner"] == sales_owner.pk
    assert body["amount"] == "56000.50" and body["type"] == "FW"
    assert body["tags"] == ["2026", "仓储"] and body["notice_deadline"] == "2026-12-01"
    assert Contract.objects.get(pk=body["id"]).title == "仓储服务合同"


def test_amount_is_exact_whether_sent_as_string_or_number(sales_owner, new_contract, api_as):
    client = api_as(sales_owner)
    # Written by hand: json.dumps would go through a float, which is what this test is about.
    raw = (
        '{"amount": 123456789012.45, '
        + json.dumps({k: v for k, v in new_contract.items() if k != "amount"})[1:]
    )
    as_number = client.post("/api/v1/contracts", raw, content_type="application/json")
    as_string = send(client, "post", "/api/v1/contracts", {**new_contract, "amount": "128000"})
    assert as_number.status_code == 201, as_number.content
    assert as_number.json()["amount"] == "123456789012.45"
    assert as_string.json()["amount"] == "128000.00"
    assert str(Contract.objects.get(pk=as_number.json()["id"]).amount) == "123456789012.45"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": 12.345}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": True}, "amount"),
        ({"currency": "XXX"}, "currency"),
        ({"end_date": "2025-12-31"}, "end_date"),
        ({"effective_date": "2026-13-45"}, "effective_date"),
        ({"notice_period": -3}, "notice_period"),
        ({"renewal_unit": "fortnights"}, "renewal_unit"),
        ({"type": "NOPE"}, "type"),
        ({"customer": 999999}, "customer"),
        ({"entity": "x"}, "entity"),
        ({"title": ""}, "title"),
        ({"tags": "not-a-list"}, "tags"),
        ({"extra": ["x"]}, "extra"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_creates_nothing(
    sales_owner, new_contract, api_as, change, field
):
    client = api_as(sales_owner)
    events = AuditEvent.objects.count()
    response = send(client, "post", "/api/v1/contracts", {**new_contract, **change})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert Contract.objects.count() == 1  # only CA1
    assert AuditEvent.objects.count() == events


def test_duplicate_number_is_400_and_creates_nothing(ca1, sales_owner, new_contract, api_as):
    response = send(api_as(sales_owner), "post", "/api/v1/contracts", {**new_contract, "number": ca1.number})
    assert response.status_code == 400
    assert "number" in response.json()["errors"]
    assert Contract.objects.count() == 1


@pytest.mark.parametrize("field", ["status", "version", "submitted_by", "notice_deadline", "is_staff"])
def test_create_refuses_fields_a_client_may_not_set(sales_owner, new_contract, api_as, field):
    response = send(api_as(sales_owner), "post", "/api/v1/contracts", {**new_contract, field: "active"})
    assert response.status_code == 400
    assert response.json()["code"] == "forbidden_field"
    assert Contract.objects.count() == 1


def test_sales_cannot_create_for_someone_else(sales_owner, other_sales, new_contract, api_as):
    response = send(
        api_as(sales_owner), "post", "/api/v1/contracts", {**new_contract, "owner": other_sales.pk}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden_field"
    assert Contract.objects.count() == 1


def test_customer_outside_scope_cannot_be_used(cb1, sales_owner, new_contract, api_as):
    response = send(
        api_as(sales_owner), "post", "/api/v1/contracts", {**new_contract, "customer": cb1.customer_id}
    )
    assert response.status_code == 400
    assert "customer" in response.json()["errors"]


def test_viewer_may_not_create(viewer, new_contract, api_as):
    response = send(api_as(viewer), "post", "/api/v1/contracts", new_contract)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


# --- edit --------------------------------------------------------------------------------------------------


def test_patch_changes_the_given_fields_and_bumps_the_version(ca1, sales_owner, api_as):
    response = send(
        api_as(sales_owner),
        "patch",
        f"/api/v1/contracts/{ca1.pk}",
        {"version": 1, "amount": "130000", "tags": ["重点"], "end_date": None},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["amount"], body["tags"], body["end_date"], body["version"]) == (
        "130000.00",
        ["重点"],
        None,
        2,
    )
    assert body["title"] == ca1.title  # untouched


def test_stale_version_is_409_and_changes_nothing(ca1, sales_owner, api_as):
    client = api_as(sales_owner)
    assert (
        send(
            client, "patch", f"/api/v1/contracts/{ca1.pk}", {"version": 1, "title": "第一次修改"}
        ).status_code
        == 200
    )
    before = row(Contract, ca1.pk)
    response = send(
        client, "patch", f"/api/v1/contracts/{ca1.pk}", {"version": 1, "title": "过期的修改", "tags": ["x"]}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert row(Contract, ca1.pk) == before
    assert before["version"] == 2 and before["title"] == "第一次修改"


def test_patch_without_version_is_400(ca1, sales_owner, api_as):
    response = send(api_as(sales_owner), "patch", f"/api/v1/contracts/{ca1.pk}", {"title": "x"})
    assert response.status_code == 400
    assert "version" in response.json()["errors"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"status": "active"}, 400, "forbidden_field"),
        ({"number": "HT-FAKE-1"}, 400, "forbidden_field"),
        ({"submitted_by": 1}, 400, "forbidden_field"),
        ({"notice_deadline": "2030-01-01"}, 400, "forbidden_field"),
        ({"is_staff": True}, 400, "forbidden_field"),
        ({"owner": "other"}, 403, "forbidden_field"),
        ({"department": None}, 403, "forbidden_field"),
    ],
)
def test_mass_assignment_by_sales_is_refused_and_changes_nothing(
    ca1, sales_owner, other_sales, api_as, change, status, code
):
    if change.get("owner") == "other":
        change = {"owner": other_sales.pk}
    before = row(Contract, ca1.pk)
    response = send(api_as(sales_owner), "patch", f"/api/v1/contracts/{ca1.pk}", {"version": 1, **change})
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert row(Contract, ca1.pk) == before


def test_manager_may_reassign(ca1, manager, other_sales, api_as):
    response = send(
        api_as(manager), "patch", f"/api/v1/contracts/{ca1.pk}", {"version": 1, "owner": other_sales.pk}
    )
    assert response.status_code == 200
    assert response.json()["owner"] == other_sales.pk


def test_terms_of_a_submitted_contract_are_frozen(ca1, sales_owner, api_as):
    client = api_as(sales_owner)
    send(client, "post", f"/api/v1/contracts/{ca1.pk}/actions/submit")
    before = row(Contract, ca1.pk)
    response = send(
        client, "patch", f"/api/v1/contracts/{ca1.pk}", {"version": before["version"], "amount": "1"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "frozen"
    assert row(Contract, ca1.pk) == before


# --- actions -----------------------------------------------------------------------------------------------


def test_submit_then_approve_moves_the_status(ca1, sales_owner, manager, api_as):
    submitted = send(
        api_as(sales_owner), "post", f"/api/v1/contracts/{ca1.pk}/actions/submit", {"version": 1}
    )
    assert submitted.status_code == 200
    assert submitted.json()["status"] == Status.IN_REVIEW
    approved = send(api_as(manager), "post", f"/api/v1/contracts/{ca1.pk}/actions/approve", {"note": "同意"})
    assert approved.status_code == 200
    assert approved.json()["status"] == Status.APPROVED


def test_illegal_action_is_409_with_its_code(ca1, sales_owner, manager, api_as):
    before = row(Contract, ca1.pk)
    response = send(api_as(manager), "post", f"/api/v1/contracts/{ca1.pk}/actions/approve")
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition.draft.approve"
    assert row(Contract, ca1.pk) == before


def test_self_approval_is_403(manager, make_customer, make_contract, api_as):
    own = make_contract(manager, make_customer(manager))
    client = api_as(manager)
    send(client, "post", f"/api/v1/contracts/{own.pk}/actions/submit")
    before = row(Contract, own.pk)
    response = send(client, "post", f"/api/v1/contracts/{own.pk}/actions/approve")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert row(Contract, own.pk) == before


def test_sales_may_not_terminate_their_own_contract(ca1, sales_owner, api_as):
    response = send(
        api_as(sales_owner), "post", f"/api/v1/contracts/{ca1.pk}/actions/terminate", {"note": "x"}
    )
    assert response.status_code == 403


def test_stale_version_on_an_action_is_409(ca1, sales_owner, api_as):
    response = send(api_as(sales_owner), "post", f"/api/v1/contracts/{ca1.pk}/actions/submit", {"version": 7})
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert Contract.objects.get(pk=ca1.pk).status == Status.DRAFT


def test_unknown_action_is_400(ca1, sales_owner, api_as):
    response = send(api_as(sales_owner), "post", f"/api/v1/contracts/{ca1.pk}/actions/delete")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_action"


def test_fields_that_do_not_apply_to_the_action_are_refused(ca1, sales_owner, api_as):
    response = send(
        api_as(sales_owner),
        "post",
        f"/api/v1/contracts/{ca1.pk}/actions/submit",
        {"terminated_on": "2026-01-01"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "forbidden_field"
    assert Contract.objects.get(pk=ca1.pk).status == Status.DRAFT


def test_reject_needs_a_reason(ca1, sales_owner, legal, api_as):
    send(api_as(sales_owner), "post", f"/api/v1/contracts/{ca1.pk}/actions/submit")
    response = send(api_as(legal), "post", f"/api/v1/contracts/{ca1.pk}/actions/reject", {"note": " "})
    assert response.status_code == 400
    assert response.json()["code"] == "reason_required"


def test_sign_needs_the_signed_copy_uploaded_first(ca1, sales_owner, manager, api_as):
    owner, approver = api_as(sales_owner), api_as(manager)
    send(owner, "post", f"/api/v1/contracts/{ca1.pk}/actions/submit")
    send(approver, "post", f"/api/v1/contracts/{ca1.pk}/actions/approve")
    refused = send(owner, "post", f"/api/v1/contracts/{ca1.pk}/actions/sign")
    assert refused.status_code == 400
    assert refused.json()["code"] == "signed_file_required"

    upload = owner.post(f"/api/v1/contracts/{ca1.pk}/files", {"kind": "signed", "file": pdf("签署版.pdf")})
    assert upload.status_code == 201, upload.content
    with time_machine.travel(dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)):
        signed = send(
            owner, "post", f"/api/v1/contracts/{ca1.pk}/actions/sign", {"signed_date": "2026-05-30"}
        )
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == Status.ACTIVE  # effective since 2026-01-01
    assert signed.json()["signed_date"] == "2026-05-30"


def test_detail_lists_the_actions_the_caller_may_take(ca1, sales_owner, manager, api_as):
    assert set(api_as(sales_owner).get(f"/api/v1/contracts/{ca1.pk}").json()["actions"]) == {
        "submit",
        "cancel",
    }
    send(api_as(sales_owner), "post", f"/api/v1/contracts/{ca1.pk}/actions/submit")
    assert "approve" in api_as(manager).get(f"/api/v1/contracts/{ca1.pk}").json()["actions"]
    assert "approve" not in api_as(sales_owner).get(f"/api/v1/contracts/{ca1.pk}").json()["actions"]


# --- files -------------------------------------------------------------------------------------------------


def test_upload_list_and_download_a_file(ca1, sales_owner, api_as):
    client = api_as(sales_owner)
    uploaded = client.post(
        f"/api/v1/contracts/{ca1.pk}/files", {"kind": "draft", "file": pdf("合同正文.pdf")}
    )
    assert uploaded.status_code == 201, uploaded.content
    file_id = uploaded.json()["id"]
    again = client.post(
        f"/api/v1/contracts/{ca1.pk}/files", {"file_id": file_id, "file": pdf("v2.pdf", PDF + b"%2\n")}
    )
    assert again.status_code == 201

    files = client.get(f"/api/v1/contracts/{ca1.pk}/files").json()
    assert [f["id"] for f in files] == [file_id]
    versions = files[0]["versions"]
    assert [v["number"] for v in versions] == [2, 1]
    assert {"id", "number", "size", "sha256", "original_name", "uploaded_at"} <= set(versions[0])
    assert versions[1]["original_name"] == "合同正文.pdf" and versions[1]["size"] == len(PDF)

    download = client.get(f"/api/v1/contracts/{ca1.pk}/files/{versions[1]['id']}/download")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%90%88" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"


def test_bad_upload_is_400_and_leaves_nothing(ca1, sales_owner, api_as):
    response = api_as(sales_owner).post(
        f"/api/v1/contracts/{ca1.pk}/files", {"file": pdf("page.pdf", b"<html><script>alert(1)</script>")}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "file_type" or "file" in response.json().get("errors", {})
    assert not ContractFile.objects.exists()


def test_upload_without_a_file_is_400(ca1, sales_owner, api_as):
    response = api_as(sales_owner).post(f"/api/v1/contracts/{ca1.pk}/files", {"kind": "attachment"})
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_a_new_version_of_another_contracts_file_is_404(ca1, cb1, sales_owner, other_sales, api_as):
    theirs = services.upload_file(cb1, by=other_sales, upload=pdf())
    response = api_as(sales_owner).post(
        f"/api/v1/contracts/{ca1.pk}/files", {"file_id": theirs.file_id, "file": pdf()}
    )
    assert response.status_code == 404
    assert FileVersion.objects.count() == 1


def test_a_changed_stored_file_is_not_served_and_admins_are_alerted_once(ca1, sales_owner, admin, api_as):
    from hetong.audit.models import AuditEvent
    from hetong.notifications.models import Notification

    version = services.upload_file(ca1, by=sales_owner, upload=pdf())
    with default_storage.open(version.blob.name, "wb") as handle:
        handle.write(PDF.replace(b"1.4", b"1.5"))
    for _attempt in range(2):
        response = api_as(sales_owner).get(f"/api/v1/contracts/{ca1.pk}/files/{version.pk}/download")
        assert response.status_code == 409
        assert response.json()["code"] == "file_changed"
    (alert,) = Notification.objects.filter(user=admin, kind="system")  # one alert, not one per attempt
    assert ca1.number in alert.title and version.sha256 in alert.body and alert.contract_id == ca1.pk
    assert not Notification.objects.filter(user=sales_owner).exists()
    (event,) = AuditEvent.objects.filter(verb="contract.file_integrity_failed")
    assert event.data == {"what": version.original_name, "sha256": version.sha256}


# --- list parameters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=100000", "limit"),
        ("limit=0", "limit"),
        ("limit=x", "limit"),
        ("ends_within=-1", "ends_within"),
        ("ends_within=x", "ends_within"),
        ("notice_within=1e9", "notice_within"),
        ("amount_min=abc", "amount_min"),
        ("end_from=2026-13-01", "end_from"),
        ("status=bogus", "status"),
        ("status=draft&status=bogus", "status"),
        ("sort=password", "sort"),
        ("type=ZZ", "type"),
        ("owner=x", "owner"),
        ("customer=x", "customer"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(ca1, sales_owner, api_as, query, field):
    response = api_as(sales_owner).get(f"/api/v1/contracts?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJhIiwxXQ", "WyJOYU4iLDFd", "eyJhIjoxfQ"])
def test_forged_cursor_is_400(ca1, sales_owner, api_as, cursor):
    for sort in ("-id", "-amount", "end_date"):
        response = api_as(sales_owner).get(f"/api/v1/contracts?sort={sort}&cursor={cursor}")
        assert response.status_code == 400, (sort, cursor, response.content)
        assert response.json()["code"] in {"bad_cursor", "invalid"}


def test_cursor_walks_every_row_once(sales_owner, make_customer, make_contract, api_as):
    customer = make_customer(sales_owner)
    made = {make_contract(sales_owner, customer, amount=str(1000 * (i % 3))).pk for i in range(5)}
    client = api_as(sales_owner)
    for sort in ("-id", "-amount", "end_date"):
        seen, cursor = [], ""
        while True:
            page = client.get(
                f"/api/v1/contracts?sort={sort}&limit=2" + (f"&cursor={cursor}" if cursor else "")
            ).json()
            assert page["count"] == 5
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(made), sort


def test_filters_by_repeated_status_type_code_and_tag(ca1, sales_owner, make_contract, api_as):
    other = make_contract(
        sales_owner, ca1.customer, contract_type=ContractType.objects.get(code="XS").pk, tags=["重点"]
    )
    send(api_as(sales_owner), "post", f"/api/v1/contracts/{other.pk}/actions/submit")
    client = api_as(sales_owner)
    assert ids(client.get("/api/v1/contracts?status=draft&status=in_review")) == {ca1.pk, other.pk}
    assert ids(client.get("/api/v1/contracts?status=in_review")) == {other.pk}
    assert ids(client.get("/api/v1/contracts?type=FW")) == {ca1.pk}
    assert ids(client.get("/api/v1/contracts?tag=重点")) == {other.pk}
    assert ids(client.get("/api/v1/contracts?q=华运")) == {ca1.pk, other.pk}
    assert ids(client.get("/api/v1/contracts?amount_min=200000")) == set()


def test_ends_within_finds_contracts_in_force_ending_soon(ca1, sales_owner, manager, api_as):
    owner = api_as(sales_owner)
    send(owner, "post", f"/api/v1/contracts/{ca1.pk}/actions/submit")
    send(api_as(manager), "post", f"/api/v1/contracts/{ca1.pk}/actions/approve")
    owner.post(f"/api/v1/contracts/{ca1.pk}/files", {"kind": "signed", "file": pdf()})
    with time_machine.travel(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)):
        send(owner, "post", f"/api/v1/contracts/{ca1.pk}/actions/sign")
        assert ids(owner.get("/api/v1/contracts?ends_within=30")) == {ca1.pk}  # ends 2026-12-31
        assert ids(owner.get("/api/v1/contracts?ends_within=10")) == set()
