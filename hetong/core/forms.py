"""What every page form shares: Tabler widget classes, and a service's DomainError shown on the form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from hetong.core.errors import DomainError


def style_fields(form: forms.BaseForm) -> None:
    """Give each widget the Tabler class it needs (the CSP rules out styling it any other way)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):  # includes SelectMultiple
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def add_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a service's refusal on the form: field messages on their fields, the rest above the form."""
    form.is_valid()  # make sure form.errors exists before adding to it
    for field, messages in exc.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
    form.add_error(None, exc.message)


class StyledFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


def style_filter_form(form: forms.BaseForm) -> None:
    """A list's filter form: Tabler classes, and "All" instead of a row of dashes in the empty choices."""
    style_fields(form)
    for field in form.fields.values():
        if getattr(field, "empty_label", None) is not None:
            field.empty_label = _("All")
            field.widget.choices = field.choices  # the widget took a copy of the choices when it was built
