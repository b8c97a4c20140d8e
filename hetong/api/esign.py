"""Signatures: verify a signed PDF against this deployment's CA, and fetch that CA's certificate for a trust store."""

import datetime as dt

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Router, Schema

from hetong.core.errors import InvalidInput
from hetong.esign import pki, verification

from .errors import errors

router = Router(tags=["signatures"])

PDF_BODY = {"schema": {"type": "string", "format": "binary"}}


class SignatureOut(Schema):
    field_name: str
    signer_name: str
    signer_email: str
    signing_time: dt.datetime | None
    timestamp_time: dt.datetime | None
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_document: bool
    modification: str
    modified_after_signing: bool
    reason: str
    location: str


class VerificationOut(Schema):
    document_sha256: str
    all_valid: bool
    verdict: str
    signatures: list[SignatureOut]


def _read_pdf(request) -> bytes:
    """The PDF from a multipart `file` or the raw body. The raw body is read from the stream, not request.body,
    so a 20 MB PDF is not refused by DATA_UPLOAD_MAX_MEMORY_SIZE; one byte over the limit is enough to refuse."""
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(_("Send the PDF as the request body or as the multipart field `file`."), code="empty")
        if upload.size > verification.MAX_PDF_BYTES:
            raise verification.too_large()
        return b"".join(upload.chunks())
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > verification.MAX_PDF_BYTES:
        raise verification.too_large()
    return request.read(verification.MAX_PDF_BYTES + 1)


@router.post(
    "/signatures/verify",
    response={200: VerificationOut, **errors(400, 401)},
    description="Check every signature in a PDF against this system's signing authority. Send the PDF as the raw "
    "body (`Content-Type: application/pdf`) or as the multipart field `file`; up to 20 MB; nothing is stored. "
    "400 `empty`, `too_large`, `not_pdf`, `damaged_pdf` or `no_signatures` for a file that cannot be checked.",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/pdf": PDF_BODY,
        "multipart/form-data": {"schema": {"type": "object", "properties": {"file": PDF_BODY}, "required": ["file"]}},
    }}},
)
def verify_signatures(request):
    report = verification.verify(_read_pdf(request))
    _level, verdict = verification.verdict(report)
    return {
        "document_sha256": report.document_sha256,
        "all_valid": report.all_valid,
        "verdict": verdict,
        "signatures": report.signatures,
    }


@router.get(
    "/signatures/ca-certificate",
    response={**errors(401)},
    description="The CA certificate (PEM) that issues the signers' certificates; add it to a PDF reader's or an "
    "operating system's trusted certificates to see our signatures as trusted there.",
    openapi_extra={"responses": {200: {"description": "The CA certificate.", "content": {
        "application/x-pem-file": {"schema": {"type": "string"}},
    }}}},
)
def ca_certificate(request):
    response = HttpResponse(pki.ca_certificate_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = content_disposition_header(True, "hetong-signing-ca.pem")
    response["X-Content-Type-Options"] = "nosniff"
    return response
