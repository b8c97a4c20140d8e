"""Page forms: they read the input; the rules are in services (a refusal comes back on the form)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hetong.core.dates import company_today
from hetong.core.forms import StyledFormMixin

from .models import Installment, Invoice, Receipt


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PlanRowForm(StyledFormMixin, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=Installment.Kind.choices, initial=Installment.Kind.OTHER)
    label = forms.CharField(label=_("Label"), max_length=100, required=False)
    amount = forms.CharField(label=_("Amount"), required=False,
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}))
    percent = forms.CharField(label=_("or percent of the contract"), required=False,
                              widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "%"}))
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput(),
                               help_text=_("Leave empty while it waits for an event (delivery, acceptance...)."))

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(name) for name in ("id", "label", "amount", "percent", "due_date"))

    def row(self) -> dict:
        data = self.cleaned_data
        row = {name: data.get(name) for name in ("kind", "label", "amount", "percent", "due_date")}
        if data.get("id"):
            row["id"] = data["id"]
        return row


PlanFormSet = forms.formset_factory(PlanRowForm, extra=2, can_delete=True, max_num=60, validate_max=True)


class ReceiptForm(StyledFormMixin, forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    amount = forms.CharField(label=_("Amount"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    method = forms.ChoiceField(label=_("Method"), choices=Receipt.Method.choices)
    payer = forms.CharField(label=_("Payer"), max_length=200, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False,
                                help_text=_("Bank serial number, bill number or voucher number."))

    def __init__(self, *args, installments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.installments = [i for i in installments if i.outstanding > 0]
        for installment in self.installments:
            self.fields[f"alloc_{installment.pk}"] = forms.CharField(
                label=str(installment), required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}))
        self.fields["received_on"].initial = company_today()

    def allocation_fields(self):
        return [(installment, self[f"alloc_{installment.pk}"]) for installment in self.installments]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        allocations = [(i, data[f"alloc_{i.pk}"]) for i in self.installments if data.get(f"alloc_{i.pk}")]
        return {"received_on": data["received_on"], "amount": data["amount"], "method": data["method"],
                "payer": data["payer"], "reference": data["reference"], "allocations": allocations}


class InvoiceForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Invoice type"), choices=Invoice.Kind.choices, initial=Invoice.Kind.SPECIAL)
    number = forms.CharField(label=_("Invoice number"), max_length=30,
                             widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    amount = forms.CharField(label=_("Amount including tax"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    tax_amount = forms.CharField(label=_("Tax amount"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issued_on"].initial = company_today()
