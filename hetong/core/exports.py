"""CSV and XLSX exports of a list, with spreadsheet formula injection neutralised (OWASP, ASVS 1.2.10)."""

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
MAX_EXPORT_ROWS = 100_000


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, int | Decimal | dt.date):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


Column = tuple[str, Callable]  # header, getter(row)


def _cells(columns: list[Column], rows: Iterable):
    yield [str(header) for header, _getter in columns]
    for n, row in enumerate(rows):
        if n >= MAX_EXPORT_ROWS:
            break
        yield [neutralise(getter(row)) for _header, getter in columns]


class _Echo:
    def write(self, value):
        return value


def csv_response(columns: list[Column], rows: Iterable, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # BOM: Excel opens UTF-8 CSV with Chinese text correctly
        for cells in _cells(columns, rows):
            yield writer.writerow([str(c) for c in cells])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(columns: list[Column], rows: Iterable, filename: str, title: str = "Sheet1") -> FileResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for cells in _cells(columns, rows):
        sheet.append(cells)
    buffer = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    book.save(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def export_response(fmt: str, columns: list[Column], rows: Iterable, filename: str):
    if fmt == "xlsx":
        return xlsx_response(columns, rows, filename)
    return csv_response(columns, rows, filename)

