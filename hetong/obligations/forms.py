"""The obligation forms. They only shape input; the services check it (and say why they refuse)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hetong.accounts.models import Role, User
from hetong.core.forms import StyledFormMixin

from .models import Obligation, Party, Recurrence


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ObligationForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Obligation.Kind.choices)
    party = forms.ChoiceField(label=_("Responsible party"), choices=Party.choices)
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=User.objects.none(), empty_label=_("— The contract owner —"),
        help_text=_("Who on our side sees to it; may stay empty for an obligation of the customer."),
    )
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    recurrence = forms.ChoiceField(label=_("Repeats"), choices=Recurrence.choices)
    repeat_until = forms.DateField(
        label=_("Repeat until"), required=False, widget=DateInput(),
        help_text=_("The next occurrence is added when one is marked done; empty: until the contract ends."),
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, obligation: Obligation | None = None, **kwargs):
        if obligation is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": obligation.title, "kind": obligation.kind, "party": obligation.party,
                "owner": obligation.owner_id, "due_date": obligation.due_date, "recurrence": obligation.recurrence,
                "repeat_until": obligation.repeat_until, "description": obligation.description,
                "version": obligation.version,
            }
        super().__init__(*args, **kwargs)
        self.obligation = obligation
        self.fields["owner"].queryset = (User.objects.filter(is_active=True).exclude(role=Role.VIEWER)
                                         .order_by("username"))
        if obligation is not None:
            self.fields["owner"].empty_label = _("— Nobody (customer side) —")

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["owner"] = data["owner"].pk if data["owner"] else None
        if self.obligation is None and data["owner"] is None:
            del data["owner"]  # our side's obligation then goes to the contract owner
        return data


class CompleteForm(forms.Form):
    done_on = forms.CharField(required=False, max_length=20)
    note = forms.CharField(required=False, max_length=2000)
    file = forms.FileField(required=False)


class ListFilterForm(StyledFormMixin, forms.Form):
    mine = forms.BooleanField(label=_("Mine only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    within = forms.IntegerField(label=_("Due within (days)"), required=False, min_value=0, max_value=3650)
