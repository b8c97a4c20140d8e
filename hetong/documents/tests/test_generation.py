"""Generating documents: auto-fill, clause versions and choices, frozen results, PDFs with embedded CJK fonts."""

import io
import os
import re
from decimal import Decimal

import pypdf
import pytest
from django.test import TestCase

from hetong.audit.models import AuditEvent
from hetong.contracts.models import LineItem
from hetong.core.errors import PermissionDenied
from hetong.documents import engine, pdf, services
from hetong.documents.models import ClauseVersion, GeneratedDocument, Template, TemplateVersion

CJK = re.compile(r"[\u4e00-\u9fff]")
NOTO = re.compile(r"Noto.?(Serif|Sans).?SC", re.I)

HTML = """<h1>{{ contract.title }}</h1>
<p>合同编号：{{ contract.number }}</p>
<p>甲方：{{ customer.name }}</p><p>乙方：{{ entity.name }}</p>
<table>{% for item in items %}<tr><td>{{ item.index }}</td><td>{{ item.name }}</td><td>{{ item.quantity }}</td>
<td class="num">{{ item.total }}</td></tr>{% endfor %}</table>
<p>合计：{{ totals.total }} 元（大写：{{ totals.total_capital }}）</p>
<h2>付款</h2>{{ clauses.payment }}
"""


@pytest.fixture
def payment(legal):
    clause = services.create_clause(
        by=legal,
        data={"key": "payment", "language": "zh-hans", "category": "payment", "title": "付款条款"},
        text="甲方应于收到发票后三十日内支付合同价款人民币{{ contract.amount }}元。",
        alternatives=[{"label": "六十日", "text": "甲方应于收到发票后六十日内付款。"}],
    )
    services.approve_clause_version(clause.versions.get(), by=legal)
    return clause


@pytest.fixture
def html_template(legal, payment):
    return services.create_template(by=legal, data={"name": "测试销售合同", "kind": "html"}, html=HTML)


@pytest.fixture
def contract(sales_owner, make_customer, make_contract):
    customer = make_customer(sales_owner, name="上海华运物流有限公司")
    contract = make_contract(sales_owner, customer, title="华运物流年度运输服务合同", amount="12000.00")
    for n, (name, qty, price) in enumerate([("城市配送服务", "100", "100.00"), ("仓储服务", "1", "2000.00")]):
        total = Decimal(qty) * Decimal(price)
        LineItem.objects.create(contract=contract, name=name, quantity=qty, unit_price=price, tax_rate=9, total=total,
                                position=n)
    return contract


def pdf_report(data: bytes) -> dict:
    """Text, the fonts that draw CJK characters, whether each is embedded, and glyph 0 (.notdef) uses."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    cjk_fonts, notdef = set(), 0
    embedded = {}
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            descriptor_owner = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descriptor_owner["/FontDescriptor"].get_object()
            embedded[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))

        def visit(text, cm, tm, font, size):
            if font is not None and CJK.search(text or ""):
                cjk_fonts.add(str(font["/BaseFont"]))

        page.extract_text(visitor_text=visit)
        # Identity-H fonts (WeasyPrint): two-byte glyph ids; glyph 0 is .notdef, the "tofu" box.
        content = pypdf.generic.ContentStream(page.get_contents(), reader)
        identity = {n for n, ref in fonts.items() if str(ref.get_object().get("/Encoding")) == "/Identity-H"}
        current = None
        for operands, operator in content.operations:
            if operator == b"Tf":
                current = operands[0]
            elif operator in (b"Tj", b"TJ") and current in identity:
                strings = operands[0] if operator == b"TJ" else [operands[0]]
                for item in strings:
                    if isinstance(item, (pypdf.generic.ByteStringObject, pypdf.generic.TextStringObject)):
                        raw = bytes(item.original_bytes if hasattr(item, "original_bytes") else item)
                        notdef += sum(1 for i in range(0, len(raw) - 1, 2) if raw[i : i + 2] == b"\0\0")
    text = "\n".join(page.extract_text() for page in reader.pages)
    return {"text": re.sub(r"\s+", "", text), "cjk_fonts": cjk_fonts, "embedded": embedded, "notdef": notdef,
            "pages": len(reader.pages)}


def render_page_image(data: bytes):
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    return document[0].render(scale=1).to_pil()


def assert_cjk_renders(data: bytes):
    report = pdf_report(data)
    assert report["cjk_fonts"], "no CJK text drawn"
    for name in report["cjk_fonts"]:
        assert NOTO.search(name), f"CJK drawn with {name}, which has no CJK glyphs"
        assert report["embedded"][name], f"{name} is not embedded"
    assert report["notdef"] == 0
    image = render_page_image(data).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 500, "the rendered page is blank"
    return report


# --- HTML route ------------------------------------------------------------------------------------------------

def test_an_html_template_fills_everything_and_embeds_a_cjk_font(contract, html_template, sales_owner):
    document = services.generate_document(contract, html_template, by=sales_owner)
    assert document.number == 1 and document.pdf_status == "ready" and document.pdf_engine == "weasyprint"
    data = bytes(document.pdf)
    assert data.startswith(b"%PDF") and services.sha256(data) == document.pdf_sha256 == document.sha256
    report = assert_cjk_renders(data)
    for expected in ("上海华运物流有限公司", "城市配送服务", "仓储服务", "12,000.00", "壹万贰仟元整", contract.number,
                     "三十日内支付合同价款人民币12,000.00元"):
        assert expected in report["text"], expected
    assert document.text.count("城市配送服务") == 1
    used = document.clauses.get()
    assert used.clause_version.number == 1 and used.choice == 0 and not document.nonstandard
    event = AuditEvent.objects.filter(verb="document.generated").latest("seq")
    assert event.data["sha256"] == document.sha256 and event.data["text_sha256"] == document.text_sha256


def test_the_same_inputs_give_the_same_text_hash_and_a_new_version(contract, html_template, sales_owner):
    first = services.generate_document(contract, html_template, by=sales_owner)
    second = services.generate_document(contract, html_template, by=sales_owner)
    assert second.number == 2
    assert first.text_sha256 == second.text_sha256 == engine.text_hash(second.text)
    assert first.pdf_sha256 == second.pdf_sha256


def test_an_alternative_clause_is_recorded_as_non_standard(contract, html_template, sales_owner):
    document = services.generate_document(contract, html_template, by=sales_owner, choices={"payment": 1})
    assert document.nonstandard
    used = document.clauses.get()
    assert used.choice == 1 and used.label == "六十日"
    assert "六十日内付款" in document.text and "三十日" not in document.text


@pytest.mark.parametrize("choices", [{"payment": 5}, {"payment": "x"}, {"nope": 0}, {"payment": -1}])
def test_a_choice_that_does_not_exist_is_refused(contract, html_template, sales_owner, choices):
    with pytest.raises(services.InvalidInput):
        services.generate_document(contract, html_template, by=sales_owner, choices=choices)
    assert not GeneratedDocument.objects.exists()


def test_editing_a_clause_changes_only_future_documents(contract, html_template, sales_owner, legal, payment):
    before = services.generate_document(contract, html_template, by=sales_owner)
    draft = services.propose_clause_version(payment, by=legal, text="甲方应于收到发票后十五日内付款。")
    still = services.generate_document(contract, html_template, by=sales_owner)
    assert "三十日" in still.text, "a draft is not used"
    services.approve_clause_version(draft, by=legal)
    after = services.generate_document(contract, html_template, by=sales_owner)
    assert "十五日内付款" in after.text
    before.refresh_from_db()
    assert "三十日" in before.text and before.clauses.get().clause_version.number == 1
    assert after.clauses.get().clause_version.number == 2
    assert ClauseVersion.objects.get(pk=before.clauses.get().clause_version_id).state == "retired"
    lines = services.redline(before.text, after.text)
    changed = [line for line in lines if line["op"] == "change"]
    parts = changed[0]["parts"]
    assert ("insert", "五") in parts and ("delete", "三") in parts and ("equal", "甲方应于收到发票后") in parts


def test_a_new_template_version_leaves_documents_with_theirs(contract, html_template, sales_owner, legal):
    first = services.generate_document(contract, html_template, by=sales_owner)
    services.add_template_version(html_template, by=legal, html=HTML + "<p>附件一：报价单</p>", note="加附件")
    html_template.refresh_from_db()
    second = services.generate_document(contract, html_template, by=sales_owner)
    assert first.template_version.number == 1 and second.template_version.number == 2
    assert "附件一" in second.text and "附件一" not in first.text
    with pytest.raises(services.InvalidInput):
        services.add_template_version(html_template, by=legal, html=HTML + "<p>附件一：报价单</p>")


def test_a_value_the_contract_lacks_is_named_and_nothing_is_stored(contract, legal, sales_owner):
    template = services.create_template(by=legal, data={"name": "续约通知", "kind": "html"},
                                        html="<p>{{ contract.notice_period }} {{ customer.signatory.name }}</p>")
    with pytest.raises(engine.MissingValue) as caught:
        services.generate_document(contract, template, by=sales_owner)
    assert "contract.notice_period" in str(caught.value.message)
    assert not GeneratedDocument.objects.exists()


@pytest.mark.parametrize(
    "source, named",
    [("{{ foo.bar }}", "foo.bar"), ("{{ ''.__class__ }}", "__class__"), ("{{ clauses.missing }}", "clauses.missing")],
)
def test_a_bad_template_is_refused_by_name_and_not_stored(legal, source, named):
    with pytest.raises(engine.TemplateInvalid) as caught:
        services.create_template(by=legal, data={"name": "坏模板", "kind": "html"}, html=source)
    assert named in str(caught.value.message)
    assert not Template.objects.exists() and not TemplateVersion.objects.exists()


def test_a_broken_word_upload_is_refused_and_not_stored(legal):
    with pytest.raises(engine.TemplateInvalid):
        services.create_template(by=legal, data={"name": "坏文件", "kind": "docx"}, docx=b"%PDF-1.7 not a docx")
    assert not Template.objects.exists()


def test_only_legal_and_admins_manage_templates_and_only_movers_generate(contract, html_template, viewer, sales_owner, other_sales):
    with pytest.raises(PermissionDenied):
        services.create_template(by=sales_owner, data={"name": "x", "kind": "html"}, html="<p>x</p>")
    with pytest.raises(PermissionDenied):
        services.generate_document(contract, html_template, by=viewer)


def test_template_html_cannot_reach_files_or_the_network(contract, legal, sales_owner, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    html = f'<img src="file://{secret}"><link rel="stylesheet" href="http://127.0.0.1:9/x.css"><p>{{{{ customer.name }}}}</p>'
    template = services.create_template(by=legal, data={"name": "取文件", "kind": "html"}, html=html)
    document = services.generate_document(contract, template, by=sales_owner)
    assert "TOP-SECRET" not in pypdf.PdfReader(io.BytesIO(bytes(document.pdf))).pages[0].extract_text()
    assert pdf.LocalOnlyFetcher.ALLOWED_FILES == {pdf.SERIF.as_uri(), pdf.SANS.as_uri()}


# --- Word route and the seeded library --------------------------------------------------------------------------

class TestSeededSalesContract(TestCase):
    """The demo's standard 销售合同 (a Word template), through LibreOffice when it is installed."""

    @classmethod
    def setUpTestData(cls):
        from conftest import make_uscc
        from hetong.accounts.models import Department, Role, User
        from hetong.contracts.models import ContractType, LegalEntity
        from hetong.contracts.services import create_contract
        from hetong.customers.services import add_contact, create_customer
        from hetong.documents.demo import load_library

        department = Department.objects.create(name="华东销售部")
        cls.admin = User.objects.create(username="root", role=Role.ADMIN, is_superuser=True, department=department)
        entity = LegalEntity.objects.create(
            name="合通科技（上海）有限公司", credit_code=make_uscc(), address="上海市徐汇区漕溪北路 1 号",
            legal_representative="李明", bank_name="招商银行上海分行", bank_account="121900000000001",
        )
        load_library(cls.admin, progress=lambda _line: None)
        customer = create_customer(by=cls.admin, data={"name": "杭州远景仓储有限公司", "address": "杭州市滨江区江南大道 100 号"})
        add_contact(customer, by=cls.admin, data={"name": "王伟", "title": "总经理", "is_signatory": True})
        cls.contract = create_contract(by=cls.admin, data={
            "title": "2026 年度仓储设备采购合同", "contract_type": ContractType.objects.get(code="XS").pk,
            "customer": customer.pk, "entity": entity.pk, "amount": "12000.50",
            "effective_date": "2026-01-01", "end_date": "2026-12-31",
        })
        for n, (name, qty, price) in enumerate([("电动叉车", "2", "4500.25"), ("货架安装服务", "3", "1000.00")]):
            LineItem.objects.create(contract=cls.contract, name=name, specification="标准", unit="台", quantity=qty,
                                    unit_price=price, tax_rate=13, total=Decimal(qty) * Decimal(price), position=n)
        cls.template = Template.objects.get(name="销售合同")

    def generate(self):
        with self.captureOnCommitCallbacks(execute=True):
            document = services.generate_document(self.contract, self.template, by=self.admin)
        document.refresh_from_db()
        return document

    def test_the_pdf_has_the_customer_every_line_the_total_and_its_capital_form(self):
        document = self.generate()
        assert document.docx_sha256 == services.sha256(bytes(document.docx))
        assert document.pdf_status == "ready", document.pdf_error
        report = assert_cjk_renders(bytes(document.pdf))
        if os.environ.get("HETONG_KEEP_PDF"):
            with open(os.environ["HETONG_KEEP_PDF"], "wb") as out:
                out.write(bytes(document.pdf))
        for expected in ("杭州远景仓储有限公司", "电动叉车", "货架安装服务", "12,000.50", "壹万贰仟元伍角整"):
            assert expected in report["text"], expected
        if os.environ.get("HETONG_REQUIRE_LIBREOFFICE"):
            assert document.pdf_engine == "libreoffice"

    def test_generating_twice_gives_the_same_text_hash_and_docx_bytes(self):
        first, second = self.generate(), self.generate()
        assert (first.number, second.number) == (1, 2)
        assert first.text_sha256 == second.text_sha256
        assert first.docx_sha256 == second.docx_sha256

    def test_the_docx_converts_in_libreoffice_without_error(self):
        binary = pdf.libreoffice()
        if binary is None:
            if os.environ.get("HETONG_REQUIRE_LIBREOFFICE"):
                pytest.fail("LibreOffice is required here (HETONG_REQUIRE_LIBREOFFICE) but not installed")
            pytest.skip("LibreOffice is not installed (the HTML route is tested above)")
        document = self.generate()
        converted = pdf.docx_to_pdf_libreoffice(bytes(document.docx), binary)
        assert "杭州远景仓储有限公司" in pdf_report(converted)["text"]

    def test_without_libreoffice_the_html_route_makes_the_pdf(self):
        with self.settings(HETONG_LIBREOFFICE="off"):
            document = self.generate()
        assert document.pdf_engine == "weasyprint"
        report = assert_cjk_renders(bytes(document.pdf))
        assert "壹万贰仟元伍角整" in report["text"] and "货架安装服务" in report["text"]


def test_the_newest_document_tells_whether_the_text_is_standard(contract, html_template, sales_owner, legal):
    from hetong.documents import selectors

    assert selectors.latest_document(contract) is None and not selectors.uses_nonstandard_text(contract)
    services.generate_document(contract, html_template, by=sales_owner)
    assert selectors.uses_nonstandard_text(contract), "a template that is not the standard one"
    services.update_template(html_template, by=legal, data={"is_standard": True})
    assert not selectors.uses_nonstandard_text(contract)
    services.generate_document(contract, html_template, by=sales_owner, choices={"payment": 1})
    assert selectors.latest_document(contract).number == 2 and selectors.uses_nonstandard_text(contract)
