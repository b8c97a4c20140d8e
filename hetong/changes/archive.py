"""Written notices in the customer's archive: each notice and delivery as an entry, every proof of delivery in the
dossier (the notice's own document is a generated document of the contract and is there already)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename

from hetong.customers.archive import Entry, Section, StoredFile, folder, stored

from .models import Notice, NoticeDelivery


def source(customer, contracts) -> Section:
    section = Section()
    by_id = {contract.pk: contract for contract in contracts}
    for notice in Notice.objects.filter(contract_id__in=by_id).order_by("pk"):
        contract = by_id[notice.contract_id]
        section.entries.append(Entry(timezone.localdate(notice.created_at), notice.get_kind_display(),
                                     notice.get_reason_display() or notice.note[:200], contract,
                                     reverse("contracts:detail", args=[contract.pk]),
                                     f"{notice.effective_on}"))
    deliveries = NoticeDelivery.objects.filter(notice__contract_id__in=by_id).select_related("notice").order_by("pk")
    for delivery in deliveries:
        contract = by_id[delivery.notice.contract_id]
        section.entries.append(Entry(timezone.localdate(delivery.delivered_at), delivery.get_channel_display(),
                                     delivery.recipient, contract, reverse("contracts:detail", args=[contract.pk]),
                                     delivery.tracking_number or delivery.signing_reference))
        if delivery.proof_sha256:
            name = get_valid_filename(f"{delivery.pk}-{delivery.proof_name}")
            section.files.append(StoredFile(f"{folder(contract)}/notices/{name}", stored(delivery.proof),
                                            delivery.proof_sha256, delivery.proof_name, contract,
                                            timezone.localdate(delivery.delivered_at)))
    return section
