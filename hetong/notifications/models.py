"""Reminder rules, the dispatches they make, and the messages that carry them to people and groups.

A reminder rule says, for one kind of key date, how many days before it to remind whom and where. The
scheduler turns due (rule, contract, date, offset) keys into Dispatch rows; the unique constraint on that key is
what makes a reminder go out once, whatever runs twice or dies half-way. Each dispatch gives every recipient a
Reminder (to acknowledge or snooze) and an inbox Notification; email and robot messages are queued as Delivery
rows in the same transaction and sent by workers after commit, with retries an admin can see.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_OFFSETS = [90, 60, 30, 7, 0]
MAX_OFFSET = 730  # two years before a date is already more than any contract needs


class RecipientRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    OWNER_MANAGER = "owner_manager", _("Owner's manager")
    DEPARTMENT_HEAD = "department_head", _("Head of the contract's department")
    LEGAL = "legal", _("Legal")
    FINANCE = "finance", _("Finance")


class Channel(models.Model):
    """A group robot or webhook that reminders can also go to. People's own inbox and email need no channel."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")
        FEISHU = "feishu", _("Feishu group robot")
        WEBHOOK = "webhook", _("Webhook")

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"), max_length=200, blank=True,
        help_text=_("The signing secret (DingTalk 加签, Feishu 签名校验, webhook HMAC). Leave empty to keep the current one."),
    )
    keyword = models.CharField(
        _("keyword"), max_length=60, blank=True, help_text=_("The robot's custom keyword, if its security setting uses one."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="channel_name_unique"),
            models.CheckConstraint(condition=Q(kind__in=["wecom", "dingtalk", "feishu", "webhook"]), name="channel_kind_valid"),
        ]

    def __str__(self):
        return self.name


class ReminderRuleQuerySet(models.QuerySet):
    def defaults(self):
        return self.filter(contract_type__isnull=True, contract__isnull=True)


class ReminderRule(models.Model):
    """When to remind whom of one kind of key date. A rule belongs to nobody (the default for every type), to a
    contract type (and its sub-types), or to one contract; the most specific one that exists wins, and an
    inactive rule there means "no reminders of this date"."""

    contract_type = models.ForeignKey(
        "contracts.ContractType", verbose_name=_("contract type"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="reminder_rules",
    )
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="reminder_rules",
    )
    date_kind = models.CharField(_("date"), max_length=50)
    offsets = models.JSONField(_("days before"), default=list)
    business_days = models.BooleanField(_("count business days"), default=False)
    recipient_roles = models.JSONField(_("recipients by role"), default=list, blank=True)
    recipient_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("named recipients"), blank=True, related_name="+"
    )
    email = models.BooleanField(_("also by email"), default=True)
    channels = models.ManyToManyField(Channel, verbose_name=_("group channels"), blank=True, related_name="rules")
    escalate_after = models.PositiveSmallIntegerField(
        _("escalate after (business days)"), null=True, blank=True, default=3,
        help_text=_("Unacknowledged reminders go to the recipient's manager after this many business days. Empty: never."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ReminderRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(contract_type__isnull=True) | Q(contract__isnull=True), name="reminderrule_one_scope"
            ),
            models.UniqueConstraint(
                fields=["date_kind"], condition=Q(contract_type__isnull=True, contract__isnull=True),
                name="reminderrule_default_unique",
            ),
            models.UniqueConstraint(
                fields=["contract_type", "date_kind"], condition=Q(contract_type__isnull=False),
                name="reminderrule_type_unique",
            ),
            models.UniqueConstraint(
                fields=["contract", "date_kind"], condition=Q(contract__isnull=False), name="reminderrule_contract_unique",
            ),
        ]

    def __str__(self):
        return f"{self.scope_label} · {self.date_label}"

    @property
    def scope_label(self) -> str:
        if self.contract_id:
            return str(self.contract.number)
        if self.contract_type_id:
            return str(self.contract_type)
        return str(_("All contract types"))

    @property
    def date_label(self) -> str:
        from hetong.contracts.models import key_date_label

        return key_date_label(self.date_kind, self.contract_type if self.contract_type_id else (
            self.contract.contract_type if self.contract_id else None))


class Dispatch(models.Model):
    """One reminder key, (rule, contract, date, offset), claimed by exactly one scheduler pass."""

    # A removed rule leaves its dispatches as history (rule empty); the rule that applies after it has keys of
    # its own, so its reminders of the same date are sent under them.
    rule = models.ForeignKey(ReminderRule, null=True, on_delete=models.SET_NULL, related_name="dispatches")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(_("date"), max_length=50)
    date = models.DateField(_("date"))
    offset = models.SmallIntegerField(_("days before"))
    fire_on = models.DateField(_("due on"))
    claimed_at = models.DateTimeField(default=timezone.now)
    # Set, with the pass that did it, in the transaction that creates the recipients' reminders and messages:
    # a pass killed before that commit leaves the dispatch unsent, and the next pass sends it.
    run = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder dispatch")
        verbose_name_plural = _("reminder dispatches")
        constraints = [
            models.UniqueConstraint(fields=["rule", "contract", "date", "offset"], name="dispatch_key_unique"),
        ]
        indexes = [
            models.Index(fields=["run"], name="dispatch_run_idx"),
            models.Index(fields=["claimed_at"], condition=Q(sent_at__isnull=True), name="dispatch_unsent_idx"),
            models.Index(fields=["contract", "kind", "date"], name="dispatch_contract_idx"),
        ]

    def __str__(self):
        return f"{self.contract_id} {self.kind} {self.date} −{self.offset}"


class Notification(models.Model):
    """A message in someone's in-app inbox."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Escalation")
        RENEWAL = "renewal", _("Tacit renewal")
        APPROVAL = "approval", _("Approval")
        SYSTEM = "system", _("System")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user", "id"], name="notification_user_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self):
        return self.title


class Reminder(models.Model):
    """One recipient's copy of a dispatch: what they acknowledge, snooze, or have escalated to their manager."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        SNOOZED = "snoozed", _("Snoozed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("No longer needed")

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders", db_index=False)
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="reminders")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When it last became open (created, or back from a snooze): escalation counts business days from here.
    open_since = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["dispatch", "user"], name="reminder_once_per_user"),
            models.CheckConstraint(
                condition=Q(state__in=["open", "snoozed", "acknowledged", "closed"]), name="reminder_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "state", "id"], name="reminder_user_state_idx"),
            models.Index(fields=["state", "open_since"], name="reminder_state_idx"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.dispatch}"


class Delivery(models.Model):
    """A message to send outside the app, queued in the transaction that made it and sent after commit.

    The rendered content is stored, so a retry sends exactly what was first meant, in the recipient's language.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")
        FEISHU = "feishu", _("Feishu group robot")
        WEBHOOK = "webhook", _("Webhook")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("channel"), max_length=10, choices=Kind.choices)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    to = models.CharField(_("to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["pending", "sending", "sent", "failed"]), name="delivery_state_valid"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.to or self.channel} {self.subject}"


class DeliveryAttachment(models.Model):
    """A file sent with an email delivery (a scheduled report). Kept in a table of its own so that lists and retries
    of deliveries never read the bytes; the sender attaches every one of a delivery's files."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="deliveryattachment_has_name"),
        ]

    def __str__(self):
        return self.name


class JobRun(models.Model):
    """A periodic job's slot (an hour, a user's day) claimed once, so two schedulers never both run it."""

    job = models.CharField(max_length=40)
    slot = models.CharField(max_length=60)
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="jobrun_slot_unique")]

    def __str__(self):
        return f"{self.job} {self.slot}"


class CalendarFeedQuerySet(models.QuerySet):
    def authenticate(self, raw: str):
        digest = hashlib.sha256(raw.encode()).hexdigest()
        feed = self.select_related("user").filter(digest=digest).first()
        return feed if feed and feed.user.is_active else None


class CalendarFeed(models.Model):
    """A user's secret iCalendar feed address. Only the token's SHA-256 is kept; a new address revokes the old."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["digest"], name="calendarfeed_digest_unique")]

    def __str__(self):
        return str(self.user)

    @staticmethod
    def new_token() -> tuple[str, str]:
        raw = secrets.token_urlsafe(32)
        return raw, hashlib.sha256(raw.encode()).hexdigest()
