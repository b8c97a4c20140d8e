"""A contract's files: every upload checked, stored under a generated name, and versioned."""

import datetime as dt
import logging
import uuid

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hetong.accounts.models import Role
from hetong.audit.services import record
from hetong.core.errors import (
    Conflict,
    Frozen,
)
from hetong.core.files import extension, inspect_upload

from ..models import (
    Contract,
    ContractFile,
    FileVersion,
)
from .terms import _field_error, require

log = logging.getLogger(__name__)

# Fields a client may set; anything else in the input is refused, not silently ignored.
# --- files -----------------------------------------------------------------------------------------------


def _store_version(contract, *, upload, by, kind, file: ContractFile | None) -> FileVersion:
    name, content_type, size, sha256 = inspect_upload(upload)
    storage_name = f"contracts/{contract.pk}/{uuid.uuid4().hex}.{extension(name)}"
    stored = default_storage.save(storage_name, upload)
    try:
        with transaction.atomic():
            if file is None:
                file = ContractFile.objects.create(contract=contract, name=name, kind=kind, created_by=by)
                number = 1
            else:
                file = ContractFile.objects.select_for_update().get(pk=file.pk)
                number = (file.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
            version = FileVersion.objects.create(
                file=file, number=number, blob=stored, original_name=name, content_type=content_type, size=size,
                sha256=sha256, uploaded_by=by,
            )
            file.save(update_fields=["updated_at"])
            record(actor=by, verb="contract.file_upload", target=contract,
                   data={"file": file.pk, "name": name, "kind": file.kind, "version": number, "size": size, "sha256": sha256})
    except BaseException:
        # Nothing in the database points at the stored bytes: remove them so no orphan is left behind.
        default_storage.delete(stored)
        raise
    return version


def upload_file(contract: Contract, *, by, upload, kind: str = ContractFile.Kind.ATTACHMENT, file: ContractFile | None = None) -> FileVersion:
    """Add a file to a contract, or a new version of one of its files.

    The contract text (draft kind) changes only while the contract is a draft; the signed copy is added
    before or while recording the signature; attachments may be added at any time before it is closed.
    """
    require(by, "contracts.upload_file", contract)
    kind = file.kind if file is not None else kind
    if kind not in ContractFile.Kind.values:
        raise _field_error("kind", _("Select a valid choice; that one does not exist."))
    if not contract.accepts_file(kind):
        raise Frozen(_("A file of this kind cannot be added while the contract is %(status)s.")
                     % {"status": contract.get_status_display()})
    return _store_version(contract, upload=upload, by=by, kind=kind, file=file)


def stored_file_changed(contract, *, what: str, expected_sha256: str, by=None) -> Conflict:
    """A stored file no longer hashes to what was recorded: log it, put it in the audit chain, tell every active
    administrator (in the inbox and by email), and return the 409 to refuse the download with. Committed on its
    own, so the alert stays even though the request that found it fails. One alert per file a day."""
    from hetong.accounts.models import User
    from hetong.audit.models import AuditEvent
    from hetong.notifications.models import Notification
    from hetong.notifications.services import notify

    log.error("stored %s of contract %s does not match its sha256 %s; not served", what, contract.pk, expected_sha256)
    since = timezone.now() - dt.timedelta(days=1)
    with transaction.atomic():
        already = AuditEvent.objects.filter(
            verb="contract.file_integrity_failed", target_type=contract._meta.label_lower, target_id=str(contract.pk),
            at__gte=since, data__sha256=expected_sha256,
        ).exists()
        if not already:
            record(actor=by, verb="contract.file_integrity_failed", target=contract,
                   data={"what": what, "sha256": expected_sha256})
            admins = User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(role=Role.ADMIN))
            for admin in admins:
                notify(admin, kind=Notification.Kind.SYSTEM,
                       title=gettext_lazy("A stored file of %(number)s has changed") % {"number": contract.number},
                       body=gettext_lazy("The stored %(what)s of contract %(number)s no longer matches the SHA-256 "
                                         "recorded when it was saved (%(sha256)s). Downloads of it are refused until "
                                         "it is restored from a backup.")
                       % {"what": what, "number": contract.number, "sha256": expected_sha256},
                       url=reverse("contracts:detail", args=[contract.pk]), contract=contract)
    return Conflict(_("The stored file has changed or is missing, so it was not served. Administrators have been "
                      "alerted."), code="file_changed")
