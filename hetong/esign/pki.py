"""Hetong's own certificate authority: created on first use, it issues a certificate to every signer and to the
deployment's time-stamping key.

What this proves: a signature made with these keys shows the document has not changed since and which identity
(issued by this deployment) signed it. It is not a licensed CA under the Electronic Signature Law (电子签名法 §13);
a licensed CA or certified signing provider plugs in behind providers.SigningProvider.

Private keys are stored encrypted with AES-GCM under a key derived (HKDF-SHA256) from settings.SECRET_KEY, so a
copy of the database alone does not give the keys away; a changed SECRET_KEY makes them unreadable (KeyUnavailable).
"""

import datetime as dt
import os
from urllib.parse import urlparse

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from hetong.core.errors import DomainError

from .models import Authority, SigningIdentity

KEY_INFO = b"hetong.esign private keys v1"  # HKDF info label: changing it orphans every stored key
BLOB_MAGIC = b"HTK1"
CA_YEARS = 10
SIGNER_YEARS = 3
# RFC 9336 id-kp-documentSigning; next to emailProtection, which is what NSS (pdfsig) checks for signers.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")


class KeyUnavailable(DomainError):
    code = "signing_key_unavailable"
    status = 409
    default_message = _(
        "The signing keys cannot be read: the deployment's secret key has changed since they were created."
    )


# --- keys at rest -------------------------------------------------------------------------------------------------


def _wrapping_key(secret: str | None = None) -> bytes:
    secret = settings.SECRET_KEY if secret is None else secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_INFO).derive(secret.encode())


def encrypt_key(private_key, *, secret: str | None = None) -> bytes:
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    nonce = os.urandom(12)
    return BLOB_MAGIC + nonce + AESGCM(_wrapping_key(secret)).encrypt(nonce, der, BLOB_MAGIC)


def decrypt_key(blob: bytes, *, secret: str | None = None):
    blob = bytes(blob)
    if not blob.startswith(BLOB_MAGIC):
        raise KeyUnavailable()
    nonce, sealed = blob[4:16], blob[16:]
    try:
        der = AESGCM(_wrapping_key(secret)).decrypt(nonce, sealed, BLOB_MAGIC)
    except InvalidTag:
        raise KeyUnavailable() from None
    return serialization.load_der_private_key(der, password=None)


# --- certificates -------------------------------------------------------------------------------------------------


def deployment_name() -> str:
    return getattr(settings, "HETONG_DEPLOYMENT_NAME", "") or urlparse(settings.HETONG_BASE_URL).hostname or "hetong"


def _new_key():
    return ec.generate_private_key(ec.SECP256R1())


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def load_certificate(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def _builder(subject: x509.Name, issuer: x509.Name, public_key, years: int) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))  # tolerate a little clock skew between machines
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _key_usage(**flags) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: flags.get(n, False) for n in names})


def _authority_material(name: str) -> dict:
    # The time-stamping key is RSA: pyHanko's in-process time stamper signs with RSA only.
    ca_key, tsa_key = _new_key(), rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ca_name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"Hetong Signing CA ({name})"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Hetong"),
    ])
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), CA_YEARS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    tsa_name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"Hetong Time Stamping ({name})"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Hetong"),
    ])
    tsa_cert = (
        _builder(tsa_name, ca_name, tsa_key.public_key(), CA_YEARS)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return {
        "name": f"Hetong Signing CA ({name})",
        "ca_certificate_pem": _pem(ca_cert),
        "ca_key_encrypted": encrypt_key(ca_key),
        "tsa_certificate_pem": _pem(tsa_cert),
        "tsa_key_encrypted": encrypt_key(tsa_key),
    }


def authority() -> Authority:
    """The deployment's CA, created on first use. Two first callers at once still store one."""
    if found := Authority.objects.filter(slot=1).first():
        return found
    # Keys are made outside any transaction; the unique slot decides which of two racing callers wins.
    material = _authority_material(deployment_name())
    try:
        with transaction.atomic():
            return Authority.objects.create(slot=1, **material)
    except IntegrityError:
        return Authority.objects.get(slot=1)


def ca_certificate_pem() -> str:
    """The CA certificate, for a trust store (pdfsig/NSS, Adobe, the operating system)."""
    return authority().ca_certificate_pem


def issue_identity(name: str, email: str, *, user=None, contact=None) -> SigningIdentity:
    """A new key for a signer and a certificate for it issued by the deployment's CA."""
    ca = authority()
    ca_cert = load_certificate(ca.ca_certificate_pem)
    ca_key = decrypt_key(ca.ca_key_encrypted)
    key = _new_key()
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, name),
        x509.NameAttribute(NameOID.EMAIL_ADDRESS, email),
    ])
    cert = (
        _builder(subject, ca_cert.subject, key.public_key(), SIGNER_YEARS)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]), critical=False
        )
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return SigningIdentity.objects.create(
        name=name, email=email, user=user, contact=contact, certificate_pem=_pem(cert),
        key_encrypted=encrypt_key(key), serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
    )
