import io

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from PIL import Image
from pypdf import PdfReader

from hetong.core.errors import InvalidInput
from hetong.documents.pdf import html_to_pdf, wrap_html
from hetong.esign import pades, pki
from hetong.esign.models import Authority, SigningIdentity
from hetong.esign.providers import LocalProvider

from .flow import flip_in_first_revision

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def contract_pdf():
    return html_to_pdf(wrap_html("<h1>采购合同</h1><p class='clause'>甲方与乙方就办公设备采购达成如下协议。</p>"))


def _seal_png() -> bytes:
    image = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    for x in range(120):
        for y in range(120):
            if 50 * 50 <= (x - 60) ** 2 + (y - 60) ** 2 <= 58 * 58:
                image.putpixel((x, y), (200, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def signed_twice(contract_pdf):
    ours = pki.issue_identity("王经理", "wang@example.com")
    theirs = pki.issue_identity("李总", "li@example.cn")
    once = pades.sign_pdf(
        contract_pdf, ours, field_name="Sig1", stamp_lines=["甲方：上海合同科技有限公司", "签署人：王经理"],
        stamp_image=_seal_png(), reason="同意", location="上海", index=0,
    )
    twice = LocalProvider().sign(
        once, theirs, stamp={"field_name": "Sig2", "stamp_lines": ["乙方：北京客户有限公司", "签署人：李总"], "index": 1}
    )
    return contract_pdf, once, twice


def test_two_signers_in_turn_are_both_intact_trusted_and_the_last_covers_the_whole_file(signed_twice):
    original, once, twice = signed_twice
    assert twice.startswith(once)  # incremental: the first revision is untouched

    report = pades.verify_pdf(twice)

    first, second = report.signatures
    assert (first.signer_name, second.signer_name) == ("王经理", "李总")
    assert first.signer_email == "wang@example.com"
    for sig in (first, second):
        assert sig.intact and sig.valid and sig.trusted
        assert sig.timestamp_time is not None and sig.signing_time is not None
        assert not sig.modified_after_signing
    assert second.covers_whole_document and second.modification == "none"
    assert not first.covers_whole_document and first.modification == "form_filling"
    assert first.reason == "同意" and first.location == "上海"
    assert report.all_valid
    assert len(report.document_sha256) == 64


def test_first_signature_alone_covers_the_whole_file(signed_twice):
    report = pades.verify_pdf(signed_twice[1])
    (only,) = report.signatures
    assert only.intact and only.trusted and only.covers_whole_document


def test_one_changed_byte_in_the_first_revision_makes_the_first_signature_not_intact(signed_twice):
    tampered = flip_in_first_revision(signed_twice[2])

    report = pades.verify_pdf(tampered)

    assert not report.signatures[0].intact
    assert not report.all_valid


def test_a_signature_by_another_ca_is_intact_but_not_trusted(signed_twice):
    original, once, _twice = signed_twice
    Authority.objects.all().delete()  # a new deployment: a new CA that did not issue the signer
    pki.authority()

    (sig,) = pades.verify_pdf(once).signatures

    assert sig.intact and not sig.trusted


def test_stamps_show_each_signer_side_by_side_and_the_names_are_in_the_signatures(signed_twice):
    reader = PdfReader(io.BytesIO(signed_twice[2]))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    widgets = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Widget":
                widgets.append(annot)
    assert len(widgets) == 2
    rects = [[float(v) for v in w["/Rect"]] for w in widgets]
    (a_left, _, a_right, _), (b_left, _, b_right, _) = sorted(rects)
    assert a_right <= b_left  # the two stamps do not overlap
    for widget in widgets:  # the appearance is the stamp image, drawn at four pixels a point
        widths = _appearance_images(widget)
        assert widths and max(widths) >= 4 * (b_right - b_left) - 1
    names = {str(w["/V"].get_object()["/Name"]) for w in widgets}
    assert names == {"王经理", "李总"}
    assert "采购合同" in text


def _appearance_images(widget) -> list[int]:
    """The pixel widths of the images the widget's appearance draws, through any nested forms."""
    widths, todo = [], [widget["/AP"]["/N"].get_object()]
    while todo:
        xobject = todo.pop()
        if xobject.get("/Subtype") == "/Image":
            widths.append(int(xobject["/Width"]))
        todo.extend(x.get_object() for x in ((xobject.get("/Resources") or {}).get("/XObject") or {}).values())
    return widths


def test_bad_input_is_a_clear_error():
    with pytest.raises(InvalidInput, match="not a PDF"):
        pades.verify_pdf(b"hello, this is text")


def test_a_pdf_without_signatures_is_refused(contract_pdf):
    with pytest.raises(InvalidInput, match="no digital signatures"):
        pades.verify_pdf(contract_pdf)


def test_a_truncated_pdf_is_refused(signed_twice):
    with pytest.raises(InvalidInput):
        pades.verify_pdf(signed_twice[2][: len(signed_twice[2]) // 2])


def test_private_keys_are_encrypted_at_rest_and_need_the_right_secret(settings):
    identity = pki.issue_identity("张三", "zhang@example.com")
    ca = Authority.objects.get()
    for blob in (bytes(identity.key_encrypted), bytes(ca.ca_key_encrypted), bytes(ca.tsa_key_encrypted)):
        assert b"PRIVATE KEY" not in blob and b"-----BEGIN" not in blob
    assert pki.decrypt_key(identity.key_encrypted) is not None

    settings.SECRET_KEY = "another-secret-key-entirely-0123456789"
    with pytest.raises(pki.KeyUnavailable, match="secret key has changed"):
        pki.decrypt_key(identity.key_encrypted)


def test_certificates_carry_the_expected_extensions():
    identity = pki.issue_identity("张三", "zhang@example.com")
    ca = pki.load_certificate(pki.ca_certificate_pem())
    cert = pki.load_certificate(identity.certificate_pem)
    tsa = pki.load_certificate(Authority.objects.get().tsa_certificate_pem)

    assert ca.subject.rfc4514_string().startswith("O=Hetong,CN=Hetong Signing CA (")
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.RFC822Name) == ["zhang@example.com"]
    assert cert.issuer == ca.subject
    tsa_eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert tsa_eku.critical and list(tsa_eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert identity.serial == format(cert.serial_number, "x")
    assert SigningIdentity.objects.get(pk=identity.pk).not_after > identity.not_before


def test_two_first_callers_at_once_store_one_authority(monkeypatch):
    # Reproduce the race: while the first caller is making its keys, a second caller creates the CA.
    made = pki._authority_material
    calls = []

    def racing(name):
        material = made(name)
        if not calls:
            calls.append("first")
            calls.append(pki.authority())  # the second caller wins the insert
        return material

    monkeypatch.setattr(pki, "_authority_material", racing)

    first = pki.authority()

    assert Authority.objects.count() == 1
    assert first.pk == calls[1].pk
    assert pki.authority().pk == first.pk


# --- poppler's pdfsig with Hetong's CA in an NSS trust store -------------------------------------------------------


def test_pdfsig_reports_every_signature_valid_and_the_last_covering_the_whole_document(signed_twice, pdfsig):
    out = pdfsig(signed_twice[2])

    assert out.count("Signature is Valid.") == 2, out
    assert out.count("Certificate is Trusted.") == 2, out
    last = out.split("Signature #2")[1]
    assert "Total document signed" in last, out


def test_pdfsig_reports_a_digest_mismatch_after_one_byte_changes(signed_twice, pdfsig):
    out = pdfsig(flip_in_first_revision(signed_twice[2]))

    assert "Digest Mismatch" in out or "Signature is Invalid" in out, out
    assert "Signature is Valid." not in out.split("Signature #2")[0], out


def test_signing_refuses_a_file_that_is_not_a_pdf_and_an_unreadable_image(contract_pdf):
    identity = pki.issue_identity("王经理", "wang@example.com")
    with pytest.raises(InvalidInput, match="not a readable PDF"):
        pades.sign_pdf(b"not a pdf", identity, field_name="Sig1", stamp_lines=["王经理"])
    with pytest.raises(InvalidInput, match="image could not be read"):
        pades.sign_pdf(contract_pdf, identity, field_name="Sig1", stamp_lines=["王经理"], stamp_image=b"GIF??")
