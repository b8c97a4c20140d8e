"""Template pieces of the documents app that other apps' pages show: a contract's Documents card."""

import rules
from django import template

from ..models import GeneratedDocument

register = template.Library()


@register.inclusion_tag("documents/_documents_card.html", takes_context=True)
def contract_documents_card(context, contract):
    """The contract's generated versions, newest first, in one query: the files and text stay in the database."""
    user = context["request"].user
    documents = list(
        GeneratedDocument.objects.filter(contract=contract)
        .select_related("template_version__template", "created_by")
        .defer("docx", "pdf", "text")
        .order_by("-number")
    )
    return {
        "contract": contract,
        "documents": documents,
        "PdfStatus": GeneratedDocument.PdfStatus,
        "can_generate": rules.has_perm("documents.generate_document", user, contract),
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
