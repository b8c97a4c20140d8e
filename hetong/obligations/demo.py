"""Believable obligations for the demo's signed and active contracts, made through the services.

Each contract gets the customer's site preparation, a first delivery, a monthly service report and an acceptance
milestone, dated from its effective date. What is due before today is mostly done, with a signed receipt (a small
text file) or an acceptance certificate (a small PDF) as evidence; a few are left overdue, and one is waived.
"""

import datetime as dt
import random
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from hetong.contracts.models import Contract
from hetong.core.dates import add_months, company_today

from . import services
from .models import Obligation

LIMIT = 40  # contracts given obligations; enough for every page to have something to show
MONTHS_OF_REPORTS = 4  # monthly reports already delivered at most, so the demo stays quick


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF showing one line of ASCII text, with a correct cross-reference table."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _receipt(contract: Contract, what: str, day: dt.date) -> SimpleUploadedFile:
    text = (f"交付签收单\n合同编号：{contract.number}\n合同名称：{contract.title}\n交付内容：{what}\n"
            f"签收日期：{day.isoformat()}\n签收单位：{contract.customer.name}\n（演示数据）\n")
    return SimpleUploadedFile("交付签收单.txt", text.encode(), content_type="text/plain")


def _certificate(contract: Contract, day: dt.date) -> SimpleUploadedFile:
    data = tiny_pdf(f"Acceptance certificate {contract.number} {day.isoformat()} (demo)")
    return SimpleUploadedFile("验收证书.pdf", data, content_type="application/pdf")


def _done_on(rng: random.Random, due: dt.date, today: dt.date) -> dt.date:
    return min(today, due + dt.timedelta(days=rng.randint(-5, 3)))


def _load_one(contract: Contract, rng: random.Random, today: dt.date, *, waive: bool) -> int:
    by = contract.owner
    start = contract.effective_date or contract.signed_date or today
    end = contract.end_date
    made = 0

    def add(**data) -> Obligation:
        nonlocal made
        made += 1
        return services.add_obligation(contract, by=by, data=data)

    site = add(title="提供安装现场及网络条件", kind="other", party="customer", due_date=start + dt.timedelta(days=10),
               description="客户方按合同约定提供设备安装场地、电源及网络接入。")
    if site.due_date < today:
        services.complete_obligation(site, by=by, done_on=_done_on(rng, site.due_date, today))
    delivery = add(title="首批设备交付", kind="delivery", due_date=start + dt.timedelta(days=30),
                   description="按附件一清单交付首批设备并完成安装调试。")
    if delivery.due_date < today and rng.random() < 0.85:
        day = _done_on(rng, delivery.due_date, today)
        services.complete_obligation(delivery, by=by, done_on=day, note="设备已到货并安装调试完毕，客户签收。",
                                     evidence=_receipt(contract, delivery.title, day))
    # Monthly reports: the recent ones delivered, the current one open.
    first = max(add_months(start, 1), add_months(today, -MONTHS_OF_REPORTS))
    if end is None or first <= end:
        report = add(title="月度服务报告", kind="report", due_date=first, recurrence="monthly",
                     repeat_until=end or add_months(today, 12),
                     description="每月末提交上月服务情况报告（工单、响应时效、可用率）。")
        late = rng.random() < 0.25  # some teams are behind with their reports
        while report is not None and report.due_date < today - dt.timedelta(days=20 if late else 0):
            services.complete_obligation(report, by=by, done_on=_done_on(rng, report.due_date, today),
                                         note="报告已邮件发送客户。")
            report = Obligation.objects.filter(series=report.series or report, status="open").first()
    acceptance = add(title="项目终验", kind="milestone", due_date=start + dt.timedelta(days=90),
                     description="完成全部交付内容后，由客户出具终验证书。")
    if acceptance.due_date < today and rng.random() < 0.7:
        day = _done_on(rng, acceptance.due_date, today)
        services.complete_obligation(acceptance, by=by, done_on=day, note="客户已出具终验证书。",
                                     evidence=_certificate(contract, day))
    if waive:
        training = add(title="现场操作培训", kind="service", due_date=start + dt.timedelta(days=45))
        services.waive_obligation(training, by=by, reason="客户已自行组织培训，双方确认取消该项服务。")
    return made


def load(progress: Callable[[str], None] = print) -> int:
    """Obligations for up to LIMIT signed or active demo contracts; returns how many were planned."""
    rng = random.Random(42)
    today = company_today()
    contracts = (Contract.objects.filter(status__in=[Contract.Status.SIGNED, Contract.Status.ACTIVE])
                 .select_related("owner", "customer").order_by("pk")[:LIMIT])
    made = 0
    for index, contract in enumerate(contracts):
        with transaction.atomic():
            made += _load_one(contract, rng, today, waive=index == 0)
    progress(f"Obligations: {made} planned on {min(len(contracts), LIMIT)} contracts.")
    return made
