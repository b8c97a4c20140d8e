"""Reading an import file (the first sheet of an XLSX, or a CSV in UTF-8 or GB18030) into rows of cells, and writing
the template of each kind (XLSX with an explanation sheet, or CSV)."""

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from hetong.core.errors import InvalidInput
from hetong.core.exports import neutralise

from . import kinds

MAX_ROWS = 50_000
EXTENSIONS = ("xlsx", "csv")
TEMPLATE_FORMATS = EXTENSIONS


@dataclass
class Table:
    headers: list = field(default_factory=list)  # the first row's cells, as written
    rows: list = field(default_factory=list)  # (spreadsheet row number, [cells]) for each row that is not empty


def _too_many() -> InvalidInput:
    return InvalidInput(_("The file has more than %(n)s rows: split it into smaller files.") % {"n": f"{MAX_ROWS:,}"},
                        code="too_many_rows", errors={"file": [_("Too many rows.")]})


def _unreadable() -> InvalidInput:
    return InvalidInput(_("The file could not be read as a spreadsheet. Save it as XLSX or CSV and try again."),
                        code="file_unreadable", errors={"file": [_("The file could not be read.")]})


def _trim(cells) -> list:
    cells = list(cells)
    while cells and kinds.blank(cells[-1]):
        cells.pop()
    return cells


def _collect(lines) -> Table:
    table = Table()
    for number, cells in enumerate(lines, start=1):
        cells = _trim(cells)
        if number == 1:
            table.headers = cells
            continue
        if not cells:
            continue  # an empty line is no record, but the numbers of the rows after it stay as the sheet shows them
        if len(table.rows) >= MAX_ROWS:
            raise _too_many()
        table.rows.append((number, cells))
    return table


def read_xlsx(handle) -> Table:
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _unreadable() from None
    try:
        if not book.worksheets:
            raise _unreadable()
        return _collect(book.worksheets[0].iter_rows(values_only=True))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        if isinstance(exc, InvalidInput):
            raise
        raise _unreadable() from None
    finally:
        book.close()


def decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), or else GB18030 (what Excel on a Chinese Windows saves)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(_("The CSV file is neither UTF-8 nor GB18030 text."), code="file_encoding",
                       errors={"file": [_("The file could not be read.")]})


def read_csv(handle) -> Table:
    text = decode(handle.read())
    if "\0" in text:
        raise _unreadable()
    try:
        return _collect(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise _unreadable() from None


def read_table(handle, extension: str) -> Table:
    handle.seek(0)
    table = read_xlsx(handle) if extension == "xlsx" else read_csv(handle)
    handle.seek(0)
    return table


# --- templates -------------------------------------------------------------------------------------------------


def _example_row(kind: str, user) -> list:
    return [kinds.example_value(column, user) for column in kinds.columns(kind)]


def template_xlsx(kind: str, user) -> bytes:
    """The header row in the user's language, one example row, and a second sheet explaining each column."""
    from .models import Kind

    columns = kinds.columns(kind)
    book = Workbook()
    sheet = book.active
    sheet.title = str(Kind(kind).label)[:31]
    sheet.append([column.header() for column in columns])
    sheet.append([neutralise(value) if not isinstance(value, dt.date) else value for value in _example_row(kind, user)])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for cell in sheet[2]:
        if isinstance(cell.value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    for index, column in enumerate(columns):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.header()) * 2 + 4))
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(_("Columns")[:31])
    notes.append([_("Column"), _("Required"), _("Explanation")])
    for cell in notes[1]:
        cell.font = bold
    for column in columns:
        notes.append([column.header(), _("Yes") if column.required else _("No"), neutralise(kinds.column_help(kind, column))])
    notes.append([])
    notes.append([neutralise(_("The first row holds the headers (in Chinese or English); each row below it is one "
                               "record. Replace the example row with your own."))])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_csv(kind: str, user) -> bytes:
    """The header row in the user's language and one example row, UTF-8 with the BOM Excel looks for."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.header() for column in kinds.columns(kind)])
    writer.writerow([str(neutralise(value)) for value in _example_row(kind, user)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
