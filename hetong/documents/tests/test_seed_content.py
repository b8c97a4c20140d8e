"""The seeded templates and clauses pass the template checker and render with the catalogue's sample values."""

import zipfile
from functools import cache
from io import BytesIO

import pytest

from hetong.documents.engine import (
    check_sources,
    docx_sources,
    docx_text,
    html_text,
    open_docx,
    render_clause,
    render_docx,
    render_html,
)
from hetong.documents.models import Clause, Language, Template
from hetong.documents.seed import CLAUSE_KEYS, CLAUSES, TEMPLATES
from hetong.documents.variables import Schema, sample_context

SAMPLE = sample_context()
CUSTOMER = SAMPLE["customer"]["name"]
CAPITAL = SAMPLE["totals"]["total_capital"]
CONTRACT_TYPES = {"XS", "CG", "FW", "KJ", "BM", "ZL"}  # contracts/migrations/0004_seed_contract_types.py


@cache
def docx_bytes(name: str) -> bytes:
    return next(t for t in TEMPLATES if t["name"] == name)["docx"]()


def sources(template) -> list[str]:
    if template["kind"] == "docx":
        return docx_sources(open_docx(docx_bytes(template["name"])))
    return [template["html"]]


def clause_values(sample: dict, language: str, kind: str) -> dict:
    return {
        c["key"]: render_clause(c["text"], sample, language=language, kind=kind) for c in CLAUSES if c["language"] == language
    }


def render(template, sample: dict = SAMPLE) -> str:
    context = {
        **sample,
        "clauses_zh": clause_values(sample, "zh-hans", template["kind"]),
        "clauses_en": clause_values(sample, "en", template["kind"]),
    }
    context["clauses"] = context["clauses_en" if template["language"] == "en" else "clauses_zh"]
    if template["kind"] == "docx":
        return docx_text(render_docx(docx_bytes(template["name"]), context, language=template["language"]))
    return html_text(render_html(template["html"], context, language=template["language"]))


ids = [t["name"] for t in TEMPLATES]


def test_every_clause_key_is_in_chinese_and_english_with_fallbacks():
    pairs = {(c["key"], c["language"]) for c in CLAUSES}
    assert len(pairs) == len(CLAUSES)
    assert {"payment", "delivery", "acceptance", "warranty", "confidentiality", "liability_cap", "termination",
            "disputes", "governing_law"} <= set(CLAUSE_KEYS)
    for clause in CLAUSES:
        assert (clause["key"], "zh-hans") in pairs and (clause["key"], "en") in pairs
        assert clause["category"] in Clause.Category.values
        assert clause["language"] in (Language.ZH, Language.EN)
        assert clause["title"] and len(clause["title"]) <= 100
        assert 1 <= len(clause["alternatives"]) <= 2
        for alternative in clause["alternatives"]:
            assert alternative["label"] and len(alternative["label"]) <= 100
            assert alternative["text"] != clause["text"]


@pytest.mark.parametrize("clause", CLAUSES, ids=[f"{c['key']}-{c['language']}" for c in CLAUSES])
def test_clause_texts_pass_the_checker_and_use_no_clauses(clause):
    for text in [clause["text"], *(a["text"] for a in clause["alternatives"])]:
        report = check_sources([text], Schema(extra_keys=[], clause_keys=[]), language=clause["language"])
        assert not report.clause_keys


def test_templates_are_well_formed():
    assert len({t["name"] for t in TEMPLATES}) == len(TEMPLATES)
    standard = {t["name"] for t in TEMPLATES if t["is_standard"]}
    assert standard == {"销售合同", "技术服务合同", "保密协议"}
    for template in TEMPLATES:
        assert template["kind"] in Template.Kind.values
        assert template["purpose"] in Template.Purpose.values
        assert template["language"] in Language.values
        assert set(template["type_codes"]) <= CONTRACT_TYPES
        assert len(template["name"]) <= 100 and len(template["description"]) <= 255
        if template["kind"] == "html":
            assert "<html" not in template["html"] and "<head" not in template["html"]
    assert any(t["purpose"] == "renewal" for t in TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES, ids=ids)
def test_template_passes_the_checker_with_known_clauses(template):
    schema = Schema(extra_keys=[], clause_keys=CLAUSE_KEYS)
    report = check_sources(sources(template), schema, language=template["language"])
    assert "customer.name" in report.variables
    if template["purpose"] == "contract":
        assert {"governing_law", "disputes"} <= report.clause_keys
    if template["language"] == "bilingual":
        assert "clauses_zh.payment" in report.variables and "clauses_en.payment" in report.variables


@pytest.mark.parametrize("template", TEMPLATES, ids=ids)
def test_template_renders_the_sample_contract(template):
    text = render(template)
    assert CUSTOMER in text
    assert SAMPLE["contract"]["number"] in text
    assert "{{" not in text and "{%" not in text
    if template["name"] in ("销售合同", "技术服务合同", "销售合同（中英文）"):
        assert CAPITAL in text
        assert "城市配送服务" in text  # the sample line item, from the repeated table row
    if template["language"] == "bilingual":
        assert SAMPLE["totals"]["total_words"] in text
        assert "Shanghai International Economic and Trade Arbitration Commission" in text
        assert "上海国际经济贸易仲裁委员会" in text


def test_sales_contract_keeps_its_renewal_paragraph_only_when_the_contract_renews():
    template = next(t for t in TEMPLATES if t["name"] == "销售合同")
    renewing = render(template)
    assert "自动续期1 年" in renewing and "双方可以协商续签" not in renewing
    ending = render(template, {**SAMPLE, "contract": {**SAMPLE["contract"], "auto_renew": False}})
    assert "双方可以协商续签" in ending and "自动续期" not in ending


def test_word_templates_are_the_same_bytes_each_time():
    for template in TEMPLATES:
        if template["kind"] == "docx":
            data = template["docx"]()
            assert data == template["docx"]()
            with zipfile.ZipFile(BytesIO(data)) as archive:
                styles = archive.read("word/styles.xml").decode()
            assert 'w:eastAsia="宋体"' in styles and 'w:eastAsia="黑体"' in styles
