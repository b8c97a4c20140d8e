"""Page forms for customers. They only check the shape of the input; customers.services decides and saves."""

import rules
from django import forms
from django.utils.translation import gettext_lazy as _

from hetong.accounts.models import Department, User
from hetong.contracts.models import Contract
from hetong.core.dates import company_today
from hetong.core.forms import StyledFormMixin

from .models import Contact, Customer, Interaction
from .services import CONTACT_FIELDS, CUSTOMER_FIELDS, REASSIGN_FIELDS

_customer_fields = forms.fields_for_model(Customer, fields=CUSTOMER_FIELDS + REASSIGN_FIELDS)
_contact_fields = forms.fields_for_model(Contact, fields=CONTACT_FIELDS)
_interaction_fields = forms.fields_for_model(Interaction, fields=["kind", "text"])


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class VersionedForm(StyledFormMixin, forms.Form):
    """The version the user started from travels in a hidden field, so a stale save is refused (409)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class CustomerForm(VersionedForm):
    name = _customer_fields["name"]
    credit_code = _customer_fields["credit_code"]
    industry = _customer_fields["industry"]
    level = _customer_fields["level"]
    status = _customer_fields["status"]
    region = _customer_fields["region"]
    address = _customer_fields["address"]
    owner = _customer_fields["owner"]
    department = _customer_fields["department"]
    tags = forms.CharField(label=_("Tags"), required=False, max_length=400,
                           help_text=_("Separate tags with commas, e.g. 重点, 华东."))
    notes = _customer_fields["notes"]

    def __init__(self, *args, user, customer: Customer | None = None, **kwargs):
        if customer is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{f: getattr(customer, f) for f in CUSTOMER_FIELDS},
                "owner": customer.owner_id, "department": customer.department_id, "version": customer.version,
                "tags": ", ".join(t.name for t in customer.tags.all()),
            }
        super().__init__(*args, **kwargs)
        self.fields["credit_code"].help_text = _("18 characters; the last one is a check character.")
        self.fields["notes"].widget.attrs["rows"] = 4
        if rules.has_perm("customers.reassign_customer", user, customer):
            self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("username")
            self.fields["department"].queryset = Department.objects.all()
            if customer is None:
                self.fields["owner"].initial = user.pk
                self.fields["department"].initial = user.department_id
        else:
            # Only managers and administrators choose who owns a customer.
            del self.fields["owner"], self.fields["department"]
        if customer is None:
            del self.fields["version"]


class ContactForm(VersionedForm):
    name = _contact_fields["name"]
    title = _contact_fields["title"]
    phone = _contact_fields["phone"]
    email = _contact_fields["email"]
    is_signatory = _contact_fields["is_signatory"]
    notes = _contact_fields["notes"]

    def __init__(self, *args, contact: Contact | None = None, **kwargs):
        if contact is not None and "initial" not in kwargs:
            kwargs["initial"] = {**{f: getattr(contact, f) for f in CONTACT_FIELDS}, "version": contact.version}
        super().__init__(*args, **kwargs)
        if contact is None:
            del self.fields["version"]


class InteractionForm(StyledFormMixin, forms.Form):
    kind = _interaction_fields["kind"]
    date = forms.DateField(label=_("Date"), widget=DateInput, initial=company_today)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False,
                                     empty_label=_("(none)"))
    contract = forms.ModelChoiceField(label=_("Contract"), queryset=Contract.objects.none(), required=False,
                                      empty_label=_("(none)"))
    text = _interaction_fields["text"]

    def __init__(self, *args, customer: Customer, contracts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.all()
        self.fields["contract"].queryset = contracts  # only this customer's contracts the user can see
        self.fields["text"].widget.attrs["rows"] = 3
