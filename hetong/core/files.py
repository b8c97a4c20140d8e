"""Checking uploads: size, an allowed extension, and content whose magic bytes match that extension."""

import hashlib
import os
import unicodedata
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import InvalidInput

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (doc, xls)
# extension -> (content type, check of the first bytes)
ALLOWED = {
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", None),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
    "doc": ("application/msword", lambda head: head.startswith(OLE)),
    "xls": ("application/vnd.ms-excel", lambda head: head.startswith(OLE)),
    "png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "txt": ("text/plain; charset=utf-8", None),
    "ofd": ("application/ofd", None),
}
OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "ofd": "OFD.xml"}


def clean_filename(name: str) -> str:
    """A display name safe to show and to put in Content-Disposition: no path, no control or bidi chars."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co", "Cn"})
    name = name.strip().lstrip(".") or "file"
    stem, dot, ext = name.rpartition(".")
    if dot and len(name) > 150:
        name = stem[: 150 - len(ext) - 1] + "." + ext
    return name[:150]


def extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _zip_has(upload, part: str) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if part not in names:
                return False
            # A zip bomb gives itself away by its declared sizes before anything is inflated.
            total = sum(info.file_size for info in archive.infolist())
            return total <= 20 * settings.MAX_UPLOAD_MB * 1024 * 1024
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)


def inspect_upload(upload) -> tuple[str, str, int, str]:
    """Validate an uploaded file; returns (clean name, content type, size, sha256). Raises InvalidInput."""
    name = clean_filename(getattr(upload, "name", ""))
    ext = extension(name)
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload.size is None or upload.size > limit:
        raise InvalidInput(
            _("The file is larger than the limit of %(mb)s MB.") % {"mb": settings.MAX_UPLOAD_MB},
            code="file_too_large", errors={"file": [_("File too large.")]},
        )
    if upload.size == 0:
        raise InvalidInput(_("The file is empty."), code="file_empty", errors={"file": [_("The file is empty.")]})
    if ext not in ALLOWED:
        raise InvalidInput(
            _("Files of type .%(ext)s are not accepted. Allowed: %(allowed)s.")
            % {"ext": ext or "?", "allowed": ", ".join(sorted(ALLOWED))},
            code="file_type", errors={"file": [_("File type not allowed.")]},
        )
    content_type, check = ALLOWED[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    ok = check(head) if check else True
    if ext in OOXML_PART:
        ok = head.startswith(b"PK\x03\x04") and _zip_has(upload, OOXML_PART[ext])
    elif ext == "txt":
        ok = _is_text(upload)
    if not ok:
        raise InvalidInput(
            _("The content of the file does not match its .%(ext)s extension.") % {"ext": ext},
            code="file_content", errors={"file": [_("The file content does not match its type.")]},
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return name, content_type, upload.size, digest.hexdigest()


def _is_text(upload) -> bool:
    upload.seek(0)
    data = upload.read(64 * 1024)
    upload.seek(0)
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(data) - 4  # a multi-byte character cut by the 64 KiB window
    lowered = data[:1024].lower()
    return b"<html" not in lowered and b"<script" not in lowered and b"<svg" not in lowered


# --- stored files: checked before they are served ----------------------------------------------------------------

def digest_matches(field_file, sha256: str) -> bool:
    """Whether the stored bytes still have the SHA-256 recorded at upload (read in chunks, never whole)."""
    digest = hashlib.sha256()
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except (OSError, ValueError):
        return False
    return digest.hexdigest() == sha256


def attachment(field_file, *, filename: str, content_type: str, sha256: str):
    """The stored file as a download that is never sniffed or cached, with its SHA-256 in `X-Content-SHA256`.
    Check it with digest_matches first."""
    from django.http import FileResponse

    response = FileResponse(field_file.open("rb"), as_attachment=True, filename=filename,
                            content_type=content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-SHA256"] = sha256
    return response
