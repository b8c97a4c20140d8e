"""Reads of documents: scoped to the contracts a user can see, files checked against their recorded sha256."""

import hashlib

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from hetong.contracts.models import Contract
from hetong.core.errors import Conflict, InvalidInput

from .models import GeneratedDocument

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def documents_visible_to(user):
    """Generated documents of the contracts the user can see, without their (large) bytes."""
    return (
        GeneratedDocument.objects.filter(contract__in=Contract.objects.visible_to(user).values("pk"))
        .select_related("template_version__template", "created_by", "contract")
        .defer("docx", "pdf", "text")
    )


def document_bytes(document: GeneratedDocument, fmt: str) -> bytes:
    """The stored file, refused (409) while the PDF is being made or if its bytes no longer match their hash."""
    if fmt not in CONTENT_TYPES:
        raise InvalidInput(errors={"format": [_("Choose pdf or docx.")]})
    row = GeneratedDocument.objects.only(fmt, f"{fmt}_sha256", "pdf_status").get(pk=document.pk)
    data, recorded = getattr(row, fmt), getattr(row, f"{fmt}_sha256")
    if data is None:
        if fmt == "pdf" and row.pdf_status == GeneratedDocument.PdfStatus.PENDING:
            raise Conflict(_("The PDF is still being made. Try again in a moment."), code="pdf_pending")
        if fmt == "pdf" and row.pdf_status == GeneratedDocument.PdfStatus.FAILED:
            raise Conflict(_("The PDF could not be made; convert it again."), code="pdf_failed")
        raise InvalidInput(_("This document has no %(format)s file.") % {"format": fmt.upper()}, code="no_such_format")
    data = bytes(data)
    if hashlib.sha256(data).hexdigest() != recorded:
        raise Conflict(
            _("The stored file no longer matches its recorded SHA-256; it is not served."), code="document_changed"
        )
    return data


def file_response(document: GeneratedDocument, fmt: str) -> HttpResponse:
    data = document_bytes(document, fmt)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, f"{document.contract.number}-v{document.number}.{fmt}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def latest_document(contract) -> GeneratedDocument | None:
    """The contract's newest generated document: the text under review, approval and signature."""
    return (
        GeneratedDocument.objects.filter(contract=contract)
        .select_related("template_version__template")
        .defer("docx", "pdf", "text")
        .order_by("-number")
        .first()
    )


def uses_nonstandard_text(contract) -> bool:
    """Whether the contract's newest document chose a fallback clause or came from a non-standard template: what
    approval routes look at."""
    document = latest_document(contract)
    return bool(document and (document.nonstandard or not document.template_version.template.is_standard))
