"""Checking a PDF someone brings us: the size limit, then pades.verify_pdf, and a plain-language verdict.

The page and the API share this; nothing is stored, the bytes live only for the request.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hetong.core.errors import InvalidInput

from . import pades

MAX_PDF_BYTES = 20 * 1024 * 1024

MODIFICATION_LABELS = {
    "none": gettext_lazy("None"),
    "signatures": gettext_lazy("Validation data or time stamps only"),
    "form_filling": gettext_lazy("Further signatures or form filling"),
    "annotations": gettext_lazy("Comments and annotations"),
    "other": gettext_lazy("Other changes to the content"),
}


def too_large() -> InvalidInput:
    return InvalidInput(_("The PDF is larger than 20 MB."), code="too_large")


def verify(data: bytes) -> pades.Report:
    """The report for `data`; InvalidInput (with a code) for an empty, oversized or unreadable file."""
    if not data:
        raise InvalidInput(_("Choose a PDF file to check; the upload was empty."), code="empty")
    if len(data) > MAX_PDF_BYTES:
        raise too_large()
    return pades.verify_pdf(data)


def verdict(report: pades.Report) -> tuple[str, str]:
    """(level, sentence): "success", "warning" or "danger", and what the report means for a reader."""
    sigs = report.signatures
    if not all(s.intact and s.valid for s in sigs):
        return "danger", _(
            "At least one signature is broken: the signed content was changed or the signature is damaged. "
            "Do not rely on this document."
        )
    if not all(s.trusted for s in sigs):
        return "warning", _(
            "The signatures are intact, but at least one was not made with a certificate from this system's "
            "signing authority, so the signer's identity is not confirmed here."
        )
    if any(s.modified_after_signing for s in sigs):
        return "warning", _(
            "The signatures are intact and trusted, but the document was changed after it was signed. "
            "Check the changes listed below."
        )
    return "success", _(
        "All signatures are intact and trusted, and the document has not been changed since it was signed."
    )
