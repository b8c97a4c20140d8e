"""Forms of the contract pages. They read and check the input; the services decide and save."""

import inspect
from collections import Counter

import rules
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from hetong.accounts.models import Department, User
from hetong.core.errors import DomainError, InvalidInput
from hetong.core.forms import style_fields, style_filter_form
from hetong.core.money import CURRENCIES, DECIMAL_PLACES, MAX_DIGITS
from hetong.customers.models import Contact, Customer

from .models import (
    Contract,
    ContractFile,
    ContractParty,
    ContractType,
    ExtraField,
    LegalEntity,
    PeriodUnit,
    Signatory,
)
from .services.terms import TERM_FIELDS as SERVICE_TERM_FIELDS

# Above this many visible customers the customer is entered by number instead of picked from a list.
CUSTOMER_SELECT_LIMIT = 500
EXTRA_PREFIX = "extra__"
# The terms a draft may change (the service's list), plus the number and customer given at creation.
TERM_FIELDS = ("number", "customer") + tuple(name for name in SERVICE_TERM_FIELDS if name != "extra")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _label(name: str):
    return capfirst(Contract._meta.get_field(name).verbose_name)


def _extra_form_field(definition: ExtraField) -> forms.Field:
    common = {"label": str(definition), "required": definition.required}
    kind = definition.kind
    if kind == ExtraField.Kind.NUMBER:
        return forms.DecimalField(**common, widget=forms.NumberInput(attrs={"step": "any"}))
    if kind == ExtraField.Kind.DATE:
        return forms.DateField(**common, widget=DateInput)
    if kind == ExtraField.Kind.BOOLEAN:
        return forms.BooleanField(label=common["label"], required=False)
    if kind == ExtraField.Kind.CHOICE:
        choices = [("", "---------")] + [(c, c) for c in definition.choice_list()]
        return forms.ChoiceField(**common, choices=choices)
    return forms.CharField(**common, max_length=1000)


def _customer_field(user, current: Customer | None) -> forms.Field:
    label = _label("customer")
    rows = list(
        Customer.objects.visible_to(user)
        .order_by("name", "id")
        .values_list("pk", "name")[: CUSTOMER_SELECT_LIMIT + 1]
    )
    if len(rows) > CUSTOMER_SELECT_LIMIT:
        return forms.IntegerField(
            label=label, min_value=1, help_text=_("The customer's number, as shown on the customer page.")
        )
    if current is not None and current.pk not in {pk for pk, _name in rows}:
        rows.append((current.pk, current.name))
    return forms.TypedChoiceField(label=label, coerce=int, choices=[("", "---------")] + rows)


class ContractForm(forms.Form):
    """Create or edit a contract. A contract past draft shows only what may still change: tags, and for
    managers the owner and department."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    title = forms.CharField(label=_label("title"), max_length=200)
    number = forms.CharField(
        label=_label("number"),
        max_length=40,
        required=False,
        help_text=_("Leave empty to number automatically."),
    )
    contract_type = forms.ModelChoiceField(
        label=_label("contract_type"), queryset=ContractType.objects.none()
    )
    # Replaced in __init__: a select, or a number input when there are too many customers for one.
    customer = forms.IntegerField()
    entity = forms.ModelChoiceField(label=_label("entity"), queryset=LegalEntity.objects.none())
    amount = forms.DecimalField(
        label=_label("amount"),
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        widget=forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
    )
    currency = forms.ChoiceField(label=_label("currency"), choices=CURRENCIES)
    signed_date = forms.DateField(label=_label("signed_date"), required=False, widget=DateInput)
    effective_date = forms.DateField(label=_label("effective_date"), required=False, widget=DateInput)
    end_date = forms.DateField(
        label=_label("end_date"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty for an evergreen contract."),
    )
    auto_renew = forms.BooleanField(label=_label("auto_renew"), required=False)
    renewal_term = forms.IntegerField(
        label=_label("renewal_term"), required=False, min_value=1, max_value=3650
    )
    renewal_unit = forms.ChoiceField(
        label=_label("renewal_unit"), choices=PeriodUnit.choices, initial=PeriodUnit.YEARS
    )
    notice_period = forms.IntegerField(
        label=_label("notice_period"), required=False, min_value=1, max_value=3650
    )
    notice_unit = forms.ChoiceField(
        label=_label("notice_unit"), choices=PeriodUnit.choices, initial=PeriodUnit.DAYS
    )
    owner = forms.ModelChoiceField(label=_label("owner"), queryset=User.objects.none())
    department = forms.ModelChoiceField(
        label=_label("department"), queryset=Department.objects.none(), required=False
    )
    tags = forms.CharField(
        label=_label("tags"), max_length=500, required=False, help_text=_("Separate tags with commas.")
    )
    description = forms.CharField(
        label=_label("description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self, data=None, *, user, contract: Contract | None = None, contract_type=None, can_reassign=False
    ):
        self.contract = contract
        self.frozen = contract is not None and not contract.is_editable
        super().__init__(data, initial=self._initial(user, contract, contract_type))
        if contract is not None:
            del self.fields["number"]  # a number is given once, at creation
        if self.frozen:
            for name in TERM_FIELDS:
                self.fields.pop(name, None)
        else:
            current_type = contract.contract_type_id if contract else None
            self.fields["contract_type"].queryset = ContractType.objects.filter(
                Q(is_active=True) | Q(pk=current_type)
            )
            self.fields["entity"].queryset = LegalEntity.objects.filter(
                Q(is_active=True) | Q(pk=contract.entity_id if contract else None)
            )
            self.fields["customer"] = _customer_field(user, contract.customer if contract else None)
        if can_reassign:
            self.fields["owner"].queryset = User.objects.filter(
                Q(is_active=True) | Q(pk=contract.owner_id if contract else None)
            )
            self.fields["department"].queryset = Department.objects.all()
        else:
            del self.fields["owner"], self.fields["department"]
        self.extra_definitions = [] if self.frozen else self._definitions()
        for definition in self.extra_definitions:
            name = EXTRA_PREFIX + definition.key
            self.fields[name] = field = _extra_form_field(definition)
            if self.initial.get(name) is not None:
                # Stored as JSON text ("2026-01-01", "5000"): compare as the field's own type, so an untouched
                # value does not count as a change.
                try:
                    self.initial[name] = field.to_python(self.initial[name])
                except forms.ValidationError:
                    pass
        style_fields(self)

    @staticmethod
    def _initial(user, contract, contract_type) -> dict:
        if contract is None:
            entities = list(LegalEntity.objects.filter(is_active=True).values_list("pk", flat=True)[:2])
            return {
                "entity": entities[0] if len(entities) == 1 else None,
                "currency": settings.DEFAULT_CURRENCY,
                "owner": user.pk,
                "department": user.department_id,
                "contract_type": contract_type,
            }
        initial = {
            name: getattr(contract, name)
            for name in TERM_FIELDS
            if name not in ("contract_type", "customer", "entity")
        }
        initial.update(
            version=contract.version,
            contract_type=contract_type or contract.contract_type_id,
            customer=contract.customer_id,
            entity=contract.entity_id,
            owner=contract.owner_id,
            department=contract.department_id,
            tags=", ".join(t.name for t in contract.tags.all()),
        )
        initial.update({EXTRA_PREFIX + key: value for key, value in (contract.extra or {}).items()})
        return initial

    def _definitions(self) -> list[ExtraField]:
        """The extra fields of the chosen type (the submitted one, else the initial one) and its ancestors."""
        raw = self.data.get("contract_type") if self.is_bound else self.initial.get("contract_type")
        try:
            chosen = ContractType.objects.filter(pk=int(getattr(raw, "pk", raw))).first()
        except (TypeError, ValueError):
            chosen = None
        if chosen is None:
            return []
        return list(ExtraField.objects.filter(contract_type__in=[t.pk for t in chosen.lineage()]))

    def extra_fields(self):
        return [self[EXTRA_PREFIX + d.key] for d in self.extra_definitions]

    def main_fields(self):
        return [self[name] for name in self.fields if not name.startswith(EXTRA_PREFIX) and name != "version"]

    def _extra_values(self) -> dict:
        values = {}
        for definition in self.extra_definitions:
            value = self.cleaned_data.get(EXTRA_PREFIX + definition.key)
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            values[definition.key] = value
        return {k: v for k, v in values.items() if v not in (None, "")}

    def service_data(self, *, changed_only: bool = False) -> dict:
        """The input for services.create_contract / update_contract. On edit only what changed is sent, so an
        unchanged value is never re-checked against today's rules (a customer since moved out of reach)."""
        names = [n for n in self.fields if n != "version" and not n.startswith(EXTRA_PREFIX)]
        if changed_only:
            names = [n for n in names if n in self.changed_data]
        data = {name: self.cleaned_data.get(name) for name in names}
        extra_changed = any(n.startswith(EXTRA_PREFIX) for n in self.changed_data) or "contract_type" in data
        if not self.frozen and (not changed_only or extra_changed):
            data["extra"] = self._extra_values()
        return data

    def add_service_error(self, exc: DomainError) -> None:
        """A service's refusal on the form: "extra.<key>" errors on their extra__<key> field, unknown fields
        and the message above the form."""
        for key, messages in exc.errors.items():
            name = EXTRA_PREFIX + key[len("extra.") :] if key.startswith("extra.") else key
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        self.add_error(None, exc.message)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ContractFile.Kind.choices, initial=ContractFile.Kind.ATTACHMENT
    )
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class VersionUploadForm(forms.Form):
    file = forms.FileField(label=_("File"))


class ActionForm(forms.Form):
    """The inputs of a status action; which ones an action takes is read off its service's signature."""

    version = forms.IntegerField(min_value=0)
    note = forms.CharField(max_length=500, required=False)
    signed_date = forms.CharField(max_length=20, required=False)
    terminated_on = forms.CharField(max_length=20, required=False)
    signed_file = forms.FileField(required=False)

    def params_for(self, service) -> dict:
        if not self.is_valid():
            if "version" in self.errors:
                raise InvalidInput(
                    _("The record version is missing; reload and try again."), code="version_required"
                )
            raise InvalidInput(errors={k: list(v) for k, v in self.errors.items()})
        accepted = inspect.signature(service).parameters
        return {k: v for k, v in self.cleaned_data.items() if k in accepted}


def style_contract_filters(form: forms.BaseForm) -> None:
    """The contract list's filter form; the status and customer level choices become groups of toggles."""
    style_filter_form(form)
    if "customer" in form.fields:
        form.fields["customer"].widget.attrs["placeholder"] = _("ID")
    for name in ("status", "customer_level"):
        if name in form.fields:
            form.fields[name].widget = forms.CheckboxSelectMultiple(
                choices=form.fields[name].choices, attrs={"class": "form-selectgroup-input"}
            )


# --- parties and signatories -----------------------------------------------------------------------------

KEPT_ROLES = frozenset({ContractParty.Role.OURS, ContractParty.Role.CUSTOMER})
# A customer with more contacts than this shows the first ones (authorised signatories first).
CONTACT_SELECT_LIMIT = 200


def _party_label(name: str):
    return capfirst(ContractParty._meta.get_field(name).verbose_name)


def _submitted(form: forms.Form) -> dict:
    """The form's values for a service, or the form's own errors as the service would report them."""
    if not form.is_valid():
        raise InvalidInput(errors={k: list(v) for k, v in form.errors.items()})
    return form.cleaned_data


def show_service_error(form: forms.Form, exc: DomainError) -> None:
    """A service's field errors under the form's fields (the message itself is shown above the page)."""
    form.is_valid()
    for field, messages in exc.errors.items():
        if field in form.fields and not form.errors.get(field):
            form.add_error(field, list(messages))


class PartyForm(forms.Form):
    """Add a party to a draft, or edit one (`party`). Field ids carry the party, as the page shows one form
    per party."""

    role = forms.ChoiceField(label=_party_label("role"), choices=ContractParty.Role.choices)
    name = forms.CharField(label=_party_label("name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Credit code"),
        max_length=18,
        required=False,
        help_text=_("Unified social credit code, 18 characters; optional."),
    )
    address = forms.CharField(label=_party_label("address"), max_length=255, required=False)

    def __init__(self, data=None, *, party: ContractParty | None = None):
        self.party = party
        initial = (
            {
                "role": party.role,
                "name": party.name,
                "credit_code": party.credit_code,
                "address": party.address,
            }
            if party
            else {"role": ContractParty.Role.THIRD}
        )
        super().__init__(data, initial=initial, auto_id=f"party-{party.pk if party else 'new'}-%s")
        style_fields(self)

    def service_data(self) -> dict:
        data = _submitted(self)
        if self.party is None:
            return data
        return {name: data[name] for name in self.changed_data}


class SignatoryForm(forms.Form):
    """Name a signatory of a party: by name and job title, or (for a customer party) one of the customer's
    contacts, whose name and job title fill what is left empty. The service checks whose contact it is."""

    name = forms.CharField(
        label=capfirst(Signatory._meta.get_field("name").verbose_name), max_length=60, required=False
    )
    title = forms.CharField(
        label=capfirst(Signatory._meta.get_field("title").verbose_name), max_length=60, required=False
    )
    contact = forms.IntegerField(label=_("Contact"), required=False, min_value=1, widget=forms.Select)

    def __init__(self, data=None, *, party: ContractParty, contacts=()):
        self.party = party
        super().__init__(data, auto_id=f"signatory-{party.pk}-%s")
        if party.role == ContractParty.Role.CUSTOMER:
            self.fields["contact"].help_text = _(
                "The name and job title are taken from the contact if left empty."
            )
            self.offer(contacts)
        else:
            del self.fields["contact"]
        style_fields(self)

    def offer(self, contacts) -> None:
        """The contacts to choose from: [(id, label)]."""
        if "contact" in self.fields:
            self.fields["contact"].widget.choices = [("", _("— not one of the contacts —")), *contacts]

    def clean(self):
        data = super().clean()
        if not data.get("name") and not data.get("contact") and "name" not in self.errors:
            if "contact" in self.fields:
                self.add_error("name", _("Enter a name or choose a contact."))
            else:
                self.add_error("name", forms.Field.default_error_messages["required"])
        return data

    def service_data(self) -> dict:
        data = _submitted(self)
        return {k: v for k, v in data.items() if v not in (None, "")}


def party_forms(contract: Contract, user, parties, *, bound: forms.Form | None = None) -> dict:
    """The Parties card: its rows and, when the user may change them, the form to add a party and, per party,
    the forms to edit it and to add a signatory. `bound` is a refused submission, shown with its input."""
    parties = list(parties)
    editable = contract.is_editable and rules.has_perm("contracts.change_contract", user, contract)
    if not editable:
        return {"parties": parties, "can_edit_parties": False}
    contacts = [
        (c.pk, f"{c.name} · {c.title}" if c.title else c.name)
        for c in Contact.objects.filter(customer_id=contract.customer_id)[:CONTACT_SELECT_LIMIT]
    ]

    def pick(kind, party, make):
        if isinstance(bound, kind) and getattr(bound.party, "pk", None) == getattr(party, "pk", None):
            return bound
        return make()

    if isinstance(bound, SignatoryForm):
        bound.offer(contacts)

    # The last party on our side and the last customer party cannot be removed: offer no button for them.
    roles = Counter(party.role for party in parties)
    for party in parties:
        party.removable = party.role not in KEPT_ROLES or roles[party.role] > 1
        party.edit_form = pick(PartyForm, party, lambda p=party: PartyForm(party=p))
        party.signatory_form = pick(
            SignatoryForm, party, lambda p=party: SignatoryForm(party=p, contacts=contacts)
        )
    return {
        "parties": parties,
        "can_edit_parties": True,
        "add_party_form": pick(PartyForm, None, PartyForm),
    }
