import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from hetong.core import uscc
from hetong.core.dates import add_months, shift
from hetong.core.errors import InvalidInput
from hetong.core.exports import csv_response, neutralise, xlsx_response
from hetong.core.files import clean_filename
from hetong.core.money import parse_amount
from hetong.core.pagination import Sort, make_cursor, read_cursor

# A real published code, and the example of GB 32100-2015.
VALID = ["91110000802100433B", "91350100M000100Y43"]


@pytest.mark.parametrize("code", VALID)
def test_real_credit_codes_validate(code):
    assert uscc.is_valid(code)
    uscc.validate_uscc(code)


@pytest.mark.parametrize("code", ["91110000802100433C", "9111000080210043", "91110000802100433BX", "9111000080210043IB", ""])
def test_wrong_credit_codes_are_refused(code):
    assert not uscc.is_valid(code)
    with pytest.raises(ValidationError):
        uscc.validate_uscc(code)


@given(st.text(alphabet=uscc.ALPHABET, min_size=17, max_size=17))
def test_every_computed_check_char_validates(body):
    assert uscc.is_valid(body + uscc.check_char(body))


@pytest.mark.parametrize(("raw", "amount"), [("0", "0.00"), ("12,800.5", "12800.50"), (Decimal("1.10"), "1.10"), (7, "7.00")])
def test_amounts_parse_exactly(raw, amount):
    assert parse_amount(raw) == Decimal(amount)


@pytest.mark.parametrize("raw", ["-1", "1.001", "abc", "", "NaN", "Infinity", "1e30"])
def test_bad_amounts_are_refused(raw):
    with pytest.raises(ValidationError):
        parse_amount(raw)


def test_month_arithmetic_clamps_to_month_end():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 3, 31), -1) == dt.date(2028, 2, 29)
    assert shift(dt.date(2026, 12, 31), -3, "months") == dt.date(2026, 9, 30)
    assert shift(dt.date(2026, 3, 1), -2, "weeks") == dt.date(2026, 2, 15)
    assert shift(dt.date(2024, 2, 29), 1, "years") == dt.date(2025, 2, 28)


@pytest.mark.parametrize("value", ["=1+1", "+cmd", "-2", "@SUM(A1)", "\t=1", "\r=1", "\0x", '=HYPERLINK("http://x")'])
def test_formula_starts_are_neutralised(value):
    assert neutralise(value).startswith("'")


def test_plain_values_pass_through():
    assert neutralise("合同") == "合同"
    assert neutralise(Decimal("-5.00")) == Decimal("-5.00")  # numbers stay numbers, never formulas
    assert neutralise(None) == ""


def rows():
    return [{"a": "=1+1", "b": 'quote " and, comma'}, {"a": "@SUM(A1)", "b": "二\n行"}]


COLUMNS = [("A", lambda r: r["a"]), ("B", lambda r: r["b"])]


def test_csv_export_round_trips_and_is_neutralised():
    response = csv_response(COLUMNS, rows(), "x")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed == [["A", "B"], ["'=1+1", 'quote " and, comma'], ["'@SUM(A1)", "二\n行"]]


def test_xlsx_export_has_no_formulas():
    response = xlsx_response(COLUMNS, rows(), "x")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert book.active["A2"].value == "'=1+1"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("../../etc/passwd", "passwd"), ("a\0.pdf", "a.pdf"), ("C:\\x\\合同.pdf", "合同.pdf"),
     ("evil\u202egpj.pdf", "evilgpj.pdf"), (".hidden", "hidden"), ("", "file")],
)
def test_filenames_are_cleaned(raw, clean):
    assert clean_filename(raw) == clean


def test_long_filenames_keep_their_extension():
    name = clean_filename("长" * 500 + ".pdf")
    assert len(name) <= 150 and name.endswith(".pdf")


def test_cursor_round_trip_and_garbage():
    sort = Sort("end_date", kind=dt.date)

    class Row:
        pk = 42
        end_date = dt.date(2026, 5, 1)

    assert read_cursor(sort, make_cursor(sort, Row())) == (dt.date(2026, 5, 1), 42)
    for garbage in ["", "!!!", "bm90IGpzb24", "WzEsMiwzXQ", "WyJ4IiwgImEiXQ"]:
        with pytest.raises(InvalidInput):
            read_cursor(sort, garbage)
