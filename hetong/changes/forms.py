"""Page forms: they read the input; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hetong.contracts.models import PeriodUnit
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


class AmendmentForm(StyledFormMixin, forms.Form):
    """An amendment's title, date and reason, and every amendable term filled with the value in force: what is left
    as it was is not a change (the service keeps only the terms whose value differs)."""

    title = forms.CharField(label=_("Title"), max_length=200,
                            help_text=_("What the amendment is about, e.g. 关于延长服务期限的补充协议."))
    effective_date = forms.DateField(label=_("Effective date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput,
                               help_text=_("Leave empty for an evergreen contract."))
    auto_renew = forms.BooleanField(label=_("Renews automatically"), required=False)
    renewal_term = forms.IntegerField(label=_("Renewal term"), required=False, min_value=1, max_value=3650)
    renewal_unit = forms.ChoiceField(label=_("Renewal term unit"), choices=PeriodUnit.choices)
    notice_period = forms.IntegerField(label=_("Notice period"), required=False, min_value=1, max_value=3650)
    notice_unit = forms.ChoiceField(label=_("Notice period unit"), choices=PeriodUnit.choices)
    review_date = forms.DateField(label=_("Next review date"), required=False, widget=DateInput)
    contract_title = forms.CharField(label=_("Contract title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    TERMS = ("amount", "end_date", "auto_renew", "renewal_term", "renewal_unit", "notice_period", "notice_unit",
             "review_date", "contract_title", "description")

    @classmethod
    def initial_for(cls, terms: dict, amendment=None) -> dict:
        """The form's values: the terms in force with the amendment's changes (if any) over them."""
        values = {**terms, **(amendment.changes if amendment else {})}
        initial = {name: values.get(name) for name in cls.TERMS if name != "contract_title"}
        initial["contract_title"] = values.get("title")
        if amendment is not None:
            initial.update(title=amendment.title, effective_date=amendment.effective_date, reason=amendment.reason)
        return initial

    def service_data(self) -> dict:
        data = self.cleaned_data
        changes = {name: data[name] for name in self.TERMS if name != "contract_title"}
        changes["title"] = data["contract_title"]
        changes = {k: ("" if v is None else v) for k, v in changes.items()}
        return {"title": data["title"], "effective_date": data["effective_date"], "reason": data["reason"],
                "changes": changes}


class AmendmentSignForm(StyledFormMixin, forms.Form):
    signed_date = forms.DateField(label=_("Signed date"), widget=DateInput)
    signed_file = forms.FileField(label=_("Signed copy"), help_text=_("The scan or PDF of the amendment signed by both parties."))
