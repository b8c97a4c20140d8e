from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def clean_text(value: str) -> str:
    """Stripped text, refusing what no database column should hold: NUL characters and lone surrogates."""
    if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
        raise ValidationError(_("The text contains characters that are not allowed."), code="bad_characters")
    return value.strip()
