"""Load the shipped templates and the starter clause library (hetong/documents/seed) through the services, and
generate documents for a few demo contracts so the pages have something to show."""

from collections.abc import Callable

from django.db import transaction

from hetong.contracts.models import Contract, ContractType

from . import services
from .models import Clause, Template


def load_library(by, *, progress: Callable[[str], None] = print) -> dict:
    """Clauses first (approved, since templates name them), then templates. Existing ones are kept as they are."""
    from .seed import CLAUSES, TEMPLATES

    clauses = templates = 0
    with transaction.atomic():
        for row in CLAUSES:
            if Clause.objects.filter(key=row["key"], language=row["language"]).exists():
                continue
            clause = services.create_clause(
                by=by,
                data={k: row[k] for k in ("key", "language", "category", "title")},
                text=row["text"],
                alternatives=row.get("alternatives", []),
            )
            services.approve_clause_version(clause.versions.get(), by=by)
            clauses += 1
        types = {t.code: t.pk for t in ContractType.objects.all()}
        for row in TEMPLATES:
            if Template.objects.filter(name=row["name"]).exists():
                continue
            docx = row["docx"]() if row.get("docx") else None
            services.create_template(
                by=by,
                data={
                    "name": row["name"], "kind": row["kind"], "language": row["language"],
                    "purpose": row.get("purpose", "contract"), "description": row.get("description", ""),
                    "is_standard": row.get("is_standard", False),
                    "contract_types": [types[code] for code in row.get("type_codes", []) if code in types],
                },
                html=row.get("html", ""),
                docx=docx,
                original_name=f"{row['name']}.docx" if docx else "",
            )
            templates += 1
    progress(f"document library: {clauses} clauses, {templates} templates")
    return {"clauses": clauses, "templates": templates}


def generate_samples(by, *, limit: int = 6, progress: Callable[[str], None] = print) -> int:
    """One document for each of a few draft contracts that have line items, from the standard template offered."""
    made = 0
    drafts = (
        Contract.objects.filter(status=Contract.Status.DRAFT, line_items__isnull=False)
        .select_related("customer", "entity", "owner", "department", "contract_type")
        .distinct()
        .order_by("pk")
    )
    for contract in drafts[: limit * 3]:
        template = services.templates_for(contract).filter(is_standard=True, purpose=Template.Purpose.CONTRACT).first()
        if template is None:
            continue
        services.generate_document(contract, template, by=by)
        made += 1
        if made >= limit:
            break
    progress(f"documents generated for {made} demo contracts")
    return made
