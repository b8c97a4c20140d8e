"""The seeded Word templates (销售合同, 技术服务合同, 保密协议), built with python-docx when they are seeded so no
binary file lives in git.

Every `{{ }}` tag sits in a run of its own, so Word never splits it across runs. Conditions that add or drop a
whole paragraph use docxtpl's `{%p %}` tags (the paragraph holding the tag disappears); the line-item table repeats
the one row between its `{%tr for %}` and `{%tr endfor %}` rows. The bytes are the same on every call (fixed
timestamps in the package), so seeding twice gives the same sha256.
"""

import datetime as dt
import io

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from hetong.documents.engine import normalised_zip

SONG, HEI, LATIN = "宋体", "黑体", "Times New Roman"
BODY, CLAUSE, SMALL, TITLE, ARTICLE = "HT Body", "HT Clause", "HT Table", "HT Title", "Heading 1"
FILL = "__________________"
DATE_FILL = "____年___月___日"
NUMERALS = "一二三四五六七八九十"


def zh_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十 (article numbers stay below 100)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else NUMERALS[tens - 1] + "十")
    return head + (NUMERALS[ones - 1] if ones else "")


def tag(path: str, fallback: str | None = None) -> str:
    """`{{ path }}`, or `{{ path|default("fallback") }}` for a value the contract may lack (left to fill by hand)."""
    if fallback is None:
        return "{{ " + path + " }}"
    return "{{ " + path + '|default("' + fallback + '") }}'


def _set_fonts(element, *, latin: str, east_asia: str):
    """Explicit fonts on a style or run; the theme attributes Word would prefer are removed."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _no_borders(table):
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        tag = OxmlElement(f"w:{edge}")
        tag.set(qn("w:val"), "nil")
        borders.append(tag)
    table._tbl.tblPr.append(borders)


def _field(paragraph, code: str):
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in."""
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == code:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {code} "
            run._r.append(instr)
        else:
            run.text = text


class Writer:
    """A Chinese contract on A4: 宋体 body, 黑体 headings, numbered articles (第一条, 第二条, ...)."""

    def __init__(self, title: str, *, number_label: str = "合同编号"):
        self.document = document = docx.Document()
        self.articles = 0
        section = document.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2.5)
        section.left_margin = section.right_margin = Cm(2.5)
        section.header_distance = section.footer_distance = Cm(1.5)
        self._styles()

        header = section.header.paragraphs[0]
        header.style = document.styles[SMALL]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        header.add_run(f"{number_label}：")
        header.add_run("{{ contract.number }}")
        footer = section.footer.paragraphs[0]
        footer.style = document.styles[SMALL]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("第 ")
        _field(footer, "PAGE")
        footer.add_run(" 页 共 ")
        _field(footer, "NUMPAGES")
        footer.add_run(" 页")

        settings = document.settings.element
        # Word and LibreOffice would stretch a justified line that ends in a line break (clauses are one
        # paragraph with breaks): this compatibility flag keeps such lines natural.
        settings.find(qn("w:compat")).insert(0, OxmlElement("w:doNotExpandShiftReturn"))
        theme_lang = settings.find(qn("w:themeFontLang"))
        if theme_lang is not None:
            theme_lang.set(qn("w:eastAsia"), "zh-CN")

        props = document.core_properties
        props.title, props.subject, props.author, props.comments = title, title, "Hetong", ""
        props.keywords, props.last_modified_by, props.revision = "", "Hetong", 1
        props.created = props.modified = dt.datetime(2026, 1, 1)

        self.p(title, style=TITLE)

    def _styles(self):
        styles = self.document.styles
        normal = styles["Normal"]
        normal.font.size = Pt(10.5)
        _set_fonts(normal.element, latin=LATIN, east_asia=SONG)
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
        normal.element.get_or_add_rPr().append(lang)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.line_spacing = 1.3

        body = styles.add_style(BODY, 1)
        body.base_style = normal
        body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        body.paragraph_format.space_after = Pt(2)

        clause = styles.add_style(CLAUSE, 1)
        clause.base_style = body

        small = styles.add_style(SMALL, 1)
        small.base_style = normal
        small.font.size = Pt(9)
        small.paragraph_format.line_spacing = 1.0

        title = styles.add_style(TITLE, 1)
        title.base_style = normal
        title.font.size = Pt(18)
        _set_fonts(title.element, latin=LATIN, east_asia=HEI)
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_after = Pt(12)

        heading = styles[ARTICLE]
        heading.font.size = Pt(12)
        heading.font.bold = False
        heading.font.color.rgb = RGBColor(0, 0, 0)
        _set_fonts(heading.element, latin=LATIN, east_asia=HEI)
        heading.paragraph_format.space_before = Pt(10)
        heading.paragraph_format.space_after = Pt(4)
        heading.paragraph_format.keep_with_next = True

    # --- blocks -----------------------------------------------------------------------------------------------

    def p(self, *parts: str, style: str = BODY, align=None, bold: bool = False, into=None):
        """One paragraph; each part becomes its own run, so a `{{ }}` part is never split."""
        paragraph = (into or self.document).add_paragraph(style=self.document.styles[style])
        if align is not None:
            paragraph.alignment = align
        for part in parts:
            paragraph.add_run(part).bold = bold or None
        return paragraph

    def article(self, heading: str):
        self.articles += 1
        self.p(f"第{zh_number(self.articles)}条　{heading}", style=ARTICLE)

    def clause(self, key: str):
        self.p(tag(f"clauses.{key}"), style=CLAUSE)

    def meta(self, *lines: tuple[str, str]):
        for label, tag in lines:
            self.p(f"{label}：", tag, align=WD_ALIGN_PARAGRAPH.RIGHT)

    def parties(self, customer_role: str, entity_role: str):
        p = self.p
        p(f"{customer_role}：", "{{ customer.name }}", bold=True)
        p("统一社会信用代码：", tag("customer.credit_code", FILL))
        p("住所：", tag("customer.address", FILL))
        p("联系人：", tag("customer.signatory.name", FILL),
          "　　联系电话：", tag("customer.signatory.phone", FILL))
        p("")
        p(f"{entity_role}：", "{{ entity.name }}", bold=True)
        p("统一社会信用代码：", "{{ entity.credit_code }}")
        p("住所：", tag("entity.address", FILL))
        p("法定代表人：", tag("entity.legal_representative", FILL),
          "　　联系电话：", tag("entity.phone", FILL))
        p("联系人：", "{{ contract.owner.name }}", "　　电子邮箱：", tag("contract.owner.email", FILL))
        p("")

    def term(self, noun: str, *, surviving: str = "付款、交付、质量保证及保密义务"):
        """The term, then either tacit renewal or a plain end, chosen by the contract's auto_renew."""
        self.p(f"1. 本{noun}有效期自", tag("contract.effective_date", DATE_FILL),
               "起至", tag("contract.end_date", DATE_FILL), "止。")
        self.p("{%p if contract.auto_renew %}")
        self.p(f"2. 本{noun}期满前", '{{ contract.notice_period|default("三十（30）日") }}',
               f"，任何一方未以书面形式通知另一方不再续约的，本{noun}自动续期", "{{ contract.renewal_term }}",
               f"，续期次数不限；续期期间，本{noun}各项约定继续适用，双方另有书面约定的除外。")
        self.p("{%p else %}")
        self.p(f"2. 本{noun}期满前，双方可以协商续签；双方未就续约签订书面协议的，本{noun}于期满之日终止，"
               f"但双方尚未履行完毕的{surviving}不受影响。")
        self.p("{%p endif %}")

    def bank_account(self):
        self.p("乙方收款账户信息如下：")
        self.p("户　　名：", "{{ entity.name }}")
        self.p("开户银行：", tag("entity.bank_name", FILL))
        self.p("账　　号：", tag("entity.bank_account", FILL))

    def items_table(self):
        """The price schedule: one repeated row per line item, then the total in figures and in 大写."""
        columns = [
            ("序号", 1.1, ("item.index",), WD_ALIGN_PARAGRAPH.CENTER),
            ("产品或服务", 3.2, ("item.name",), None),
            ("规格", 2.3, ("item.specification", ""), None),
            ("单位", 1.1, ("item.unit", ""), WD_ALIGN_PARAGRAPH.CENTER),
            ("数量", 1.3, ("item.quantity",), WD_ALIGN_PARAGRAPH.RIGHT),
            ("单价(含税)", 2.2, ("item.unit_price",), WD_ALIGN_PARAGRAPH.RIGHT),
            ("折扣", 1.1, ("item.discount", "—"), WD_ALIGN_PARAGRAPH.CENTER),
            ("税率", 1.1, ("item.tax_rate",), WD_ALIGN_PARAGRAPH.CENTER),
            ("金额", 2.5, ("item.total",), WD_ALIGN_PARAGRAPH.RIGHT),
        ]
        table = self.document.add_table(rows=6, cols=len(columns))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        header, loop, row, end, total, capital = table.rows
        for grid, (_label, width, _value, _align) in zip(table._tbl.tblGrid.gridCol_lst, columns, strict=True):
            grid.w = Cm(width)  # LibreOffice lays out by the grid, Word by the cell widths
        for i, (label, width, value, align) in enumerate(columns):
            for r in table.rows:
                r.cells[i].width = Cm(width)
            self.p(label, style=SMALL, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, into=_cell(header.cells[i]))
            self.p(tag(*value), style=SMALL, align=align, into=_cell(row.cells[i]))
        # Word repeats the header row on every page the table runs onto.
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        header._tr.get_or_add_trPr().append(flag)
        self.p("{%tr for item in items %}", style=SMALL, into=_cell(loop.cells[0]))
        self.p("{%tr endfor %}", style=SMALL, into=_cell(end.cells[0]))

        label = total.cells[0].merge(total.cells[7])
        self.p("合计（含税）", style=SMALL, align=WD_ALIGN_PARAGRAPH.RIGHT, bold=True, into=_cell(label))
        self.p("{{ totals.total }}", style=SMALL, align=WD_ALIGN_PARAGRAPH.RIGHT, bold=True, into=_cell(total.cells[8]))
        words = capital.cells[0].merge(capital.cells[8])
        self.p("合计金额（大写）：", "{{ totals.total_capital }}", "　　其中增值税税额：", "{{ totals.tax }}",
               style=SMALL, into=_cell(words))
        self.p("", style=SMALL)

    def signatures(self, left: str, right: str, *, noun: str = "合同"):
        end = self.p(f"（以下无正文，为本{noun}签署页）", align=WD_ALIGN_PARAGRAPH.CENTER)
        end.paragraph_format.space_before = Pt(12)
        for paragraph in (end, self.p("")):
            paragraph.paragraph_format.keep_with_next = True
        table = self.document.add_table(rows=6, cols=2)
        _no_borders(table)
        for grid in table._tbl.tblGrid.gridCol_lst:
            grid.w = Cm(8)
        rows = [
            (f"{left}（盖章）：", f"{right}（盖章）："),
            ("{{ customer.name }}", "{{ entity.name }}"),
            ("", ""),
            ("法定代表人或授权代表（签字）：", "法定代表人或授权代表（签字）："),
            ("", ""),
            (f"日期：{DATE_FILL}", f"日期：{DATE_FILL}"),
        ]
        for r, texts in zip(table.rows, rows, strict=True):
            r.height = Cm(0.9)
            for cell, text in zip(r.cells, texts, strict=True):
                cell.width = Cm(8)
                # Keep the block on one page: every row holds on to the next.
                self.p(text, into=_cell(cell)).paragraph_format.keep_with_next = r is not table.rows[-1]

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return normalised_zip(out.getvalue())


def _cell(cell):
    """A table cell emptied of its default paragraph, ready for Writer.p(into=...)."""
    for paragraph in cell.paragraphs:
        paragraph._p.getparent().remove(paragraph._p)
    return cell


# --- shared articles ------------------------------------------------------------------------------------------

def _force_majeure(w: Writer, noun: str = "合同"):
    w.article("不可抗力")
    w.p(f"1. 因不可抗力（指不能预见、不能避免且不能克服的客观情况）不能履行本{noun}的，根据不可抗力的影响，"
        "部分或者全部免除责任，但法律另有规定的除外。当事人迟延履行后发生不可抗力的，不免除其违约责任。")
    w.p("2. 受不可抗力影响的一方应及时通知另一方，以减轻可能给另一方造成的损失，"
        "并应在不可抗力发生之日起十五（15）日内提供相关证明。")


def _notices(w: Writer, noun: str = "合同"):
    w.article("通知与送达")
    w.p(f"1. 本{noun}首部载明的双方地址及联系方式为双方的通知和送达地址，同时适用于争议解决程序中相关文书的送达。"
        f"一方变更通知和送达地址的，应自变更之日起五（5）日内书面通知另一方，否则向原地址的送达视为有效送达。")
    w.p("2. 通知可以采用专人递送、快递或者电子邮件方式发出。以专人递送的，于签收时视为送达；"
        "以快递发出的，于交寄后第三（3）日视为送达；以电子邮件发出的，于电子邮件进入对方指定的系统时视为送达。")


# --- the templates --------------------------------------------------------------------------------------------

def sales_contract() -> bytes:
    """销售合同: 甲方 (the customer) buys from 乙方 (our signing entity)."""
    w = Writer("销售合同")
    w.meta(("合同编号", "{{ contract.number }}"), ("签订日期", tag("contract.signed_date", DATE_FILL)))
    w.parties("甲方（买方）", "乙方（卖方）")
    w.p("根据《中华人民共和国民法典》及其他有关法律、法规的规定，甲乙双方本着平等、自愿、公平、诚实信用的原则，"
        "经友好协商，就甲方向乙方购买产品或服务事宜达成一致，订立本合同，以资共同遵守。")

    w.article("合同标的")
    w.p("1. 甲方向乙方购买下列产品或服务（币种：", "{{ contract.currency_name }}", "）：")
    w.items_table()
    w.p("2. 上述单价及金额均为含增值税价格，已包含产品价款、增值税以及本合同约定由乙方承担的包装、运输和保险费用。")
    w.p("3. 产品的具体型号、技术参数、配置及服务内容以本合同附件（如有）为准；附件与本合同正文不一致的，以本合同正文为准。")

    w.article("合同价款与发票")
    w.p("1. 本合同总价款为", "{{ contract.currency_name }}", " ", "{{ totals.total }}", "（大写：",
        "{{ totals.total_capital }}", "），其中增值税税额为", "{{ totals.tax }}", "，不含税金额为", "{{ totals.net }}", "。")
    w.p("2. 乙方应依照国家税收法律法规向甲方开具合法有效的增值税专用发票。本合同履行期间国家调整适用税率的，"
        "未开具发票部分的不含税价格保持不变，含税价格按调整后的税率相应调整。")

    w.article("付款方式")
    w.clause("payment")
    w.bank_account()

    w.article("交付")
    w.clause("delivery")
    w.article("验收")
    w.clause("acceptance")
    w.article("质量保证")
    w.clause("warranty")

    w.article("违约责任")
    w.p("1. 乙方逾期交付的，每逾期一日，应按逾期交付部分价款的万分之五（0.05%）向甲方支付违约金，"
        "但违约金总额不超过逾期交付部分价款的百分之五（5%）；逾期超过三十（30）日的，甲方有权解除本合同中逾期交付的部分。")
    w.p("2. 甲方逾期付款的，按本合同付款方式条款的约定承担违约责任。")
    w.p("3. 一方违反本合同约定给另一方造成损失的，应当赔偿另一方因此遭受的损失，"
        "但赔偿责任受本合同责任限制条款的约束。")
    w.article("责任限制")
    w.clause("liability_cap")
    w.article("保密")
    w.clause("confidentiality")
    _force_majeure(w)

    w.article("合同期限")
    w.term("合同")
    w.article("合同的解除")
    w.clause("termination")
    w.article("法律适用")
    w.clause("governing_law")
    w.article("争议解决")
    w.clause("disputes")
    _notices(w)

    w.article("其他")
    w.p("1. 本合同经双方法定代表人或者授权代表签字并加盖公章或者合同专用章后生效。")
    w.p("2. 本合同未尽事宜，由双方另行签订书面补充协议；补充协议与本合同具有同等法律效力。")
    w.p("3. 未经另一方事先书面同意，任何一方不得将其在本合同项下的权利或者义务全部或者部分转让给第三方。")
    w.p("4. 本合同附件（如有）为本合同不可分割的组成部分。")
    w.p("5. 本合同一式贰份，甲乙双方各执壹份，具有同等法律效力。")
    w.signatures("甲方", "乙方")
    return w.bytes()


def tech_service_contract() -> bytes:
    """技术服务合同 (《民法典》第二十章 技术合同): 甲方 commissions, 乙方 (our signing entity) serves."""
    w = Writer("技术服务合同")
    w.meta(("合同编号", "{{ contract.number }}"), ("签订日期", tag("contract.signed_date", DATE_FILL)))
    w.parties("委托方（甲方）", "受托方（乙方）")
    w.p("根据《中华人民共和国民法典》及其他有关法律、法规的规定，甲方委托乙方就“", "{{ contract.title }}",
        "”项目提供技术服务。双方经平等协商，在真实、充分地表达各自意愿的基础上，达成如下协议，由双方共同遵守。")

    w.article("服务内容")
    w.p("1. 服务项目：", "{{ contract.title }}", "。",
        "{% if contract.description %}", "服务概述：", "{{ contract.description }}", "{% endif %}")
    w.p("2. 乙方向甲方提供下列技术服务，服务费用明细如下（币种：", "{{ contract.currency_name }}", "）：")
    w.items_table()
    w.p("3. 服务的具体范围、技术要求、交付成果及进度安排，以双方确认的《服务说明书》（附件一）为准；"
        "附件一与本合同正文不一致的，以本合同正文为准。")

    w.article("服务期限")
    w.term("合同", surviving="付款及保密义务")

    w.article("服务费用与发票")
    w.p("1. 本合同服务费用总额为", "{{ contract.currency_name }}", " ", "{{ totals.total }}", "（大写：",
        "{{ totals.total_capital }}", "），其中增值税税额为", "{{ totals.tax }}", "。")
    w.p("2. 除双方另有书面约定外，上述费用已包含乙方为提供本合同约定服务所需的人工、工具及技术资料等费用。"
        "甲方要求乙方提供超出本合同约定范围的服务的，相关费用由双方另行书面确认。")
    w.p("3. 乙方应依照国家税收法律法规向甲方开具合法有效的增值税专用发票。")

    w.article("付款方式")
    w.clause("payment")
    w.bank_account()

    w.article("服务标准与响应")
    w.clause("service_level")

    w.article("甲方的协作义务")
    w.p("1. 甲方应按照服务需要，及时向乙方提供必要的技术资料、数据、工作场地以及网络和系统访问权限等工作条件，"
        "并指定专人负责与乙方的联络和协调。")
    w.p("2. 甲方应对其提供的技术资料和数据的真实性、合法性负责。甲方提供的数据中包含个人信息的，甲方应确保已依法取得必要的授权或者同意；"
        "乙方应仅为履行本合同之目的处理该等个人信息，并采取必要的安全保护措施。")
    w.p("3. 甲方未按约定提供工作条件或者协作，致使服务迟延或者无法进行的，乙方的履行期限相应顺延，由此增加的费用由甲方承担；"
        "经乙方书面催告后三十（30）日内仍未提供的，乙方有权解除本合同，甲方应支付乙方已完成工作的相应费用。")

    w.article("验收")
    w.clause("acceptance")

    w.article("知识产权")
    w.p("1. 乙方在本合同签订前已拥有的技术、软件、工具及其改进，其知识产权归乙方所有。")
    w.p("2. 乙方利用甲方提供的技术资料和工作条件完成的新的技术成果，归乙方所有；甲方利用乙方的工作成果完成的新的技术成果，"
        "归甲方所有。双方另有书面约定的，从其约定。")
    w.p("3. 在甲方付清本合同项下全部费用后，甲方有权为其内部经营之目的使用乙方交付的工作成果；"
        "未经乙方书面同意，甲方不得将工作成果转让、许可第三方使用或者用于向第三方提供服务。")
    w.p("4. 乙方保证其提供的服务及工作成果不侵犯任何第三方的合法权益；第三方就此向甲方主张权利的，"
        "由乙方负责处理，并赔偿甲方因此遭受的损失。")

    w.article("保密")
    w.clause("confidentiality")

    w.article("违约责任")
    w.p("1. 乙方未按本合同约定提供服务的，应当及时采取补救措施；因乙方原因致使服务迟延的，每迟延一日，"
        "应按迟延部分服务费用的万分之五（0.05%）向甲方支付违约金，但违约金总额不超过该部分服务费用的百分之五（5%）。")
    w.p("2. 甲方逾期付款的，按本合同付款方式条款的约定承担违约责任。")
    w.p("3. 一方违反本合同约定给另一方造成损失的，应当赔偿另一方因此遭受的损失，"
        "但赔偿责任受本合同责任限制条款的约束。")
    w.article("责任限制")
    w.clause("liability_cap")
    _force_majeure(w)
    w.article("合同的解除")
    w.clause("termination")
    w.article("法律适用")
    w.clause("governing_law")
    w.article("争议解决")
    w.clause("disputes")
    _notices(w)

    w.article("其他")
    w.p("1. 本合同经双方法定代表人或者授权代表签字并加盖公章或者合同专用章后生效。")
    w.p("2. 本合同未尽事宜，由双方另行签订书面补充协议；补充协议与本合同具有同等法律效力。")
    w.p("3. 乙方可以按照国家有关规定办理技术合同认定登记，甲方应提供必要的协助。")
    w.p("4. 本合同附件为本合同不可分割的组成部分。附件一：服务说明书。")
    w.p("5. 本合同一式贰份，甲乙双方各执壹份，具有同等法律效力。")
    w.signatures("甲方", "乙方")
    return w.bytes()


def nda() -> bytes:
    """保密协议: mutual; 甲方 is the customer, 乙方 our signing entity, and each may disclose to the other."""
    w = Writer("保密协议", number_label="协议编号")
    w.meta(("协议编号", "{{ contract.number }}"), ("签订日期", tag("contract.signed_date", DATE_FILL)))
    w.parties("甲方", "乙方")
    w.p("鉴于：")
    w.p("1. 甲乙双方拟就“", "{{ contract.title }}", "”相关事宜进行洽谈或者开展合作（以下简称“合作事项”）；")
    w.p("2. 在此过程中，一方可能向另一方披露其保密信息，双方均希望该等信息得到妥善保护。")
    w.p("为此，双方根据《中华人民共和国民法典》《中华人民共和国反不正当竞争法》等有关法律、法规的规定，"
        "经友好协商，达成如下协议：")

    w.article("保密信息")
    w.p("1. 本协议所称“保密信息”，是指一方（以下简称“披露方”）为合作事项之目的，以书面、口头、电子或者其他任何形式"
        "向另一方（以下简称“接收方”）披露的，或者接收方因合作事项而知悉的，披露方及其关联方的非公开信息，"
        "包括但不限于技术资料、产品设计、源代码、工艺流程、商业计划、客户及供应商信息、价格、财务数据、经营策略，"
        "以及双方洽谈和合作的事实与内容。")
    w.p("2. 以书面或者电子形式披露的保密信息，披露方应尽可能标明“保密”字样；以口头或者其他形式披露的信息，"
        "按其性质及披露时的情形，一般理性人能够判断其具有保密性的，亦属于保密信息。")
    w.p("3. 本协议所引用的标准条款中所称“本合同”，均指本协议。")

    w.article("保密义务")
    w.p("1. 接收方应对保密信息严格保密，并采取不低于保护其自身同类保密信息的措施（且不低于合理的注意程度）保护保密信息。")
    w.p("2. 接收方仅得为合作事项之目的使用保密信息，不得将其用于任何其他目的。")
    w.p("3. 未经披露方事先书面同意，接收方不得向任何第三方披露保密信息，但可以向为合作事项确需知悉的员工、关联方"
        "以及负有保密义务的律师、会计师等专业顾问披露；接收方应确保上述人员遵守不低于本协议的保密义务，并对其违约行为承担责任。")
    w.p("4. 未经披露方书面同意，接收方不得对披露方提供的样品、软件或者其他材料进行反向工程、反编译或者反汇编。")
    w.p("5. 保密信息中包含个人信息的，接收方应当遵守《中华人民共和国个人信息保护法》等法律法规，"
        "仅在实现合作事项所必需的范围内处理，并采取必要的安全保护措施。")
    w.p("6. 接收方发现保密信息被泄露或者被不当使用的，应立即通知披露方，并采取必要措施防止损失扩大。")

    w.article("例外情形")
    w.p("1. 下列信息不属于保密信息：（1）披露时已为公众所知悉，或者非因接收方违约而为公众所知悉的信息；"
        "（2）接收方在披露前已合法知悉且不负有保密义务的信息；（3）接收方从有权披露的第三方合法获得且不负有保密义务的信息；"
        "（4）接收方未使用保密信息而独立开发的信息。")
    w.p("2. 依照法律法规、监管规定或者司法机关、行政机关的要求必须披露保密信息的，接收方可以在必要范围内披露，"
        "但应在法律允许的范围内事先通知披露方，以便披露方寻求适当的保护措施。")

    w.article("保密信息的返还与销毁")
    w.p("披露方书面要求时，或者本协议终止后，接收方应在十（10）个工作日内归还或者销毁保密信息及其全部副本、摘要"
        "（包括存储于电子介质中的信息），并应披露方要求书面确认。依照法律法规须保留的副本，以及自动备份系统中难以删除的副本除外，"
        "但该等副本仍受本协议约束。")

    w.article("权利保留")
    w.p("1. 保密信息及其知识产权始终归披露方所有。本协议的任何内容均不构成披露方向接收方授予任何专利、商标、著作权、"
        "商业秘密或者其他知识产权的许可。")
    w.p("2. 除法律另有规定外，披露方不对保密信息的准确性或者完整性作出任何保证。")
    w.p("3. 本协议不构成任何一方就合作事项签订其他协议或者进行任何交易的义务。")

    w.article("违约责任")
    w.p("1. 接收方违反本协议的，应赔偿披露方因此遭受的全部损失，包括披露方为调查违约行为及维护权利而支出的合理费用"
        "（包括律师费、诉讼费或者仲裁费、公证费等）。")
    w.p("2. 鉴于违反保密义务可能给披露方造成难以弥补的损害，披露方有权依法申请行为保全等措施，以制止违约行为。")

    w.article("协议期限")
    w.term("协议", surviving="保密义务")
    w.p("3. 本协议终止后，双方在本协议项下的保密义务继续有效三（3）年；对于构成商业秘密的保密信息，"
        "保密义务持续至该信息依法不再构成商业秘密之日。")

    w.article("法律适用")
    w.clause("governing_law")
    w.article("争议解决")
    w.clause("disputes")

    w.article("其他")
    w.p("1. 本协议经双方法定代表人或者授权代表签字并加盖公章或者合同专用章后生效。")
    w.p("2. 本协议构成双方就保密信息达成的完整协议，取代此前双方就同一事项达成的任何口头或者书面约定。"
        "对本协议的任何修改或者补充，须经双方书面签署方为有效。")
    w.p("3. 未经另一方事先书面同意，任何一方不得转让本协议项下的权利和义务。")
    w.p("4. 本协议一式贰份，双方各执壹份，具有同等法律效力。")
    w.signatures("甲方", "乙方", noun="协议")
    return w.bytes()
