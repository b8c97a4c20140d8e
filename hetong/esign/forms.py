"""The forms of the verification, seal and signature request pages. They only shape input; the services check it."""

import datetime as dt

import rules
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hetong.accounts.models import User
from hetong.core.dates import company_today
from hetong.core.forms import StyledFormMixin
from hetong.customers.models import Contact
from hetong.documents.models import GeneratedDocument

from .models import SignatureRequest
from .seals import MAX_SEAL_BYTES
from .verification import MAX_PDF_BYTES

DEFAULT_DEADLINE_DAYS = 14  # a new request's deadline, from today


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


class SignatureRequestForm(StyledFormMixin, forms.Form):
    """What to send for signature and to whom. The choices offered are the ones the service accepts; the service
    checks them again (a forged id is refused here as an invalid choice, before anything is stored)."""

    document = forms.ModelChoiceField(label=_("Document"), queryset=GeneratedDocument.objects.none(), empty_label=None,
                                      help_text=_("A generated version of the contract whose PDF is ready."))
    ours = forms.ModelChoiceField(label=_("Our signatory"), queryset=User.objects.none(), required=False,
                                  empty_label=_("— Nobody from our side —"))
    contacts = forms.ModelMultipleChoiceField(
        label=_("The customer's signatories"), queryset=Contact.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Contacts of the customer marked as authorised signatories, with an email address."),
    )
    order = forms.ChoiceField(label=_("Signing order"), choices=SignatureRequest.Order.choices,
                              initial=SignatureRequest.Order.SEQUENTIAL, widget=forms.RadioSelect)
    customer_first = forms.BooleanField(label=_("The customer signs first"), required=False,
                                        help_text=_("One after another only: by default our side signs first."))
    deadline = forms.DateField(label=_("Sign by"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    message = forms.CharField(label=_("Message to the signers"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, contract, user, amendment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract = contract
        documents = (GeneratedDocument.objects.filter(contract=contract, pdf_status=GeneratedDocument.PdfStatus.READY)
                     .defer("docx", "pdf", "text").order_by("-number"))
        if amendment is not None:  # an amendment is signed as its own document, nothing else
            documents = documents.filter(pk=amendment.document_id)
        self.fields["document"].queryset = documents
        self.fields["document"].label_from_instance = lambda doc: _("Version %(number)s · %(made)s") % {
            "number": doc.number, "made": timezone.localtime(doc.created_at).strftime("%Y-%m-%d %H:%M")}
        allowed = [u.pk for u in User.objects.filter(is_active=True).exclude(email="")
                   if rules.has_perm("contracts.sign_contract", u, contract)]
        self.fields["ours"].queryset = User.objects.filter(pk__in=allowed).order_by("username")
        self.fields["ours"].label_from_instance = lambda u: f"{u} <{u.email}>"
        self.fields["contacts"].queryset = (Contact.objects.filter(customer_id=contract.customer_id, is_signatory=True)
                                            .exclude(email="").order_by("name", "pk"))
        self.fields["contacts"].label_from_instance = lambda c: f"{c.name} <{c.email}>" + (
            f" · {c.title}" if c.title else "")
        if not self.is_bound:
            newest = documents.first()
            contacts = list(self.fields["contacts"].queryset[:2])
            self.initial.update(
                document=newest.pk if newest else None,
                ours=user.pk if user.pk in allowed else None,
                contacts=[contacts[0].pk] if len(contacts) == 1 else [],
                deadline=company_today() + dt.timedelta(days=DEFAULT_DEADLINE_DAYS),
            )

    def signers(self) -> list:
        ours = [self.cleaned_data["ours"]] if self.cleaned_data.get("ours") else []
        theirs = list(self.cleaned_data.get("contacts") or [])
        sequential = self.cleaned_data["order"] == SignatureRequest.Order.SEQUENTIAL
        return theirs + ours if sequential and self.cleaned_data.get("customer_first") else ours + theirs

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"document": data["document"], "signers": self.signers(), "order": data["order"],
                "deadline": data["deadline"], "message": data["message"]}
