"""Every list export (contracts, customers, obligations, receivables aging): no XLSX cell is a formula (read back with
openpyxl) and no CSV cell starts with = + - @ unescaped, even when people typed them; headers are Chinese in zh-Hans."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from hetong.contracts import services as contracts
from hetong.core.dates import company_today
from hetong.obligations import services as obligations
from hetong.payments import services as payments

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DANGEROUS = ("=", "+", "-", "@")


@pytest.fixture
def planted(admin, sales_owner, manager, finance, make_customer, make_contract):
    customer = make_customer(sales_owner, name='=HYPERLINK("http://example.invalid","点我")')
    contract = make_contract(sales_owner, customer, title="@SUM(1+1)*cmd|' /C calc'!A0")
    contract = contracts.submit_contract(contract, by=sales_owner)
    contract = contracts.approve_contract(contract, by=manager)
    contract = contracts.sign_contract(contract, by=sales_owner, signed_file=SimpleUploadedFile(
        "s.pdf", PDF, content_type="application/pdf"))
    obligations.add_obligation(contract, by=sales_owner, data={"title": "+1 交付验收", "due_date": company_today().isoformat()})
    payments.save_plan(contract, by=finance, rows=[
        {"kind": "prepayment", "label": "-预付款", "percent": "100", "due_date": company_today() - dt.timedelta(days=40)}])
    return contract


URLS = ["/contracts/export/?format={fmt}", "/customers/export/?format={fmt}", "/obligations/?format={fmt}",
        "/payments/aging/?format={fmt}"]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("url", URLS)
def test_no_exported_cell_is_a_formula(planted, admin, url):
    admin.language = "zh-hans"  # headers in the user's language: Chinese
    admin.save(update_fields=["language"])
    client = Client()
    client.force_login(admin)
    xlsx = client.get(url.format(fmt="xlsx"))
    assert xlsx.status_code == 200, url
    book = load_workbook(io.BytesIO(_body(xlsx)))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert len(cells) > 4
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(DANGEROUS)]
    assert any("HYPERLINK" in t or "SUM(" in t or "交付验收" in t for t in texts)  # the planted text is there, inert
    header = "".join(str(c.value) for c in next(book.worksheets[0].iter_rows()))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in header), header

    response = client.get(url.format(fmt="csv"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    assert len(rows) >= 2
    assert not [cell for row in rows for cell in row if cell.startswith(DANGEROUS)]
