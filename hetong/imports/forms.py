from django import forms
from django.utils.translation import gettext_lazy as _

from hetong.core.forms import StyledFormMixin

from .models import Kind


class ImportForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=Kind.choices)
    file = forms.FileField(label=_("File"), help_text=_("XLSX (the first sheet) or CSV in UTF-8 or GB18030, with the "
                                                        "template's header row."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
