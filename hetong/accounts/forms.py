"""Forms of the account pages."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from hetong.core.forms import StyledFormMixin

from .models import TIME_ZONES, User


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
