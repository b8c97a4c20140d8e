"""Forms of the approval pages. They read and check the input; the services decide and save.

The workflow editor is made of plain forms, no JavaScript: a formset of condition rows, a formset of steps (each
with a fixed number of approver rows and condition rows, given by hidden counts so a bound form always has the
rows its page had), a legal review section and the workflow's fallback approver. `build_definition` turns them
into the dict `definition.parse` checks and `services.publish` stores; `definition_initial` does the reverse.
"""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from hetong.accounts.models import Role, User
from hetong.core.forms import StyledFormMixin, style_fields

from . import definition as defs
from .selectors import MODE_LABELS

FIELD_LABELS = {
    "contract_type": _("Contract type (code, includes sub-types)"),
    "amount": _("Amount (in CNY)"),
    "currency": _("Currency"),
    "customer_level": _("Customer level"),
    "customer_status": _("Customer status"),
    "entity": _("Our signing entity (number)"),
    "department": _("Department (number, includes sub-departments)"),
    "nonstandard_clause": _("Non-standard clause chosen"),
    "nonstandard_template": _("Non-standard template"),
}
OP_LABELS = {
    "eq": _("equals"),
    "ne": _("does not equal"),
    "in": _("is one of"),
    "not_in": _("is none of"),
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "is_true": _("is yes"),
    "is_false": _("is no"),
}
KIND_LABELS = {
    "user": _("A named person"),
    "role": _("Everyone with a role"),
    "department_head": _("Head of the contract's department"),
    "manager": _("The owner's manager"),
    "field": _("A person named on the contract"),
}
USER_FIELD_LABELS = {"owner": _("Contract owner"), "customer_owner": _("Customer owner")}
# Rows the editor offers beyond what the definition has.
CONDITION_ROWS, STEP_ROWS, APPROVER_ROWS, STEP_CONDITION_ROWS, LEGAL_APPROVER_ROWS = 4, 6, 3, 1, 3
MAX_ROWS = 30
LIST_SPLIT = re.compile(r"[,，、;；\n]")


def user_choices() -> list[tuple]:
    """Active users for the person selects, read once per page."""
    return [("", "---------")] + [
        (u.pk, str(u)) for u in User.objects.filter(is_active=True).order_by("username")
    ]


def field_choices(definition: dict | None = None) -> list[tuple]:
    """The contract facts a condition can test: the built-in ones, then the contract types' extra fields (and any
    extra.<key> the definition uses already)."""
    from hetong.contracts.models import ExtraField

    choices = [("", "---------")] + [(name, FIELD_LABELS[name]) for name in defs.FIELDS]
    extra = {
        f"extra.{f.key}": str(f) for f in ExtraField.objects.only("key", "label", "label_en").order_by("key")
    }
    for used in _used_fields(definition or {}):
        if used.startswith("extra."):
            extra.setdefault(used, used[6:])
    choices += [(name, f"{_('Extra field')}: {label}") for name, label in sorted(extra.items())]
    return choices


def _used_fields(definition: dict):
    rows = list(definition.get("conditions") or [])
    for node in definition.get("nodes") or []:
        rows += node.get("condition") or []
    rows += (definition.get("legal_review") or {}).get("when") or []
    return {row.get("field") for row in rows if isinstance(row, dict)}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- condition and approver rows --------------------------------------------------------------------------------


def _condition_fields(form, prefix: str, fields: list) -> None:
    form.fields[f"{prefix}field"] = forms.ChoiceField(label=_("Field"), choices=fields, required=False)
    form.fields[f"{prefix}op"] = forms.ChoiceField(
        label=_("Operator"), choices=[("", "---------")] + list(OP_LABELS.items()), required=False
    )
    form.fields[f"{prefix}value"] = forms.CharField(label=_("Value"), max_length=500, required=False)


def _condition_from(form, prefix: str) -> dict | None:
    data = form.cleaned_data
    name, op, value = (
        data.get(f"{prefix}field"),
        data.get(f"{prefix}op"),
        (data.get(f"{prefix}value") or "").strip(),
    )
    if not name and not op and not value:
        return None
    if not name or not op:
        form.add_error(f"{prefix}field" if not name else f"{prefix}op", _("Choose a field and an operator."))
        return None
    if op in ("in", "not_in"):
        value = [item.strip() for item in LIST_SPLIT.split(value) if item.strip()]
    elif op in ("is_true", "is_false"):
        value = None
    return {"field": name, "op": op, "value": value}


def _condition_initial(prefix: str, condition: dict) -> dict:
    value = condition.get("value")
    if isinstance(value, list):
        value = ", ".join(value)
    return {
        f"{prefix}field": condition.get("field"),
        f"{prefix}op": condition.get("op"),
        f"{prefix}value": "" if value is None else value,
    }


def _approver_fields(form, prefix: str, users: list) -> None:
    form.fields[f"{prefix}kind"] = forms.ChoiceField(
        label=_("Approver"), choices=[("", "---------")] + list(KIND_LABELS.items()), required=False
    )
    form.fields[f"{prefix}user"] = forms.TypedChoiceField(
        label=_("Person"), choices=users, coerce=int, empty_value=None, required=False
    )
    form.fields[f"{prefix}role"] = forms.ChoiceField(
        label=_("Role"), choices=[("", "---------")] + list(Role.choices), required=False
    )
    form.fields[f"{prefix}levels"] = forms.IntegerField(
        label=_("Levels up"), min_value=1, max_value=5, required=False
    )
    form.fields[f"{prefix}field"] = forms.ChoiceField(
        label=_("Person on the contract"),
        choices=[("", "---------")] + list(USER_FIELD_LABELS.items()),
        required=False,
    )


def _approver_from(form, prefix: str) -> dict | None:
    data = form.cleaned_data
    kind = data.get(f"{prefix}kind")
    if not kind:
        return None
    if kind == "user":
        value = data.get(f"{prefix}user")
        return {"kind": kind, "user": value} if value else _missing(form, f"{prefix}user")
    if kind == "role":
        value = data.get(f"{prefix}role")
        return {"kind": kind, "role": value} if value else _missing(form, f"{prefix}role")
    if kind == "manager":
        return {"kind": kind, "levels": data.get(f"{prefix}levels") or 1}
    if kind == "field":
        value = data.get(f"{prefix}field")
        return {"kind": kind, "field": value} if value else _missing(form, f"{prefix}field")
    return {"kind": kind}


def _missing(form, name: str) -> None:
    form.add_error(name, _("Fill this in for the kind of approver chosen."))
    return None


def _approver_initial(prefix: str, approver: dict) -> dict:
    return {
        f"{prefix}kind": approver.get("kind"),
        f"{prefix}user": approver.get("user"),
        f"{prefix}role": approver.get("role"),
        f"{prefix}levels": approver.get("levels"),
        f"{prefix}field": approver.get("field"),
    }


def _rows(form, prefix: str, count: int, names: tuple) -> list[dict]:
    """Bound fields of each numbered row, for the template to lay out."""
    return [{name: form[f"{prefix}{i}_{name}"] for name in names} for i in range(count)]


# --- the editor -------------------------------------------------------------------------------------------------


class ConditionForm(forms.Form):
    def __init__(self, *args, fields: list, **kwargs):
        super().__init__(*args, **kwargs)
        _condition_fields(self, "", fields)
        style_fields(self)

    def condition(self) -> dict | None:
        return _condition_from(self, "")


class BaseConditionFormSet(forms.BaseFormSet):
    def conditions(self) -> list[dict]:
        return [c for c in (form.condition() for form in self.forms) if c is not None]


class StepForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    name = forms.CharField(label=_("Step name"), max_length=100, required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=list(MODE_LABELS.items()), initial="one")
    n = forms.IntegerField(label=_("N (for N of M)"), min_value=1, max_value=50, required=False)
    sla_hours = forms.IntegerField(
        label=_("Time limit (business hours)"), min_value=1, max_value=defs.MAX_SLA_HOURS, required=False
    )
    remind_share = forms.DecimalField(
        label=_("Remind at (share of the limit)"),
        min_value=Decimal("0.05"),
        max_value=Decimal("0.95"),
        max_digits=3,
        decimal_places=2,
        initial=0.5,
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One item per line; the approver ticks each before approving."),
    )

    def __init__(self, *args, users: list, fields: list, approver_rows: int, condition_rows: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.approver_count, self.condition_count = approver_rows, condition_rows
        for i in range(approver_rows):
            _approver_fields(self, f"a{i}_", users)
        for i in range(condition_rows):
            _condition_fields(self, f"c{i}_", fields)
        style_fields(self)

    def approver_rows(self):
        return _rows(self, "a", self.approver_count, ("kind", "user", "role", "levels", "field"))

    def condition_rows(self):
        return _rows(self, "c", self.condition_count, ("field", "op", "value"))

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return (
            not data.get("name")
            and not _lines(data.get("checklist"))
            and not any(data.get(f"a{i}_kind") for i in range(self.approver_count))
        )

    def node(self) -> dict:
        data = self.cleaned_data
        approvers = [a for a in (_approver_from(self, f"a{i}_") for i in range(self.approver_count)) if a]
        condition = [c for c in (_condition_from(self, f"c{i}_") for i in range(self.condition_count)) if c]
        mode = data["mode"]
        return {
            "key": data.get("key") or "",
            "name": data.get("name") or "",
            "mode": mode,
            "n": data.get("n") if mode == "n_of_m" else None,
            "approvers": approvers,
            "condition": condition,
            "sla_hours": data.get("sla_hours"),
            "remind_share": float(data.get("remind_share") or 0.5),
            "checklist": _lines(data.get("checklist")),
        }


class BaseStepFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        # The formset adds these after the form styled its own fields.
        for name in ("ORDER", "DELETE"):
            if name in form.fields:
                css = "form-check-input" if name == "DELETE" else "form-control"
                form.fields[name].widget.attrs["class"] = css


class DefinitionForm(StyledFormMixin, forms.Form):
    """The rest of the definition: legal review, fallback approver, the change note — and the row counts."""

    approver_rows = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ROWS)
    condition_rows = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ROWS)
    legal_rows = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ROWS)
    legal_checklist = forms.CharField(
        label=_("Legal review checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item per line."),
    )
    legal_sla_hours = forms.IntegerField(
        label=_("Legal review time limit (business hours)"),
        min_value=1,
        max_value=defs.MAX_SLA_HOURS,
        required=False,
    )
    note = forms.CharField(label=_("Change note"), max_length=255, required=False)

    def __init__(self, *args, users: list, legal_rows: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.legal_count = legal_rows
        self.fields["fallback_user"] = forms.TypedChoiceField(
            label=_("Fallback approver"),
            choices=users,
            coerce=int,
            empty_value=None,
            required=False,
            help_text=_("Takes a step nobody resolves to (without one, an administrator does)."),
        )
        for i in range(legal_rows):
            _approver_fields(self, f"l{i}_", users)
        style_fields(self)

    def legal_approver_rows(self):
        return _rows(self, "l", self.legal_count, ("kind", "user", "role", "levels", "field"))


def layout_for(definition: dict | None) -> dict:
    """How many rows of each kind the editor shows for a definition: what it has plus room for more."""
    definition = definition or {}
    nodes = definition.get("nodes") or []
    legal = definition.get("legal_review") or {}
    return {
        "conditions": max(CONDITION_ROWS, len(definition.get("conditions") or []) + 1),
        "steps": max(STEP_ROWS, len(nodes) + 1),
        "approver_rows": max([APPROVER_ROWS] + [len(n.get("approvers") or []) for n in nodes]),
        "condition_rows": max([STEP_CONDITION_ROWS] + [len(n.get("condition") or []) for n in nodes]),
        "legal_when": max(2, len(legal.get("when") or []) + 1),
        "legal_rows": max(LEGAL_APPROVER_ROWS, len(legal.get("approvers") or [])),
    }


def _posted_count(data, name: str, default: int) -> int:
    try:
        return max(1, min(int(data.get(name)), MAX_ROWS))
    except (TypeError, ValueError):
        return default


def definition_initial(definition: dict | None) -> dict:
    """The initial values of every part of the editor for a (clean) definition."""
    definition = definition or {}
    steps = []
    for node in definition.get("nodes") or []:
        row = {
            "key": node.get("key"),
            "name": node.get("name"),
            "mode": node.get("mode", "one"),
            "n": node.get("n"),
            "sla_hours": node.get("sla_hours"),
            "remind_share": node.get("remind_share", 0.5),
            "checklist": "\n".join(node.get("checklist") or []),
        }
        for i, approver in enumerate(node.get("approvers") or []):
            row.update(_approver_initial(f"a{i}_", approver))
        for i, condition in enumerate(node.get("condition") or []):
            row.update(_condition_initial(f"c{i}_", condition))
        steps.append(row)
    legal = definition.get("legal_review") or {}
    settings = {
        "fallback_user": definition.get("fallback_user"),
        "legal_checklist": "\n".join(legal.get("checklist") or []),
        "legal_sla_hours": legal.get("sla_hours"),
    }
    for i, approver in enumerate(legal.get("approvers") or []):
        settings.update(_approver_initial(f"l{i}_", approver))
    return {
        "conditions": [_condition_initial("", c) for c in definition.get("conditions") or []],
        "steps": steps,
        "legal_when": [_condition_initial("", c) for c in legal.get("when") or []],
        "settings": settings,
    }


class Editor:
    """The editor's forms, bound to a POST or filled from a definition."""

    def __init__(self, *, data=None, definition: dict | None = None):
        layout = layout_for(definition)
        if data is not None:
            layout["approver_rows"] = _posted_count(data, "settings-approver_rows", layout["approver_rows"])
            layout["condition_rows"] = _posted_count(
                data, "settings-condition_rows", layout["condition_rows"]
            )
            layout["legal_rows"] = _posted_count(data, "settings-legal_rows", layout["legal_rows"])
        initial = definition_initial(definition)
        users, fields = user_choices(), field_choices(definition)

        def extra(rows, total):
            return max(total - len(rows), 0)

        self.conditions = forms.formset_factory(
            ConditionForm,
            formset=BaseConditionFormSet,
            extra=extra(initial["conditions"], layout["conditions"]),
            max_num=MAX_ROWS,
            absolute_max=MAX_ROWS,
        )(data, prefix="conditions", initial=initial["conditions"], form_kwargs={"fields": fields})
        self.legal_when = forms.formset_factory(
            ConditionForm,
            formset=BaseConditionFormSet,
            extra=extra(initial["legal_when"], layout["legal_when"]),
            max_num=MAX_ROWS,
            absolute_max=MAX_ROWS,
        )(data, prefix="legal_when", initial=initial["legal_when"], form_kwargs={"fields": fields})
        self.steps = forms.formset_factory(
            StepForm,
            formset=BaseStepFormSet,
            extra=extra(initial["steps"], layout["steps"]),
            can_order=True,
            can_delete=True,
            max_num=defs.MAX_NODES,
            absolute_max=defs.MAX_NODES,
        )(
            data,
            prefix="steps",
            initial=initial["steps"],
            form_kwargs={
                "users": users,
                "fields": fields,
                "approver_rows": layout["approver_rows"],
                "condition_rows": layout["condition_rows"],
            },
        )
        settings_initial = {
            **initial["settings"],
            "approver_rows": layout["approver_rows"],
            "condition_rows": layout["condition_rows"],
            "legal_rows": layout["legal_rows"],
        }
        self.settings = DefinitionForm(
            data, prefix="settings", initial=settings_initial, users=users, legal_rows=layout["legal_rows"]
        )

    def is_valid(self) -> bool:
        return all(
            [
                self.conditions.is_valid(),
                self.legal_when.is_valid(),
                self.steps.is_valid(),
                self.settings.is_valid(),
            ]
        )

    def definition(self) -> dict:
        """The definition the forms describe, in the shape `definition.parse` returns for it. Rows with a problem
        get their error here; check `has_errors()` afterwards."""
        nodes, keys = [], set()
        for form in self.steps.ordered_forms if self.steps.can_order else self.steps.forms:
            if form in self.steps.deleted_forms or form.is_blank():
                continue
            nodes.append(form.node())
        for node in nodes:
            keys.add(node["key"])
        for n, node in enumerate(nodes, start=1):
            if not node["key"]:
                node["key"] = next(k for k in (f"step{i}" for i in range(n, n + 1000)) if k not in keys)
                keys.add(node["key"])
        result = {"conditions": self.conditions.conditions(), "nodes": nodes}
        settings = self.settings
        legal = {
            "when": self.legal_when.conditions(),
            "approvers": [
                a for a in (_approver_from(settings, f"l{i}_") for i in range(settings.legal_count)) if a
            ],
            "checklist": _lines(settings.cleaned_data.get("legal_checklist")),
            "sla_hours": settings.cleaned_data.get("legal_sla_hours"),
        }
        if legal["when"] or legal["approvers"] or legal["checklist"] or legal["sla_hours"]:
            result["legal_review"] = legal
        if settings.cleaned_data.get("fallback_user"):
            result["fallback_user"] = settings.cleaned_data["fallback_user"]
        return result

    def has_errors(self) -> bool:
        steps = [f for f in self.steps.forms if f not in self.steps.deleted_forms]
        return any(f.errors for f in [*self.conditions.forms, *self.legal_when.forms, *steps, self.settings])

    @property
    def note(self) -> str:
        return self.settings.cleaned_data.get("note", "")


# --- workflows, tasks, absences -----------------------------------------------------------------------------------


class WorkflowForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=32767,
        initial=100,
        help_text=_("Workflows are tried in this order (lowest first); the first match wins."),
    )
    is_default = forms.BooleanField(
        label=_("Default workflow"),
        required=False,
        help_text=_("Catches every contract no other workflow matches."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class DecisionForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject")), ("return", _("Return for changes"))]
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject or to return for changes."),
    )

    def __init__(self, *args, checklist: list, earlier_steps: list, **kwargs):
        super().__init__(*args, **kwargs)
        if checklist:
            self.fields["checklist"] = forms.MultipleChoiceField(
                label=_("Checklist"),
                required=False,
                choices=[(item, item) for item in checklist],
                widget=forms.CheckboxSelectMultiple,
            )
        if earlier_steps:
            self.fields["to_step"] = forms.TypedChoiceField(
                label=_("When rejecting, send back to"),
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", _("The submitter (the contract becomes a draft)"))] + earlier_steps,
            )
        style_fields(self)


class DelegateForm(StyledFormMixin, forms.Form):
    to = forms.ModelChoiceField(label=_("Hand this task to"), queryset=User.objects.none())
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = people


class AddApproverForm(StyledFormMixin, forms.Form):
    user = forms.ModelChoiceField(label=_("Person to add"), queryset=User.objects.none())
    where = forms.ChoiceField(
        label=_("They decide"),
        widget=forms.RadioSelect,
        initial="before",
        choices=[("before", _("Before me (the task comes back to me)")), ("after", _("After I approve"))],
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DelegationForm(StyledFormMixin, forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("Until"), widget=DateInput)
    delegate = forms.ModelChoiceField(label=_("Delegate"), queryset=User.objects.none())
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = (
            User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("username")
        )
