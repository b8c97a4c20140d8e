"""The staff pages of signature requests: the form that creates and sends one, the contract page's Signature card,
void, a new link, and the certificate of completion."""

import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hetong.contracts.models import Contract
from hetong.customers.services import add_contact
from hetong.documents.models import GeneratedDocument
from hetong.esign import services
from hetong.esign.models import SignatureRequest, Signer
from hetong.esign.services import LinkUnknown
from hetong.notifications.models import Notification

from .flow import DEADLINE, last_mail, sign_as, token_of


def _page(contract) -> str:
    return reverse("contracts:detail", args=[contract.pk])


def _form_url(contract) -> str:
    return reverse("esign:request_create", args=[contract.pk])


def _post_data(setup, **changes) -> dict:
    data = {"document": setup["document"].pk, "ours": setup["ours"].pk, "contacts": [setup["contact"].pk],
            "order": "sequential", "deadline": DEADLINE.isoformat(), "message": "请于十日内签署。"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _sent(setup, by, signers=None) -> SignatureRequest:
    draft = services.create_request(setup["contract"], by=by, signers=signers or [setup["ours"], setup["contact"]],
                                    deadline=DEADLINE)
    return services.send(draft, by=by)


def test_the_form_creates_and_sends_the_request(client, setup, sales_owner):
    client.force_login(sales_owner)
    page = client.get(_form_url(setup["contract"]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "li@example.cn" in body and "manager@example.com" in body
    assert f'value="{(dt.date.today() + dt.timedelta(days=14)).isoformat()}"' in body  # the default deadline

    response = client.post(_form_url(setup["contract"]), _post_data(setup))
    assert response.status_code == 302 and response.url == _page(setup["contract"]) + "#signature"
    assert Contract.objects.get(pk=setup["contract"].pk).status == Contract.Status.SIGNING
    request = SignatureRequest.objects.get()
    assert request.status == SignatureRequest.Status.SENT and request.message == "请于十日内签署。"
    ours, theirs = request.signers.order_by("position")
    assert (ours.user, theirs.contact) == (setup["ours"], setup["contact"])
    assert last_mail("manager@example.com") is not None and last_mail("li@example.cn") is None  # in turn


def test_the_customer_can_sign_first(client, setup, sales_owner):
    client.force_login(sales_owner)
    response = client.post(_form_url(setup["contract"]), _post_data(setup, customer_first="on"))
    assert response.status_code == 302
    first, second = SignatureRequest.objects.get().signers.order_by("position")
    assert first.side == Signer.Side.CUSTOMER and second.side == Signer.Side.OURS
    assert last_mail("li@example.cn") is not None and last_mail("manager@example.com") is None


@pytest.mark.parametrize("case", ["past_deadline", "no_signers", "foreign_contact", "unauthorised_user"])
def test_refused_input_gives_400_and_stores_nothing(client, setup, sales_owner, other_sales, viewer, make_customer,
                                                    case):
    if case == "past_deadline":
        data = _post_data(setup, deadline=(dt.date.today() - dt.timedelta(days=1)).isoformat())
    elif case == "no_signers":
        data = _post_data(setup, ours="", contacts=None)
    elif case == "foreign_contact":
        stranger = add_contact(make_customer(other_sales), by=other_sales,
                               data={"name": "王五", "email": "w@example.cn", "is_signatory": True})
        data = _post_data(setup, contacts=[stranger.pk])
    else:
        data = _post_data(setup, ours=viewer.pk)
    client.force_login(sales_owner)
    response = client.post(_form_url(setup["contract"]), data)
    assert response.status_code == 400
    assert b"invalid-feedback" in response.content or b"alert-danger" in response.content
    assert not SignatureRequest.objects.exists() and not Signer.objects.exists()
    assert Contract.objects.get(pk=setup["contract"].pk).status == Contract.Status.APPROVED


def test_a_draft_that_could_not_be_sent_stays_and_can_be_sent_later(client, setup, sales_owner):
    document = GeneratedDocument.objects.get(pk=setup["document"].pk)
    good = bytes(document.pdf)
    GeneratedDocument.objects.filter(pk=document.pk).update(pdf=good + b"\n%changed\n")
    client.force_login(sales_owner)
    response = client.post(_form_url(setup["contract"]), _post_data(setup))
    assert response.status_code == 409
    assert "saved as a draft but not sent" in response.content.decode()
    draft = SignatureRequest.objects.get()
    assert draft.status == SignatureRequest.Status.DRAFT
    assert reverse("esign:request_send", args=[draft.pk]).encode() in response.content  # the card offers "Send"

    GeneratedDocument.objects.filter(pk=document.pk).update(pdf=good)
    response = client.post(reverse("esign:request_send", args=[draft.pk]))
    assert response.status_code == 302
    assert SignatureRequest.objects.get().status == SignatureRequest.Status.SENT
    assert last_mail("manager@example.com") is not None


def test_the_card_shows_each_signer_and_its_status(client, setup, sales_owner):
    request = _sent(setup, sales_owner)
    client.force_login(sales_owner)
    body = client.get(_page(setup["contract"])).content.decode()
    assert 'id="signature"' in body and "Out for signature" in body
    assert "manager@example.com" in body and "li@example.cn" in body
    assert "Link sent" in body and "Waiting for earlier signers" in body
    ours = request.signers.get(position=1)
    assert reverse("esign:signer_resend", args=[request.pk, ours.pk]) in body  # only the signer whose turn it is
    assert reverse("esign:signer_resend", args=[request.pk, request.signers.get(position=2).pk]) not in body
    assert reverse("esign:request_void", args=[request.pk]) in body
    assert f'href="{_form_url(setup["contract"])}"' not in body  # one request at a time
    assert reverse("esign:verify") in body


def test_void_needs_a_reason(client, setup, sales_owner):
    request = _sent(setup, sales_owner)
    token = token_of(request.signers.get(position=1))
    client.force_login(sales_owner)
    response = client.post(reverse("esign:request_void", args=[request.pk]), {"reason": "  "})
    assert response.status_code == 400 and "Give a reason" in response.content.decode()
    assert SignatureRequest.objects.get().status == SignatureRequest.Status.SENT

    response = client.post(reverse("esign:request_void", args=[request.pk]), {"reason": "条款需修改"})
    assert response.status_code == 302
    assert SignatureRequest.objects.get().status == SignatureRequest.Status.VOIDED
    body = client.get(_page(setup["contract"])).content.decode()
    assert "条款需修改" in body and "Voided" in body
    assert f'href="{_form_url(setup["contract"])}"' in body  # a new request may go out
    with pytest.raises(services.Gone):
        services.open_link(token, "s1")


def test_void_and_send_are_post_only(client, setup, sales_owner):
    request = _sent(setup, sales_owner)
    client.force_login(sales_owner)
    assert client.get(reverse("esign:request_void", args=[request.pk])).status_code == 405
    assert client.get(reverse("esign:request_send", args=[request.pk])).status_code == 405


def test_resend_kills_the_old_link(client, setup, sales_owner):
    request = _sent(setup, sales_owner)
    ours = request.signers.get(position=1)
    old = token_of(ours)
    client.force_login(sales_owner)
    response = client.post(reverse("esign:signer_resend", args=[request.pk, ours.pk]))
    assert response.status_code == 302
    new = token_of(ours)
    assert new != old
    with pytest.raises(LinkUnknown):
        services.open_link(old, "s1")
    assert services.open_link(new, "s1").pk == ours.pk
    # The signer still waiting for their turn cannot be sent a link.
    theirs = request.signers.get(position=2)
    response = client.post(reverse("esign:signer_resend", args=[request.pk, theirs.pk]))
    assert response.status_code == 409 and last_mail(theirs.email) is None


def test_certificate_download_and_tampering(client, setup, sales_owner, admin):
    request = _sent(setup, sales_owner)
    for signer in request.signers.order_by("position"):
        sign_as(signer, f"session-{signer.pk}")
    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.COMPLETED
    client.force_login(sales_owner)
    url = reverse("esign:request_certificate", args=[request.pk])
    assert url in client.get(_page(setup["contract"])).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response.content == bytes(request.certificate_pdf)
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    number = setup["contract"].number
    assert "attachment" in response["Content-Disposition"] and f"{number}-certificate.pdf" in response["Content-Disposition"]

    SignatureRequest.objects.filter(pk=request.pk).update(certificate_pdf=bytes(request.certificate_pdf) + b"%x")
    response = client.get(url)
    assert response.status_code == 409 and b"application/pdf" not in response["Content-Type"].encode()
    assert "Administrators have been alerted" in response.content.decode()
    alert = Notification.objects.get(user=admin, kind=Notification.Kind.SYSTEM)
    assert request.certificate_sha256 in alert.body
    assert hashlib.sha256(bytes(SignatureRequest.objects.get().certificate_pdf)).hexdigest() != request.certificate_sha256


def test_no_certificate_before_completion(client, setup, sales_owner):
    request = _sent(setup, sales_owner)
    client.force_login(sales_owner)
    assert client.get(reverse("esign:request_certificate", args=[request.pk])).status_code == 404


def test_other_sales_sees_nothing_and_viewer_may_not_act(client, setup, sales_owner, other_sales, viewer):
    request = _sent(setup, sales_owner)
    ours = request.signers.get(position=1)
    urls = [reverse("esign:request_void", args=[request.pk]), reverse("esign:request_send", args=[request.pk]),
            reverse("esign:signer_resend", args=[request.pk, ours.pk])]
    client.force_login(other_sales)
    assert client.get(_form_url(setup["contract"])).status_code == 404
    assert client.get(reverse("esign:request_certificate", args=[request.pk])).status_code == 404
    for url in urls:
        assert client.post(url, {"reason": "x"}).status_code == 404

    client.force_login(viewer)
    assert client.get(_page(setup["contract"])).status_code == 200  # the viewer sees the contract...
    body = client.get(_page(setup["contract"])).content.decode()
    assert "manager@example.com" in body and f'href="{_form_url(setup["contract"])}"' not in body
    assert reverse("esign:request_void", args=[request.pk]) not in body  # ...but no buttons
    assert client.get(_form_url(setup["contract"])).status_code == 403
    assert client.post(_form_url(setup["contract"]), _post_data(setup)).status_code == 403
    for url in urls:
        assert client.post(url, {"reason": "x"}).status_code == 403
    assert SignatureRequest.objects.get().status == SignatureRequest.Status.SENT


def test_form_for_a_contract_not_approved_is_refused(client, sales_owner, make_customer, make_contract):
    contract = make_contract(sales_owner, make_customer(sales_owner))
    client.force_login(sales_owner)
    response = client.get(_form_url(contract))
    assert response.status_code == 409
    assert f'href="{_form_url(contract)}"' not in response.content.decode()


def test_the_contract_page_queries_do_not_grow_with_signers(client, setup, sales_owner, manager, legal):
    client.force_login(sales_owner)
    contract = setup["contract"]

    one = _sent(setup, sales_owner, signers=[setup["contact"]])
    client.get(_page(contract))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(_page(contract)).status_code == 200
    services.void(one, by=sales_owner, reason="改为三人签署")

    second = add_contact(contract.customer, by=sales_owner, data={"name": "张三", "email": "zhang@example.cn",
                                                                  "is_signatory": True})
    _sent(setup, sales_owner, signers=[manager, setup["contact"], second])
    client.get(_page(contract))
    with CaptureQueriesContext(connection) as large:
        body = client.get(_page(contract)).content.decode()
    assert "zhang@example.cn" in body and body.count("signer-row") == 4  # 1 + 3 signers on the card
    assert len(large.captured_queries) == len(small.captured_queries)
