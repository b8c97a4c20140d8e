"""Real signed copies for the demo's signed and active contracts.

Each contract's text becomes a PDF and is signed by our signatory (with the signing entity's company seal) and then
by the customer's signatory, with the same PAdES code as the signing pages (pades.sign_pdf, keys issued by the
deployment's CA, time-stamped by its TSA key). The PDF and the two signatures are pure work on bytes, so they run in
worker processes while the demo goes on creating contracts; only the identities and the stored files touch the
database, in the main process.
"""

import html
import io
import math
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from PIL import Image, ImageDraw

from hetong.core.amounts import capital
from hetong.documents.pdf import SANS

from . import pades, pki, seals
from .models import Authority, SigningIdentity

NUMERALS = dict(enumerate("零一二三四五六七八九十", 0))
SEAL_SIZE = 480
SEAL_RED = (206, 17, 38, 255)


@dataclass(frozen=True)
class Party:
    name: str
    email: str
    certificate_pem: str
    key_encrypted: bytes
    stamp_lines: tuple[str, ...]
    image: bytes | None = None


@dataclass(frozen=True)
class Job:
    html: str
    ours: Party
    theirs: Party
    authority: dict


def seal_png(entity_name: str) -> bytes:
    """A round company seal (公章) for the demo: a red ring, the name along the top arc, a star in the middle."""
    from PIL import ImageFont

    size = SEAL_SIZE
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    centre, ring = size / 2, size * 0.035
    draw.ellipse((ring, ring, size - ring, size - ring), outline=SEAL_RED, width=int(ring * 1.6))
    star = [
        (centre + (size * (0.17 if i % 2 == 0 else 0.07)) * math.sin(math.pi * i / 5),
         centre - (size * (0.17 if i % 2 == 0 else 0.07)) * math.cos(math.pi * i / 5))
        for i in range(10)
    ]
    draw.polygon(star, fill=SEAL_RED)
    font = ImageFont.truetype(str(SANS), int(size * 0.09))
    chars = list(entity_name)[:24]
    spread = min(240.0, 14.0 * len(chars))  # degrees of arc the name takes, centred on the top
    radius = size * 0.36
    for n, char in enumerate(chars):
        angle = -spread / 2 + (spread * n / max(1, len(chars) - 1) if len(chars) > 1 else 0)
        glyph = Image.new("RGBA", (int(size * 0.12), int(size * 0.12)), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), char, font=font, fill=SEAL_RED, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.sin(math.radians(angle)) - glyph.width / 2
        y = centre - radius * math.cos(math.radians(angle)) - glyph.height / 2
        image.alpha_composite(glyph, (int(x), int(y)))
    draw.text((centre, size * 0.74), "合同专用章", font=ImageFont.truetype(str(SANS), int(size * 0.075)),
              fill=SEAL_RED, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def give_entities_seals(entities, *, by) -> None:
    for entity in entities:
        if not entity.seal_sha256:
            seals.upload_seal(entity, data=seal_png(entity.name), by=by)


def contract_html(contract, customer, entity, *, ours: str, theirs: str) -> str:
    """The demo contract's text: parties, subject, price (with 大写), term, and the signature block."""
    e = html.escape
    amount = f"{contract.currency} {contract.amount:,.2f}"
    words = f"（大写：人民币{capital(contract.amount)}）" if contract.currency == "CNY" else ""
    price = (f"合同总价为 {e(amount)}{e(words)}，含税。甲方在收到乙方开具的合法有效发票后三十日内付款。"
             if contract.amount else "价格以双方确认的订单为准，甲方在收到乙方开具的合法有效发票后三十日内付款。")
    term = f"{contract.effective_date or '双方签署之日'} 起至 {contract.end_date or '长期有效'}"
    clauses = [
        f"甲方委托乙方，乙方同意按本合同约定向甲方提供：{e(contract.title)}。",
        price,
        f"合同期限：{e(term)}。",
        "任何一方违反本合同约定的，应赔偿对方因此遭受的全部损失。",
        "因本合同引起的争议，双方协商解决；协商不成的，提交甲方所在地有管辖权的人民法院诉讼解决。",
        "本合同以电子方式签署，与纸质合同具有同等法律效力，自双方签署之日起生效。",
    ]
    if contract.description:
        clauses.insert(1, e(contract.description))
    items = "".join(f"<p>第{NUMERALS[n]}条　{text}</p>" for n, text in enumerate(clauses, 1))
    return (
        "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><style>"
        # One face at one weight: each more would embed another font subset in every demo file.
        "@page{size:A4;margin:22mm 20mm 40mm} *{font-family:'Noto Sans SC',sans-serif;font-weight:normal}"
        "body{font-size:10.5pt;line-height:1.7} h1{text-align:center;font-size:16pt} .meta{color:#444}"
        "td{padding:2px 10px 2px 0;vertical-align:top}"
        "</style></head><body>"
        f"<h1>{e(contract.title)}</h1><p class='meta'>合同编号：{e(contract.number)}</p>"
        f"<table><tr><td>甲方（采购方）：</td><td>{e(customer.name)}</td></tr>"
        f"<tr><td>乙方（供应方）：</td><td>{e(entity.name)}</td></tr></table>"
        f"{items}"
        f"<table style='margin-top:18px'><tr><td>甲方签署人：{e(theirs)}</td><td>乙方签署人：{e(ours)}</td></tr></table>"
        "</body></html>"
    )


def party(identity: SigningIdentity, lines, image: bytes | None = None) -> Party:
    return Party(identity.name, identity.email, identity.certificate_pem, bytes(identity.key_encrypted),
                 tuple(lines), image)


def authority_fields() -> dict:
    ca = pki.authority()
    return {"name": ca.name, "ca_certificate_pem": ca.ca_certificate_pem, "ca_key_encrypted": b"",
            "tsa_certificate_pem": ca.tsa_certificate_pem, "tsa_key_encrypted": bytes(ca.tsa_key_encrypted)}


def sign_job(job: Job) -> bytes:
    """The contract's PDF signed by our side, then the customer's. Pure: no database, safe in a worker."""
    from hetong.documents.pdf import html_to_pdf

    data = html_to_pdf(job.html)
    authority = Authority(**job.authority)
    for index, who in enumerate((job.ours, job.theirs)):
        identity = SigningIdentity(name=who.name, email=who.email, certificate_pem=who.certificate_pem,
                                   key_encrypted=who.key_encrypted)
        data = pades.sign_pdf(data, identity, field_name=f"Signer{index + 1}", stamp_lines=list(who.stamp_lines),
                              stamp_image=who.image, reason="在线签署", index=index, authority=authority)
    return data


class SigningPool:
    """Signs jobs in worker processes (one a CPU), or in this process when `workers` is 0. `submit` returns a
    function that waits for the signed bytes. Inside a transaction (a test) it signs in this process: forking
    needs the database connection closed first."""

    def __init__(self, workers: int | None = None):
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.pool = None
        if self.workers > 0 and not any(connection.in_atomic_block for connection in connections.all()):
            # Forked now, outside any transaction: the workers inherit no open database connection and never use one.
            connections.close_all()
            self.pool = multiprocessing.get_context("fork").Pool(self.workers)

    def submit(self, job: Job) -> Callable[[], bytes]:
        if self.pool is None:
            data = sign_job(job)
            return lambda: data
        pending = self.pool.apply_async(sign_job, (job,))
        return lambda: pending.get(timeout=600)

    def __enter__(self):
        return self

    def __exit__(self, kind, *exc):
        if self.pool is not None:
            if kind is not None:
                self.pool.terminate()
            self.pool.close()
            self.pool.join()


def send_some(*, limit: int = 2, progress: Callable[[str], None] = print) -> int:
    """A few approved demo contracts sent out for signature through the services (a generated PDF, our approver
    and the customer's signatory), so the Signature card and the signing pages have something to show."""
    import datetime as dt

    from django.db import transaction

    from hetong.contracts.models import Contract
    from hetong.core.dates import company_today
    from hetong.documents import services as documents
    from hetong.documents.models import GeneratedDocument, Template

    from . import services

    sent = 0
    approved = Contract.objects.filter(status=Contract.Status.APPROVED).select_related("customer", "owner")
    for contract in approved.order_by("pk")[: limit * 4]:
        contact = contract.customer.contacts.filter(is_signatory=True).exclude(email="").first()
        approver = next((event.actor for event in contract_events(contract, "contract.approve")), None)
        template = documents.templates_for(contract).filter(  # HTML: its PDF is made at once, without LibreOffice
            kind=Template.Kind.HTML, purpose=Template.Purpose.CONTRACT).order_by("-is_standard", "pk").first()
        if contact is None or approver is None or not approver.email or template is None:
            continue
        with transaction.atomic():
            document = documents.generate_document(contract, template, by=contract.owner)
            if document.pdf_status != GeneratedDocument.PdfStatus.READY:
                continue
            request = services.create_request(
                contract, by=contract.owner, document=document, signers=[approver, contact],
                deadline=company_today() + dt.timedelta(days=10), message="请于十日内完成签署，如有疑问请联系我。")
            services.send(request, by=contract.owner)
        sent += 1
        if sent >= limit:
            break
    progress(f"signature requests sent for {sent} demo contracts")
    return sent


def contract_events(contract, verb: str):
    from hetong.audit.models import AuditEvent

    return AuditEvent.objects.for_target(contract).filter(verb=verb).select_related("actor").order_by("-seq")
