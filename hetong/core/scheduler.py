"""The periodic work, run every minute by `hetong scheduler` (embedded in `hetong serve`).

Each step is safe to run in two schedulers at once: the hourly status job claims its hour in JobRun, reminders
are claimed by their unique keys, digests by (person, day), deliveries by a conditional UPDATE. A step that
fails is logged and the others still run; the next minute tries again.
"""

import datetime as dt
import logging
import signal
import time

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

log = logging.getLogger("hetong.scheduler")


def _claim(job: str, slot: str, now: dt.datetime) -> bool:
    from hetong.notifications.models import JobRun

    try:
        with transaction.atomic():
            JobRun.objects.create(job=job, slot=slot, claimed_at=now)
        return True
    except IntegrityError:
        return False


def status_job(now: dt.datetime) -> dict | None:
    from hetong.contracts.services import apply_date_transitions
    from hetong.notifications.services.reminders import company_day

    local = timezone.localtime(now, timezone.get_default_timezone())
    if not _claim("date_transitions", local.strftime("%Y-%m-%dT%H"), now):
        return None
    return apply_date_transitions(today=company_day(now))


def run_periodic(now: dt.datetime | None = None) -> dict:
    """One round of everything periodic; returns what each step did (or the error it logged)."""
    from hetong.analytics.schedules import send_due as send_scheduled_reports
    from hetong.approvals.services import run_slas
    from hetong.changes.amendments import apply_due as apply_amendments
    from hetong.esign.services import expire_due as expire_signature_requests
    from hetong.esign.services import remind_pending as remind_signers
    from hetong.notifications.services import retry_due_deliveries, run_reminders, send_digests
    from hetong.notifications.services.reminders import company_day

    now = now or timezone.now()
    steps = [
        # Signed amendments whose day has come first, so an extended end date is in place before the status job.
        ("amendments", lambda: apply_amendments(today=company_day(now))),
        ("status", lambda: status_job(now)),  # first, so renewed contracts are reminded of their new dates
        ("reminders", lambda: run_reminders(now=now)),
        ("approvals", lambda: run_slas(now=now)),  # approval time limits: reminders and escalation
        ("signature_requests", lambda: expire_signature_requests(now)),
        ("signature_reminders", lambda: remind_signers(now)),  # 催签, after expiry so a closed request is not chased
        ("digests", lambda: send_digests(now=now)),
        ("reports", lambda: send_scheduled_reports(now)),  # scheduled reports, each once per week or month
        ("deliveries", lambda: retry_due_deliveries(now=now)),
    ]
    done = {}
    for name, step in steps:
        try:
            done[name] = step()
        except Exception as exc:  # nothing may stop the scheduler; the next round tries again
            log.exception("scheduler step %s failed", name)
            done[name] = exc
    return done


def loop(*, interval: int = 60, once: bool = False) -> None:
    """Run every `interval` seconds, on the minute, until SIGTERM or SIGINT."""
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        close_old_connections()
        started = time.monotonic()
        done = run_periodic()
        close_old_connections()
        log.info("scheduler round: %s", {k: (v if not hasattr(v, "reminders") else v.reminders) for k, v in done.items()})
        if once:
            return
        wait = interval - (time.time() % interval) if interval >= 60 else max(0.0, interval - (time.monotonic() - started))
        deadline = time.monotonic() + wait
        while not stopping and time.monotonic() < deadline:
            time.sleep(min(1.0, deadline - time.monotonic()))
