"""The signer's pages over HTTP: each test client is one browser session, reached only by the emailed link."""

import base64
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from hetong.contracts.models import Contract
from hetong.documents.models import GeneratedDocument
from hetong.esign import pades, services
from hetong.esign.models import SignatureRequest, Signer
from hetong.esign.tests.flow import code_of, make_request, token_of

pytestmark = pytest.mark.django_db


def url(name: str, token: str) -> str:
    return reverse(f"esign:{name}", args=[token])


def drawing(size=(600, 200), *, ink=True, fmt="PNG") -> bytes:
    image = Image.new("RGBA" if fmt == "PNG" else "RGB", size, (0, 0, 0, 0) if fmt == "PNG" else (255, 255, 255))
    if ink:
        ImageDraw.Draw(image).line([(20, 150), (120, 40), (260, 160), (420, 50)], fill=(20, 30, 100, 255), width=4)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def confirm(client: Client, signer: Signer) -> str:
    """Open the link, ask for a code and confirm it in this browser; returns the link's token."""
    token = token_of(signer)
    assert client.get(url("open", token)).status_code == 200
    assert client.post(url("send_code", token)).status_code == 302
    response = client.post(url("confirm", token), {"code": code_of(signer)})
    assert response.status_code == 302 and response.url == url("open", token)
    return token


def refused(response, status: int):
    assert response.status_code == status
    assert "esign/sign_refused.html" in [t.name for t in response.templates]
    return response


@pytest.fixture
def sent(setup, sales_owner):
    request = make_request(setup, sales_owner)
    ours, theirs = request.signers.order_by("position")
    return request, ours, theirs


def test_two_signers_sign_through_their_links_and_the_contract_is_signed(setup, sales_owner):
    request = make_request(setup, sales_owner)
    ours, theirs = request.signers.order_by("position")
    browser = Client()
    token = confirm(browser, ours)

    page = browser.get(url("open", token))
    assert page.status_code == 200
    # same-origin, not no-referrer: under no-referrer browsers send "Origin: null" and the CSRF check fails.
    assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert '<html lang="zh-hans">' in html  # the default language for a visitor without preferences
    for text in (setup["contract"].number, "华运物流年度运输服务合同", "请于十日内签署。", ours.name):
        assert text in html
    assert url("document", token) in html and 'name="consent"' in html and "<script>" not in html

    pdf = browser.get(url("document", token))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(GeneratedDocument.objects.get(pk=setup["document"].pk).pdf)
    assert pdf["X-Content-Type-Options"] == "nosniff" and pdf["Cache-Control"] == "private, no-store"
    assert pdf["Referrer-Policy"] == "no-referrer"
    assert pdf["X-Frame-Options"] == "SAMEORIGIN" and "frame-ancestors 'self'" in pdf["Content-Security-Policy"]
    image = browser.get(url("document", token) + "?page=1")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    refused(browser.get(url("document", token) + "?page=99"), 404)

    response = browser.post(url("sign", token), {"method": "draw", "drawn": data_url(drawing()), "consent": "on"})
    assert response.status_code == 302 and response.url == reverse("esign:done")
    done = browser.get(response.url)
    assert done.status_code == 200 and "华运物流年度运输服务合同" in done.content.decode()
    refused(browser.get(url("open", token)), 410)  # the used link

    # The customer, in their own browser, reads the PDF our side signed and signs with a typed name.
    customer = Client()
    theirs_token = confirm(customer, theirs)
    after_ours = customer.get(url("document", theirs_token))
    assert after_ours.status_code == 200
    assert after_ours.content == bytes(SignatureRequest.objects.get(pk=request.pk).signed_pdf)
    response = customer.post(url("sign", theirs_token), {"method": "type", "typed_name": "李总", "consent": "on"})
    assert response.status_code == 302

    request.refresh_from_db()
    assert request.status == SignatureRequest.Status.COMPLETED
    assert len(pades.verify_pdf(bytes(request.signed_pdf)).signatures) == 2
    assert Contract.objects.get(pk=setup["contract"].pk).status in (Contract.Status.SIGNED, Contract.Status.ACTIVE)
    signed = Signer.objects.get(pk=theirs.pk)
    assert signed.ip == "127.0.0.1" and signed.status == Signer.Status.SIGNED
    refused(customer.get(url("open", theirs_token)), 410)
    refused(customer.post(url("sign", theirs_token), {"method": "type", "typed_name": "李总", "consent": "on"}), 410)


def test_an_unknown_link_is_404_and_says_nothing_more(client):
    response = refused(client.get(url("open", "not-a-real-token")), 404)
    assert response["Referrer-Policy"] == "same-origin" and "no-store" in response["Cache-Control"]
    refused(client.post(url("send_code", "not-a-real-token")), 404)
    refused(client.get(url("document", "not-a-real-token")), 404)


def test_expired_and_voided_links_are_gone(sent, sales_owner, client):
    request, ours, _theirs = sent
    token = token_of(ours)
    Signer.objects.filter(pk=ours.pk).update(token_expires_at=timezone.now() - dt.timedelta(seconds=1))
    refused(client.get(url("open", token)), 410)
    Signer.objects.filter(pk=ours.pk).update(token_expires_at=timezone.now() + dt.timedelta(days=1))
    assert client.get(url("open", token)).status_code == 200
    services.void(request, by=sales_owner, reason="条款需修改")
    refused(client.get(url("open", token)), 410)
    refused(client.post(url("send_code", token)), 410)


def test_an_expired_request_refuses_its_link(sent, client):
    _request, ours, _theirs = sent
    token = token_of(ours)
    assert services.expire_due(timezone.now() + dt.timedelta(days=12)) == 1
    response = refused(client.get(url("open", token)), 410)
    assert "此签署请求已过期。" in response.content.decode()  # the service's reason, in the default zh-Hans


def test_a_changed_partly_signed_pdf_is_refused_to_the_next_signer(sent):
    request, ours, theirs = sent
    first = Client()
    token = confirm(first, ours)
    assert first.post(url("sign", token), {"method": "type", "typed_name": "王经理", "consent": "on"}).status_code == 302
    second = Client()
    theirs_token = confirm(second, theirs)
    signed = bytes(SignatureRequest.objects.get(pk=request.pk).signed_pdf)
    SignatureRequest.objects.filter(pk=request.pk).update(signed_pdf=signed + b"\n%tampered\n")
    refused(second.get(url("document", theirs_token)), 409)
    refused(second.get(url("open", theirs_token)), 409)


def test_another_browser_after_confirmation_is_refused(sent, client):
    _request, ours, _theirs = sent
    token = confirm(client, ours)
    other = Client()
    refused(other.get(url("open", token)), 403)
    refused(other.get(url("document", token)), 403)
    refused(other.post(url("sign", token), {"method": "type", "typed_name": "x", "consent": "on"}), 403)
    assert Signer.objects.get(pk=ours.pk).status != Signer.Status.SIGNED
    assert client.get(url("open", token)).status_code == 200


def test_staff_even_admin_cannot_sign_the_customers_link_without_the_code(setup, sales_owner, admin):
    request = make_request(setup, sales_owner, order="parallel")
    theirs = request.signers.get(position=2)
    token = token_of(theirs)
    staff = Client()
    staff.force_login(admin)
    page = staff.get(url("open", token))
    assert page.status_code == 200 and 'name="consent"' not in page.content.decode()
    refused(staff.get(url("document", token)), 403)
    refused(staff.post(url("sign", token), {"method": "type", "typed_name": "李总", "consent": "on"}), 403)
    customer = Client()
    confirm(customer, theirs)
    refused(staff.get(url("open", token)), 403)  # confirmed in the customer's browser
    assert Signer.objects.get(pk=theirs.pk).status != Signer.Status.SIGNED
    assert SignatureRequest.objects.get(pk=request.pk).signed_pdf is None


def test_a_changed_document_is_refused(sent, setup, client):
    _request, ours, _theirs = sent
    token = confirm(client, ours)
    data = bytes(GeneratedDocument.objects.get(pk=setup["document"].pk).pdf)
    GeneratedDocument.objects.filter(pk=setup["document"].pk).update(pdf=data + b"\n%tampered\n")
    refused(client.get(url("open", token)), 409)
    refused(client.get(url("document", token)), 409)
    refused(client.post(url("sign", token), {"method": "type", "typed_name": "x", "consent": "on"}), 409)


def test_codes_are_throttled_and_wrong_codes_lock_the_link(sent, client):
    _request, ours, _theirs = sent
    token = token_of(ours)
    client.get(url("open", token))
    assert client.post(url("send_code", token)).status_code == 302
    response = refused(client.post(url("send_code", token)), 429)
    assert url("open", token) in response.content.decode()  # a way back
    right = code_of(ours)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _n in range(4):
        response = client.post(url("confirm", token), {"code": wrong})
        assert response.status_code == 400 and "esign/sign_page.html" in [t.name for t in response.templates]
        assert response.context["code_form"].errors["code"]
    assert client.post(url("confirm", token), {"code": "12"}).status_code == 400  # not six digits: not counted
    refused(client.post(url("confirm", token), {"code": wrong}), 403)
    refused(client.post(url("confirm", token), {"code": right}), 403)  # locked
    assert Signer.objects.get(pk=ours.pk).session_key_bound == ""


def test_the_document_is_only_served_to_the_confirmed_browser(sent, client):
    _request, ours, _theirs = sent
    token = token_of(ours)
    assert client.get(url("open", token)).status_code == 200
    refused(client.get(url("document", token)), 403)
    refused(client.post(url("sign", token), {"method": "type", "typed_name": "x", "consent": "on"}), 403)


@pytest.mark.parametrize("drawn", [
    "",
    "not a data url",
    "data:image/png;base64,%%%notbase64",
    data_url(b"GIF89a" + b"\0" * 100),
    data_url(drawing(fmt="JPEG")),
    data_url(drawing(ink=False)),  # blank
    data_url(drawing(size=(2400, 200))),  # too wide
    "data:image/png;base64," + "A" * 500_000,  # too large
])
def test_a_drawn_signature_must_be_a_small_png_with_ink(sent, client, drawn):
    request, ours, _theirs = sent
    token = confirm(client, ours)
    response = client.post(url("sign", token), {"method": "draw", "drawn": drawn, "consent": "on"})
    assert response.status_code == 400 and response.context["sign_form"].errors["drawn"]
    assert Signer.objects.get(pk=ours.pk).status != Signer.Status.SIGNED
    assert SignatureRequest.objects.get(pk=request.pk).signed_pdf is None


def test_signing_needs_consent_and_the_customer_cannot_use_the_seal(setup, sales_owner, entity):
    request = make_request(setup, sales_owner, order="parallel")
    ours, theirs = request.signers.order_by("position")
    browser = Client()
    token = confirm(browser, ours)
    response = browser.post(url("sign", token), {"method": "draw", "drawn": data_url(drawing())})
    assert response.status_code == 400 and response.context["sign_form"].errors["consent"]
    response = browser.post(url("sign", token), {"method": "seal", "consent": "on"})  # no seal on file
    assert response.status_code == 400 and response.context["sign_form"].errors["method"]

    customer = Client()
    theirs_token = confirm(customer, theirs)
    type(entity).objects.filter(pk=entity.pk).update(seal=drawing((200, 200)))
    assert 'value="seal"' not in customer.get(url("open", theirs_token)).content.decode()
    response = customer.post(url("sign", theirs_token), {"method": "seal", "consent": "on"})
    assert response.status_code == 400
    assert response.context["sign_form"].errors["method"]
    assert Signer.objects.get(pk=theirs.pk).status != Signer.Status.SIGNED

    # Our side, with a seal now on file, is offered it and signs with it.
    assert 'value="seal"' in browser.get(url("open", token)).content.decode()
    assert browser.post(url("sign", token), {"method": "seal", "consent": "on"}).status_code == 302
    assert Signer.objects.get(pk=ours.pk).status == Signer.Status.SIGNED


def test_the_language_switch_returns_to_the_link(sent, client):
    _request, ours, _theirs = sent
    token = token_of(ours)
    response = client.post(reverse("accounts:language"), {"language": "en", "next": url("open", token)})
    assert response.status_code == 302 and response.url == url("open", token)
    assert '<html lang="en">' in client.get(url("open", token)).content.decode()


def test_the_forms_pass_the_csrf_check_of_a_real_browser(sent):
    _request, ours, _theirs = sent
    token = token_of(ours)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url("open", token))
    csrf = page.cookies["csrftoken"].value
    # A browser sends its Origin with a POST; the page's referrer policy must not turn it into "null".
    assert page["Referrer-Policy"] != "no-referrer"
    response = browser.post(url("send_code", token), {"csrfmiddlewaretoken": csrf}, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 302
    assert browser.post(url("send_code", token), {}, HTTP_ORIGIN="http://testserver").status_code == 403
