"""PAdES signatures with pyHanko: sign a PDF with a signer's identity (visible stamp, incremental update, time stamp
from the deployment's own time-stamping key) and verify every signature in a PDF against Hetong's CA.

pyHanko builds the ByteRange, the CMS and the time-stamp token; nothing here assembles them by hand.
"""

import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image
from pyhanko.pdf_utils import layout, text
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hetong.core.errors import InvalidInput
from hetong.documents.pdf import SANS

from . import pki
from .models import Authority, SigningIdentity

log = logging.getLogger(__name__)

STAMP_WIDTH, STAMP_HEIGHT, STAMP_GAP, STAMP_MARGIN = 170, 72, 10, 36

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


def _time_stamper(ca: Authority) -> DummyTimeStamper:
    # pyHanko's in-process TSA, signing with the deployment's own time-stamping key and certificate.
    return DummyTimeStamper(
        tsa_cert=_asn1_cert(ca.tsa_certificate_pem),
        tsa_key=_asn1_key(ca.tsa_key_encrypted),
        certs_to_embed=SimpleCertificateStore.from_certs([_asn1_cert(ca.ca_certificate_pem)]),
    )


def _validation_context(ca: Authority) -> ValidationContext:
    # Our certificates carry no CRL or OCSP address: revocation is soft-fail, and nothing is fetched.
    return ValidationContext(
        trust_roots=[_asn1_cert(ca.ca_certificate_pem)], allow_fetching=False, revocation_mode="soft-fail"
    )


@cache
def _font() -> GlyphAccumulatorFactory:
    return GlyphAccumulatorFactory(str(SANS), font_size=9)


def stamp_box(writer: IncrementalPdfFileWriter, page: int, index: int) -> tuple[int, int, int, int]:
    """Where the index-th signer's stamp goes: a row of stamps along the bottom of the page, then the row above."""
    page_ref = writer.find_page_for_modification(page)[0]
    x0, y0, x1, _y1 = (float(v) for v in page_ref.get_object()["/MediaBox"])
    per_row = max(1, int((x1 - x0 - 2 * STAMP_MARGIN + STAMP_GAP) // (STAMP_WIDTH + STAMP_GAP)))
    row, col = divmod(index, per_row)
    left = int(x0 + STAMP_MARGIN + col * (STAMP_WIDTH + STAMP_GAP))
    bottom = int(y0 + STAMP_MARGIN + row * (STAMP_HEIGHT + STAMP_GAP))
    return left, bottom, left + STAMP_WIDTH, bottom + STAMP_HEIGHT


def _stamp_style(stamp_image: bytes | None) -> TextStampStyle:
    background = None
    if stamp_image:
        try:
            image = Image.open(io.BytesIO(stamp_image))
            image.load()
        except Exception as exc:  # Pillow raises many kinds for a bad file
            raise InvalidInput(_("The signature or seal image could not be read. Upload a PNG image.")) from exc
        background = PdfImage(image.convert("RGBA") if image.mode not in ("RGB", "RGBA") else image)
    return TextStampStyle(
        stamp_text="%(lines)s\n%(ts)s",
        text_box_style=text.TextBoxStyle(font=_font(), leading=12),
        border_width=1,
        background=background,
        background_opacity=0.9,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(3),
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
) -> bytes:
    """`data` with one more PAdES B-T signature by `identity`, appended as an incremental update so earlier
    signatures stay valid. The visible stamp shows `stamp_lines`, the signing time and the optional image (a drawn
    signature or a company seal, PNG); without `box` it goes in the `index`-th slot along the page's bottom."""
    ca = pki.authority()
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
        stamp_style=_stamp_style(stamp_image),
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=box),
    )
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(
            writer, output=out,
            appearance_text_params={"lines": "\n".join(stamp_lines), "ts": now.strftime("%Y-%m-%d %H:%M:%S %Z")},
        )
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
