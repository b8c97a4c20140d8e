"""Files to import, made in the test: CSV (in any encoding) or XLSX, with the headers of a kind in either language."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from hetong.imports import kinds


def headers(kind: str, language: str = "en") -> list[str]:
    return [c.en if language == "en" else c.zh for c in kinds.columns(kind)]


def csv_file(kind: str, rows: list[dict], *, language: str = "en", encoding: str = "utf-8",
             name: str = "import.csv") -> SimpleUploadedFile:
    """rows: {column key: value}; every column of the kind, in order."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers(kind, language))
    for row in rows:
        writer.writerow(["" if row.get(c.key) is None else str(row[c.key]) for c in kinds.columns(kind)])
    return SimpleUploadedFile(name, out.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(kind: str, rows: list[dict], *, language: str = "en", name: str = "import.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headers(kind, language))
    for row in rows:
        sheet.append([row.get(c.key) for c in kinds.columns(kind)])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def problems(job) -> list[tuple]:
    return [(p["row"], p["column"]) for p in job.problems]


@pytest.fixture
def customers_imported(admin):
    """Customers C1..C5 imported by key, owned by the administrator."""
    from conftest import make_uscc
    from hetong.imports import services

    rows = [{"key": f"C{n}", "name": f"华运物流有限公司{n}", "credit_code": make_uscc(), "industry": "logistics"}
            for n in range(1, 6)]
    job = services.import_rows("customers", rows, by=admin)
    assert job.status == "committed", job.problems
    return rows
