"""The forms of the verification and seal pages. They only shape input; verification and the seal service check it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hetong.core.forms import StyledFormMixin

from .seals import MAX_SEAL_BYTES
from .verification import MAX_PDF_BYTES


class VerifyForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Signed PDF"), help_text=_("Up to 20 MB. The file is checked and then discarded; nothing is stored."),
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PDF_BYTES:
            raise forms.ValidationError(_("The PDF is larger than 20 MB."))
        return upload


class SealForm(StyledFormMixin, forms.Form):
    seal = forms.FileField(
        label=_("Seal image (PNG)"),
        help_text=_("A PNG up to 2 MB, ideally red on a transparent background."),
        widget=forms.FileInput(attrs={"accept": ".png,image/png"}),
    )

    def clean_seal(self):
        upload = self.cleaned_data["seal"]
        if upload.size > MAX_SEAL_BYTES:
            raise forms.ValidationError(_("The seal image is larger than 2 MB."))
        return upload
