"""PAdES signatures with pyHanko: sign a PDF with a signer's identity (visible stamp, incremental update, time stamp
from the deployment's own time-stamping key) and verify every signature in a PDF against Hetong's CA.

pyHanko builds the ByteRange, the CMS and the time-stamp token; nothing here assembles them by hand.
"""

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass, field
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from asn1crypto import cms, core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, general, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError, simple_cms_attribute
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from hetong.core.errors import InvalidInput
from hetong.documents.pdf import SANS

from . import pki
from .models import Authority, SigningIdentity

log = logging.getLogger(__name__)

STAMP_WIDTH, STAMP_HEIGHT, STAMP_GAP, STAMP_MARGIN = 170, 72, 10, 36
SIGNATURE_BYTES = 16 * 1024

MODIFICATION_NAMES = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "signatures",  # validation data and document time stamps only
    ModificationLevel.FORM_FILLING: "form_filling",  # includes further signatures with their stamps
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}


@dataclass
class SignatureReport:
    field_name: str
    signer_name: str
    signer_email: str
    signing_time: dt.datetime | None  # as the signer's software claims it
    timestamp_time: dt.datetime | None  # from the time-stamp token, the trustworthy one
    intact: bool  # the signed bytes hash to the signed digest and the signature over it checks out
    valid: bool  # intact and the cryptography is sound
    trusted: bool  # the signer's certificate chains to Hetong's CA
    covers_whole_document: bool  # nothing was appended after this signature
    modification: str  # what was appended after it: a MODIFICATION_NAMES value
    modified_after_signing: bool  # changes beyond further signatures/form filling (or forbidden by the signer)
    reason: str = ""
    location: str = ""


@dataclass
class Report:
    document_sha256: str
    signatures: list[SignatureReport] = field(default_factory=list)

    @property
    def all_valid(self) -> bool:
        return bool(self.signatures) and all(
            s.intact and s.valid and s.trusted and not s.modified_after_signing for s in self.signatures
        )


# --- pyHanko glue -------------------------------------------------------------------------------------------------


def _asn1_cert(pem: str) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pki.load_certificate(pem).public_bytes(serialization.Encoding.DER))


def _asn1_key(blob: bytes) -> asn1_keys.PrivateKeyInfo:
    key = pki.decrypt_key(blob)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return asn1_keys.PrivateKeyInfo.load(der)


@lru_cache(maxsize=4)
def _tsa_key(blob: bytes, secret: str) -> tuple[asn1_keys.PrivateKeyInfo, RSAPrivateKey]:
    key = pki.decrypt_key(blob, secret=secret)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return asn1_keys.PrivateKeyInfo.load(der), key


class _TimeStamper(DummyTimeStamper):
    """pyHanko's in-process TSA, with the key loaded once per process: loading an RSA key checks it (about 70 ms
    for 3072 bits) and DummyTimeStamper loads it again for every time stamp. The rest is pyHanko's own."""

    def __init__(self, *, tsa_key_object: RSAPrivateKey, **kwargs):
        super().__init__(**kwargs)
        self._key = tsa_key_object

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: dt.datetime):
        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        signed_attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
            simple_cms_attribute("message_digest", md.finalize()),
        ])
        signature = self._key.sign(signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper()))
        return signature, signed_attrs


def _time_stamper(ca: Authority) -> DummyTimeStamper:
    # Signs with the deployment's own time-stamping key and certificate.
    key_info, key = _tsa_key(bytes(ca.tsa_key_encrypted), settings.SECRET_KEY)
    return _TimeStamper(
        tsa_cert=_asn1_cert(ca.tsa_certificate_pem),
        tsa_key=key_info,
        tsa_key_object=key,
        certs_to_embed=SimpleCertificateStore.from_certs([_asn1_cert(ca.ca_certificate_pem)]),
    )


def _validation_context(ca: Authority) -> ValidationContext:
    # Our certificates carry no CRL or OCSP address: revocation is soft-fail, and nothing is fetched.
    return ValidationContext(
        trust_roots=[_asn1_cert(ca.ca_certificate_pem)], allow_fetching=False, revocation_mode="soft-fail"
    )


def stamp_box(writer: IncrementalPdfFileWriter, page: int, index: int) -> tuple[int, int, int, int]:
    """Where the index-th signer's stamp goes: a row of stamps along the bottom of the page, then the row above."""
    page_ref = writer.find_page_for_modification(page)[0]
    x0, y0, x1, _y1 = (float(v) for v in page_ref.get_object()["/MediaBox"])
    per_row = max(1, int((x1 - x0 - 2 * STAMP_MARGIN + STAMP_GAP) // (STAMP_WIDTH + STAMP_GAP)))
    row, col = divmod(index, per_row)
    left = int(x0 + STAMP_MARGIN + col * (STAMP_WIDTH + STAMP_GAP))
    bottom = int(y0 + STAMP_MARGIN + row * (STAMP_HEIGHT + STAMP_GAP))
    return left, bottom, left + STAMP_WIDTH, bottom + STAMP_HEIGHT


STAMP_SCALE = 4  # stamp pixels per point: sharp when printed or zoomed in
STAMP_INK = (24, 54, 120, 255)


@cache
def _stamp_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(SANS), size)


def _read_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # Pillow raises many kinds for a bad file
        raise InvalidInput(_("The signature or seal image could not be read. Upload a PNG image.")) from exc
    return image.convert("RGBA")


def stamp_image(lines: list[str], picture: bytes | None, *, width: int, height: int) -> Image.Image:
    """The visible stamp as one image: the seal or drawn signature on the right, the lines (name, party, time) over
    it on the left, in Noto Sans SC, inside a thin frame. Drawn by FreeType here rather than as PDF text: a CJK font
    subset per signature costs pyHanko about a second, the image a few milliseconds; the signer's name and time are
    in the signature dictionary for software to read."""
    w, h = width * STAMP_SCALE, height * STAMP_SCALE
    canvas = Image.new("RGBA", (w, h), (255, 255, 255, 0))
    pad = 3 * STAMP_SCALE
    if picture:
        art = _read_image(picture)
        art.thumbnail((w - 2 * pad, h - 2 * pad), Image.Resampling.LANCZOS)
        faded = art.copy()
        faded.putalpha(art.getchannel("A").point(lambda a: a * 85 // 100))
        canvas.alpha_composite(faded, (w - pad - art.width, (h - art.height) // 2))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, w - 1, h - 1), outline=STAMP_INK, width=STAMP_SCALE)
    lines = [line for line in lines if line] or [""]
    size = 10 * STAMP_SCALE
    # As large as fits: every line within the width, all of them within the height.
    while size > 5 * STAMP_SCALE and (
        max(draw.textlength(line, font=_stamp_font(size)) for line in lines) > w - 2 * pad
        or len(lines) * size * 1.3 > h - 2 * pad
    ):
        size -= STAMP_SCALE // 2 or 1
    font, y = _stamp_font(size), pad
    for line in lines:
        draw.text((pad, y), line, font=font, fill=STAMP_INK)
        y += int(size * 1.3)
    return canvas


def _stamp_style(lines: list[str], picture: bytes | None, box: tuple[int, int, int, int]) -> StaticStampStyle:
    image = stamp_image(lines, picture, width=box[2] - box[0], height=box[3] - box[1])
    return StaticStampStyle(
        background=PdfImage(image), background_opacity=1.0, border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0), inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ),
    )


# --- signing ------------------------------------------------------------------------------------------------------


def sign_pdf(
    data: bytes,
    identity: SigningIdentity,
    *,
    field_name: str,
    stamp_lines: list[str],
    stamp_image: bytes | None = None,
    reason: str = "",
    location: str = "",
    page: int = -1,
    box: tuple[int, int, int, int] | None = None,
    index: int = 0,
    authority: Authority | None = None,
) -> bytes:
    """`data` with one more PAdES B-T signature by `identity`, appended as an incremental update so earlier
    signatures stay valid. The visible stamp shows `stamp_lines`, the signing time and the optional image (a drawn
    signature or a company seal, PNG); without `box` it goes in the `index`-th slot along the page's bottom.
    `authority` saves the look-up when the caller holds it (a worker process signing without the database)."""
    ca = authority or pki.authority()
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(identity.certificate_pem),
        signing_key=_asn1_key(identity.key_encrypted),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(ca.ca_certificate_pem)]),
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        box = box or stamp_box(writer, page, index)
    except Exception as exc:  # pyHanko's reader raises several kinds on a damaged file
        raise InvalidInput(_("This file is not a readable PDF document.")) from exc
    now = dt.datetime.now(ZoneInfo(settings.TIME_ZONE))
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=field_name, reason=reason or None, location=location or None, name=identity.name,
            md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        ),
        signer=signer,
        timestamper=_time_stamper(ca),
        stamp_style=_stamp_style([*stamp_lines, now.strftime("%Y-%m-%d %H:%M:%S %Z")], stamp_image, box),
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=box),
    )
    out = io.BytesIO()
    try:
        # The space for the signature is reserved up front: without it pyHanko signs and time-stamps twice, once
        # to measure. An EC P-256 signature with our chain and an RSA-3072 time-stamp token need about 5 kB.
        pdf_signer.sign_pdf(writer, output=out, bytes_reserved=SIGNATURE_BYTES)
    except SigningError as exc:
        raise InvalidInput(_("The document could not be signed: %(reason)s") % {"reason": exc}) from exc
    return out.getvalue()


# --- verification -------------------------------------------------------------------------------------------------


def _signer_facts(cert: asn1_x509.Certificate) -> tuple[str, str]:
    subject = cert.subject.native
    name = subject.get("common_name") or cert.subject.human_friendly
    email = subject.get("email_address") or ""
    return str(name), str(email)


def verify_pdf(data: bytes) -> Report:
    """Every signature in `data`, checked against the deployment's CA. Raises InvalidInput for a file that is not
    a readable PDF or carries no signature."""
    report = Report(document_sha256=hashlib.sha256(data).hexdigest())
    if not data.lstrip()[:5] == b"%PDF-":
        raise InvalidInput(_("This file is not a PDF document."), code="not_pdf")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = reader.embedded_signatures
    except Exception as exc:  # a damaged or truncated file fails in many ways inside the parser
        log.info("unreadable PDF for verification: %s", exc)
        raise InvalidInput(_("This PDF is damaged or incomplete and cannot be checked."), code="damaged_pdf") from exc
    if not embedded:
        raise InvalidInput(_("This PDF has no digital signatures."), code="no_signatures")
    context = _validation_context(pki.authority())
    for sig in embedded:
        try:
            status = validate_pdf_signature(sig, signer_validation_context=context, ts_validation_context=context)
        except Exception as exc:
            log.info("signature %s could not be validated: %s", sig.field_name, exc)
            raise InvalidInput(
                _("This PDF is damaged or incomplete and cannot be checked."), code="damaged_pdf"
            ) from exc
        level = status.modification_level
        name, email = _signer_facts(status.signing_cert)
        ts = status.timestamp_validity
        report.signatures.append(SignatureReport(
            field_name=sig.field_name or "",
            signer_name=name,
            signer_email=email,
            signing_time=status.signer_reported_dt,
            timestamp_time=ts.timestamp if ts is not None and ts.intact and ts.valid else None,
            intact=bool(status.intact),
            valid=bool(status.valid),
            trusted=bool(status.trusted),
            covers_whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            modification=MODIFICATION_NAMES.get(level, "other") if level is not None else "other",
            modified_after_signing=(
                status.coverage not in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
                or level is None or level > ModificationLevel.FORM_FILLING or status.docmdp_ok is False
            ),
            reason=str(sig.sig_object.get("/Reason", "")),
            location=str(sig.sig_object.get("/Location", "")),
        ))
    return report
