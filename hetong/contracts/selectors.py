"""Reads that build the contract pages: the list's rows and the detail page's facts from several apps."""

import hashlib
from decimal import Decimal

import rules
from django.db.models import Prefetch
from django.utils.translation import gettext

from hetong.audit.selectors import history_for

from . import services
from .models import TRANSITIONS, Contract, ContractFile, ExtraField, FileVersion, Status

# Badge colour per status (Tabler colour names), kept here so templates compare no status literals.
STATUS_COLOURS = {
    Status.DRAFT: "secondary",
    Status.IN_REVIEW: "azure",
    Status.APPROVED: "indigo",
    Status.SIGNING: "purple",
    Status.SIGNED: "teal",
    Status.ACTIVE: "green",
    Status.EXPIRED: "orange",
    Status.RENEWED: "cyan",
    Status.TERMINATED: "red",
    Status.CANCELLED: "dark",
}
# The way a contract normally goes; the stepper shows where it is on it.
MAIN_PATH = [Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.SIGNING, Status.SIGNED, Status.ACTIVE]
AFTER_ACTIVE = {Status.EXPIRED, Status.RENEWED, Status.TERMINATED}
# Which inputs each action's form asks for (the services say which ones are required).
ACTION_INPUTS = {
    "reject": {"note"},
    "cancel": {"note"},
    "terminate": {"note", "terminated_on"},
    "sign": {"signed_date", "signed_file"},
}
ACTION_BUTTONS = {"approve": "success", "reject": "danger", "terminate": "danger", "cancel": "outline-danger"}
ENDS_SOON_DAYS = 30


def money(amount: Decimal | None) -> str:
    """1234567.5 -> "1,234,567.50" in every language (zh-Hans has no thousands separator in Django's locale,
    but Chinese finance pages group by thousands with commas)."""
    return "" if amount is None else f"{amount:,.2f}"


def list_queryset(user):
    return Contract.objects.visible_to(user).select_related(
        "customer", "contract_type", "owner", "department"
    )


def decorate(rows) -> list[Contract]:
    """Presentation facts for list rows (no queries)."""
    for row in rows:
        row.status_colour = STATUS_COLOURS.get(row.status, "secondary")
        row.amount_display = money(row.amount)
        days = row.days_to_end
        row.ends_soon = (
            days is not None and 0 <= days <= ENDS_SOON_DAYS and row.status in (Status.SIGNED, Status.ACTIVE)
        )
    return list(rows)


def export_rows(qs):
    """The export's rows, streamed in chunks with their tags (a constant number of queries per chunk)."""
    return (
        qs.select_related("customer", "contract_type", "owner", "department")
        .prefetch_related("tags")
        .iterator(chunk_size=500)
    )


def _stepper(contract: Contract) -> list[dict]:
    status = Status.ACTIVE if contract.status in AFTER_ACTIVE else contract.status
    return [{"label": Status(step).label, "active": step == status} for step in MAIN_PATH]


def _extra_values(contract: Contract) -> list[tuple[str, object]]:
    definitions = ExtraField.objects.filter(
        contract_type__in=[t.pk for t in contract.contract_type.lineage()]
    )
    known = {f.key: f for f in definitions}
    rows = []
    for key, field in known.items():
        if key in contract.extra:
            value = contract.extra[key]
            if field.kind == ExtraField.Kind.BOOLEAN:
                value = gettext("Yes") if value else gettext("No")
            rows.append((str(field), value))
    # Values whose definition was removed are still facts of the contract: show them under their key.
    rows += [(key, value) for key, value in contract.extra.items() if key not in known]
    return rows


def _actions(contract: Contract, user, files: list[ContractFile]) -> list[dict]:
    has_signed_file = any(f.kind == ContractFile.Kind.SIGNED for f in files)
    actions = []
    for name in services.allowed_actions(contract, user):
        inputs = set(ACTION_INPUTS.get(name, ()))
        if name == "sign" and has_signed_file:
            inputs.discard("signed_file")
        actions.append(
            {
                "name": name,
                "label": TRANSITIONS[name].label,
                "inputs": inputs,
                "button": ACTION_BUTTONS.get(name, "primary"),
            }
        )
    return actions


def contract_page(contract: Contract, user) -> dict:
    """Everything the detail page shows about one contract the user can see."""
    contract.status_colour = STATUS_COLOURS.get(contract.status, "secondary")
    contract.amount_display = money(contract.amount)
    files = list(
        contract.files.select_related("created_by").prefetch_related(
            Prefetch(
                "versions", queryset=FileVersion.objects.select_related("uploaded_by").order_by("-number")
            )
        )
    )
    for file in files:
        for version in file.versions.all():
            version.sha256_short = version.sha256[:12]
    parties = contract.parties.prefetch_related("signatories")
    days = contract.days_to_end
    return {
        "days_to_end": days,
        "days_since_end": -days if days is not None and days < 0 else None,
        "ends_soon": days is not None and 0 <= days <= ENDS_SOON_DAYS,
        "contract": contract,
        "steps": _stepper(contract),
        "off_path": contract.status not in MAIN_PATH,
        "extra_values": _extra_values(contract),
        "parties": parties,
        "tags": list(contract.tags.all()),
        "actions": _actions(contract, user, files),
        "files": files,
        "can_upload": rules.has_perm("contracts.upload_file", user, contract),
        "can_edit": rules.has_perm("contracts.change_contract", user, contract),
        "file_kinds": [(k, label) for k, label in ContractFile.Kind.choices if contract.accepts_file(k)],
        "default_kind": ContractFile.Kind.ATTACHMENT,
        "interactions": contract.interactions.select_related("author", "contact").order_by("-date", "-id")[
            :50
        ],
        "events": history_for(contract),
    }


def stored_file_intact(version: FileVersion) -> bool:
    """Whether the stored bytes still have the SHA-256 recorded at upload (read in chunks, never whole)."""
    digest = hashlib.sha256()
    try:
        with version.blob.storage.open(version.blob.name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except (OSError, ValueError):
        return False
    return digest.hexdigest() == version.sha256
