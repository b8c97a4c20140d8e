"""Helpers for the page and API tests: active contracts, reminders made by the real pass, bulk rows like them."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hetong.contracts import services as contract_services
from hetong.core.dates import company_today
from hetong.notifications.models import Dispatch, Notification, Reminder
from hetong.notifications.services import run_reminders

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# A Monday morning in Shanghai; the tests that use it freeze the clock there.
NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def make_active(contract, *, owner, approver, end_in: int = 30):
    """A contract taken through the services to active, ending `end_in` days from today."""
    contract = contract_services.update_contract(
        contract,
        by=owner,
        version=contract.version,
        data={
            "effective_date": company_today() - dt.timedelta(days=100),
            "end_date": company_today() + dt.timedelta(days=end_in),
        },
    )
    contract = contract_services.submit_contract(contract, by=owner)
    contract = contract_services.approve_contract(contract, by=approver)
    signed = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    return contract_services.sign_contract(
        contract, by=owner, signed_date=company_today(), signed_file=signed
    )


def remind(contract, *, owner, approver, end_in: int = 30) -> Reminder:
    """Make the contract active and run the reminder pass: the owner gets a reminder of its end date."""
    make_active(contract, owner=owner, approver=approver, end_in=end_in)
    run_reminders(now=timezone.now())
    return (
        Reminder.objects.filter(user=owner, dispatch__contract=contract, dispatch__kind="end")
        .order_by("dispatch__offset")
        .first()
    )


def more_reminders(like: Reminder, n: int) -> None:
    """n more reminders like `like`, each of its own date (straight inserts: only the reading is under test)."""
    start = Dispatch.objects.count()
    for i in range(start, start + n):
        dispatch = Dispatch.objects.create(
            rule=like.dispatch.rule,
            contract=like.dispatch.contract,
            kind="end",
            date=like.dispatch.date + dt.timedelta(days=i + 1),
            offset=30,
            fire_on=like.dispatch.fire_on,
            sent_at=timezone.now(),
        )
        note = Notification.objects.create(
            user=like.user,
            kind=Notification.Kind.REMINDER,
            title=f"提醒 {i}",
            url=f"/contracts/{like.dispatch.contract_id}/",
        )
        Reminder.objects.create(dispatch=dispatch, user=like.user, notification=note)
