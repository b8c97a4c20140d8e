"""A customer's archive: everything on record with them in date order, and the dossier export (a ZIP with an index
PDF, every file and a SHA256SUMS list that `sha256sum -c` checks).

What goes in comes from sources: this module knows contracts, their files, generated documents, signature
certificates and interactions; other capabilities (payments, notices, obligations) register their own with
`add_archive_source` in AppConfig.ready. A source is fn(customer, contracts) -> Section, where `contracts` are the
customer's contracts the reader may see.
"""

import datetime as dt
import hashlib
import html
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from hetong.audit.services import record

SPOOL_BYTES = 32 * 1024 * 1024  # a dossier larger than this is built on disk, not in memory


@dataclass
class Entry:
    """One line of the archive page."""

    on: dt.date
    kind: str
    title: str
    contract: object = None
    url: str = ""
    detail: str = ""


@dataclass
class StoredFile:
    """One file of the dossier: where it goes in the ZIP, how to read it, and the SHA-256 recorded when stored."""

    path: str
    read: Callable[[], bytes]
    sha256: str
    what: str
    contract: object = None
    on: dt.date | None = None


@dataclass
class Section:
    entries: list[Entry] = field(default_factory=list)
    files: list[StoredFile] = field(default_factory=list)


_SOURCES: list[Callable] = []


def add_archive_source(source: Callable) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def _day(value) -> dt.date:
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


def _folder(contract) -> str:
    return f"contracts/{get_valid_filename(contract.number)}"


def _contracts_source(customer, contracts) -> Section:
    from hetong.contracts.models import FileVersion
    from hetong.documents.models import GeneratedDocument
    from hetong.esign.models import SignatureRequest

    section = Section()
    for contract in contracts:
        url = reverse("contracts:detail", args=[contract.pk])
        section.entries.append(Entry(_day(contract.created_at), str(_("Contract")), f"{contract.number} {contract.title}",
                                     contract, url, contract.get_status_display()))
        if contract.signed_date:
            section.entries.append(Entry(contract.signed_date, str(_("Signed")), f"{contract.number} {contract.title}",
                                         contract, url))
        if contract.terminated_on:
            section.entries.append(Entry(contract.terminated_on, str(_("Terminated")),
                                         f"{contract.number} {contract.title}", contract, url))
    ids = [c.pk for c in contracts]
    by_id = {c.pk: c for c in contracts}
    versions = (FileVersion.objects.filter(file__contract_id__in=ids).select_related("file")
                .order_by("file__contract_id", "file_id", "number"))
    for version in versions:
        contract = by_id[version.file.contract_id]
        name = get_valid_filename(f"v{version.number}-{version.original_name}")
        section.files.append(StoredFile(
            f"{_folder(contract)}/files/{version.file_id}-{name}", _reader(version), version.sha256,
            version.original_name, contract, _day(version.uploaded_at)))
        section.entries.append(Entry(_day(version.uploaded_at), str(_("File")),
                                     f"{version.original_name} v{version.number}", contract,
                                     reverse("contracts:detail", args=[contract.pk]), version.file.get_kind_display()))
    documents = GeneratedDocument.objects.filter(contract_id__in=ids).defer("docx", "pdf", "text").order_by("pk")
    for document in documents:
        contract = by_id[document.contract_id]
        for ext, digest in (("pdf", document.pdf_sha256), ("docx", document.docx_sha256)):
            if digest:
                section.files.append(StoredFile(
                    f"{_folder(contract)}/documents/{contract.number}-v{document.number}.{ext}",
                    _blob(GeneratedDocument, document.pk, ext), digest,
                    _("generated document %(number)s") % {"number": document.number}, contract,
                    _day(document.created_at)))
        section.entries.append(Entry(_day(document.created_at), str(_("Document")),
                                     _("Version %(number)s") % {"number": document.number}, contract,
                                     reverse("contracts:detail", args=[contract.pk])))
    requests = (SignatureRequest.objects.filter(contract_id__in=ids, status=SignatureRequest.Status.COMPLETED)
                .defer("signed_pdf", "certificate_pdf").order_by("pk"))
    for request in requests:
        contract = by_id[request.contract_id]
        section.files.append(StoredFile(
            f"{_folder(contract)}/signatures/{contract.number}-certificate-{request.pk}.pdf",
            _blob(SignatureRequest, request.pk, "certificate_pdf"), request.certificate_sha256,
            _("certificate of completion"), contract, _day(request.completed_at)))
        section.entries.append(Entry(_day(request.completed_at), str(_("Signed online")),
                                     str(_("Certificate of completion")), contract,
                                     reverse("contracts:detail", args=[contract.pk])))
    return section


def _interactions_source(customer, contracts) -> Section:
    section = Section()
    for item in customer.interactions.select_related("author", "contact").order_by("date", "pk"):
        who = f" · {item.contact.name}" if item.contact_id else ""
        section.entries.append(Entry(item.date, item.get_kind_display(), item.text[:200], None,
                                     reverse("customers:detail", args=[customer.pk]), f"{item.author}{who}"))
    return section


def stored(field) -> Callable[[], bytes]:
    """A reader for a stored FileField's bytes (a missing file reads as empty, so its digest does not match)."""
    def read() -> bytes:
        try:
            with field.storage.open(field.name, "rb") as handle:
                return handle.read()
        except OSError:
            return b""
    return read


def folder(contract) -> str:
    """The contract's folder in the dossier."""
    return _folder(contract)


def _reader(version) -> Callable[[], bytes]:
    return stored(version.blob)


def _blob(model, pk: int, column: str) -> Callable[[], bytes]:
    def read() -> bytes:
        value = model.objects.filter(pk=pk).values_list(column, flat=True).first()
        return bytes(value) if value is not None else b""
    return read


def gather(customer, user) -> tuple[list, Section]:
    """The customer's contracts the user may see, and every source's entries (in date order) and files."""
    from hetong.contracts.models import Contract

    contracts = list(Contract.objects.visible_to(user).filter(customer=customer)
                     .select_related("contract_type", "entity").order_by("created_at", "pk"))
    everything = Section()
    for source in [_contracts_source, _interactions_source, *_SOURCES]:
        part = source(customer, contracts)
        everything.entries.extend(part.entries)
        everything.files.extend(part.files)
    everything.entries.sort(key=lambda entry: (entry.on, entry.kind))
    return contracts, everything


# --- the dossier ---------------------------------------------------------------------------------------------------

def _index_html(customer, contracts, section: Section, rows: list[tuple[StoredFile, int]], by) -> str:
    e = html.escape
    now = timezone.localtime()
    contract_rows = "".join(
        f"<tr><td>{e(c.number)}</td><td>{e(c.title)}</td><td>{e(str(c.get_status_display()))}</td>"
        f"<td>{c.effective_date or ''}</td><td>{c.end_date or ''}</td><td class='n'>{e(c.currency)} {c.amount:,.2f}</td></tr>"
        for c in contracts)
    timeline = "".join(
        f"<tr><td>{entry.on}</td><td>{e(entry.kind)}</td><td>{e(entry.contract.number) if entry.contract else ''}</td>"
        f"<td>{e(entry.title)}</td><td>{e(entry.detail)}</td></tr>" for entry in section.entries)
    files = "".join(
        f"<tr><td>{e(item.path)}</td><td class='n'>{size:,}</td><td class='h'>{item.sha256}</td></tr>"
        for item, size in rows)
    note = _("Every file below is in this ZIP at the path shown; SHA256SUMS lists the same digests for "
             "`sha256sum -c SHA256SUMS`. Each digest is the one recorded when the file was stored, checked again "
             "while exporting.")
    exported = _("Exported by %(user)s on %(when)s") % {"user": by, "when": now.strftime("%Y-%m-%d %H:%M %Z")}
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
        "@page{size:A4 landscape;margin:14mm} body{font-size:8.5pt} table{width:100%;border-collapse:collapse}"
        "td,th{border:1px solid #bbb;padding:2px 4px;vertical-align:top;text-align:left} .n{text-align:right}"
        ".h{font-family:monospace;font-size:7pt;word-break:break-all} h2{font-size:11pt;margin-top:14px}"
        "</style></head><body>"
        f"<h1>{e(_('Customer dossier'))}: {e(customer.name)}</h1>"
        f"<p>{e(_('Unified social credit code'))}: {e(customer.credit_code or '—')} · "
        f"{e(exported)}</p><p>{e(note)}</p>"
        f"<h2>{e(_('Contracts'))}</h2><table><tr><th>{e(_('Number'))}</th><th>{e(_('Title'))}</th>"
        f"<th>{e(_('Status'))}</th><th>{e(_('Effective date'))}</th><th>{e(_('End date'))}</th>"
        f"<th>{e(_('Amount'))}</th></tr>{contract_rows}</table>"
        f"<h2>{e(_('Record'))}</h2><table><tr><th>{e(_('Date'))}</th><th>{e(_('Kind'))}</th>"
        f"<th>{e(_('Contract'))}</th><th>{e(_('What'))}</th><th></th></tr>{timeline}</table>"
        f"<h2>{e(_('Files'))}</h2><table><tr><th>{e(_('Path'))}</th><th>{e(_('Bytes'))}</th><th>SHA-256</th></tr>"
        f"{files}</table></body></html>"
    )


def export_dossier(customer, *, by):
    """The dossier ZIP as an open temporary file (at position 0) and its file name. Every stored file is checked
    against its recorded SHA-256 first: one that changed refuses the whole export (409) and alerts the admins."""
    from hetong.contracts.services import stored_file_changed
    from hetong.documents.pdf import html_to_pdf

    contracts, section = gather(customer, by)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    rows, seen = [], set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in section.files:
            data = item.read()
            if hashlib.sha256(data).hexdigest() != item.sha256:
                archive.close()
                out.close()
                raise stored_file_changed(item.contract, what=str(item.what), expected_sha256=item.sha256, by=by)
            if item.path in seen:  # two files of one name: keep both
                folder, _slash, name = item.path.rpartition("/")
                item.path = f"{folder}/{len(seen)}-{name}"
            seen.add(item.path)
            archive.writestr(item.path, data)
            rows.append((item, len(data)))
        index = html_to_pdf(_index_html(customer, contracts, section, rows, by))
        archive.writestr("index.pdf", index)
        sums = [f"{item.sha256}  {item.path}" for item, _size in rows]
        sums.append(f"{hashlib.sha256(index).hexdigest()}  index.pdf")
        archive.writestr("SHA256SUMS", "\n".join(sums) + "\n")
    record(actor=by, verb="customer.dossier_export", target=customer,
           data={"files": len(rows), "contracts": len(contracts), "index_sha256": hashlib.sha256(index).hexdigest()})
    out.seek(0)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return out, get_valid_filename(f"{customer.name}-dossier-{stamp}.zip") or f"customer-{customer.pk}-dossier.zip"
