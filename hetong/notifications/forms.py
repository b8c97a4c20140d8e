"""Page forms for reminder rules and channels. They check only the shape of the input (lengths, choices); the
services decide what is valid, with one set of translated messages for the pages and the API."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from hetong.contracts.models import ContractType
from hetong.core.forms import StyledFormMixin

from .models import MAX_OFFSET, Channel, RecipientRole, ReminderRule
from .services import date_kinds_for

User = get_user_model()


def offsets_text(offsets) -> str:
    return ", ".join(str(o) for o in offsets or [])


class RuleTypeForm(StyledFormMixin, forms.Form):
    """Step one of a new rule: which contracts it is for (its date choices depend on it)."""

    contract_type = forms.ModelChoiceField(
        label=_("Contract type"),
        queryset=ContractType.objects.filter(is_active=True),
        required=False,
        empty_label=_("All contract types (default rule)"),
    )


class RuleForm(StyledFormMixin, forms.Form):
    date_kind = forms.ChoiceField(label=_("Date"))
    offsets = forms.CharField(
        label=_("Days before"),
        max_length=200,
        help_text=_("Comma-separated, e.g. 90, 60, 30, 7, 0 (0 is the day itself; at most %(max)d).")
        % {"max": MAX_OFFSET},
    )
    business_days = forms.BooleanField(label=_("Count business days"), required=False)
    recipient_roles = forms.MultipleChoiceField(
        label=_("Recipients by role"),
        choices=RecipientRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recipient_users = forms.ModelMultipleChoiceField(
        label=_("Named recipients"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
    )
    email = forms.BooleanField(label=_("Also by email"), required=False)
    channels = forms.ModelMultipleChoiceField(
        label=_("Group channels"),
        queryset=Channel.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    escalate_after = forms.CharField(
        label=_("Escalate after (business days)"),
        required=False,
        max_length=5,
        help_text=_(
            "Unacknowledged reminders go to the recipient's manager after this many business days. Empty: never."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    is_active = forms.BooleanField(
        label=_("Active"), required=False, help_text=_("Switched off, this date gets no reminders here.")
    )

    def __init__(self, *args, contract_type=None, rule: ReminderRule | None = None, **kwargs):
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "date_kind": rule.date_kind,
                "offsets": offsets_text(rule.offsets),
                "business_days": rule.business_days,
                "recipient_roles": rule.recipient_roles,
                "recipient_users": list(rule.recipient_users.all()),
                "email": rule.email,
                "channels": list(rule.channels.all()),
                "escalate_after": "" if rule.escalate_after is None else rule.escalate_after,
                "is_active": rule.is_active,
            }
        kwargs.setdefault(
            "initial",
            {
                "offsets": "90, 60, 30, 7, 0",
                "recipient_roles": [RecipientRole.OWNER],
                "email": True,
                "escalate_after": 3,
                "is_active": True,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["date_kind"].choices = date_kinds_for(contract_type)
        if rule is not None and rule.pk:
            # A rule's date is its identity: another date is another rule.
            self.fields["date_kind"].disabled = True
        self.fields["recipient_users"].widget.attrs["size"] = 6

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["recipient_users"] = [u.pk for u in data.get("recipient_users") or []]
        data["channels"] = [c.pk for c in data.get("channels") or []]
        if self.fields["date_kind"].disabled:
            data.pop("date_kind", None)
        return data


class ChannelForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=Channel.Kind.choices)
    url = forms.CharField(
        label=_("Webhook URL"),
        max_length=500,
        help_text=_("Copy the whole address from the robot's settings."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("DingTalk 加签 (SEC…), Feishu 签名校验, or the webhook's HMAC key. Never shown again."),
    )
    keyword = forms.CharField(
        label=_("Keyword"),
        max_length=60,
        required=False,
        help_text=_("The robot's custom keyword, if its security setting uses one."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, channel: Channel | None = None, **kwargs):
        if channel is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": channel.name,
                "kind": channel.kind,
                "url": channel.url,
                "keyword": channel.keyword,
                "is_active": channel.is_active,
            }
        super().__init__(*args, **kwargs)
        if channel is not None:
            self.fields["kind"].disabled = True
            if channel.secret:
                self.fields["secret"].help_text = _(
                    "A secret is set. Leave empty to keep it; type a new one to replace it."
                )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if self.fields["kind"].disabled:
            data.pop("kind", None)
        return data
