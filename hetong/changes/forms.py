"""Page forms: they read the input; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hetong.core.forms import StyledFormMixin

from .models import Notice, NoticeDelivery, ReasonCode


class DateInput(forms.DateInput):
    input_type = "date"


class RenewForm(StyledFormMixin, forms.Form):
    start = forms.DateField(label=_("New term starts"), widget=DateInput)
    end = forms.DateField(label=_("New term ends"), widget=DateInput)
    price_change_percent = forms.DecimalField(
        label=_("Price change (%)"),
        required=False,
        max_digits=7,
        decimal_places=2,
        help_text=_("E.g. 5 for 5% more, -3 for 3% less."),
    )
    price_change_amount = forms.DecimalField(
        label=_("Price change (amount)"),
        required=False,
        max_digits=16,
        decimal_places=2,
        help_text=_("Added to the amount; negative lowers it."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class BatchRenewForm(StyledFormMixin, forms.Form):
    term = forms.IntegerField(label=_("New term"), min_value=1, max_value=50, initial=1)
    unit = forms.ChoiceField(
        label=_("Unit"), choices=[("years", _("years")), ("months", _("months"))], initial="years"
    )
    price_change_percent = forms.DecimalField(
        label=_("Price change (%)"), required=False, max_digits=7, decimal_places=2
    )
    price_change_amount = forms.DecimalField(
        label=_("Price change (amount)"), required=False, max_digits=16, decimal_places=2
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class TerminateForm(StyledFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=ReasonCode.choices)
    effective_on = forms.DateField(label=_("Effective date"), widget=DateInput)
    template = forms.ModelChoiceField(
        label=_("Notice template"), queryset=None, required=False, empty_label=_("The first one offered")
    )
    note = forms.CharField(
        label=_("Explanation"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


class NoticeForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Notice.Kind.NON_RENEWAL, Notice.Kind.NON_RENEWAL.label),
            (Notice.Kind.CHANGE, Notice.Kind.CHANGE.label),
        ],
    )
    effective_on = forms.DateField(
        label=_("Effective date"),
        required=False,
        widget=DateInput,
        help_text=_("A non-renewal takes effect at the end of the current term."),
    )
    template = forms.ModelChoiceField(
        label=_("Notice template"), queryset=None, required=False, empty_label=_("The first one offered")
    )
    note = forms.CharField(
        label=_("Explanation"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


class DeliveryForm(StyledFormMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=NoticeDelivery.Channel.choices)
    delivered_at = forms.DateTimeField(
        label=_("Delivered at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    recipient = forms.CharField(label=_("Recipient"), max_length=200)
    tracking_number = forms.CharField(label=_("Tracking number"), required=False, max_length=100)
    signing_reference = forms.CharField(label=_("Signing receipt reference"), required=False, max_length=200)
    proof = forms.FileField(
        label=_("Proof of delivery"),
        required=False,
        help_text=_("A scan of the receipt, the courier's proof or the email sent."),
    )
