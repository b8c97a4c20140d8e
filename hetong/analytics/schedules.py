"""Scheduled reports: each user's reports emailed weekly or monthly in their language."""


def send_due(now) -> int:
    """Send the schedules due at `now` (each once per period); returns how many were sent."""
    return 0
