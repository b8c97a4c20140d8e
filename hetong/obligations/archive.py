"""Obligations in the customer's archive: each one done or waived as an entry, every evidence file in the dossier."""

from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from hetong.customers.archive import Entry, Section, StoredFile, folder, stored

from .models import EvidenceFile, Obligation, ObligationStatus


def source(customer, contracts) -> Section:
    section = Section()
    by_id = {contract.pk: contract for contract in contracts}
    for item in Obligation.objects.filter(contract_id__in=by_id).exclude(status=ObligationStatus.OPEN).order_by("pk"):
        contract = by_id[item.contract_id]
        day = item.done_on if item.status == ObligationStatus.DONE else item.due_date
        section.entries.append(Entry(day, str(_("Obligations")), item.title, contract,
                                     reverse("contracts:detail", args=[contract.pk]), item.get_status_display()))
    files = EvidenceFile.objects.filter(obligation__contract_id__in=by_id).select_related("obligation").order_by("pk")
    for evidence in files:
        contract = by_id[evidence.obligation.contract_id]
        name = get_valid_filename(f"{evidence.pk}-{evidence.original_name}")
        section.files.append(StoredFile(f"{folder(contract)}/obligations/{name}", stored(evidence.blob), evidence.sha256,
                                        evidence.original_name, contract, timezone.localdate(evidence.uploaded_at)))
    return section
