"""The template checker, the sandbox, rendering and amounts in words."""

import io
from decimal import Decimal

import docx
import pytest
from jinja2.exceptions import SecurityError

from hetong.core import amounts
from hetong.documents import engine
from hetong.documents.missing import Missing
from hetong.documents.variables import CATALOGUE, Schema, sample_context

SCHEMA = Schema(extra_keys=["delivery_place"], clause_keys=["payment"])


def check(source):
    return engine.check_sources([source], SCHEMA)


def refused(source) -> str:
    with pytest.raises(engine.TemplateInvalid) as caught:
        check(source)
    return str(caught.value.message)


def word(*paragraphs, table_rows=None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph().add_run(text)
    if table_rows:
        table = document.add_table(rows=len(table_rows), cols=len(table_rows[0]))
        for row, cells in zip(table.rows, table_rows, strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_plain_template_passes_and_reports_what_it_uses():
    report = check(
        "{{ customer.name }} {{ contract.amount|money }} {% for item in items %}{{ loop.index }} {{ item.name }}"
        "{% endfor %}{% if contract.auto_renew and contract.end_date %}{{ contract.end_date|date_en }}{% endif %}"
        "{{ clauses.payment }} {{ extra.delivery_place|default('—') }}"
    )
    assert {"customer.name", "contract.amount", "items", "contract.auto_renew", "clauses.payment"} <= report.variables
    assert report.clause_keys == {"payment"}


def test_an_unknown_variable_is_refused_by_its_name():
    message = refused("{{ customer.name }} {{ foo.bar }} {{ customer.nickname }}")
    assert "foo.bar" in message and "customer.nickname" in message
    assert "customer.name," not in message


@pytest.mark.parametrize(
    "source, named",
    [
        ("{{ ''.__class__ }}", "__class__"),
        ("{{ ''.__class__.__mro__ }}", "__class__"),
        ("{{ customer._meta }}", "customer._meta"),
        ("{{ customer.name.upper() }}", "call"),
        ("{{ cycler.__init__.__globals__ }}", "__init__"),
        ("{{ items[0] }}", "[ ]"),
        ("{{ 7 * 7 }}", "arithmetic"),
        ("{% set x = customer %}", "set"),
        ("{% include 'other.html' %}", "including"),
        ("{% macro m() %}{% endmacro %}", "macro"),
        ("{{ customer.name|attr('upper') }}", "attr"),
        ("{{ clauses.nope }}", "clauses.nope"),
        ("{{ customer }}", "customer.name"),
        ("{% for c in customer.name %}{% endfor %}", "customer.name"),
        ("{% if customer.name %}", "Syntax error"),
    ],
)
def test_anything_but_plain_variables_filters_loops_and_conditions_is_refused(source, named):
    assert named in refused(source)


@pytest.mark.parametrize("source", ["{{ x.__class__ }}", "{{ x.__class__.__mro__ }}", "{{ x.format.__globals__ }}"])
def test_the_sandbox_is_a_second_wall(source):
    """Even a template that skipped the checker cannot reach Python's internals."""
    env = engine.make_env("zh-hans")
    with pytest.raises((SecurityError, engine.MissingValue)):
        env.from_string(source).render(x="")


def test_a_missing_value_names_its_path_but_is_false_in_a_condition():
    env = engine.make_env("zh-hans")
    assert env.from_string("{% if contract.end_date %}x{% else %}open{% endif %}").render(contract={}) == "open"
    with pytest.raises(engine.MissingValue) as caught:
        env.from_string("{{ contract.end_date }}").render(contract={"end_date": Missing(name="contract.end_date")})
    assert "contract.end_date" in str(caught.value.message)
    with pytest.raises(engine.MissingValue) as caught:
        env.from_string("{{ customer.signatory.name }}").render(customer={"signatory": Missing(name="customer.signatory")})
    assert "customer.signatory.name" in str(caught.value.message)


def test_dates_and_money_print_in_the_templates_language():
    context = sample_context()
    zh = engine.render_html("{{ today }} {{ total }}", {**context, "total": Decimal("12000")}, language="zh-hans")
    en = engine.render_html("{{ today }} {{ today|date_zh }}", context, language="en")
    assert zh == "2026年1月1日 12,000.00"
    assert en == "1 January 2026 2026年1月1日"


def test_values_are_escaped_in_html_and_in_word():
    hostile = {"customer": {"name": "<script>x</script> & Co"}}
    assert "&lt;script&gt;" in engine.render_html("{{ customer.name }}", hostile, language="zh-hans")
    data = engine.render_docx(word("{{ customer.name }}"), hostile, language="zh-hans")
    assert engine.docx_text(data) == "<script>x</script> & Co"


def test_a_word_template_with_a_row_loop_renders_the_same_bytes_twice():
    source = word(
        "客户：{{ customer.name }}",
        "合计：{{ totals.total }}（大写：{{ totals.total_capital }}）",
        table_rows=[["{%tr for item in items %}", "", ""], ["{{ item.name }}", "{{ item.quantity }}", "{{ item.total }}"],
                    ["{%tr endfor %}", "", ""]],
    )
    report = engine.check_sources(engine.docx_sources(engine.open_docx(source)), SCHEMA)
    assert "items" in report.variables
    context = sample_context()
    context["items"] = [
        {"name": "城市配送服务", "quantity": "120", "total": Decimal("11400")},
        {"name": "仓储服务", "quantity": "2", "total": Decimal("600.5")},
    ]
    first = engine.render_docx(source, context, language="zh-hans")
    assert first == engine.render_docx(source, context, language="zh-hans")
    text = engine.docx_text(first)
    assert "城市配送服务 120 11,400.00" in text and "仓储服务 2 600.50" in text
    assert "壹万壹仟肆佰元整" in text


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04broken", word("x")[:200]])
def test_a_broken_or_foreign_upload_is_a_clear_error(data):
    with pytest.raises(engine.TemplateInvalid) as caught:
        engine.open_docx(data)
    assert caught.value.errors["file"]


def test_a_zip_that_is_not_a_word_document_is_refused():
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(engine.TemplateInvalid):
        engine.open_docx(out.getvalue())


def test_every_catalogue_example_is_a_known_path():
    schema = Schema(extra_keys=["x"], clause_keys=["payment"])
    for variable in CATALOGUE:
        if "<key>" in variable.path:
            continue
        if "[]" in variable.path:
            root, leaf = variable.path.split("[].")
            source = f"{{% for row in {root} %}}{{{{ row.{leaf} }}}}{{% endfor %}}"
        else:
            source = f"{{{{ {variable.path} }}}}"
        engine.check_sources([source], schema)


@pytest.mark.parametrize(
    "amount, capital",
    [
        ("12000", "壹万贰仟元整"),
        ("12000.50", "壹万贰仟元伍角整"),
        ("12000.05", "壹万贰仟元零伍分"),
        ("12000.56", "壹万贰仟元伍角陆分"),
        ("0.30", "叁角整"),
        ("0", "零元整"),
        ("100010.10", "壹拾万零壹拾元壹角整"),
    ],
)
def test_capital_numerals_follow_the_accounting_rules(amount, capital):
    assert amounts.capital(Decimal(amount)) == capital


def test_english_words():
    assert amounts.english(Decimal("12000.56")) == "Twelve thousand yuan and fifty-six fen only"
    assert amounts.english(Decimal("0.30"), "USD") == "Thirty cents only"
    assert amounts.english(Decimal("1000"), "JPY") == "One thousand yen only"
