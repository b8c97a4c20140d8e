"""Seeded content for document generation: the starter templates and the clause library (seed.clauses.CLAUSES).

Each template is a dict: name, kind ("docx" | "html"), language, purpose, description, type_codes (the contract
type codes of contracts/migrations/0004 it is offered for; empty for every type), is_standard, and either `html`
(the source text) or `docx` (a zero-argument callable that builds the Word file). 甲方 is always the customer and
乙方 our signing entity.
"""

from pathlib import Path

from . import docx
from .clauses import CLAUSE_KEYS, CLAUSES

HTML_DIR = Path(__file__).parent / "html"


def _html(name: str) -> str:
    return (HTML_DIR / name).read_text(encoding="utf-8")


TEMPLATES: list[dict] = [
    {
        "name": "销售合同",
        "kind": "docx",
        "language": "zh-hans",
        "purpose": "contract",
        "description": "标准销售合同（Word）：产品明细表、价款及大写金额、付款、交付、验收、质保、责任限制、续约与争议解决。",
        "type_codes": ["XS"],
        "is_standard": True,
        "docx": docx.sales_contract,
    },
    {
        "name": "技术服务合同",
        "kind": "docx",
        "language": "zh-hans",
        "purpose": "contract",
        "description": "标准技术服务合同（Word）：服务费用明细、服务水平、甲方协作、知识产权归属、保密与责任限制。",
        "type_codes": ["FW"],
        "is_standard": True,
        "docx": docx.tech_service_contract,
    },
    {
        "name": "保密协议",
        "kind": "docx",
        "language": "zh-hans",
        "purpose": "contract",
        "description": "标准双向保密协议（Word）：保密信息定义、保密义务、例外情形、返还销毁、违约责任与协议期限。",
        "type_codes": ["BM"],
        "is_standard": True,
        "docx": docx.nda,
    },
    {
        "name": "销售合同（中英文）",
        "kind": "html",
        "language": "bilingual",
        "purpose": "contract",
        "description": "中英文对照销售合同，适用于涉外客户；两种文本如有不一致，以中文文本为准。",
        "type_codes": ["XS"],
        "is_standard": False,
        "html": _html("sales_bilingual.html"),
    },
    {
        "name": "Mutual Non-Disclosure Agreement",
        "kind": "html",
        "language": "en",
        "purpose": "contract",
        "description": "English mutual NDA under PRC law, for customers who need an English text.",
        "type_codes": ["BM"],
        "is_standard": False,
        "html": _html("nda_en.html"),
    },
    {
        "name": "续约通知函",
        "kind": "html",
        "language": "zh-hans",
        "purpose": "renewal",
        "description": "致客户的续约通知函（含回执），按合同是否自动续约给出不同措辞；适合批量生成。",
        "type_codes": [],
        "is_standard": False,
        "html": _html("renewal_zh.html"),
    },
    {
        "name": "合同解除通知函",
        "kind": "html",
        "language": "zh-hans",
        "purpose": "termination",
        "description": "致客户的合同解除通知函：解除原因、解除生效日、结算与交接安排。",
        "type_codes": [],
        "is_standard": False,
        "html": _html("termination_zh.html"),
    },
    {
        "name": "不续约通知函",
        "kind": "html",
        "language": "zh-hans",
        "purpose": "non_renewal",
        "description": "致客户的不续约通知函：原合同期满后不再续约（含自动续期合同）。",
        "type_codes": [],
        "is_standard": False,
        "html": _html("non_renewal_zh.html"),
    },
    {
        "name": "合同变更通知函",
        "kind": "html",
        "language": "zh-hans",
        "purpose": "change_notice",
        "description": "致客户的合同变更通知函：变更事项及生效日，异议期十日。",
        "type_codes": [],
        "is_standard": False,
        "html": _html("change_notice_zh.html"),
    },
    {
        "name": "补充协议",
        "kind": "html",
        "language": "zh-hans",
        "purpose": "amendment",
        "description": "原合同的补充协议：逐项列明变更条款（变更前、变更后）及生效日，其余条款不变。",
        "type_codes": [],
        "is_standard": False,
        "html": _html("amendment_zh.html"),
    },
]

__all__ = ["CLAUSES", "CLAUSE_KEYS", "TEMPLATES"]
