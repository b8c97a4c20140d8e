"""Planning, completing, waiving and reopening obligations; recurrences; evidence; termination; key dates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.storage import default_storage

from hetong.audit.models import AuditEvent
from hetong.contracts.models import KeyDate
from hetong.contracts.signals import contract_ended
from hetong.core.errors import (
    Conflict,
    Frozen,
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
    StaleVersion,
)
from hetong.notifications.models import Notification
from hetong.obligations import selectors, services
from hetong.obligations.models import EvidenceFile, Obligation

from .conftest import TODAY, pdf


def key_date(contract):
    return KeyDate.objects.filter(contract=contract, kind="obligation").values_list("date", flat=True).first()


def test_adding_an_obligation_of_ours_assigns_the_contract_owner_and_audits(active, add, sales_owner):
    obligation = add(active, kind="delivery")
    assert obligation.owner == sales_owner
    assert obligation.status == Obligation.Status.OPEN and not obligation.is_overdue
    event = AuditEvent.objects.filter(verb="obligations.add").get()
    assert event.actor == sales_owner and event.target_id == str(active.pk)
    assert event.data["title"] == "第一阶段交付"


def test_a_customer_side_obligation_may_have_no_owner(active, add):
    obligation = add(active, party="customer", title="客户提供验收场地")
    assert obligation.owner is None


def test_bad_input_is_refused_with_field_errors_and_nothing_saved(active, add):
    with pytest.raises(InvalidInput) as caught:
        add(active, title="  ", due_date="2026-02-30", kind="party", owner=999999)
    assert set(caught.value.errors) == {"title", "due_date", "kind", "owner"}
    with pytest.raises(InvalidInput) as caught:
        add(active, status="done")
    assert caught.value.code == "forbidden_field"
    with pytest.raises(InvalidInput) as caught:
        add(active, recurrence="monthly", repeat_until="2026-01-01")
    assert "repeat_until" in caught.value.errors
    assert not Obligation.objects.exists()


def test_a_recurring_obligation_repeats_until_the_contract_end_by_default(active, add):
    obligation = add(active, recurrence="monthly")
    assert obligation.repeat_until == active.end_date


def test_overdue_is_computed_from_the_company_date(active, add):
    late = add(active, due_date="2026-03-01")
    today = add(active, due_date=TODAY.isoformat())
    assert late.is_overdue and not today.is_overdue
    annotated = {o.pk: o.overdue for o in Obligation.objects.with_overdue()}
    assert annotated == {late.pk: True, today.pk: False}
    assert list(Obligation.objects.overdue()) == [late]
    assert list(Obligation.objects.overdue(on=dt.date(2026, 2, 1))) == []


def test_completing_records_the_day_the_note_and_evidence(active, add, sales_owner):
    obligation = add(active)
    done = services.complete_obligation(obligation, by=sales_owner, done_on="2026-03-01", note="客户已签收",
                                        evidence=pdf())
    assert (done.status, done.done_on, done.done_by, done.note) == ("done", dt.date(2026, 3, 1), sales_owner, "客户已签收")
    evidence = done.evidence.get()
    assert evidence.original_name == "acceptance.pdf" and len(evidence.sha256) == 64
    assert evidence.blob.name.startswith(f"obligations/{active.pk}/") and "acceptance" not in evidence.blob.name
    assert evidence.intact()
    event = AuditEvent.objects.filter(verb="obligations.complete").get()
    assert event.data["evidence"][0]["sha256"] == evidence.sha256


def test_completing_refuses_a_future_day_and_a_bad_file_and_keeps_nothing(active, add, sales_owner):
    obligation = add(active)
    with pytest.raises(InvalidInput) as caught:
        services.complete_obligation(obligation, by=sales_owner, done_on="2026-03-03")
    assert "done_on" in caught.value.errors
    with pytest.raises(InvalidInput):
        services.complete_obligation(obligation, by=sales_owner, evidence=pdf("x.pdf", b"not a pdf"))
    obligation.refresh_from_db()
    assert obligation.status == "open" and not EvidenceFile.objects.exists()


def test_completing_twice_is_refused_and_the_next_occurrence_is_made_once(active, add, sales_owner, manager):
    first = add(active, title="月度服务报告", kind="report", due_date="2026-03-31", recurrence="monthly")
    stale = Obligation.objects.get(pk=first.pk)
    services.complete_obligation(first, by=sales_owner)
    with pytest.raises(IllegalTransition):
        services.complete_obligation(stale, by=manager)
    assert Obligation.objects.filter(series=first).count() == 1
    # Reopened and completed again, it does not make a second April report.
    services.reopen_obligation(first, by=manager)
    services.complete_obligation(first, by=sales_owner)
    assert list(Obligation.objects.filter(series=first).values_list("due_date", flat=True)) == [dt.date(2026, 4, 30)]


def test_monthly_occurrences_keep_the_end_of_the_month(active, add, sales_owner):
    with_jan = services.add_obligation(active, by=sales_owner, data={
        "title": "月度报告", "due_date": "2026-01-31", "recurrence": "monthly", "repeat_until": "2026-05-31"})
    current, dues = with_jan, []
    for _ in range(5):
        services.complete_obligation(current, by=sales_owner)
        current = Obligation.objects.filter(series=with_jan).order_by("-occurrence").first()
        if current is None or current.status != "open":
            break
        dues.append(current.due_date)
    assert dues == [dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30), dt.date(2026, 5, 31)]
    assert Obligation.objects.filter(series=with_jan).count() == 4  # none after repeat_until


def test_quarterly_and_yearly_steps(active, add, sales_owner):
    quarterly = add(active, due_date="2025-11-30", recurrence="quarterly", repeat_until="2027-01-01")
    yearly = add(active, due_date="2024-02-29", recurrence="yearly", repeat_until="2027-01-01")
    services.complete_obligation(quarterly, by=sales_owner)
    services.complete_obligation(yearly, by=sales_owner)
    assert Obligation.objects.get(series=quarterly).due_date == dt.date(2026, 2, 28)
    assert Obligation.objects.get(series=yearly).due_date == dt.date(2025, 2, 28)


def test_waiving_needs_a_reason_and_reopening_clears_it(active, add, sales_owner):
    obligation = add(active)
    with pytest.raises(InvalidInput) as caught:
        services.waive_obligation(obligation, by=sales_owner, reason="  ")
    assert caught.value.code == "reason_required" and "reason" in caught.value.errors
    waived = services.waive_obligation(obligation, by=sales_owner, reason="客户取消该项交付")
    assert (waived.status, waived.waived_reason) == ("waived", "客户取消该项交付")
    with pytest.raises(IllegalTransition):
        services.waive_obligation(waived, by=sales_owner, reason="again")
    reopened = services.reopen_obligation(waived, by=sales_owner)
    assert (reopened.status, reopened.waived_reason) == ("open", "")
    with pytest.raises(IllegalTransition):
        services.reopen_obligation(reopened, by=sales_owner)
    assert list(AuditEvent.objects.filter(verb__startswith="obligations.").values_list("verb", flat=True)) == [
        "obligations.add", "obligations.waive", "obligations.reopen"]


def test_edits_are_version_checked(active, add, sales_owner):
    obligation = add(active)
    edited = services.update_obligation(obligation, by=sales_owner, version=obligation.version,
                                        data={"due_date": "2026-05-15", "title": "第一阶段交付（延期）"})
    assert edited.version == obligation.version + 1 and edited.due_date == dt.date(2026, 5, 15)
    with pytest.raises(StaleVersion):
        services.update_obligation(obligation, by=sales_owner, version=obligation.version, data={"title": "x"})
    assert AuditEvent.objects.filter(verb="obligations.update").get().data["changes"]["due_date"] == [
        "2026-04-30", "2026-05-15"]


def test_permissions(active, add, sales_owner, other_sales, viewer, finance, legal):
    obligation = add(active)
    for outsider in (other_sales, viewer, finance):
        with pytest.raises(PermissionDenied):
            add(active, by=outsider)
        with pytest.raises(PermissionDenied):
            services.complete_obligation(obligation, by=outsider)
    # Assigned to finance, finance records it done but cannot waive it.
    assigned = add(active, owner=finance.pk, kind="report")
    services.complete_obligation(assigned, by=finance)
    with pytest.raises(PermissionDenied):
        services.waive_obligation(add(active, owner=finance.pk), by=finance, reason="不需要")
    assert add(active, by=legal).created_by == legal


def test_a_cancelled_contract_takes_no_obligations(ca1, add, sales_owner):
    from hetong.contracts import services as contracts

    cancelled = contracts.cancel_contract(ca1, by=sales_owner, note="客户放弃")
    with pytest.raises(Frozen):
        add(cancelled)


def test_key_date_follows_the_earliest_open_obligation(active, add, sales_owner):
    assert key_date(active) is None
    later = add(active, due_date="2026-06-30")
    assert key_date(active) == dt.date(2026, 6, 30)
    sooner = add(active, due_date="2026-04-15")
    assert key_date(active) == dt.date(2026, 4, 15)
    services.complete_obligation(sooner, by=sales_owner)
    assert key_date(active) == dt.date(2026, 6, 30)
    later = services.update_obligation(later, by=sales_owner, version=later.version, data={"due_date": "2026-07-01"})
    assert key_date(active) == dt.date(2026, 7, 1)
    services.waive_obligation(later, by=sales_owner, reason="合并到二期")
    assert key_date(active) is None
    services.reopen_obligation(later, by=sales_owner)
    assert key_date(active) == dt.date(2026, 7, 1)


def test_a_draft_contract_has_no_obligation_key_date(ca1, add):
    add(ca1)
    assert key_date(ca1) is None


def test_termination_waives_future_obligations_and_stops_repetitions(active, add, sales_owner, legal):
    past = add(active, due_date="2026-02-01")
    monthly = add(active, title="月度报告", due_date="2026-03-31", recurrence="monthly")
    future = add(active, due_date="2026-06-30")
    contract_ended.send(sender=type(active), contract=active, on=dt.date(2026, 4, 15), reason="违约", by=legal)
    past.refresh_from_db(), monthly.refresh_from_db(), future.refresh_from_db()
    assert (past.status, monthly.status) == ("open", "open")
    assert (future.status, future.waived_reason) == ("waived", services.termination_reason())
    assert monthly.repeat_until == dt.date(2026, 4, 15)
    services.complete_obligation(monthly, by=sales_owner)  # the April report would fall after the end: not made
    assert not Obligation.objects.filter(series=monthly).exists()
    event = AuditEvent.objects.get(verb="obligations.stop_on_end")
    assert event.actor == legal and event.data["waived"] == [future.pk]
    assert key_date(active) == dt.date(2026, 2, 1)


def test_the_termination_reason_is_in_the_company_language():
    from django.utils import translation

    with translation.override("en"):
        assert services.termination_reason() in {"合同终止", "Contract terminated"}


def test_progress_in_one_query(active, add, sales_owner, ca1, cb1, django_assert_num_queries):
    done = add(active, due_date="2026-01-10")
    services.complete_obligation(done, by=sales_owner)
    add(active, due_date="2026-02-10")  # overdue
    add(active, due_date="2026-05-10")
    services.waive_obligation(add(active), by=sales_owner, reason="不再需要")
    with django_assert_num_queries(1):
        progress = selectors.progress_for([active.pk, cb1.pk])
    assert progress[active.pk]["fulfilment_pct"] == Decimal("33.3")
    assert {k: progress[active.pk][k] for k in ("open", "overdue", "done")} == {"open": 2, "overdue": 1, "done": 1}
    assert progress[cb1.pk]["fulfilment_pct"] is None


def test_tampered_evidence_is_refused_and_admins_alerted(active, add, sales_owner, admin, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    obligation = add(active)
    evidence = services.add_evidence(obligation, by=sales_owner, upload=pdf())
    assert evidence.intact()
    with default_storage.open(evidence.blob.name, "wb") as handle:
        handle.write(b"%PDF-1.4 altered")
    assert not evidence.intact()
    error = services.evidence_changed(evidence, by=sales_owner)
    assert isinstance(error, Conflict) and error.status == 409 and error.code == "file_changed"
    assert Notification.objects.filter(user=admin, kind=Notification.Kind.SYSTEM).count() == 1
    assert len(mail.outbox) <= 1


def test_the_owner_is_reminded_of_the_next_obligation(active, add, sales_owner):
    import time_machine
    from django.test import TestCase

    from hetong.notifications.models import Reminder
    from hetong.notifications.services import run_reminders

    add(active, title="首批设备交付", due_date="2026-03-09")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        with TestCase.captureOnCommitCallbacks(execute=True):
            run_reminders(now=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    reminder = Reminder.objects.get(user=sales_owner, dispatch__contract=active)
    assert (reminder.dispatch.kind, reminder.dispatch.date, reminder.dispatch.offset) == (
        "obligation", dt.date(2026, 3, 9), 7)
