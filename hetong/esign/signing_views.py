"""The signer's pages: reached by the emailed link, without an account.

The link's token is in the URL, so these pages are never cached and never send it to another site (referrer same-origin). Every rule (who may open,
confirm, read and sign) is the service's; a refusal becomes one page with the error's status, never a 500, and
says nothing about other links.
"""

import base64
import binascii
import io
from functools import wraps

import pypdfium2
from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST, require_safe
from PIL import Image, UnidentifiedImageError

from hetong.core.errors import DomainError, InvalidInput, PermissionDenied
from hetong.core.forms import StyledFormMixin
from hetong.core.http import client_ip

from . import services
from .models import Signer

DRAWN_MAX_BYTES = 300 * 1024
DRAWN_MAX_SIZE = (2000, 1000)
DRAWN_PREFIX = "data:image/png;base64,"
PAGE_IMAGES_MAX = 30  # a longer document is read in the PDF viewer
PAGE_IMAGE_WIDTH = 1000
DONE_KEY = "esign_done"

REFUSALS = {  # status -> (title, what to do)
    404: (gettext_lazy("This link is not valid"),
          gettext_lazy("Open the latest signing email you received and use its link, or ask the sender to send "
                       "you a new one.")),
    410: (gettext_lazy("This link can no longer be used"),
          gettext_lazy("If you still need to sign, ask the sender for a new link.")),
    403: (gettext_lazy("You cannot continue here"),
          gettext_lazy("Continue in the browser where you confirmed the code, or ask the sender for a new link.")),
    409: (gettext_lazy("The document has changed"),
          gettext_lazy("Do not sign it. Contact the sender: they need to send the new version for signature.")),
    429: (gettext_lazy("Please wait a moment"),
          gettext_lazy("Wait a minute, then go back and ask for a code again.")),
}
ALREADY_SIGNED = gettext_lazy("Nothing more is needed from you. The sender will share the signed contract.")


# --- forms -------------------------------------------------------------------------------------------------------

class CodeForm(StyledFormMixin, forms.Form):
    code = forms.CharField(
        label=gettext_lazy("One-time code"), max_length=6, min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
    )


def drawn_png(value: str) -> bytes:
    """The drawing as a clean PNG: a PNG data URL, small, not blank, re-encoded so only pixels pass on."""
    invalid = forms.ValidationError(_("The drawing could not be read. Clear it and draw your signature again."))
    if not value.startswith(DRAWN_PREFIX) or len(value) > len(DRAWN_PREFIX) + DRAWN_MAX_BYTES * 4 // 3 + 4:
        raise invalid if not value.startswith(DRAWN_PREFIX) else forms.ValidationError(_("The drawing is too large."))
    try:
        data = base64.b64decode(value[len(DRAWN_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise invalid from None
    if len(data) > DRAWN_MAX_BYTES:
        raise forms.ValidationError(_("The drawing is too large."))
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise invalid
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise invalid
            if image.width > DRAWN_MAX_SIZE[0] or image.height > DRAWN_MAX_SIZE[1]:
                raise forms.ValidationError(_("The drawing is too large."))
            image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
        raise invalid from None
    box = image.getchannel("A").point(lambda alpha: 255 if alpha > 16 else 0).getbbox()
    if box is None or (box[2] - box[0] < 10 and box[3] - box[1] < 10):
        raise forms.ValidationError(_("Draw your signature in the box first."))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class SignForm(StyledFormMixin, forms.Form):
    DRAW, TYPE, SEAL = "draw", "type", "seal"

    # The seal is a valid choice for everyone so that asking for it without the right gets a clear refusal;
    # the page offers it only to our side when a seal is on file.
    method = forms.ChoiceField(label=gettext_lazy("How do you sign?"), widget=forms.RadioSelect, choices=[
        (DRAW, gettext_lazy("Draw my signature")), (TYPE, gettext_lazy("Type my name")),
        (SEAL, gettext_lazy("Apply the company seal"))])
    drawn = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    typed_name = forms.CharField(label=gettext_lazy("Your name"), required=False, max_length=100)
    consent = forms.BooleanField(
        label=gettext_lazy("I have read the document and agree to sign it electronically."),
        error_messages={"required": gettext_lazy("Tick this box to confirm that you have read the document and "
                                                 "agree to sign it.")})

    def __init__(self, *args, signer: Signer, **kwargs):
        super().__init__(*args, **kwargs)
        self.ours = signer.side == Signer.Side.OURS
        self.seal = self.ours and services.company_seal(signer.request.contract) is not None
        self.fields["typed_name"].widget.attrs["placeholder"] = signer.name

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if method == self.DRAW:
            try:
                data["drawn_png"] = drawn_png(data.get("drawn") or "")
            except forms.ValidationError as exc:
                self.add_error("drawn", exc)
        elif method == self.SEAL and not self.seal:
            self.add_error("method", _("No company seal is on file.") if self.ours
                           else _("Only our side signs with the company seal."))
        elif method == self.TYPE and not (data.get("typed_name") or "").strip():
            self.add_error("typed_name", _("Type your name."))
        return data


# --- helpers -----------------------------------------------------------------------------------------------------

def _private(response, *, referrer: str = "same-origin"):
    """The token is in the URL: no cache may keep these pages, and no other site may see the URL as a referrer.
    Pages with forms say same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with
    every POST and Django's CSRF check refuses it."""
    response["Cache-Control"] = "private, no-store"
    response.headers.setdefault("Referrer-Policy", referrer)
    return response


def _session_key(request) -> str:
    """This browser's session key; an anonymous visitor gets a session now, so a code can be bound to it."""
    if not request.session.session_key:
        request.session["esign"] = True
        request.session.save()
    return request.session.session_key


def _refused(request, exc: DomainError, *, token: str = ""):
    status = exc.status if exc.status in REFUSALS else 400
    title, advice = REFUSALS.get(status, (_("This cannot be done"), REFUSALS[404][1]))
    if exc.code == "already_signed":
        title, advice = _("Already signed"), ALREADY_SIGNED
    page = reverse("esign:open", args=[token]) if token else ""
    return _private(render(request, "esign/sign_refused.html", {
        "title": title, "message": exc.message, "advice": advice, "back": page if status == 429 else "",
        "next_url": page, "status": status, "already_signed": exc.code == "already_signed",
    }, status=status))


def _refusals(view):
    """A refused link renders its page with the error's status."""
    @wraps(view)
    def wrapped(request, token: str, *args, **kwargs):
        try:
            return _private(view(request, token, *args, **kwargs))
        except DomainError as exc:
            return _refused(request, exc, token=token)
    return wrapped


def _confirmed(request, token: str) -> Signer:
    """The signer, only for the browser session that confirmed the code."""
    key = _session_key(request)
    signer = services.open_link(token, key)
    if signer.session_key_bound != key:
        raise PermissionDenied(_("Confirm the one-time code first."), code="not_confirmed")
    return signer


def _page_count(data: bytes) -> int:
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return 0
    try:
        return len(pdf)
    finally:
        pdf.close()


def _page_png(data: bytes, number: int) -> bytes | None:
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    try:
        if not 1 <= number <= min(len(pdf), PAGE_IMAGES_MAX):
            return None
        page = pdf[number - 1]
        # A page as wide as a phone screen needs, and never a giant bitmap from an odd page size.
        scale = min(PAGE_IMAGE_WIDTH / page.get_width(), 2 * PAGE_IMAGE_WIDTH / page.get_height())
        bitmap = page.render(scale=scale)
        out = io.BytesIO()
        bitmap.to_pil().save(out, format="PNG", optimize=True)
        return out.getvalue()
    except pypdfium2.PdfiumError:
        return None
    finally:
        pdf.close()


def _mask(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else email


def _page(request, token: str, signer: Signer, *, code_form=None, sign_form=None, status=200):
    key = request.session.session_key
    confirmed = bool(key) and signer.session_key_bound == key
    contract = signer.request.contract
    context = {
        "token": token, "signer": signer, "request_": signer.request, "contract": contract,
        "subject": services.subject_of(signer.request),
        "confirmed": confirmed, "masked_email": _mask(signer.email),
        # The link's own end only when it comes before the end of the deadline day (a resent link, say).
        "link_until": signer.token_expires_at if services.link_expires_early(signer) else None,
        "code_form": code_form or CodeForm(), "next_url": reverse("esign:open", args=[token]),
    }
    if confirmed:
        context["sign_form"] = sign_form or SignForm(signer=signer, initial={"method": SignForm.DRAW})
        context["pages"] = range(1, min(_page_count(services.pdf_to_sign(signer.request)), PAGE_IMAGES_MAX) + 1)
    return render(request, "esign/sign_page.html", context, status=status)


# --- views -------------------------------------------------------------------------------------------------------

@require_safe
def done(request):
    return _private(render(request, "esign/sign_done.html", {"done": request.session.get(DONE_KEY)}))


@require_safe
@_refusals
def open_link(request, token: str):
    signer = services.open_link(token, _session_key(request))
    return _page(request, token, signer)


@require_POST
@_refusals
def send_code(request, token: str):
    key = _session_key(request)
    signer = services.open_link(token, key)
    services.send_code(signer, key)
    messages.success(request, _("We sent a one-time code to %(email)s. It is valid for %(minutes)d minutes.")
                     % {"email": _mask(signer.email), "minutes": services.OTP_MINUTES})
    return redirect("esign:open", token=token)


@require_POST
@_refusals
def confirm(request, token: str):
    key = _session_key(request)
    signer = services.open_link(token, key)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_code(signer, form.cleaned_data["code"], key)
            return redirect("esign:open", token=token)
        except InvalidInput as exc:
            form.add_error("code", exc.message)
    return _page(request, token, signer, code_form=form, status=400)


@require_safe
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"], "object-src": ["'self'"]})
@_refusals
def document(request, token: str):
    signer = _confirmed(request, token)
    data = services.pdf_to_sign(signer.request)
    if "page" in request.GET:  # one page as an image, for reading on a phone
        try:
            image = _page_png(data, int(request.GET["page"]))
        except ValueError:
            image = None
        if image is None:
            raise services.LinkUnknown(_("There is no such page."), code="no_page")
        response = HttpResponse(image, content_type="image/png")
    else:
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            "download" in request.GET, f"{services.subject_of(signer.request)[0]}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response, referrer="no-referrer")  # no form here; a link inside the PDF passes nothing on


@require_POST
@_refusals
def sign(request, token: str):
    signer = _confirmed(request, token)
    number, title = services.subject_of(signer.request)
    form = SignForm(request.POST, signer=signer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            signer = services.sign(
                signer, session_key=request.session.session_key, ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
                drawn_png=data.get("drawn_png") if data["method"] == SignForm.DRAW else None,
                typed_name=data["typed_name"] if data["method"] == SignForm.TYPE else None,
                use_seal=data["method"] == SignForm.SEAL,
            )
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            request.session[DONE_KEY] = {"number": number, "title": title,
                                         "completed": signer.request.status == signer.request.Status.COMPLETED}
            return redirect("esign:done")
    return _page(request, token, signer, sign_form=form, status=400)
