import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from hetong.audit.models import AuditEvent
from hetong.contracts import services
from hetong.contracts.models import Contract, ContractType, ExtraField, Status
from hetong.core.errors import Frozen, IllegalTransition, InvalidInput, PermissionDenied, StaleVersion

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def signed_pdf(name="signed.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def snapshot(contract):
    row = Contract.objects.get(pk=contract.pk)
    return {f.attname: getattr(row, f.attname) for f in Contract._meta.concrete_fields}


def test_number_follows_the_rule_and_counts_per_type_and_year(sales_owner, make_customer, make_contract):
    customer = make_customer(sales_owner)
    first = make_contract(sales_owner, customer)
    second = make_contract(sales_owner, customer)
    sales = make_contract(sales_owner, customer, contract_type=ContractType.objects.get(code="XS").pk)
    year = dt.date.today().year
    assert first.number.startswith(f"HT-FW-{year}-")
    assert int(second.number[-5:]) == int(first.number[-5:]) + 1
    assert sales.number == f"HT-XS-{year}-00001"


def test_number_rule_is_configurable(settings, sales_owner, make_customer, make_contract):
    settings.CONTRACT_NUMBER_FORMAT = "{year}/{type}/{seq:03d}"
    contract = make_contract(sales_owner, make_customer(sales_owner))
    assert contract.number.endswith("/FW/001")


def test_duplicate_number_is_refused_and_nothing_saved(sales_owner, make_customer, make_contract):
    customer = make_customer(sales_owner)
    make_contract(sales_owner, customer, number="HT-MANUAL-1")
    before = Contract.objects.count()
    with pytest.raises(InvalidInput) as exc:
        make_contract(sales_owner, customer, number="HT-MANUAL-1")
    assert "number" in exc.value.errors
    assert Contract.objects.count() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "-1"), ("amount", "12.345"), ("amount", "abc"), ("amount", "NaN"), ("currency", "XXX"),
     ("end_date", "2025-01-01"), ("effective_date", "2026-13-45"), ("notice_period", "-3")],
)
def test_bad_input_names_the_field_and_saves_nothing(sales_owner, make_customer, make_contract, field, value):
    customer = make_customer(sales_owner)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as exc:
        make_contract(sales_owner, customer, **{field: value})
    assert field in exc.value.errors
    assert Contract.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_amount_is_exact_decimal(sales_owner, make_customer, make_contract):
    contract = make_contract(sales_owner, make_customer(sales_owner), amount="1234567.89")
    assert Contract.objects.get(pk=contract.pk).amount == Decimal("1234567.89")


def test_notice_deadline_counts_calendar_months_back_from_end(sales_owner, make_customer, make_contract):
    contract = make_contract(sales_owner, make_customer(sales_owner), end_date="2027-03-31",
                             notice_period=1, notice_unit="months")
    assert contract.notice_deadline == dt.date(2027, 2, 26)  # 28 Feb 2027 is a Sunday: back to Friday
    sixty = make_contract(sales_owner, make_customer(sales_owner), end_date="2027-03-31", notice_period=60, notice_unit="days")
    assert sixty.notice_deadline == dt.date(2027, 1, 29)  # 60 days (30 Jan, a Saturday), never two months


def test_notice_period_longer_than_the_term_is_refused(sales_owner, make_customer, make_contract):
    with pytest.raises(InvalidInput) as exc:
        make_contract(sales_owner, make_customer(sales_owner), effective_date="2026-01-01", end_date="2026-03-31",
                      notice_period=6, notice_unit="months")
    assert "notice_period" in exc.value.errors


def test_tacit_renewal_rolls_the_term_end_and_notice_deadline_forward(sales_owner, manager, make_customer, make_contract):
    with time_machine.travel(dt.datetime(2026, 1, 10, 2, 0, tzinfo=dt.UTC)):
        contract = full_lifecycle(make_contract(
            sales_owner, make_customer(sales_owner), effective_date="2025-02-01", end_date="2026-01-31",
            auto_renew=True, renewal_term=1, renewal_unit="months", notice_period=30, notice_unit="days",
        ), owner=sales_owner, approver=manager)
    assert contract.status == Status.ACTIVE and contract.notice_deadline == dt.date(2026, 1, 1) - dt.timedelta(days=1)
    assert services.apply_date_transitions(today=dt.date(2026, 2, 1))["renewed"] == 1
    renewed = Contract.objects.get(pk=contract.pk)
    assert (renewed.renewal_count, renewed.end_date, renewed.first_term_end) == (1, dt.date(2026, 2, 28), dt.date(2026, 1, 31))
    assert renewed.notice_deadline == dt.date(2026, 1, 29)  # 28 Feb - 30 days = 29 Jan, a Thursday
    assert renewed.current_term.start == dt.date(2026, 2, 1)
    assert renewed.version == contract.version + 1
    event = AuditEvent.objects.for_target(contract).latest("seq")
    assert event.verb == "contract.tacit_renewal" and event.data["changes"]["end_date"] == ["2026-01-31", "2026-02-28"]
    assert services.apply_date_transitions(today=dt.date(2026, 2, 1))["renewed"] == 0  # once only
    # After downtime every missed term is caught up at once, counted from the first term (no month-end drift).
    services.apply_date_transitions(today=dt.date(2026, 5, 2))
    caught_up = Contract.objects.get(pk=contract.pk)
    assert (caught_up.renewal_count, caught_up.end_date) == (4, dt.date(2026, 5, 31))
    assert caught_up.status == Status.ACTIVE


def test_terminated_contracts_do_not_renew(sales_owner, manager, legal, make_customer, make_contract):
    with time_machine.travel(dt.datetime(2026, 1, 10, 2, 0, tzinfo=dt.UTC)):
        contract = full_lifecycle(make_contract(
            sales_owner, make_customer(sales_owner), effective_date="2025-02-01", end_date="2026-01-31",
            auto_renew=True, renewal_term=1, renewal_unit="years"), owner=sales_owner, approver=manager)
        services.terminate_contract(contract, by=legal, note="客户书面通知不再续约")
    assert services.apply_date_transitions(today=dt.date(2026, 2, 1))["renewed"] == 0


def test_extra_fields_are_typed_and_validated(sales_owner, make_customer, make_contract):
    lease = ContractType.objects.get(code="ZL")
    ExtraField.objects.create(contract_type=lease, key="area", label="面积", kind="number", required=True)
    ExtraField.objects.create(contract_type=lease, key="floor", label="楼层", kind="choice", choices="1F\n2F")
    customer = make_customer(sales_owner)
    with pytest.raises(InvalidInput) as exc:
        make_contract(sales_owner, customer, contract_type=lease.pk, extra={"floor": "9F"})
    assert set(exc.value.errors) == {"extra.area", "extra.floor"}
    with pytest.raises(InvalidInput):
        make_contract(sales_owner, customer, contract_type=lease.pk, extra={"area": "120", "colour": "red"})
    contract = make_contract(sales_owner, customer, contract_type=lease.pk, extra={"area": "120.5", "floor": "2F"})
    assert contract.extra == {"area": "120.5", "floor": "2F"}


def test_sales_cannot_create_for_someone_else(sales_owner, other_sales, make_customer, make_contract):
    customer = make_customer(sales_owner)
    with pytest.raises(PermissionDenied):
        make_contract(sales_owner, customer, owner=other_sales.pk)


def test_customer_outside_scope_is_unknown(sales_owner, other_sales, make_customer, make_contract):
    foreign = make_customer(other_sales)
    with pytest.raises(InvalidInput) as exc:
        make_contract(sales_owner, foreign)
    assert "customer" in exc.value.errors


def test_stale_version_changes_nothing(ca1, sales_owner):
    services.update_contract(ca1, by=sales_owner, version=ca1.version, data={"title": "新标题"})
    before = snapshot(ca1)
    with pytest.raises(StaleVersion):
        services.update_contract(ca1, by=sales_owner, version=ca1.version, data={"title": "覆盖"})
    assert snapshot(ca1) == before


def test_edit_records_before_and_after(ca1, sales_owner):
    updated = services.update_contract(ca1, by=sales_owner, version=ca1.version, data={"amount": "99.00", "tags": ["重点"]})
    assert updated.version == ca1.version + 1
    event = AuditEvent.objects.for_target(ca1).latest("seq")
    assert event.verb == "contract.update"
    assert event.data["changes"]["amount"] == ["128000.00", "99.00"]
    assert event.data["changes"]["tags"] == [[], ["重点"]]


def test_mass_assignment_of_status_or_number_is_refused(ca1, sales_owner):
    before = snapshot(ca1)
    for field, value in [("status", "active"), ("number", "X-1"), ("version", 99), ("submitted_by", 1)]:
        with pytest.raises(InvalidInput):
            services.update_contract(ca1, by=sales_owner, version=ca1.version, data={field: value})
    with pytest.raises(PermissionDenied):
        services.update_contract(ca1, by=sales_owner, version=ca1.version, data={"owner": sales_owner.pk})
    assert snapshot(ca1) == before


def test_terms_freeze_after_submission_but_tags_stay_editable(ca1, sales_owner):
    submitted = services.submit_contract(ca1, by=sales_owner)
    with pytest.raises(Frozen):
        services.update_contract(submitted, by=sales_owner, version=submitted.version, data={"amount": "1.00"})
    tagged = services.update_contract(submitted, by=sales_owner, version=submitted.version, data={"tags": "续签,重点"})
    assert sorted(tagged.tags.values_list("name", flat=True)) == ["续签", "重点"]


def full_lifecycle(contract, *, owner, approver):
    contract = services.submit_contract(contract, by=owner)
    contract = services.approve_contract(contract, by=approver)
    contract = services.send_contract_for_signing(contract, by=owner)
    return services.sign_contract(contract, by=owner, signed_date=dt.date(2026, 1, 1), signed_file=signed_pdf())


@time_machine.travel(dt.datetime(2026, 3, 1, 4, 0, tzinfo=dt.UTC))
def test_lifecycle_writes_one_audit_event_per_transition(ca1, sales_owner, manager):
    start = AuditEvent.objects.count()
    contract = full_lifecycle(ca1, owner=sales_owner, approver=manager)
    assert contract.status == Status.ACTIVE  # effective date 2026-01-01 has come: active at once
    assert contract.signed_date == dt.date(2026, 1, 1)
    verbs = list(AuditEvent.objects.filter(seq__gt=start).values_list("verb", flat=True))
    assert verbs == ["contract.submit", "contract.approve", "contract.send_for_signing", "contract.file_upload",
                     "contract.sign", "contract.activate"]
    assert contract.files.get().kind == "signed"


def test_no_self_approval(ca1, manager, make_customer, make_contract):
    own = make_contract(manager, make_customer(manager))
    own = services.submit_contract(own, by=manager)
    with pytest.raises(PermissionDenied):
        services.approve_contract(own, by=manager)
    assert Contract.objects.get(pk=own.pk).status == Status.IN_REVIEW
    assert AuditEvent.objects.for_target(own).latest("seq").verb == "contract.refused"


def test_sales_cannot_approve_or_terminate(ca1, sales_owner):
    ca1 = services.submit_contract(ca1, by=sales_owner)
    with pytest.raises(PermissionDenied):
        services.approve_contract(ca1, by=sales_owner)


def test_illegal_transition_is_refused_audited_and_changes_nothing(ca1, sales_owner):
    before = snapshot(ca1)
    events = AuditEvent.objects.count()
    with pytest.raises(IllegalTransition) as exc:
        services.send_contract_for_signing(ca1, by=sales_owner)
    assert exc.value.code == "illegal_transition.draft.send_for_signing"
    assert exc.value.status == 409
    assert snapshot(ca1) == before
    refusal = AuditEvent.objects.get(seq=events + 1)
    assert refusal.verb == "contract.refused" and refusal.data["action"] == "send_for_signing"
    assert AuditEvent.objects.count() == events + 1


def test_reject_needs_a_reason_and_returns_to_draft(ca1, sales_owner, legal):
    ca1 = services.submit_contract(ca1, by=sales_owner)
    with pytest.raises(InvalidInput):
        services.reject_contract(ca1, by=legal, note=" ")
    rejected = services.reject_contract(ca1, by=legal, note="付款条款不清")
    assert rejected.status == Status.DRAFT and rejected.status_note == "付款条款不清"


def test_sign_requires_the_signed_copy(ca1, sales_owner, manager):
    ca1 = services.approve_contract(services.submit_contract(ca1, by=sales_owner), by=manager)
    with pytest.raises(InvalidInput) as exc:
        services.sign_contract(ca1, by=sales_owner)
    assert exc.value.code == "signed_file_required"
    assert Contract.objects.get(pk=ca1.pk).status == Status.APPROVED


def test_refused_signature_leaves_no_file(ca1, sales_owner, tmp_path):
    with pytest.raises(IllegalTransition):
        services.sign_contract(ca1, by=sales_owner, signed_file=signed_pdf())
    assert not ca1.files.exists()
    assert not any((tmp_path / "files").rglob("*.pdf"))


def test_future_signed_date_is_refused(ca1, sales_owner, manager):
    ca1 = services.approve_contract(services.submit_contract(ca1, by=sales_owner), by=manager)
    with pytest.raises(InvalidInput):
        services.sign_contract(ca1, by=sales_owner, signed_date=dt.date.today() + dt.timedelta(days=3), signed_file=signed_pdf())


def test_daily_job_activates_on_effective_date_and_expires_after_end(sales_owner, manager, make_customer, make_contract):
    customer = make_customer(sales_owner)
    with time_machine.travel(dt.datetime(2026, 1, 10, 2, 0, tzinfo=dt.UTC)):
        future = make_contract(sales_owner, customer, effective_date="2026-02-01", end_date="2026-06-30")
        future = full_lifecycle(future, owner=sales_owner, approver=manager)
        assert future.status == Status.SIGNED
        running = make_contract(sales_owner, customer, effective_date="2025-01-01", end_date="2026-01-31")
        running = full_lifecycle(running, owner=sales_owner, approver=manager)
        assert running.status == Status.ACTIVE
    assert services.apply_date_transitions(today=dt.date(2026, 1, 31)) == {"activated": 0, "renewed": 0, "expired": 0}
    assert services.apply_date_transitions(today=dt.date(2026, 2, 1)) == {"activated": 1, "renewed": 0, "expired": 1}
    assert services.apply_date_transitions(today=dt.date(2026, 2, 1)) == {"activated": 0, "renewed": 0, "expired": 0}
    assert Contract.objects.get(pk=future.pk).status == Status.ACTIVE
    assert Contract.objects.get(pk=running.pk).status == Status.EXPIRED
    system_event = AuditEvent.objects.for_target(running).latest("seq")
    assert system_event.verb == "contract.expire" and system_event.actor_name == "system"


def test_daily_job_uses_the_company_date_not_utc(sales_owner, manager, make_customer, make_contract):
    customer = make_customer(sales_owner)
    with time_machine.travel(dt.datetime(2026, 1, 10, 2, 0, tzinfo=dt.UTC)):
        contract = full_lifecycle(make_contract(sales_owner, customer, effective_date="2025-01-01", end_date="2026-01-31"),
                                  owner=sales_owner, approver=manager)
    # 2026-01-31 23:30 in Shanghai is 15:30 UTC: the end date is still today, not past.
    with time_machine.travel(dt.datetime(2026, 1, 31, 15, 30, tzinfo=dt.UTC)):
        services.apply_date_transitions()
    assert Contract.objects.get(pk=contract.pk).status == Status.ACTIVE
    # 00:30 on 1 February in Shanghai (16:30 UTC on 31 January): now it has ended.
    with time_machine.travel(dt.datetime(2026, 1, 31, 16, 30, tzinfo=dt.UTC)):
        services.apply_date_transitions()
    assert Contract.objects.get(pk=contract.pk).status == Status.EXPIRED


def test_auto_renewing_contracts_do_not_expire(sales_owner, manager, make_customer, make_contract):
    with time_machine.travel(dt.datetime(2026, 1, 10, 2, 0, tzinfo=dt.UTC)):
        contract = make_contract(sales_owner, make_customer(sales_owner), effective_date="2025-01-01",
                                 end_date="2026-01-31", auto_renew=True, renewal_term=1, renewal_unit="years")
        full_lifecycle(contract, owner=sales_owner, approver=manager)
    services.apply_date_transitions(today=dt.date(2026, 3, 1))
    assert Contract.objects.get(pk=contract.pk).status == Status.ACTIVE


def test_auto_renew_requires_a_term(sales_owner, make_customer, make_contract):
    with pytest.raises(InvalidInput) as exc:
        make_contract(sales_owner, make_customer(sales_owner), auto_renew=True)
    assert "renewal_term" in exc.value.errors


def test_attachment_versions_keep_hash_and_size(ca1, sales_owner):
    first = services.upload_file(ca1, by=sales_owner, upload=SimpleUploadedFile("合同正文.pdf", PDF), kind="draft")
    second = services.upload_file(ca1, by=sales_owner, upload=SimpleUploadedFile("合同正文v2.pdf", PDF + b"%v2\n"), file=first.file)
    assert (first.number, second.number) == (1, 2)
    assert second.size == len(PDF) + 4
    import hashlib

    assert second.sha256 == hashlib.sha256(PDF + b"%v2\n").hexdigest()
    assert second.blob.name != first.blob.name and "合同" not in second.blob.name


@pytest.mark.parametrize(
    ("name", "content"),
    [("page.pdf", b"<html><script>alert(1)</script></html>"), ("x.exe", b"MZ\x90\x00"), ("empty.pdf", b""),
     ("note.txt", b"<svg onload=alert(1)>"), ("fake.docx", b"PK\x03\x04not really a zip")],
)
def test_bad_uploads_are_refused_and_leave_nothing(ca1, sales_owner, tmp_path, name, content):
    with pytest.raises(InvalidInput):
        services.upload_file(ca1, by=sales_owner, upload=SimpleUploadedFile(name, content))
    assert not ca1.files.exists()
    assert not any(p.is_file() for p in (tmp_path / "files").rglob("*"))


def test_oversized_upload_is_refused(settings, ca1, sales_owner):
    settings.MAX_UPLOAD_MB = 1
    with pytest.raises(InvalidInput) as exc:
        services.upload_file(ca1, by=sales_owner, upload=SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024)))
    assert exc.value.code == "file_too_large"


def test_storage_failure_leaves_no_row(monkeypatch, ca1, sales_owner):
    from django.core.files.storage import default_storage

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", full)
    with pytest.raises(OSError):
        services.upload_file(ca1, by=sales_owner, upload=SimpleUploadedFile("a.pdf", PDF))
    assert not ca1.files.exists()


def test_db_failure_after_file_write_removes_the_file(monkeypatch, ca1, sales_owner, tmp_path):
    from hetong.contracts import models

    def boom(*args, **kwargs):
        raise RuntimeError("crash after the file write")

    monkeypatch.setattr(models.FileVersion.objects, "create", boom)
    with pytest.raises(RuntimeError):
        services.upload_file(ca1, by=sales_owner, upload=SimpleUploadedFile("a.pdf", PDF))
    assert not any(p.is_file() for p in (tmp_path / "files").rglob("*"))
    assert not ca1.files.exists()


def test_customer_rename_reindexes_its_contracts(ca1, sales_owner):
    from hetong.customers.services import update_customer

    customer = ca1.customer
    update_customer(customer, by=sales_owner, version=customer.version, data={"name": "杭州云帆科技有限公司"})
    assert list(Contract.objects.search("云帆")) == [ca1]
    assert not Contract.objects.search("上海").exists()  # only the old customer name had it
