"""The signing provider interface. Hetong's own CA (LocalProvider) proves integrity and who signed within this
deployment; signatures reliable under the Electronic Signature Law (电子签名法 §13) need a licensed CA or a certified
signing provider, which plugs in here by implementing the same two methods."""

from typing import Protocol

from . import pades
from .models import SigningIdentity
from .pades import Report


class SigningProvider(Protocol):
    def sign(self, pdf_bytes: bytes, signer: SigningIdentity, *, stamp: dict) -> bytes:
        """`pdf_bytes` with one more signature by `signer`, added incrementally. `stamp` holds the keyword
        arguments of pades.sign_pdf after the identity (field_name, stamp_lines, stamp_image, reason, ...)."""
        ...

    def verify(self, pdf_bytes: bytes) -> Report: ...


class LocalProvider:
    """Signs with keys issued by the deployment's own CA and time-stamps with its own time-stamping key."""

    def sign(self, pdf_bytes: bytes, signer: SigningIdentity, *, stamp: dict) -> bytes:
        return pades.sign_pdf(pdf_bytes, signer, **stamp)

    def verify(self, pdf_bytes: bytes) -> Report:
        return pades.verify_pdf(pdf_bytes)


def provider() -> SigningProvider:
    return LocalProvider()
