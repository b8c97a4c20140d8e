"""The forms of the template and clause pages. They only shape input; the services check and store it."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hetong.contracts.models import ContractType
from hetong.core.errors import DomainError
from hetong.core.files import clean_filename, extension
from hetong.core.forms import StyledFormMixin, add_domain_error, style_filter_form

from . import engine
from .models import Clause, Language, Template
from .services import MAX_ALTERNATIVES

SOURCE_ATTRS = {"rows": 24, "class": "font-monospace", "spellcheck": "false", "autocapitalize": "off", "wrap": "off"}


class ContractTypeChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} · {obj}"


def _types_field():
    return ContractTypeChoice(
        label=_("Contract types"), queryset=ContractType.objects.order_by("code"), required=False,
        help_text=_("Offered for contracts of these types and their sub-types; none means every type."),
    )


def _normalise_source(text: str) -> str:
    # Browsers post textareas with CRLF; storing LF keeps an unchanged text unchanged (same sha256).
    return text.replace("\r\n", "\n").replace("\r", "\n")


class DocxField(forms.FileField):
    """A Word file, refused early when it is too large or plainly not a .docx (the engine checks the content)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Word file (.docx)"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.FileInput(attrs={
            "accept": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return upload
        if upload.size > engine.MAX_DOCX_BYTES:
            raise forms.ValidationError(
                _("The Word file is larger than %(mb)s MB.") % {"mb": engine.MAX_DOCX_BYTES // (1024 * 1024)}
            )
        if extension(clean_filename(upload.name)) != "docx":
            raise forms.ValidationError(_("Choose a Word file saved as .docx (not .doc, .pdf or another kind)."))
        return upload


def show_template_error(form: forms.Form, exc: DomainError, *, source_field: str) -> None:
    """A service's refusal on the form. The template checker's problems (unknown variables, unsafe constructs,
    syntax errors with their line) go under the source field, one message each."""
    problems = exc.errors.get("template")
    if not problems:
        add_domain_error(form, exc)
        return
    form.is_valid()
    for message in problems:
        form.add_error(source_field, message)
    form.add_error(None, _("The template was not saved. Correct the problems below and save again."))


class TemplateFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *Template.Kind.choices])
    language = forms.ChoiceField(label=_("Language"), required=False, choices=[("", _("All")), *Language.choices])
    purpose = forms.ChoiceField(label=_("Purpose"), required=False, choices=[("", _("All")), *Template.Purpose.choices])
    contract_type = forms.ModelChoiceField(
        label=_("Contract type"), required=False, queryset=ContractType.objects.order_by("code")
    )
    standard = forms.ChoiceField(
        label=_("Standard"), required=False, choices=[("", _("All")), ("yes", _("Standard only")), ("no", _("Non-standard only"))]
    )
    active = forms.ChoiceField(
        label=pgettext_lazy("template", "Active"), required=False, initial="yes",
        choices=[("yes", _("Active only")), ("no", _("Inactive only")), ("all", _("All"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_filter_form(self)

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("q"):
            queryset = queryset.filter(name__icontains=data["q"])
        for name in ("kind", "language", "purpose"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("contract_type"):
            queryset = queryset.filter(contract_types=data["contract_type"])
        if data.get("standard"):
            queryset = queryset.filter(is_standard=data["standard"] == "yes")
        active = data.get("active") or "yes"
        if active != "all":
            queryset = queryset.filter(is_active=active == "yes")
        return queryset.distinct()


class TemplateForm(StyledFormMixin, forms.Form):
    """A template's description: what the metadata edit changes, and the first part of a new template."""

    name = forms.CharField(label=_("Name"), max_length=100)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.ZH)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Template.Purpose.choices, initial=Template.Purpose.CONTRACT)
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    contract_types = _types_field()
    is_standard = forms.BooleanField(
        label=_("Standard template"), required=False,
        help_text=_("The company's standard text; contracts made from another template are marked for review."),
    )
    is_active = forms.BooleanField(label=pgettext_lazy("template", "Active"), required=False, initial=True)

    META_FIELDS = ("name", "language", "purpose", "description", "contract_types", "is_standard", "is_active")

    def __init__(self, *args, template: Template | None = None, **kwargs):
        if template is not None:
            kwargs.setdefault("initial", {
                "name": template.name, "language": template.language, "purpose": template.purpose,
                "description": template.description, "contract_types": list(template.contract_types.all()),
                "is_standard": template.is_standard, "is_active": template.is_active,
            })
            kwargs.setdefault("prefix", "meta")
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.META_FIELDS}


class NewTemplateForm(TemplateForm):
    """A new template: its description and its first text, typed here (HTML) or uploaded (Word)."""

    html = forms.CharField(label=_("HTML source"), required=False, strip=False, widget=forms.Textarea(attrs=SOURCE_ATTRS))
    file = DocxField()

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        del self.fields["is_active"]
        del self.fields["file" if kind == Template.Kind.HTML else "html"]

    def clean_html(self):
        return _normalise_source(self.cleaned_data["html"])

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.META_FIELDS if name in self.fields}
        return {**data, "kind": self.kind}

    def source(self) -> dict:
        """The keyword arguments of the text for create_template / add_template_version."""
        upload = self.cleaned_data.get("file")
        if self.kind == Template.Kind.HTML:
            return {"html": self.cleaned_data.get("html", "")}
        if not upload:
            return {"docx": None}
        return {"docx": upload.read(), "original_name": clean_filename(upload.name)}


class TemplateVersionForm(StyledFormMixin, forms.Form):
    """A new version of a template's text, with a note saying what changed."""

    html = forms.CharField(label=_("HTML source"), required=False, strip=False, widget=forms.Textarea(attrs=SOURCE_ATTRS))
    file = DocxField()
    note = forms.CharField(
        label=_("Change note"), max_length=255, required=False,
        help_text=_("What changed and why; shown in the version history."),
    )

    def __init__(self, *args, template: Template, **kwargs):
        if template.kind == Template.Kind.HTML and template.current_id:
            kwargs.setdefault("initial", {"html": template.current.html})
        super().__init__(*args, **kwargs)
        self.kind = template.kind
        del self.fields["file" if template.kind == Template.Kind.HTML else "html"]

    clean_html = NewTemplateForm.clean_html
    source = NewTemplateForm.source


# --- clauses --------------------------------------------------------------------------------------------------

class ClauseFilterForm(forms.Form):
    q = forms.CharField(label=_("Key or title"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[("", _("All")), *Clause.Category.choices])
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All")), (Language.ZH, Language.ZH.label), (Language.EN, Language.EN.label)]
    )
    waiting = forms.BooleanField(label=_("Only clauses with a draft awaiting approval"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_filter_form(self)


class ClauseTextForm(StyledFormMixin, forms.Form):
    """A clause's standard text and up to five fallback alternatives (label and text pairs)."""

    text = forms.CharField(
        label=_("Standard text"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("May use the template variables, e.g. {{ contract.amount }}; not other clauses."),
    )
    note = forms.CharField(label=_("Change note"), max_length=255, required=False)

    def __init__(self, *args, version=None, **kwargs):
        if version is not None:
            initial = {"text": version.text}
            for n, alternative in enumerate(version.alternatives[:MAX_ALTERNATIVES], start=1):
                initial[f"alt_label_{n}"] = alternative.get("label", "")
                initial[f"alt_text_{n}"] = alternative.get("text", "")
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for n in range(1, MAX_ALTERNATIVES + 1):
            self.fields[f"alt_label_{n}"] = forms.CharField(
                label=_("Alternative %(n)s: label") % {"n": n}, max_length=100, required=False,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
            self.fields[f"alt_text_{n}"] = forms.CharField(
                label=_("Alternative %(n)s: text") % {"n": n}, required=False,
                widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
            )

    def alternative_pairs(self):
        """(number, label field, text field) for the template."""
        return [(n, self[f"alt_label_{n}"], self[f"alt_text_{n}"]) for n in range(1, MAX_ALTERNATIVES + 1)]

    def alternatives(self) -> list[dict]:
        pairs = [
            {"label": self.cleaned_data.get(f"alt_label_{n}", ""), "text": self.cleaned_data.get(f"alt_text_{n}", "")}
            for n in range(1, MAX_ALTERNATIVES + 1)
        ]
        # Empty rows are the unused slots; a half-filled row goes to the service, which names what is missing.
        return [pair for pair in pairs if pair["label"].strip() or pair["text"].strip()]


class NewClauseForm(ClauseTextForm):
    key = forms.SlugField(
        label=pgettext_lazy("clause", "Key"), max_length=40,
        help_text=_("Lower-case letters, digits and underscores; templates include the clause as clauses.<key>."),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[(Language.ZH, Language.ZH.label), (Language.EN, Language.EN.label)]
    )
    category = forms.ChoiceField(label=_("Category"), choices=Clause.Category.choices, initial=Clause.Category.OTHER)
    title = forms.CharField(label=_("Title"), max_length=100)

    field_order = ["key", "language", "category", "title", "text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["note"]

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("key", "language", "category", "title")}
