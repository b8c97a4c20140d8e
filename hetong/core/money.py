"""Money is a Decimal and a currency code, never a float."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ISO 4217 codes a Chinese company commonly contracts in.
CURRENCIES = [
    ("CNY", _("Chinese yuan")),
    ("USD", _("US dollar")),
    ("EUR", _("Euro")),
    ("HKD", _("Hong Kong dollar")),
    ("JPY", _("Japanese yen")),
    ("GBP", _("Pound sterling")),
    ("SGD", _("Singapore dollar")),
    ("KRW", _("South Korean won")),
    ("TWD", _("New Taiwan dollar")),
    ("AUD", _("Australian dollar")),
]
CURRENCY_CODES = {code for code, _label in CURRENCIES}
MAX_DIGITS = 16
DECIMAL_PLACES = 2
# Below 10^12 so every amount keeps its exact cents even where SQLite stores the column as a double.
MAX_AMOUNT = Decimal("999999999999.99")


def validate_currency(value: str) -> None:
    if value not in CURRENCY_CODES:
        raise ValidationError(_("Unknown currency %(value)s."), code="invalid_currency", params={"value": value})


def parse_amount(value) -> Decimal:
    """A non-negative amount with at most two decimals, from a string, int or Decimal (never a float)."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter an amount such as 12800.00."), code="invalid_amount") from None
    if not amount.is_finite():
        raise ValidationError(_("Enter an amount such as 12800.00."), code="invalid_amount")
    if amount < 0:
        raise ValidationError(_("The amount cannot be negative."), code="negative_amount")
    if amount > MAX_AMOUNT:
        raise ValidationError(_("The amount is too large."), code="invalid_amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("Use at most two decimal places."), code="invalid_amount")
    return amount.quantize(Decimal("0.01"))


# Rates into the base currency (CNY), for approval conditions on amounts and for the dashboard's totals;
# HETONG_FX_RATES overrides them ({"USD": "7.10"}).
DEFAULT_RATES = {
    "CNY": "1", "USD": "7.10", "EUR": "7.80", "HKD": "0.91", "JPY": "0.048", "GBP": "9.10", "SGD": "5.30",
    "KRW": "0.0052", "TWD": "0.22", "AUD": "4.70",
}


def rate(currency: str) -> Decimal:
    from django.conf import settings

    rates = {**DEFAULT_RATES, **getattr(settings, "HETONG_FX_RATES", {})}
    return Decimal(str(rates.get(currency, "1")))
