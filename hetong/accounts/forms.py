"""Forms of the account pages, and the two helpers every page form uses: Tabler widget classes and
turning a service's DomainError into errors on the form."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from hetong.core.errors import DomainError

from .models import TIME_ZONES, User


def style_fields(form: forms.BaseForm) -> None:
    """Give each widget the Tabler class it needs (the CSP rules out styling it any other way)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):  # includes SelectMultiple
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def add_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a service's refusal on the form: field messages on their fields, the rest above the form."""
    form.is_valid()  # make sure form.errors exists before adding to it
    for field, messages in exc.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
    form.add_error(None, exc.message)


class StyledFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class LoginForm(StyledFormMixin, AuthenticationForm):
    pass


class PasswordForm(StyledFormMixin, PasswordChangeForm):
    pass


class PreferencesForm(StyledFormMixin, forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=60, required=False,
                                   help_text=_("Shown to colleagues instead of your user name."))
    language = forms.ChoiceField(label=_("Language"), choices=User._meta.get_field("language").choices)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[(tz, tz) for tz in TIME_ZONES],
                                  help_text=_("Times are shown in this zone; contract dates stay calendar dates."))


class TokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=60, required=False,
                           help_text=_("What the token is for, e.g. the name of the script that uses it."))
