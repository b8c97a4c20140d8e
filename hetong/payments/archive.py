"""Receipts and invoices in the customer's archive, each as an entry."""

from django.urls import reverse
from django.utils.translation import gettext as _

from hetong.customers.archive import Entry, Section

from .models import Invoice, Receipt


def source(customer, contracts) -> Section:
    section = Section()
    by_id = {contract.pk: contract for contract in contracts}
    for receipt in Receipt.objects.filter(contract_id__in=by_id).order_by("pk"):
        contract = by_id[receipt.contract_id]
        detail = receipt.get_method_display() + (f" · {_('Reversed')}" if receipt.reversed_at else "")
        section.entries.append(Entry(receipt.received_on, str(_("Receipt")), f"{contract.currency} {receipt.amount:,.2f}",
                                     contract, reverse("contracts:detail", args=[contract.pk]), detail))
    for invoice in Invoice.objects.filter(contract_id__in=by_id).order_by("pk"):
        contract = by_id[invoice.contract_id]
        section.entries.append(Entry(invoice.issued_on, str(_("Invoice")), f"{invoice.number} · {contract.currency} "
                                     f"{invoice.amount:,.2f}", contract, reverse("contracts:detail", args=[contract.pk]),
                                     invoice.get_kind_display()))
    return section
