"""Signature requests over the API: create and send, read, void, resend, and download what came back."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver

from hetong.accounts.models import User
from hetong.audit.models import AuditEvent
from hetong.contracts.models import Contract, ContractFile, FileVersion
from hetong.customers.services import add_contact
from hetong.documents.models import GeneratedDocument
from hetong.esign import services
from hetong.esign.models import SignatureRequest, Signer
from hetong.esign.services import LinkUnknown
from hetong.esign.tests.flow import DEADLINE, make_request, sign_as, token_of
from hetong.notifications.models import Notification

from .utils import send

pytestmark = pytest.mark.django_db

SECRET_FIELDS = ("token", "otp", "session", "ip", "user_agent", "identity")


def create_url(contract) -> str:
    return f"/api/v1/contracts/{contract.pk}/signature-requests"


def body_for(setup, **overrides) -> dict:
    data = {
        "signers": [{"user_id": setup["ours"].pk}, {"contact_id": setup["contact"].pk}],
        "order": "sequential",
        "deadline": DEADLINE.isoformat(),
        "message": "请于十日内签署。",
    }
    return {**data, **overrides}


def completed(setup, by) -> SignatureRequest:
    request = make_request(setup, by)
    ours, theirs = request.signers.order_by("position")
    sign_as(ours, "session-ours")
    sign_as(theirs, "session-theirs")
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.COMPLETED
    return request


def test_create_sends_the_links_and_the_request_reads_back_without_secrets(setup, sales_owner, api_as):
    client = api_as(sales_owner)
    response = send(client, "post", create_url(setup["contract"]), body_for(setup))
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "sent" and created["order"] == "sequential"
    assert created["document"] == setup["document"].pk  # the newest ready PDF by default
    assert created["document_sha256"] == setup["document"].pdf_sha256
    assert created["deadline"] == DEADLINE.isoformat() and created["message"] == "请于十日内签署。"
    assert created["certificate_available"] is False and created["completed_at"] is None
    ours, theirs = created["signers"]
    assert (ours["position"], ours["side"], ours["email"], ours["status"]) == (1, "ours", "manager@example.com", "pending")
    assert (theirs["position"], theirs["side"], theirs["name"], theirs["status"]) == (2, "customer", "李总", "waiting")
    assert ours["sent_at"] and theirs["sent_at"] is None
    for signer in created["signers"]:
        assert not any(secret in key for key in signer for secret in SECRET_FIELDS), signer
    assert Contract.objects.get(pk=setup["contract"].pk).status == Contract.Status.SIGNING

    response = client.get(f"/api/v1/signature-requests/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert token_of(Signer.objects.get(pk=ours["id"])) not in response.content.decode()


def test_list_is_newest_first(setup, sales_owner, api_as):
    client = api_as(sales_owner)
    first = send(client, "post", create_url(setup["contract"]), body_for(setup, send=False)).json()
    assert send(client, "post", f"/api/v1/signature-requests/{first['id']}/void", {"reason": "改期"}).status_code == 200
    second = send(client, "post", create_url(setup["contract"]), body_for(setup, send=False)).json()
    response = client.get(create_url(setup["contract"]))
    assert response.status_code == 200
    assert [r["id"] for r in response.json()] == [second["id"], first["id"]]
    assert [r["status"] for r in response.json()] == ["draft", "voided"]


def test_a_draft_is_sent_later_and_only_once(setup, sales_owner, api_as):
    client = api_as(sales_owner)
    draft = send(client, "post", create_url(setup["contract"]), body_for(setup, send=False)).json()
    assert draft["status"] == "draft" and {s["status"] for s in draft["signers"]} == {"waiting"}
    assert Contract.objects.get(pk=setup["contract"].pk).status == Contract.Status.APPROVED
    response = send(client, "post", f"/api/v1/signature-requests/{draft['id']}/send")
    assert response.status_code == 200 and response.json()["status"] == "sent"
    again = send(client, "post", f"/api/v1/signature-requests/{draft['id']}/send")
    assert again.status_code == 409 and again.json()["code"] == "request_not_draft"


def test_a_second_open_request_is_409(setup, sales_owner, api_as):
    client = api_as(sales_owner)
    assert send(client, "post", create_url(setup["contract"]), body_for(setup, send=False)).status_code == 201
    response = send(client, "post", create_url(setup["contract"]), body_for(setup))
    assert response.status_code == 409 and response.json()["code"] == "request_open"
    assert SignatureRequest.objects.count() == 1


@pytest.fixture
def strangers(setup, sales_owner, other_sales, make_customer):
    """A contact of another customer the caller can see, and one of a customer the caller cannot see."""
    own_other = make_customer(sales_owner, name="杭州另一家客户有限公司")
    theirs = make_customer(other_sales, name="北京启明软件有限公司")
    return {
        "other_customer": add_contact(own_other, by=sales_owner, data={"name": "王总", "email": "wang@example.cn",
                                                                       "is_signatory": True}),
        "invisible": add_contact(theirs, by=other_sales, data={"name": "赵总", "email": "zhao@example.cn",
                                                               "is_signatory": True}),
    }


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (lambda s, x: {"status": "completed"}, "forbidden_field", "status"),
        (lambda s, x: {"signers": [{"user_id": s["ours"].pk, "token": "x"}]}, "forbidden_field", "signers.0.token"),
        (lambda s, x: {"deadline": (dt.date.today() - dt.timedelta(days=1)).isoformat()}, "bad_deadline", "deadline"),
        (lambda s, x: {"deadline": "next week"}, "invalid", "deadline"),
        (lambda s, x: {"order": "random"}, "invalid", "order"),
        (lambda s, x: {"signers": []}, "no_signers", "signers"),
        (lambda s, x: {"signers": [{"user_id": s["ours"].pk}, {"contact_id": x["other_customer"].pk}]},
         "invalid", "signers.1.contact_id"),
        (lambda s, x: {"signers": [{"contact_id": x["invisible"].pk}]}, "invalid", "signers.0.contact_id"),
        (lambda s, x: {"signers": [{"user_id": 999999}]}, "invalid", "signers.0.user_id"),
        (lambda s, x: {"signers": [{"contact_id": 999999}]}, "invalid", "signers.0.contact_id"),
        (lambda s, x: {"signers": [{}]}, "invalid", "signers.0"),
        (lambda s, x: {"signers": [{"user_id": s["ours"].pk, "contact_id": s["contact"].pk}]}, "invalid", "signers.0"),
        (lambda s, x: {"document_id": 999999}, "invalid", "document_id"),
    ],
    ids=["unknown_field", "unknown_signer_field", "past_deadline", "bad_date", "bad_order", "no_signers",
         "other_customers_contact", "invisible_contact", "no_such_user", "no_such_contact", "neither_id", "both_ids",
         "no_such_document"],
)
def test_bad_input_is_400_with_field_errors_and_saves_nothing(setup, strangers, sales_owner, api_as,
                                                              change, code, field):
    response = send(api_as(sales_owner), "post", create_url(setup["contract"]), body_for(setup, **change(setup, strangers)))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]
    if code != "no_signers" or field in body.get("errors", {}):
        assert field in body["errors"], body
    assert not SignatureRequest.objects.exists()
    assert Contract.objects.get(pk=setup["contract"].pk).status == Contract.Status.APPROVED


def test_a_contact_of_another_customer_says_so(setup, strangers, sales_owner, api_as):
    payload = body_for(setup, signers=[{"contact_id": strangers["other_customer"].pk}])
    body = send(api_as(sales_owner), "post", create_url(setup["contract"]), payload).json()
    assert body["errors"]["signers.0.contact_id"] == ["This contact is not a contact of the contract's customer."]


def test_a_viewer_may_read_but_not_send(setup, sales_owner, viewer, api_as):
    request = make_request(setup, sales_owner)
    client = api_as(viewer)
    assert client.get(f"/api/v1/signature-requests/{request.pk}").status_code == 200
    response = send(client, "post", create_url(setup["contract"]), body_for(setup))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    for path, data in [(f"/api/v1/signature-requests/{request.pk}/void", {"reason": "x"}),
                       (f"/api/v1/signature-requests/{request.pk}/signers/{request.signers.first().pk}/resend", None)]:
        response = send(client, "post", path, data)
        assert response.status_code == 403, path
    assert SignatureRequest.objects.get(pk=request.pk).status == "sent"


def test_another_salespersons_requests_are_404(setup, sales_owner, other_sales, api_as):
    request = make_request(setup, sales_owner)
    signer = request.signers.first()
    client = api_as(other_sales)
    for path in [create_url(setup["contract"]), f"/api/v1/signature-requests/{request.pk}",
                 f"/api/v1/signature-requests/{request.pk}/certificate",
                 f"/api/v1/contracts/{setup['contract'].pk}/signed-document"]:
        response = client.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path
    for path, data in [(create_url(setup["contract"]), body_for(setup)),
                       (f"/api/v1/signature-requests/{request.pk}/send", None),
                       (f"/api/v1/signature-requests/{request.pk}/void", {"reason": "x"}),
                       (f"/api/v1/signature-requests/{request.pk}/signers/{signer.pk}/resend", None)]:
        assert send(client, "post", path, data).status_code == 404, path
    assert SignatureRequest.objects.get(pk=request.pk).status == "sent"


def test_void_needs_a_reason_and_closes_the_request(setup, sales_owner, api_as):
    request = make_request(setup, sales_owner)
    client = api_as(sales_owner)
    url = f"/api/v1/signature-requests/{request.pk}/void"
    response = send(client, "post", url, {"reason": "  "})
    assert response.status_code == 400 and response.json()["code"] == "reason_required"
    assert send(client, "post", url, {}).status_code == 400
    response = send(client, "post", url, {"reason": "客户要求修改条款"})
    assert response.status_code == 200
    assert response.json()["status"] == "voided" and response.json()["voided_reason"] == "客户要求修改条款"
    again = send(client, "post", url, {"reason": "again"})
    assert again.status_code == 409 and again.json()["code"] == "request_closed"


def test_resend_kills_the_old_link(setup, sales_owner, api_as):
    request = make_request(setup, sales_owner)
    ours, theirs = request.signers.order_by("position")
    old = token_of(ours)
    client = api_as(sales_owner)
    response = send(client, "post", f"/api/v1/signature-requests/{request.pk}/signers/{ours.pk}/resend")
    assert response.status_code == 200, response.content
    with pytest.raises(LinkUnknown):
        services.open_link(old, "s1")
    assert token_of(ours) != old and services.open_link(token_of(ours), "s1").pk == ours.pk
    waiting = send(client, "post", f"/api/v1/signature-requests/{request.pk}/signers/{theirs.pk}/resend")
    assert waiting.status_code == 409 and waiting.json()["code"] == "signer_not_pending"


def test_a_signer_of_another_request_is_404(setup, sales_owner, api_as):
    first = make_request(setup, sales_owner, send=False)
    services.void(first, by=sales_owner, reason="改期")
    second = make_request(setup, sales_owner)
    path = f"/api/v1/signature-requests/{second.pk}/signers/{first.signers.first().pk}/resend"
    assert send(api_as(sales_owner), "post", path).status_code == 404


def test_certificate_after_completion_has_the_recorded_sha256(setup, sales_owner, api_as):
    client = api_as(sales_owner)
    pending = make_request(setup, sales_owner)
    response = client.get(f"/api/v1/signature-requests/{pending.pk}/certificate")
    assert response.status_code == 404 and response.json()["code"] == "no_certificate"

    request = completed_from(pending)
    assert client.get(f"/api/v1/signature-requests/{request.pk}").json()["certificate_available"] is True
    response = client.get(f"/api/v1/signature-requests/{request.pk}/certificate")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert hashlib.sha256(response.content).hexdigest() == request.certificate_sha256 == response["X-Content-SHA256"]
    assert "attachment" in response["Content-Disposition"]


def completed_from(request: SignatureRequest) -> SignatureRequest:
    ours, theirs = request.signers.order_by("position")
    sign_as(ours, "session-ours")
    sign_as(theirs, "session-theirs")
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.COMPLETED
    return request


def test_a_changed_certificate_is_409(setup, sales_owner, admin, api_as):
    request = completed(setup, sales_owner)
    data = bytearray(request.certificate_pdf)
    data[-1] ^= 1
    SignatureRequest.objects.filter(pk=request.pk).update(certificate_pdf=bytes(data))
    response = api_as(sales_owner).get(f"/api/v1/signature-requests/{request.pk}/certificate")
    assert response.status_code == 409 and response.json()["code"] == "file_changed"
    assert Notification.objects.filter(user=admin, kind=Notification.Kind.SYSTEM, title__contains="has changed").count() == 1


def signed_version(contract) -> FileVersion:
    return FileVersion.objects.filter(file__contract=contract, file__kind=ContractFile.Kind.SIGNED).latest("id")


def test_signed_document_is_the_newest_signed_copy_with_its_sha256(setup, sales_owner, api_as):
    client = api_as(sales_owner)
    url = f"/api/v1/contracts/{setup['contract'].pk}/signed-document"
    response = client.get(url)
    assert response.status_code == 404 and response.json()["code"] == "no_signed_copy"
    assert "signed copy" in response.json()["detail"]

    request = completed(setup, sales_owner)
    version = signed_version(setup["contract"])
    response = client.get(url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert response["X-Content-SHA256"] == version.sha256 == request.signed_sha256
    assert hashlib.sha256(content).hexdigest() == version.sha256
    assert "attachment" in response["Content-Disposition"] and response["X-Content-Type-Options"] == "nosniff"


def test_a_tampered_signed_copy_is_409_and_alerts_every_admin_once_a_day(setup, sales_owner, admin, api_as):
    User.objects.create_user(username="admin2", password="Hetong-Test-2026", role="admin",
                                            email="admin2@example.com", language="en")
    completed(setup, sales_owner)
    version = signed_version(setup["contract"])
    path = version.blob.storage.path(version.blob.name)
    with open(path, "rb") as handle:
        data = bytearray(handle.read())
    data[len(data) // 2] ^= 0xFF  # one byte
    with open(path, "wb") as handle:
        handle.write(data)
    alerts = Notification.objects.filter(kind=Notification.Kind.SYSTEM, title__contains="has changed")
    assert not alerts.exists()

    client = api_as(sales_owner)
    url = f"/api/v1/contracts/{setup['contract'].pk}/signed-document"
    response = client.get(url)
    assert response.status_code == 409 and response.json()["code"] == "file_changed"
    assert sorted(alerts.values_list("user__username", flat=True)) == ["admin", "admin2"]  # every admin, only them
    events = AuditEvent.objects.filter(verb="contract.file_integrity_failed", target_id=str(setup["contract"].pk))
    assert events.count() == 1

    again = client.get(url)
    assert again.status_code == 409
    assert alerts.count() == 2 and events.count() == 1  # no second alert the same day


def test_no_api_route_lets_a_staff_token_sign(sales_owner, api_as):
    paths = set(api_as(sales_owner).get("/api/v1/openapi.json").json()["paths"])
    signing = {path for path in paths if "sign" in path.replace("signator", "")}  # not the parties' signatories
    assert signing == {
        "/api/v1/signatures/verify",
        "/api/v1/signatures/ca-certificate",
        "/api/v1/contracts/{contract_id}/signature-requests",
        "/api/v1/contracts/{contract_id}/signed-document",
        "/api/v1/signature-requests/{request_id}",
        "/api/v1/signature-requests/{request_id}/send",
        "/api/v1/signature-requests/{request_id}/void",
        "/api/v1/signature-requests/{request_id}/signers/{signer_id}/resend",
        "/api/v1/signature-requests/{request_id}/certificate",
        # Records an amendment signed on paper (the scanned copy, as the contract's own "sign" action): no one
        # signs electronically through it.
        "/api/v1/amendments/{amendment_id}/signature",
    }
    assert [p for p in paths if "/signers/" in p] == ["/api/v1/signature-requests/{request_id}/signers/{signer_id}/resend"]
    # Also the URL patterns themselves, in case a route were hidden from the schema.
    api_patterns = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api")
    routes = [str(pattern.pattern) for pattern in api_patterns.url_patterns]
    for route in routes:
        assert not any(word in route for word in ("otp", "code", "confirm", "token")), route
        if "signers" in route:
            assert route.endswith("/resend"), route


FROZEN = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # keeps the token's last_used_at write out of the count


def add_requests(setup, by, count: int) -> None:
    for _n in range(count):
        request = services.create_request(setup["contract"], by=by, signers=[setup["ours"], setup["contact"]],
                                          deadline=DEADLINE)
        services.void(request, by=by, reason="改期")


def test_the_list_runs_the_same_queries_for_one_request_and_for_many(setup, sales_owner, api_as):
    client = api_as(sales_owner)
    url = create_url(setup["contract"])

    def queries(expect: int) -> int:
        with time_machine.travel(FROZEN, tick=False), CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200 and len(response.json()) == expect
        return len(captured)

    add_requests(setup, sales_owner, 1)
    client.get(url)  # the token's first use is written once
    one = queries(1)
    add_requests(setup, sales_owner, 4)
    assert queries(5) == one


def test_when_sending_fails_nothing_is_kept(setup, sales_owner, api_as):
    document = GeneratedDocument.objects.get(pk=setup["document"].pk)
    GeneratedDocument.objects.filter(pk=document.pk).update(pdf=bytes(document.pdf) + b"\n%changed\n")
    response = send(api_as(sales_owner), "post", create_url(setup["contract"]), body_for(setup))
    assert response.status_code == 409 and response.json()["code"] == "document_changed"
    assert not SignatureRequest.objects.exists() and not Signer.objects.exists()
    assert Contract.objects.get(pk=setup["contract"].pk).status == Contract.Status.APPROVED
