"""Reminders and notifications, one function per action. Import them from here:
`from hetong.notifications import services`."""

from .config import date_kinds_for, delete_rule, parse_offsets, save_channel, save_rule
from .digest import send_digests
from .inbox import acknowledge_reminder, mark_all_read, mark_read, snooze_reminder
from .messages import (
    ReminderItem,
    notify,
    queue_email,
    retry_delivery,
    retry_due_deliveries,
    send_delivery,
    send_test_message,
)
from .reminders import (
    PassResult,
    close_reminders,
    escalate_reminders,
    recheck_rule_dates,
    run_reminders,
    wake_snoozed,
)

__all__ = [
    "PassResult", "ReminderItem", "acknowledge_reminder", "close_reminders", "date_kinds_for", "delete_rule",
    "escalate_reminders", "mark_all_read", "mark_read", "notify", "queue_email", "parse_offsets", "recheck_rule_dates",
    "retry_delivery", "retry_due_deliveries", "run_reminders", "save_channel", "save_rule", "send_delivery",
    "send_digests", "send_test_message", "snooze_reminder", "wake_snoozed",
]
