"""Signatures: verify a signed PDF against this deployment's CA, fetch that CA's certificate for a trust store, and
send a contract out for online signature (create, send, void, resend a link) and download what came back."""

import datetime as dt
import hashlib

from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema
from ninja.responses import Status as HttpStatus

from hetong.accounts.models import User
from hetong.contracts import services as contract_services
from hetong.contracts.models import Contract, ContractFile, FileVersion
from hetong.core.errors import DomainError, InvalidInput
from hetong.customers.models import Contact, Customer
from hetong.documents.models import GeneratedDocument
from hetong.esign import pki, services, verification
from hetong.esign.models import SignatureRequest, Signer

from .errors import errors
from .schemas import BodySchema

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


# --- signature requests ---------------------------------------------------------------------------------------------
# Staff send, void and resend; signing happens only on the emailed link's pages, in the signer's own browser
# session (hetong.esign.services.sign), so no endpoint here signs.


class SignerIn(BodySchema):
    user_id: int | None = Field(None, description="One of our users (our side). Give this or `contact_id`.")
    contact_id: int | None = Field(None, description="A contact of the contract's customer. Give this or `user_id`.")


class SignatureRequestIn(BodySchema):
    document_id: int | None = Field(
        None, description="A generated document of the contract with a ready PDF; default the newest one."
    )
    amendment_id: int | None = Field(
        None, description="Sign an approved amendment of the contract (its own document) instead of the contract."
    )
    signers: list[SignerIn] = Field(description="In signing order.")
    order: SignatureRequest.Order = SignatureRequest.Order.SEQUENTIAL
    deadline: dt.date = Field(description="Sign by this day (today or later); links stop working after it.")
    message: str = Field("", max_length=2000, description="Added to the emails the signers get.")
    send: bool = Field(True, description="Send the links at once; false keeps a draft to send later.")


class VoidIn(BodySchema):
    reason: str = Field(max_length=500)


class SignerOut(Schema):
    id: int
    position: int
    side: Signer.Side
    name: str
    email: str
    user: int | None
    contact: int | None
    status: Signer.Status
    sent_at: dt.datetime | None
    viewed_at: dt.datetime | None
    signed_at: dt.datetime | None

    @staticmethod
    def resolve_user(obj):
        return obj.user_id

    @staticmethod
    def resolve_contact(obj):
        return obj.contact_id


class SignatureRequestOut(Schema):
    id: int
    contract: int
    amendment: int | None = Field(None, description="The amendment signed, when it is not the contract itself.")
    status: SignatureRequest.Status
    order: SignatureRequest.Order
    document: int = Field(description="The generated document sent for signature.")
    document_sha256: str = Field(description="SHA-256 of the document's PDF when sent; empty for a draft.")
    signed_sha256: str = Field(description="SHA-256 of the signed PDF so far; empty before the first signature.")
    certificate_sha256: str = Field(description="SHA-256 of the certificate of completion; empty until completed.")
    certificate_available: bool
    deadline: dt.date
    message: str
    created_by: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    completed_at: dt.datetime | None
    voided_reason: str
    signers: list[SignerOut] = Field(description="In signing order.")

    @staticmethod
    def resolve_contract(obj):
        return obj.contract_id

    @staticmethod
    def resolve_amendment(obj):
        return obj.amendment_id

    @staticmethod
    def resolve_document(obj):
        return obj.document_id

    @staticmethod
    def resolve_created_by(obj):
        return obj.created_by_id

    @staticmethod
    def resolve_certificate_available(obj):
        return bool(obj.certificate_sha256)

    @staticmethod
    def resolve_signers(obj):
        return obj.signers.all()


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = gettext_lazy("Not found.")


def _contract(request, contract_id: int) -> Contract:
    return Contract.objects.visible_to(request.auth).get(pk=contract_id)


def _requests(request):
    # The PDFs stay in the database until a download asks for them.
    return (
        SignatureRequest.objects.filter(contract__in=Contract.objects.visible_to(request.auth))
        .select_related("contract")
        .defer("signed_pdf", "certificate_pdf")
        .prefetch_related(Prefetch("signers", queryset=Signer.objects.order_by("position")))
    )


def _request(request, request_id: int) -> SignatureRequest:
    return _requests(request).get(pk=request_id)


def _signers(request, contract: Contract, items: list[SignerIn]) -> list:
    """The users and contacts named by id, in order; an id that does not exist or that the caller cannot see is
    a field error, so the services only ever get real people."""
    user_ids = {item.user_id for item in items if item.user_id is not None}
    contact_ids = {item.contact_id for item in items if item.contact_id is not None}
    users = User.objects.in_bulk(user_ids)
    contacts = Contact.objects.filter(customer__in=Customer.objects.visible_to(request.auth)).in_bulk(contact_ids)
    people, problems = [], {}
    for n, item in enumerate(items):
        if (item.user_id is None) == (item.contact_id is None):
            problems[f"signers.{n}"] = [_("Give either user_id or contact_id.")]
        elif item.user_id is not None:
            if item.user_id not in users:
                problems[f"signers.{n}.user_id"] = [_("There is no such user.")]
            else:
                people.append(users[item.user_id])
        elif item.contact_id not in contacts:
            problems[f"signers.{n}.contact_id"] = [_("There is no such contact.")]
        elif contacts[item.contact_id].customer_id != contract.customer_id:
            problems[f"signers.{n}.contact_id"] = [_("This contact is not a contact of the contract's customer.")]
        else:
            people.append(contacts[item.contact_id])
    if problems:
        raise InvalidInput(errors=problems)
    return people


def _document(contract: Contract, document_id: int | None) -> GeneratedDocument | None:
    if document_id is None:
        return None
    document = GeneratedDocument.objects.defer("docx", "pdf", "text").filter(pk=document_id, contract=contract).first()
    if document is None:
        raise InvalidInput(errors={"document_id": [_("There is no such document of this contract.")]})
    return document


def _pdf_response(data, *, filename: str, sha256: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-SHA256"] = sha256
    return response


PDF_DOWNLOAD = {"responses": {200: {
    "description": "The PDF, as an attachment; the header `X-Content-SHA256` carries its SHA-256.",
    "content": {"application/pdf": PDF_BODY},
}}}


@router.get(
    "/contracts/{int:contract_id}/signature-requests",
    response={200: list[SignatureRequestOut], **errors(401, 404)},
    description="The contract's signature requests, newest first.",
)
def list_signature_requests(request, contract_id: int):
    return _requests(request).filter(contract=_contract(request, contract_id)).order_by("-created_at", "-id")


@router.post(
    "/contracts/{int:contract_id}/signature-requests",
    response={201: SignatureRequestOut, **errors(400, 401, 403, 404, 409)},
    description="Ask our signatory and the customer's to sign the contract's generated PDF online, each by an "
    "emailed link and a one-time code. The contract must be approved and have no request in progress "
    "(409 `request_open`). With `send` (the default) the links go out at once; if sending fails, nothing is "
    "kept. A user or contact id that does not exist or that you cannot see is a 400 with field errors.",
)
def create_signature_request(request, contract_id: int, payload: SignatureRequestIn):
    from hetong.changes.models import Amendment

    contract = _contract(request, contract_id)
    document = _document(contract, payload.document_id)
    amendment = None
    if payload.amendment_id is not None:
        amendment = Amendment.objects.filter(pk=payload.amendment_id, contract=contract).first()
        if amendment is None:
            raise InvalidInput(errors={"amendment_id": [_("There is no such amendment of this contract.")]})
    signers = _signers(request, contract, payload.signers)
    with transaction.atomic():  # create and send together, or neither
        created = services.create_request(
            contract, by=request.auth, document=document, signers=signers, order=payload.order,
            deadline=payload.deadline, message=payload.message, amendment=amendment,
        )
        if payload.send:
            services.send(created, by=request.auth)
    return HttpStatus(201, _request(request, created.pk))


@router.get(
    "/signature-requests/{int:request_id}",
    response={200: SignatureRequestOut, **errors(401, 404)},
)
def get_signature_request(request, request_id: int):
    return _request(request, request_id)


@router.post(
    "/signature-requests/{int:request_id}/send",
    response={200: SignatureRequestOut, **errors(400, 401, 403, 404, 409)},
    description="Send a draft request: the contract moves to signing and the first signer (every signer, in "
    "parallel order) is emailed a link. 409 `request_not_draft` if it was already sent.",
)
def send_signature_request(request, request_id: int):
    services.send(_request(request, request_id), by=request.auth)
    return _request(request, request_id)


@router.post(
    "/signature-requests/{int:request_id}/void",
    response={200: SignatureRequestOut, **errors(400, 401, 403, 404, 409)},
    description="Withdraw a request that is not finished; its links stop working. A reason is required.",
)
def void_signature_request(request, request_id: int, payload: VoidIn):
    services.void(_request(request, request_id), by=request.auth, reason=payload.reason)
    return _request(request, request_id)


@router.post(
    "/signature-requests/{int:request_id}/signers/{int:signer_id}/resend",
    response={200: SignatureRequestOut, **errors(400, 401, 403, 404, 409)},
    description="Email a signer whose turn it is a new link; the old link stops working.",
)
def resend_signature_link(request, request_id: int, signer_id: int):
    signature_request = _request(request, request_id)
    signer = Signer.objects.select_related("request__contract").get(pk=signer_id, request=signature_request)
    services.resend(signer, by=request.auth)
    return _request(request, request_id)


@router.get(
    "/signature-requests/{int:request_id}/certificate",
    response={**errors(401, 404, 409)},
    description="The certificate of completion (PDF) of a completed request. 404 `no_certificate` before then; "
    "409 `file_changed` if the stored certificate no longer matches its recorded SHA-256.",
    openapi_extra=PDF_DOWNLOAD,
)
def signature_certificate(request, request_id: int):
    found = SignatureRequest.objects.filter(
        contract__in=Contract.objects.visible_to(request.auth)
    ).select_related("contract").only("pk", "contract", "certificate_pdf", "certificate_sha256").get(pk=request_id)
    if found.certificate_pdf is None or not found.certificate_sha256:
        raise NotFound(_("This request has no certificate of completion yet: it is not completed."),
                       code="no_certificate")
    data = bytes(found.certificate_pdf)
    if hashlib.sha256(data).hexdigest() != found.certificate_sha256:
        raise contract_services.stored_file_changed(
            found.contract, what=_("certificate of completion"), expected_sha256=found.certificate_sha256,
            by=request.auth,
        )
    return _pdf_response(data, filename=f"{found.contract.number}-certificate.pdf", sha256=found.certificate_sha256)


@router.get(
    "/contracts/{int:contract_id}/signed-document",
    response={**errors(401, 404, 409)},
    description="The contract's newest signed copy. 404 `no_signed_copy` if there is none; 409 `file_changed` "
    "if the stored file no longer matches its recorded SHA-256 (administrators are alerted).",
    openapi_extra=PDF_DOWNLOAD,
)
def signed_document(request, contract_id: int):
    contract = _contract(request, contract_id)
    version = (
        FileVersion.objects.filter(file__contract=contract, file__kind=ContractFile.Kind.SIGNED)
        .select_related("file").order_by("-uploaded_at", "-id").first()
    )
    if version is None:
        raise NotFound(_("This contract has no signed copy yet."), code="no_signed_copy")
    if not version.intact():
        raise contract_services.stored_file_changed(
            contract, what=version.original_name, expected_sha256=version.sha256, by=request.auth
        )
    return version.response()
