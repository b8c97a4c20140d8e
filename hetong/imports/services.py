"""Imports, one function per action: upload a file (its check starts at once), check it, commit it.

A check and a commit run the same writers (hetong.imports.writers) inside one transaction; a check always rolls it
back, a commit rolls it back when any row has a problem. So a check reports exactly the problems a commit would
meet (duplicates in the file, keys that exist nowhere, a service's refusal), and a commit is all or nothing.

Files of more than BACKGROUND_ROWS rows are checked and committed by a huey task. While the transaction is open
its rows cannot be read by anyone else (and on SQLite no other connection may write), so the task reports its
progress through huey's key-value store, outside the database; the job row gets the final count.
"""

import csv
import hashlib
import io
import logging
import uuid

import rules
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hetong.audit.services import record
from hetong.core.errors import DomainError, IllegalTransition, InvalidInput, PermissionDenied
from hetong.core.files import clean_filename, extension, inspect_upload

from . import files, kinds
from .contract_rows import write_contracts
from .models import ImportJob, JobStatus, Kind
from .writers import Row, Run, write_contacts, write_customers, write_installments, write_receipts

log = logging.getLogger(__name__)

WRITERS = {
    Kind.CUSTOMERS: write_customers,
    Kind.CONTACTS: write_contacts,
    Kind.CONTRACTS: write_contracts,
    Kind.INSTALLMENTS: write_installments,
    Kind.RECEIPTS: write_receipts,
}
BACKGROUND_ROWS = 500
MAX_PROBLEMS = 5000  # a file of the wrong kind would otherwise list every cell of every row
# What each kind's rows need beyond importing at all: the same right the page that records them asks for.
KIND_PERMS = {
    Kind.CUSTOMERS: ("customers.add_customer",),
    Kind.CONTACTS: ("customers.change_customer",),
    Kind.CONTRACTS: ("contracts.add_contract",),
    Kind.INSTALLMENTS: ("payments.change_plan",),
    Kind.RECEIPTS: ("payments.record_receipt",),
}


def require_import(user, kind: str | None = None) -> None:
    if not rules.has_perm("imports.import_data", user):
        raise PermissionDenied()
    if kind is not None and not all(rules.has_perm(perm, user) for perm in KIND_PERMS.get(kind, ())):
        raise PermissionDenied(_("You are not allowed to import %(kind)s.") % {"kind": str(Kind(kind).label).lower()})


def _kind(value) -> str:
    if value not in Kind.values:
        raise InvalidInput(errors={"kind": [_("Select a valid choice; that one does not exist.")]})
    return value


def _inspect(upload) -> tuple[str, str, int, str]:
    """(clean name, extension, size, sha256). An XLSX is checked by core.files.inspect_upload, and so is a CSV in
    UTF-8 (as text); a CSV in GB18030, which inspect_upload does not take for text, gets its size limit here and
    its encoding checked when it is read."""
    name = clean_filename(getattr(upload, "name", ""))
    ext = extension(name)
    if ext not in files.EXTENSIONS:
        raise InvalidInput(_("Upload an XLSX or CSV file."), code="file_type",
                           errors={"file": [_("File type not allowed.")]})
    if ext == "xlsx":
        _name, _type, size, sha256 = inspect_upload(upload)
    elif _utf8(upload):
        _name, _type, size, sha256 = inspect_upload(_AsText(upload))
    else:
        size, sha256 = _sized(upload)
    return name, ext, size, sha256


class _AsText:
    """The upload under a .txt name, for inspect_upload's size, text and SHA-256 checks."""

    def __init__(self, upload):
        self._upload, self.name, self.size = upload, "upload.txt", upload.size

    def __getattr__(self, name):
        return getattr(self._upload, name)


def _utf8(upload) -> bool:
    upload.seek(0)
    head = upload.read(64 * 1024)
    upload.seek(0)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a character cut by the window
    return True


def _sized(upload) -> tuple[int, str]:
    if upload.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
        raise InvalidInput(_("The file is larger than the limit of %(mb)s MB.") % {"mb": settings.MAX_UPLOAD_MB},
                           code="file_too_large", errors={"file": [_("File too large.")]})
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return upload.size, digest.hexdigest()


def start_import(*, by, kind: str, upload) -> ImportJob:
    """Keep the uploaded file as a new job and check it: at once when it is small, in the background otherwise."""
    kind = _kind(kind)
    require_import(by, kind)
    if upload is None:
        raise InvalidInput(errors={"file": [_("Choose a file.")]})
    name, ext, size, sha256 = _inspect(upload)
    table = files.read_table(upload, ext)
    if not table.rows:
        raise InvalidInput(_("The file has no rows below its header row."), code="file_empty",
                           errors={"file": [_("The file has no rows.")]})
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}.{ext}", upload)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(kind=kind, file=stored, original_name=name, size=size, sha256=sha256,
                                           total_rows=len(table.rows), created_by=by)
            if job.total_rows > BACKGROUND_ROWS:
                transaction.on_commit(lambda: _enqueue("check_import", job.pk))
    except BaseException:
        default_storage.delete(stored)
        raise
    if job.total_rows <= BACKGROUND_ROWS:
        job = run_check(job.pk)
    return job


def _enqueue(task: str, job_id: int) -> None:
    from . import tasks

    getattr(tasks, task)(job_id)


def commit_import(job: ImportJob, *, by) -> ImportJob:
    """Import a checked file that had no problems: at once when it is small, in the background otherwise."""
    require_import(by, job.kind)
    if job.created_by_id != by.pk and not by.is_admin:
        raise PermissionDenied()
    with transaction.atomic():
        # One click, one import: the status moves on only if it is still "checked" (a second click finds it moved).
        claimed = ImportJob.objects.filter(pk=job.pk, status=JobStatus.CHECKED).update(
            status=JobStatus.COMMITTING, processed_rows=0, updated_at=timezone.now())
        if not claimed:
            current = ImportJob.objects.get(pk=job.pk)
            raise IllegalTransition(
                _("This file cannot be imported now: it is %(status)s.") % {"status": current.get_status_display().lower()}
                if not current.problems else _("Correct the problems in the file and upload it again."),
                code="not_checked")
        if job.total_rows > BACKGROUND_ROWS:
            transaction.on_commit(lambda: _enqueue("commit_import", job.pk))
    if job.total_rows <= BACKGROUND_ROWS:
        return run_commit(job.pk)
    return ImportJob.objects.get(pk=job.pk)


# --- running ---------------------------------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"hetong.imports.progress.{job_id}"


def _report_progress(job_id: int, done: int) -> None:
    from huey.contrib.djhuey import HUEY

    try:
        HUEY.put(_progress_key(job_id), done)
    except Exception:  # progress is a courtesy: never let it stop an import
        log.warning("could not store the progress of import %s", job_id, exc_info=True)


def _forget_progress(job_id: int) -> None:
    from huey.contrib.djhuey import HUEY

    try:
        HUEY.delete(_progress_key(job_id))
    except Exception:
        log.warning("could not remove the progress of import %s", job_id, exc_info=True)


def progress_of(job: ImportJob) -> int:
    """Rows done so far: from the running task while it runs, from the job row once it is done."""
    if job.running:
        from huey.contrib.djhuey import HUEY

        try:
            done = HUEY.get(_progress_key(job.pk), peek=True)
        except Exception:
            done = None
        if done is not None:
            return min(int(done), job.total_rows)
    return job.processed_rows


def percent_of(job: ImportJob) -> int:
    if not job.total_rows:
        return 100 if not job.running else 0
    return min(100, round(100 * progress_of(job) / job.total_rows))


def read_rows(kind: str, table: files.Table, run: Run) -> list[Row] | None:
    """The rows as values, each cell read by its column; None when the header row is unusable."""
    names = kinds.match_headers(kind)
    by_index: dict[int, kinds.Column] = {}
    unusable = False
    for index, header in enumerate(table.headers):
        if kinds.blank(header):
            continue
        column = names.get(kinds.fold_header(header))
        if column is None:
            run.headers[f"#{index}"] = str(header)
            run.problem(1, f"#{index}", _("Unknown column “%(header)s”.") % {"header": str(header)[:60]})
        elif column.key in run.headers:
            run.problem(1, column.key, _("The column “%(header)s” appears twice.") % {"header": str(header)[:60]})
            unusable = True
        else:
            run.headers[column.key] = str(header).strip()
            by_index[index] = column
    missing = [c for c in kinds.columns(kind) if c.required and c.key not in run.headers]
    for column in missing:
        run.headers[column.key] = column.header()
        run.problem(1, column.key, _("This column is required and missing from the file."))
    if missing or unusable:
        return None
    rows = []
    for number, cells in table.rows:
        row = Row(number=number, values={})
        for index, column in by_index.items():
            raw = cells[index] if index < len(cells) else None
            try:
                value = column.read(raw)
            except kinds.CellError as exc:
                run.problem(number, column.key, exc.message)
                row.bad.add(column.key)
                continue
            if value is None and column.required:
                run.problem(number, column.key, _("This field is required."))
                row.bad.add(column.key)
            row.values[column.key] = value
        rows.append(row)
    return rows


def _sorted_problems(kind: str, problems: list) -> list:
    order = {c.key: n for n, c in enumerate(kinds.columns(kind))}
    ranked = sorted(problems, key=lambda p: (p["row"] or 0, order.get(p["field"], len(order))))
    if len(ranked) > MAX_PROBLEMS:
        more = len(ranked) - MAX_PROBLEMS
        ranked = ranked[:MAX_PROBLEMS] + [{"row": None, "column": "", "field": "", "message": _(
            "%(n)s more problems are not listed: correct these and check the file again.") % {"n": more}}]
    return ranked


def process(kind: str, table: files.Table, *, by, job: ImportJob | None = None, commit: bool) -> Run:
    """Read and write every row in one transaction; kept only when committing and nothing was wrong."""
    run = Run(kind=kind, by=by, job=job, commit=commit,
              on_progress=(lambda done: _report_progress(job.pk, done)) if job is not None else None)
    rows = read_rows(kind, table, run)
    if rows is None:
        return run
    with transaction.atomic():
        WRITERS[kind](run, rows)
        if commit and not run.problems:
            record(actor=by, verb="import.committed", target=job if job is not None else by, data={
                "kind": kind, "job": getattr(job, "pk", None), "file": getattr(job, "original_name", ""),
                "sha256": getattr(job, "sha256", ""), "rows": len(rows), "created": run.created,
                "updated": run.updated, "unchanged": run.unchanged, "created_ids": run.created_ids,
                "changes": {str(pk): diff for pk, diff in run.changed.items()},
            })
        else:
            transaction.set_rollback(True)
    run.problems = _sorted_problems(kind, run.problems)
    return run


def _run(job_id: int, *, commit: bool) -> ImportJob:
    running, done, failed = ((JobStatus.COMMITTING, JobStatus.COMMITTED, JobStatus.FAILED) if commit
                             else (JobStatus.CHECKING, JobStatus.CHECKED, JobStatus.FAILED_CHECK))
    sources = (JobStatus.COMMITTING,) if commit else (JobStatus.UPLOADED, JobStatus.CHECKING)
    if not ImportJob.objects.filter(pk=job_id, status__in=sources).update(status=running, processed_rows=0,
                                                                          updated_at=timezone.now()):
        return ImportJob.objects.get(pk=job_id)  # done already, or claimed by another worker
    _report_progress(job_id, 0)
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    with translation.override(job.created_by.language or None):
        try:
            with job.file.open("rb") as handle:
                table = files.read_table(handle, extension(job.file.name))
            run = process(job.kind, table, by=job.created_by, job=job, commit=commit)
            problems = run.problems
        except Exception as exc:  # a refusal, a lost file or a bug must end the job, not leave it running for ever
            if not isinstance(exc, DomainError):
                log.exception("import %s stopped", job_id)
            run = Run(kind=job.kind, by=job.created_by)
            message = exc.message if isinstance(exc, DomainError) else _(
                "The import stopped on an unexpected error; nothing was imported.")
            problems = [{"row": None, "column": "", "field": "", "message": str(message)}]
    fields = {"status": failed if problems else done, "problems": problems, "processed_rows": job.total_rows,
              "created_count": run.created, "updated_count": run.updated, "unchanged_count": run.unchanged,
              "updated_at": timezone.now()}
    fields["committed_at" if commit else "checked_at"] = timezone.now()
    ImportJob.objects.filter(pk=job_id).update(**fields)
    _forget_progress(job_id)
    return ImportJob.objects.get(pk=job_id)


def run_check(job_id: int) -> ImportJob:
    """The dry run: every row read and written as an import would, then all of it rolled back."""
    return _run(job_id, commit=False)


def run_commit(job_id: int) -> ImportJob:
    return _run(job_id, commit=True)


# --- for scripts and benchmarks --------------------------------------------------------------------------------


def import_rows(kind: str, rows: list[dict], *, by, name: str = "rows.csv") -> ImportJob:
    """Import `rows` ({column key: value}) as if uploaded as a CSV and committed, in this process whatever their
    number: the job is returned checked and, when it had no problems, committed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    columns = kinds.columns(kind)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.en for column in columns])
    for row in rows:
        writer.writerow(["" if row.get(c.key) is None else str(row[c.key]) for c in columns])
    upload = SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")
    kind = _kind(kind)
    require_import(by, kind)
    _name, ext, size, sha256 = _inspect(upload)
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}.{ext}", upload)
    job = ImportJob.objects.create(kind=kind, file=stored, original_name=name, size=size, sha256=sha256,
                                   total_rows=len(rows), created_by=by)
    job = run_check(job.pk)
    if job.status != JobStatus.CHECKED:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.COMMITTING)
    return run_commit(job.pk)
