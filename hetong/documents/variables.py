"""What a template can say: the catalogue of variables (with labels and examples) and the values for a contract.

A path is dotted; `items[]` marks a list whose elements a `{% for item in items %}` loop walks. Values are plain
dicts, lists, strings, Decimals and dates: the template's `finalize` formats dates and money for its language.
A value the contract lacks is left out, so using it raises a clear error naming the path (see engine.Missing).
"""

import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from hetong.core import amounts

from .missing import Missing

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Variable:
    path: str
    label: object  # a lazy translation
    example: str


# Dates print as 2026年1月1日 in a Chinese template and 1 January 2026 in an English one; `|date_zh` and
# `|date_en` choose explicitly (bilingual templates). Money prints as 12,000.00; `|capital` and `|words`
# spell it out.
CATALOGUE: tuple[Variable, ...] = (
    Variable("customer.name", _("Customer name"), "上海申通供应链管理有限公司"),
    Variable("customer.credit_code", _("Customer unified social credit code"), "91310000MA1FL4XX2K"),
    Variable("customer.address", _("Customer address"), "上海市浦东新区张江路 88 号"),
    Variable("customer.region", _("Customer region"), "上海"),
    Variable("customer.signatory.name", _("Customer's first authorised signatory"), "王伟"),
    Variable("customer.signatory.title", _("Their job title"), "总经理"),
    Variable("customer.signatory.phone", _("Their phone"), "138 0000 0000"),
    Variable("customer.signatory.email", _("Their email"), "wang.wei@example.com"),
    Variable("customer.signatories[].name", _("Each authorised signatory: name"), "王伟"),
    Variable("customer.signatories[].title", _("Each authorised signatory: job title"), "总经理"),
    Variable("customer.signatories[].phone", _("Each authorised signatory: phone"), "138 0000 0000"),
    Variable("customer.signatories[].email", _("Each authorised signatory: email"), "wang.wei@example.com"),
    Variable("entity.name", _("Our signing entity"), "合通科技（上海）有限公司"),
    Variable("entity.name_en", _("Our signing entity, English name"), "Hetong Technology (Shanghai) Co., Ltd."),
    Variable("entity.credit_code", _("Our unified social credit code"), "91310115MA1K3XXXXX"),
    Variable("entity.address", _("Our address"), "上海市徐汇区漕溪北路 1 号"),
    Variable("entity.address_en", _("Our address in English"), "1 Caoxi North Road, Xuhui, Shanghai"),
    Variable("entity.legal_representative", _("Our legal representative"), "李明"),
    Variable("entity.phone", _("Our phone"), "021-6000 0000"),
    Variable("entity.bank_name", _("Our bank"), "招商银行上海分行徐汇支行"),
    Variable("entity.bank_account", _("Our bank account"), "1219 0000 0000 0001"),
    Variable("contract.number", _("Contract number"), "HT-XS-2026-00042"),
    Variable("contract.title", _("Contract title"), "2026 年度物流服务采购合同"),
    Variable("contract.type", _("Contract type"), "销售合同"),
    Variable("contract.amount", _("Contract amount"), "12,000.00"),
    Variable("contract.amount_capital", _("Amount in Chinese capitals (大写)"), "壹万贰仟元整"),
    Variable("contract.amount_words", _("Amount in English words"), "Twelve thousand yuan only"),
    Variable("contract.currency", _("Currency code"), "CNY"),
    Variable("contract.currency_name", _("Currency name"), "人民币"),
    Variable("contract.signed_date", _("Signed date"), "2026年1月1日"),
    Variable("contract.effective_date", _("Effective date"), "2026年1月1日"),
    Variable("contract.end_date", _("End date"), "2026年12月31日"),
    Variable("contract.signing_deadline", _("Signing deadline"), "2025年12月20日"),
    Variable("contract.notice_deadline", _("Notice deadline"), "2026年11月30日"),
    Variable("contract.auto_renew", _("Renews automatically (for conditions)"), "True"),
    Variable("contract.renewal_term", _("Renewal term"), "1 年"),
    Variable("contract.notice_period", _("Notice period"), "30 日"),
    Variable("contract.description", _("Description"), "年度仓储与配送服务"),
    Variable("contract.owner.name", _("Contract owner"), "张三"),
    Variable("contract.owner.email", _("Owner's email"), "zhang.san@example.com"),
    Variable("contract.department", _("Department"), "华东销售部"),
    Variable("extra.<key>", _("An extra field of the contract type, by its key"), "extra.delivery_place"),
    Variable("items[].index", _("Line number"), "1"),
    Variable("items[].code", _("Product code"), "WL-001"),
    Variable("items[].name", _("Product or service"), "城市配送服务"),
    Variable("items[].specification", _("Specification"), "4.2 米厢式货车"),
    Variable("items[].unit", _("Unit"), "车次"),
    Variable("items[].quantity", _("Quantity"), "120"),
    Variable("items[].unit_price", _("Unit price (tax included)"), "100.00"),
    Variable("items[].discount", _("Discount"), "5%"),
    Variable("items[].tax_rate", _("Tax rate"), "9%"),
    Variable("items[].total", _("Line total"), "11,400.00"),
    Variable("totals.count", _("Number of lines"), "3"),
    Variable("totals.list", _("Total before discounts"), "12,000.00"),
    Variable("totals.discount", _("Total discount"), "600.00"),
    Variable("totals.tax", _("Tax included"), "941.28"),
    Variable("totals.net", _("Total excluding tax"), "10,458.72"),
    Variable("totals.total", _("Total"), "11,400.00"),
    Variable("totals.total_capital", _("Total in Chinese capitals (大写)"), "壹万壹仟肆佰元整"),
    Variable("totals.total_words", _("Total in English words"), "Eleven thousand four hundred yuan only"),
    Variable("notice.kind", _("Notice: kind"), "解除通知"),
    Variable("notice.reason", _("Notice: reason"), "协商一致"),
    Variable("notice.effective_date", _("Notice: effective date"), "2026年12月31日"),
    Variable("notice.note", _("Notice: explanation"), "双方经协商一致，同意提前解除合同。"),
    Variable("amendment.number", _("Amendment: number"), "HT-XS-2026-00042-B1"),
    Variable("amendment.title", _("Amendment: title"), "关于调整服务期限及价款的补充协议"),
    Variable("amendment.effective_date", _("Amendment: effective date"), "2027年1月1日"),
    Variable("amendment.reason", _("Amendment: reason for the change"), "双方协商一致，延长服务期限。"),
    Variable("amendment.changes[].term", _("Amendment: changed term"), "合同金额"),
    Variable("amendment.changes[].before", _("Amendment: value before"), "120,000.00"),
    Variable("amendment.changes[].after", _("Amendment: value after"), "150,000.00"),
    Variable("today", _("Today"), "2026年11月26日"),
    Variable("clauses.<key>", _("A clause of the library, in the template's language"), "clauses.payment"),
    Variable("clauses_zh.<key>", _("A clause in Chinese (bilingual templates)"), "clauses_zh.payment"),
    Variable("clauses_en.<key>", _("A clause in English (bilingual templates)"), "clauses_en.payment"),
)

CLAUSE_ROOTS = ("clauses", "clauses_zh", "clauses_en")
NOTICE_KEYS = ("kind", "reason", "effective_date", "note")
# The written notice being generated (kind, reason, effective date, note): hetong.changes sets it around
# generate_document, so a notice template can say why and from when. Outside a notice every notice.* is missing.
NOTICE: ContextVar[dict | None] = ContextVar("document_notice", default=None)
AMENDMENT_KEYS = ("number", "title", "effective_date", "reason")
# The amendment being generated (its number, title, date, reason and its changes as [{term, before, after}]): set by
# hetong.changes.amendments around generate_document. Outside an amendment every amendment.* is missing.
AMENDMENT: ContextVar[dict | None] = ContextVar("document_amendment", default=None)
# Names a loop gives its body beside the loop variable.
LOOP_ATTRIBUTES = frozenset({"index", "index0", "first", "last", "length", "revindex", "revindex0"})


class Schema:
    """The catalogue as a tree: a dict is a group, LIST wraps the element schema, LEAF ends a path."""

    LEAF = "leaf"

    def __init__(self, extra_keys=(), clause_keys=()):
        tree: dict = {}
        for variable in CATALOGUE:
            if "<key>" in variable.path:
                continue
            node = tree
            parts = variable.path.split(".")
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                if part.endswith("[]"):
                    node = node.setdefault(part[:-2], {"[]": {}})["[]"]
                elif last:
                    node[part] = self.LEAF
                else:
                    node = node.setdefault(part, {})
        tree["extra"] = {key: self.LEAF for key in extra_keys}
        for root in CLAUSE_ROOTS:
            tree[root] = {key: self.LEAF for key in clause_keys}
        self.tree = tree

    def first_leaf(self, dotted: str) -> str:
        """A value inside a group, to suggest in an error message (customer -> customer.name)."""
        node, path = self.tree, dotted.split(".")
        for part in path:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        while isinstance(node, dict) and node:
            key = next(iter(node))
            if key == "[]":
                break
            path.append(key)
            node = node[key]
        return ".".join(path)


def _cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    """12.500 -> 12.5, 10.000 -> 10: quantities and rates as people write them."""
    text = format(value.normalize(), "f")
    return text


def _period(number, unit, language) -> str | None:
    if not number:
        return None
    zh = {"days": "日", "weeks": "周", "months": "个月", "years": "年"}
    en = {"days": "day", "weeks": "week", "months": "month", "years": "year"}
    if language == "en":
        word = en.get(unit, unit)
        return f"{number} {word}{'' if number == 1 else 's'}"
    return f"{number} {zh.get(unit, unit)}"


def _fill(prefix: str, data: dict) -> dict:
    """The values, with each one the contract lacks standing as a Missing that names its path."""
    return {k: Missing(name=f"{prefix}.{k}") if v in (None, "") else v for k, v in data.items()}


CURRENCY_NAMES_ZH = {
    "CNY": "人民币", "USD": "美元", "EUR": "欧元", "HKD": "港币", "JPY": "日元", "GBP": "英镑", "SGD": "新加坡元",
    "KRW": "韩元", "TWD": "新台币", "AUD": "澳元",
}


def line_totals(items) -> dict:
    """Totals of line items (model rows or dicts with quantity, unit_price, discount, tax_rate, total)."""
    listed = discount = tax = total = Decimal(0)
    for item in items:
        gross = _cents(item.quantity * item.unit_price)
        listed += gross
        discount += gross - item.total
        tax += _cents(item.total * item.tax_rate / (100 + item.tax_rate))
        total += item.total
    return {"list": listed, "discount": discount, "tax": tax, "net": total - tax, "total": total}


def contract_context(contract, *, language: str, today: dt.date) -> dict:
    """Every value of the catalogue for one contract, read in a fixed number of queries."""
    customer, entity = contract.customer, contract.entity
    signatories = [
        _fill("customer.signatory", {"name": c.name, "title": c.title, "phone": c.phone, "email": c.email})
        for c in customer.contacts.all()
        if c.is_signatory
    ]
    items = list(contract.line_items.select_related("product"))
    totals = line_totals(items)
    en = language == "en"
    extra_fields = {}
    for field in contract.contract_type.lineage_extra_fields():
        value = contract.extra.get(field.key)
        if value in (None, ""):
            extra_fields[field.key] = Missing(name=f"extra.{field.key}")
            continue
        if field.kind == "date":
            try:
                value = dt.date.fromisoformat(value)
            except (TypeError, ValueError):
                continue
        elif field.kind == "boolean":
            value = bool(value)
        extra_fields[field.key] = value
    owner = contract.owner
    return {
        "customer": _fill("customer", {
            "name": customer.name,
            "credit_code": customer.credit_code,
            "address": customer.address,
            "region": customer.region,
            "signatory": signatories[0] if signatories else None,
            "signatories": signatories,
        }),
        "entity": _fill("entity", {
            "name": entity.name,
            "name_en": entity.name_en,
            "credit_code": entity.credit_code,
            "address": entity.address,
            "address_en": entity.address_en,
            "legal_representative": entity.legal_representative,
            "phone": entity.phone,
            "bank_name": entity.bank_name,
            "bank_account": entity.bank_account,
        }),
        "contract": _fill("contract", {
            "number": contract.number,
            "title": contract.title,
            "type": contract.contract_type.name_en if en and contract.contract_type.name_en else contract.contract_type.name,
            "amount": contract.amount,
            "amount_capital": amounts.capital(contract.amount),
            "amount_words": amounts.english(contract.amount, contract.currency),
            "currency": contract.currency,
            "currency_name": contract.currency if en else CURRENCY_NAMES_ZH.get(contract.currency, contract.currency),
            "signed_date": contract.signed_date,
            "effective_date": contract.effective_date,
            "end_date": contract.end_date,
            "signing_deadline": contract.signing_deadline,
            "notice_deadline": contract.notice_deadline,
            "auto_renew": contract.auto_renew,
            "renewal_term": _period(contract.renewal_term, contract.renewal_unit, language) if contract.auto_renew else None,
            "notice_period": _period(contract.notice_period, contract.notice_unit, language),
            "description": contract.description,
            "owner": _fill("contract.owner", {"name": str(owner), "email": owner.email}),
            "department": contract.department.name if contract.department_id else None,
        }),
        "extra": extra_fields,
        "items": [
            _fill("item", {
                "index": str(n),
                "code": item.product.code if item.product_id else None,
                "name": item.name,
                "specification": item.specification,
                "unit": item.unit,
                "quantity": _plain(item.quantity),
                "unit_price": item.unit_price,
                "discount": f"{_plain(item.discount)}%" if item.discount else None,
                "tax_rate": f"{_plain(item.tax_rate)}%",
                "total": item.total,
            })
            for n, item in enumerate(items, start=1)
        ],
        "totals": {
            "count": str(len(items)),
            **totals,
            "total_capital": amounts.capital(totals["total"]),
            "total_words": amounts.english(totals["total"], contract.currency),
        },
        "notice": _fill("notice", {key: (NOTICE.get() or {}).get(key) for key in NOTICE_KEYS}),
        "amendment": {
            **_fill("amendment", {key: (AMENDMENT.get() or {}).get(key) for key in AMENDMENT_KEYS}),
            "changes": [_fill("amendment.change", row) for row in (AMENDMENT.get() or {}).get("changes", [])],
        },
        "today": today,
    }


def sample_context() -> dict:
    """The catalogue's examples as a context: what the template editor's preview shows without a contract."""
    context: dict = {}
    for variable in CATALOGUE:
        if "<key>" in variable.path or variable.path == "today":
            continue
        node = context
        parts = variable.path.split(".")
        for i, part in enumerate(parts):
            if part.endswith("[]"):
                items = node.setdefault(part[:-2], [{}])
                node = items[0]
            elif i == len(parts) - 1:
                node[part] = variable.example
            else:
                node = node.setdefault(part, {})
    context["today"] = dt.date(2026, 1, 1)
    return context
