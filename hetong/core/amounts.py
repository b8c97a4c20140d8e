"""Amounts in words: Chinese capital numerals (大写) for the RMB and English words for any of our currencies.

cn2an writes the capital form; accounting practice (《会计基础工作规范》第五十二条) wants 整 after 元 or 角 when
no 分 follows, which cn2an leaves out after 角, so it is added here.
"""

from decimal import ROUND_HALF_UP, Decimal

import cn2an
from num2words import num2words

CENT = Decimal("0.01")

# (major unit, minor unit or "" where the currency has none in use)
ENGLISH_UNITS = {
    "CNY": ("yuan", "fen"),
    "USD": ("US dollars", "cents"),
    "EUR": ("euros", "cents"),
    "HKD": ("Hong Kong dollars", "cents"),
    "JPY": ("yen", ""),
    "GBP": ("pounds sterling", "pence"),
    "SGD": ("Singapore dollars", "cents"),
    "KRW": ("won", ""),
    "TWD": ("New Taiwan dollars", "cents"),
    "AUD": ("Australian dollars", "cents"),
}


def _cents(amount) -> Decimal:
    value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    if value < 0:
        raise ValueError("amounts in words are for non-negative amounts")
    return value


def capital(amount) -> str:
    """壹万贰仟元整, 壹万贰仟元伍角整, 壹万贰仟元零伍分, 零元整."""
    value = _cents(amount)
    text = cn2an.an2cn(format(value, "f"), "rmb")
    if not text.endswith(("分", "整")):
        text += "整"
    return text


def english(amount, currency: str = "CNY") -> str:
    """Twelve thousand yuan and fifty-six fen only."""
    value = _cents(amount)
    major, minor = ENGLISH_UNITS.get(currency, (currency, "cents"))
    whole, cents = divmod(int(value * 100), 100)
    words = f"{num2words(whole, lang='en')} {major}"
    if cents and minor:
        fraction = f"{num2words(cents, lang='en')} {minor}"
        words = f"{words} and {fraction}" if whole else fraction
    return (words[0].upper() + words[1:] + " only").replace(",", "")
