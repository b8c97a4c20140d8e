"""An amendment end to end: its document from the shipped 补充协议 template, signed online through esign (our side and
the customer's) with a PAdES-signed copy filed on the contract; the pages a user goes through; API v1 with
GET /contracts/{id}/terms?on=."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hetong.changes import amendments
from hetong.changes.models import Amendment
from hetong.contracts.models import Contract
from hetong.core.dates import company_today
from hetong.customers.services import add_contact
from hetong.documents import services as documents
from hetong.documents.seed import TEMPLATES
from hetong.esign import services as esign
from hetong.esign.models import SignatureRequest
from hetong.esign.pades import verify_pdf
from hetong.esign.tests.flow import sign_as
from hetong.notifications.tests.utils import PDF

pytestmark = pytest.mark.django_db
TODAY = company_today()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


@pytest.fixture
def amendment_template(legal):
    row = next(t for t in TEMPLATES if t["purpose"] == "amendment")
    return documents.create_template(by=legal, data={
        "name": row["name"], "kind": row["kind"], "language": row["language"], "purpose": row["purpose"]},
        html=row["html"])


@pytest.fixture
def approved(active, sales_owner, manager, amendment_template):
    amendment = amendments.create_amendment(active, by=sales_owner, data={
        "title": "延长服务期限", "effective_date": days(0), "reason": "业务量增加。",
        "changes": {"end_date": days(400), "amount": "180000"}})
    amendments.generate_document(amendment, by=sales_owner)
    amendment = amendments.submit(amendment, by=sales_owner)
    return amendments.decide(amendment, by=manager, approve=True)


def test_the_document_lists_each_change(approved):
    text = approved.document.text
    assert "补充协议" in text and str(approved) in text and "延长服务期限" in text
    assert days(400) in text and "180,000.00" in text and "业务量增加" in text


def test_signed_online_it_becomes_part_of_the_contract(approved, active, sales_owner, manager):
    contact = add_contact(active.customer, by=sales_owner, data={"name": "王经理", "email": "wang@example.cn",
                                                                  "is_signatory": True})
    request = esign.create_request(active, by=sales_owner, amendment=approved, signers=[manager, contact],
                                   deadline=TODAY + dt.timedelta(days=7))
    assert request.document_id == approved.document_id
    request = esign.send(request, by=sales_owner)
    approved.refresh_from_db()
    assert approved.status == Amendment.Status.SIGNING
    assert Contract.objects.get(pk=active.pk).status == Contract.Status.ACTIVE
    ours, theirs = request.signers.order_by("position")
    sign_as(ours, "s-ours", typed_name="经理")
    sign_as(theirs, "s-theirs", typed_name="王经理")
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.COMPLETED
    approved.refresh_from_db()
    assert approved.status == Amendment.Status.SIGNED and approved.applied_at is not None
    contract = Contract.objects.get(pk=active.pk)
    assert contract.end_date.isoformat() == days(400) and str(contract.amount) == "180000.00"
    version = approved.signed_file.versions.get()
    assert version.sha256 == request.signed_sha256
    report = verify_pdf(bytes(request.signed_pdf))
    assert len(report.signatures) == 2 and all(s.intact and s.valid for s in report.signatures)


def test_a_draft_amendment_is_not_sent_for_signature(active, sales_owner, manager, amendment_template):
    draft = amendments.create_amendment(active, by=sales_owner, data={
        "title": "x", "effective_date": days(1), "changes": {"amount": "1"}})
    amendments.generate_document(draft, by=sales_owner)
    from hetong.core.errors import IllegalTransition

    with pytest.raises(IllegalTransition):
        esign.create_request(active, by=sales_owner, amendment=draft, signers=[manager],
                             deadline=TODAY + dt.timedelta(days=7))
    assert not SignatureRequest.objects.exists()


def test_the_pages_of_an_amendment(client, active, sales_owner, manager, amendment_template):
    client.force_login(sales_owner)
    page = client.get(f"/contracts/{active.pk}/")
    assert page.status_code == 200 and "/amendments/new/" in page.content.decode()
    form = client.get(f"/changes/contracts/{active.pk}/amendments/new/")
    assert form.status_code == 200
    bad = client.post(f"/changes/contracts/{active.pk}/amendments/new/", {
        "title": "x", "effective_date": days(1), "amount": "-1", "renewal_unit": "years", "notice_unit": "days",
        "contract_title": active.title})
    assert bad.status_code == 400 and not Amendment.objects.exists()
    posted = client.post(f"/changes/contracts/{active.pk}/amendments/new/", {
        "title": "调价", "effective_date": days(1), "amount": "99000", "end_date": active.end_date.isoformat(),
        "renewal_unit": "years", "notice_unit": "days", "contract_title": active.title})
    amendment = Amendment.objects.get()
    assert posted.status_code == 302 and amendment.changes == {"amount": "99000.00"}
    contract_page = client.get(f"/contracts/{active.pk}/")  # its history lists the amendment's events
    assert contract_page.status_code == 200 and "amendment-row" in contract_page.content.decode()
    detail = client.get(f"/changes/amendments/{amendment.pk}/")
    body = detail.content.decode()
    assert detail.status_code == 200 and "99,000.00" in body and "amendment-diff" in body
    assert client.post(f"/changes/amendments/{amendment.pk}/generate/").status_code == 302
    assert client.post(f"/changes/amendments/{amendment.pk}/submit/").status_code == 302
    refused = client.post(f"/changes/amendments/{amendment.pk}/approve/")  # the submitter
    assert refused.status_code == 403
    client.force_login(manager)
    assert client.post(f"/changes/amendments/{amendment.pk}/approve/").status_code == 302
    signed = client.post(f"/changes/amendments/{amendment.pk}/sign/", {
        "signed_date": days(0), "signed_file": SimpleUploadedFile("b1.pdf", PDF, content_type="application/pdf")})
    assert signed.status_code == 302
    assert client.get(f"/contracts/{active.pk}/").status_code == 200
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.SIGNED and amendment.applied_at is None  # effective tomorrow
    terms = client.get(f"/changes/contracts/{active.pk}/terms/?on={days(1)}")
    assert terms.status_code == 200 and "99,000.00" in terms.content.decode()
    assert client.get(f"/changes/contracts/{active.pk}/terms/?on=bad").status_code == 400


def test_another_users_amendment_is_not_found(client, active, sales_owner, other_sales):
    amendment = amendments.create_amendment(active, by=sales_owner, data={
        "title": "x", "effective_date": days(1), "changes": {"amount": "1"}})
    client.force_login(other_sales)
    assert client.get(f"/changes/amendments/{amendment.pk}/").status_code == 404
    assert client.post(f"/changes/amendments/{amendment.pk}/cancel/").status_code == 404


def test_the_api(api_as, active, sales_owner, manager):
    owner, approver = api_as(sales_owner), api_as(manager)
    base = f"/api/v1/contracts/{active.pk}"
    created = owner.post(f"{base}/amendments", json.dumps({
        "title": "降价", "effective_date": days(-10), "changes": {"amount": "90000", "notice_period": 20}}),
        content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"].endswith("-B1") and body["status"] == "draft"
    assert {c["term"] for c in body["diff"]} == {"amount", "notice_period"}
    bad = owner.post(f"{base}/amendments", json.dumps({
        "title": "x", "effective_date": days(1), "changes": {"parties": []}}), content_type="application/json")
    assert bad.status_code == 400 and "changes.parties" in bad.json()["errors"]
    pk = body["id"]
    stale = owner.patch(f"/api/v1/amendments/{pk}", json.dumps({"version": 99, "title": "y"}),
                        content_type="application/json")
    assert stale.status_code == 409
    assert owner.post(f"/api/v1/amendments/{pk}/submit", "{}", content_type="application/json").status_code == 200
    assert approver.post(f"/api/v1/amendments/{pk}/approve", "{}", content_type="application/json").json()[
        "status"] == "approved"
    signed = approver.post(f"/api/v1/amendments/{pk}/signature", {
        "signed_file": SimpleUploadedFile("b1.pdf", PDF, content_type="application/pdf")})
    assert signed.status_code == 200 and signed.json()["applied_at"]
    before = owner.get(f"{base}/terms?on={days(-11)}").json()
    after = owner.get(f"{base}/terms?on={days(-10)}").json()
    assert before["terms"]["amount"] == "100000.00" or before["terms"]["amount"] == str(active.amount)
    assert before["amendment"] is None and after["amendment"] == pk and after["amendment_label"] == "B1"
    assert after["terms"]["amount"] == "90000.00" and after["terms"]["notice_period"] == 20 and after["in_force"]
    assert owner.get(f"{base}/terms?on=2026-02-30").status_code == 400
    assert owner.get(f"{base}/amendments").json()[0]["status"] == "signed"
