"""What every page form shares: Tabler widget classes, and a service's DomainError shown on the form."""

from django import forms

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
