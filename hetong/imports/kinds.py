"""What each kind of import file holds: its columns in order, their headers in Chinese and English (either is
accepted when reading; a template uses the reader's language), whether they are required, and how a cell is read.

Readers turn a cell (text from a CSV; text, a number, a date or a boolean from an XLSX) into a value, or raise
CellError with a translated message. Empty cells read as None; what an empty value means is the writer's rule.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hetong.contracts.models import PeriodUnit, Status
from hetong.core.exports import FORMULA_STARTS
from hetong.core.money import CURRENCY_CODES, parse_amount
from hetong.core.text import clean_text
from hetong.core.uscc import check_char
from hetong.customers.models import CustomerStatus, Industry, Level
from hetong.payments.models import Installment, Receipt

from .models import Kind

KEY_LENGTH = 100
EXAMPLE_CREDIT_CODE = "91310115MA1HBK3Q2" + check_char("91310115MA1HBK3Q2")
# Statuses an existing contract can be imported in. The ones in between (in review, approved, signing) belong to a
# running approval or signature, which an import cannot bring along: import those as drafts and submit them here.
IMPORT_STATUSES = (Status.DRAFT, Status.SIGNED, Status.ACTIVE, Status.EXPIRED, Status.TERMINATED, Status.CANCELLED)


class CellError(Exception):
    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- readers ---------------------------------------------------------------------------------------------------


def _plain_text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet keeps 13800138000 as a number
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    # Our own exports and templates neutralise formulas with a leading apostrophe: take it off again.
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]
    try:
        return clean_text(text)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


def text(max_length: int) -> Callable:
    def read(value):
        if blank(value):
            return None
        result = _plain_text(value)
        if len(result) > max_length:
            raise CellError(_("Use at most %(n)s characters.") % {"n": max_length})
        return result

    return read


def key(value):
    return text(KEY_LENGTH)(value)


def upper_text(max_length: int) -> Callable:
    plain = text(max_length)

    def read(value):
        result = plain(value)
        return result.upper() if result else result

    return read


DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def date(value):
    if blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = DATE_TEXT.match(str(value).strip())
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise CellError(_("Enter a valid date (YYYY-MM-DD)."))


def amount(value):
    if blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Enter an amount such as 12800.00."))
    try:
        return parse_amount(value)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


def positive_amount(value):
    result = amount(value)
    if result is not None and result <= 0:
        raise CellError(_("The amount must be greater than zero."))
    return result


def whole_number(value):
    if blank(value):
        return None
    try:
        number = Decimal(str(value).strip())
        if number != number.to_integral_value():
            raise ValueError
        number = int(number)
    except (ArithmeticError, ValueError):
        raise CellError(_("Enter a whole number.")) from None
    if not 0 < number <= 3650:
        raise CellError(_("Enter a number between 1 and 3650."))
    return number


YES = {"1", "y", "yes", "true", "on", "是", "√", "✓"}
NO = {"0", "n", "no", "false", "off", "否", "×", "✗"}


def boolean(value):
    if blank(value):
        return None
    if isinstance(value, bool):
        return value
    word = _plain_text(value).lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise CellError(_("Enter yes or no (是 or 否)."))


def _labels(choices) -> dict[str, str]:
    """Each choice by its value and by its label in every language, compared without case and spaces."""
    names = {}
    for value, label in choices:
        names[_fold(value)] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                names.setdefault(_fold(str(label)), value)
    return names


def _fold(word: str) -> str:
    return re.sub(r"\s+", "", str(word)).casefold()


def choice(choices: Callable[[], list]) -> Callable:
    """A value of `choices()` (pairs of value and label), by its value or by its label in either language."""
    cache: dict = {}

    def read(value):
        if blank(value):
            return None
        if "names" not in cache:
            cache["names"] = _labels(choices())
        found = cache["names"].get(_fold(_plain_text(value)))
        if found is None:
            raise CellError(_("“%(value)s” is not one of the allowed values: %(allowed)s.") % {
                "value": _plain_text(value)[:50], "allowed": ", ".join(v for v, _label in choices())})
        return found

    return read


def currency(value):
    result = upper_text(3)(value) if not blank(value) else None
    if result is not None and result not in CURRENCY_CODES:
        raise CellError(_("Unknown currency %(value)s.") % {"value": result})
    return result


def email(value):
    from django.core.validators import validate_email

    result = text(254)(value)
    if result:
        try:
            validate_email(result)
        except ValidationError:
            raise CellError(_("Enter a valid email address.")) from None
    return result


# --- columns ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    read: Callable
    required: bool = False
    help: Promise | str = ""
    # The example row's value (the template's second row): a value, or a function of the downloading user.
    example: object = ""

    def header(self, language: str | None = None) -> str:
        language = language or translation.get_language() or settings.LANGUAGE_CODE
        return self.zh if language.lower().startswith("zh") else self.en


def _status_choices():
    return [(value, label) for value, label in Status.choices if value in IMPORT_STATUSES]


def _today():
    from hetong.core.dates import company_today

    return company_today()


def _entity_example(user):
    from hetong.contracts.models import LegalEntity

    entity = LegalEntity.objects.filter(is_active=True).order_by("id").first()
    return entity.credit_code if entity else ""


CUSTOMER_KEY_HELP = gettext_lazy("The customer's key from the customers import (or its unified social credit code).")
CONTRACT_KEY_HELP = gettext_lazy("The contract's key from the contracts import.")
OWNER_HELP = gettext_lazy("The username of the owner. Empty: you for a new record; a record imported before keeps its owner.")
DEPARTMENT_HELP = gettext_lazy("The department's name. Empty: the owner's department for a new record; a record imported "
                               "before keeps its department.")

COLUMNS: dict[str, list[Column]] = {
    Kind.CUSTOMERS: [
        Column("key", "客户编码", "Customer key", key, True,
               gettext_lazy("Your own id for the customer, from the system it comes from. Importing the same key "
                            "again updates that customer."), "C001"),
        Column("name", "客户名称", "Name", text(200), True, gettext_lazy("The customer's full name."),
               "上海华运物流有限公司"),
        Column("credit_code", "统一社会信用代码", "Unified social credit code", upper_text(18), False,
               gettext_lazy("18 characters. A new key with the code of a customer already here updates that customer."),
               lambda user: EXAMPLE_CREDIT_CODE),
        Column("industry", "行业", "Industry", choice(lambda: Industry.choices), False, gettext_lazy("One of: %(values)s."),
               "logistics"),
        Column("level", "客户等级", "Level", choice(lambda: Level.choices), False, gettext_lazy("One of: %(values)s."),
               "key"),
        Column("region", "地区", "Region", text(60), False, "", "上海"),
        Column("address", "地址", "Address", text(255), False, "", "上海市浦东新区张江路1号"),
        Column("status", "状态", "Status", choice(lambda: CustomerStatus.choices), False,
               gettext_lazy("One of: %(values)s."), "active"),
        Column("owner", "负责人用户名", "Owner username", text(150), False,
               OWNER_HELP, lambda user: user.get_username()),
        Column("department", "部门", "Department", text(100), False,
               DEPARTMENT_HELP, ""),
        Column("notes", "备注", "Notes", text(5000), False, "", ""),
    ],
    Kind.CONTACTS: [
        Column("key", "联系人编码", "Contact key", key, True,
               gettext_lazy("Your own id for the contact. Importing the same key again updates that contact."), "P001"),
        Column("customer", "客户编码", "Customer key", key, True, CUSTOMER_KEY_HELP, "C001"),
        Column("name", "姓名", "Name", text(60), True, "", "王明"),
        Column("title", "职务", "Job title", text(60), False, "", "采购经理"),
        Column("phone", "电话", "Phone", text(30), False, "", "13800138000"),
        Column("email", "邮箱", "Email", email, False, "", "wang.ming@example.com"),
        Column("is_signatory", "授权签字人", "Authorised signatory", boolean, False,
               gettext_lazy("是 or 否 (yes or no)."), "是"),
        Column("notes", "备注", "Notes", text(255), False, "", ""),
    ],
    Kind.CONTRACTS: [
        Column("key", "合同编码", "Contract key", key, True,
               gettext_lazy("Your own id for the contract. Importing the same key again updates that contract."),
               "HT001"),
        Column("number", "合同编号", "Contract number", text(40), False,
               gettext_lazy("Empty: the number rule makes one."), ""),
        Column("title", "合同名称", "Title", text(200), True, "", "年度物流服务合同"),
        Column("customer", "客户编码", "Customer key", key, True, CUSTOMER_KEY_HELP, "C001"),
        Column("contract_type", "合同类型代码", "Type code", upper_text(10), True,
               gettext_lazy("The code of a contract type, e.g. FW."), "FW"),
        Column("entity", "我方签约主体", "Signing entity", text(200), True,
               gettext_lazy("The unified social credit code or the name of one of our signing entities."),
               _entity_example),
        Column("owner", "负责人用户名", "Owner username", text(150), False,
               OWNER_HELP, lambda user: user.get_username()),
        Column("department", "部门", "Department", text(100), False,
               DEPARTMENT_HELP, ""),
        Column("amount", "合同金额", "Amount", amount, True, gettext_lazy("At most two decimals, e.g. 128000.00."),
               Decimal("100000.00")),
        Column("currency", "币种", "Currency", currency, False,
               gettext_lazy("A currency code such as CNY or USD; empty: the default currency."), "CNY"),
        Column("signed_date", "签订日期", "Signed date", date, False,
               gettext_lazy("YYYY-MM-DD. Required for a signed, active, expired or terminated contract."),
               lambda user: _today().replace(month=1, day=1)),
        Column("effective_date", "生效日期", "Effective date", date, False, gettext_lazy("YYYY-MM-DD."),
               lambda user: _today().replace(month=1, day=1)),
        Column("end_date", "到期日期", "End date", date, False,
               gettext_lazy("YYYY-MM-DD, the end of the first term; empty for an evergreen contract."),
               lambda user: _today().replace(year=_today().year + 1, month=12, day=31)),
        Column("auto_renew", "自动续期", "Renews automatically", boolean, False, gettext_lazy("是 or 否 (yes or no)."),
               "否"),
        Column("renewal_term", "续期期限", "Renewal term", whole_number, False,
               gettext_lazy("A whole number; required when the contract renews automatically."), ""),
        Column("renewal_unit", "续期单位", "Renewal term unit", choice(lambda: PeriodUnit.choices), False,
               gettext_lazy("One of: %(values)s."), ""),
        Column("notice_period", "通知期", "Notice period", whole_number, False, gettext_lazy("A whole number."), 30),
        Column("notice_unit", "通知期单位", "Notice period unit", choice(lambda: PeriodUnit.choices), False,
               gettext_lazy("One of: %(values)s."), "days"),
        Column("status", "状态", "Status", choice(_status_choices), False,
               gettext_lazy("One of: %(values)s. Empty: draft."), "active"),
        Column("terminated_on", "解除日期", "Terminated on", date, False,
               gettext_lazy("YYYY-MM-DD; only for a terminated contract, and required for one."), ""),
        Column("description", "说明", "Description", text(5000), False, "", ""),
    ],
    Kind.INSTALLMENTS: [
        Column("contract", "合同编码", "Contract key", key, True, CONTRACT_KEY_HELP, "HT001"),
        Column("label", "名称", "Label", text(100), True,
               gettext_lazy("The installment's name, unique within its contract: importing the same contract key "
                            "and name again updates that installment."), "预付款"),
        Column("kind", "类型", "Kind", choice(lambda: Installment.Kind.choices), False,
               gettext_lazy("One of: %(values)s."), "prepayment"),
        Column("amount", "金额", "Amount", positive_amount, True, gettext_lazy("At most two decimals, e.g. 128000.00."),
               Decimal("30000.00")),
        Column("due_date", "到期日", "Due date", date, False,
               gettext_lazy("YYYY-MM-DD; empty while it waits for an event (delivery, acceptance)."),
               lambda user: _today().replace(month=1, day=31)),
    ],
    Kind.RECEIPTS: [
        Column("contract", "合同编码", "Contract key", key, True, CONTRACT_KEY_HELP, "HT001"),
        Column("key", "回款编码", "Receipt key", key, True,
               gettext_lazy("Your own id for the receipt: a receipt already imported with this key is not recorded "
                            "again."), "R001"),
        Column("received_on", "到账日期", "Received on", date, True, gettext_lazy("YYYY-MM-DD, not in the future."),
               lambda user: _today().replace(month=1, day=1)),
        Column("amount", "金额", "Amount", positive_amount, True,
               gettext_lazy("Allocated to the contract's installments, the oldest due first."), Decimal("10000.00")),
        Column("method", "方式", "Method", choice(lambda: Receipt.Method.choices), False,
               gettext_lazy("One of: %(values)s."), "bank_transfer"),
        Column("payer", "付款方", "Payer", text(200), False, "", "上海华运物流有限公司"),
        Column("reference", "凭证号", "Reference", text(100), False,
               gettext_lazy("Bank serial number, bill number or voucher number."), "20260101-0001"),
    ],
}

CHOICES_OF = {  # the allowed values a column's help lists
    "industry": lambda: Industry.choices, "level": lambda: Level.choices, "status": None,
    "renewal_unit": lambda: PeriodUnit.choices, "notice_unit": lambda: PeriodUnit.choices,
    "method": lambda: Receipt.Method.choices,
}


def columns(kind: str) -> list[Column]:
    return COLUMNS[kind]


def allowed_values(kind: str, column: Column) -> list[tuple[str, str]]:
    if column.key == "status":
        return _status_choices() if kind == Kind.CONTRACTS else list(CustomerStatus.choices)
    if column.key == "kind" and kind == Kind.INSTALLMENTS:
        return list(Installment.Kind.choices)
    source = CHOICES_OF.get(column.key)
    return list(source()) if source else []


def column_help(kind: str, column: Column) -> str:
    """The explanation of a column, with its allowed values as "value (label)"."""
    if not column.help:
        return ""
    values = allowed_values(kind, column)
    listed = ", ".join(f"{value} ({label})" for value, label in values)
    return str(column.help) % {"values": listed} if "%(values)s" in str(column.help) else str(column.help)


def example_value(column: Column, user):
    return column.example(user) if callable(column.example) else column.example


def fold_header(header) -> str:
    """A header compared without case, spaces or a required mark (*)."""
    return re.sub(r"[\s*＊]+", "", str(header or "")).casefold()


def match_headers(kind: str) -> dict[str, Column]:
    found = {}
    for column in COLUMNS[kind]:
        found[fold_header(column.zh)] = column
        found[fold_header(column.en)] = column
        found[fold_header(column.key)] = column
    return found
