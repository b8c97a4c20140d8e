"""Believable payment plans, receipts and invoices for the demo's signed and active contracts, made through the
services as the finance user (李会计) would.

Each plan is 30% prepayment on signing, 60% on acceptance a few months later and 10% retention a year after
acceptance (some acceptances not yet dated: the goods are still on their way). Most of what fell due is received,
some only in part, some not at all (overdue); one receipt is reversed (红冲, a bounced acceptance bill); what is
received is mostly invoiced with 13% VAT.
"""

import datetime as dt
import random
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from hetong.accounts.models import Role, User
from hetong.contracts.models import Contract
from hetong.core.dates import add_months, company_today

from . import services
from .models import Invoice, Receipt

LIMIT = 40
VAT = Decimal("0.13")
PAYERS_METHODS = [Receipt.Method.BANK_TRANSFER] * 5 + [Receipt.Method.ACCEPTANCE_BILL]


def _tax(gross: Decimal) -> Decimal:
    return (gross - gross / (1 + VAT)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def load(progress: Callable[[str], None] = print) -> dict:
    rng = random.Random(42)
    today = company_today()
    finance = User.objects.filter(role=Role.FINANCE, is_active=True).order_by("pk").first()
    if finance is None:
        return {"plans": 0, "receipts": 0, "invoices": 0}
    contracts = (Contract.objects.filter(status__in=[Contract.Status.SIGNED, Contract.Status.ACTIVE], amount__gt=0)
                 .select_related("customer").order_by("pk")[:LIMIT])
    counts = {"plans": 0, "receipts": 0, "invoices": 0, "reversed": 0}
    invoice_number = 44120000 + Invoice.objects.count()
    for n, contract in enumerate(contracts):
        start = contract.signed_date or contract.effective_date or today
        acceptance_due = add_months(start, rng.choice([2, 3, 4, 6])) if rng.random() < 0.8 else None
        retention_due = add_months(acceptance_due, 12) if acceptance_due else None
        with transaction.atomic():
            plan = services.save_plan(contract, by=finance, rows=[
                {"kind": "prepayment", "label": "预付款（合同签订后7日内）", "percent": "30",
                 "due_date": start + dt.timedelta(days=7)},
                {"kind": "acceptance", "label": "验收款", "percent": "60", "due_date": acceptance_due},
                {"kind": "retention", "label": "质保金（验收满一年）", "percent": "10", "due_date": retention_due},
            ])
            counts["plans"] += 1
            received = Decimal("0.00")
            for installment in plan.installments:
                if not installment.due_date or installment.due_date > today:
                    continue
                luck = rng.random()
                if luck < 0.2:
                    continue  # not paid: overdue
                share = installment.amount if luck > 0.45 else (installment.amount / 2).quantize(Decimal("0.01"))
                paid_on = min(today, installment.due_date + dt.timedelta(days=rng.randint(0, 20)))
                method = rng.choice(PAYERS_METHODS)
                receipt = services.record_receipt(
                    contract, by=finance, received_on=paid_on, amount=share, method=method,
                    payer=contract.customer.name,
                    reference=(f"CMB{paid_on:%Y%m%d}{rng.randint(1000, 9999)}" if method == Receipt.Method.BANK_TRANSFER
                               else f"汇票{rng.randint(10**7, 10**8 - 1)}"))
                counts["receipts"] += 1
                if counts["reversed"] == 0 and method == Receipt.Method.ACCEPTANCE_BILL:
                    services.reverse_receipt(receipt, by=finance, reason="承兑汇票被拒付，冲销本笔回款")
                    counts["reversed"] += 1
                    continue
                received += share
            if received and n % 4 != 3:  # a few contracts not invoiced yet
                invoice_number += 1
                services.record_invoice(
                    contract, by=finance, number=f"{invoice_number:08d}",
                    kind=Invoice.Kind.SPECIAL if n % 3 else Invoice.Kind.NORMAL,
                    amount=received, tax_amount=_tax(received), issued_on=today)
                counts["invoices"] += 1
    progress(f"Payments: {counts['plans']} plans, {counts['receipts']} receipts ({counts['reversed']} reversed), "
             f"{counts['invoices']} invoices.")
    return counts
