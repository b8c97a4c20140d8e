"""Each kind through a real file: templates that round-trip, headers in either language, CSV in the encodings
Excel writes, upserts by key, and the problems a check reports."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from conftest import make_uscc
from hetong.audit.models import AuditEvent
from hetong.contracts.models import Contract
from hetong.core.dates import company_today
from hetong.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from hetong.customers.models import Contact, Customer
from hetong.imports import files, services
from hetong.imports.models import ImportJob, ImportKey
from hetong.payments.models import Allocation, Installment, Receipt

from .conftest import csv_file, problems, xlsx_file

TODAY = company_today()
ORDER = ["customers", "contacts", "contracts", "installments", "receipts"]


def _upload(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_template_round_trips(admin, entity, fmt):
    """Download each kind's template, keep its example row, import it: the examples refer to one another."""
    for kind in ORDER:
        data = files.template_xlsx(kind, admin) if fmt == "xlsx" else files.template_csv(kind, admin)
        job = services.start_import(by=admin, kind=kind, upload=_upload(data, f"{kind}.{fmt}"))
        assert job.status == ImportJob.Status.CHECKED, (kind, job.problems)
        job = services.commit_import(job, by=admin)
        assert job.status == ImportJob.Status.COMMITTED and job.created_count == 1, (kind, job.problems)
    contract = Contract.objects.get(pk=ImportKey.objects.get(kind="contracts", external_key="HT001").object_id)
    assert contract.status == "active" and contract.customer.name == "上海华运物流有限公司"
    assert Contact.objects.get(customer=contract.customer).is_signatory is True
    receipt = Receipt.objects.get(contract=contract)
    assert Allocation.objects.get(receipt=receipt).installment.label == "预付款"


def test_template_has_the_users_language_and_an_explanation_sheet(admin, entity):
    admin.language = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"):
        book = load_workbook(io.BytesIO(files.template_xlsx("contracts", admin)))
    first, notes = book.worksheets
    assert [c.value for c in first[1]][:4] == ["合同编码", "合同编号", "合同名称", "客户编码"]
    assert first["A2"].value == "HT001"
    assert notes.max_row >= len(first[1]) + 1
    with translation.override("en"):
        book = load_workbook(io.BytesIO(files.template_xlsx("contracts", admin)))
    assert [c.value for c in book.worksheets[0][1]][:2] == ["Contract key", "Contract number"]
    explained = {row[0].value: row[2].value for row in book.worksheets[1].iter_rows(min_row=2) if row[0].value}
    assert "draft (Draft)" in explained["Status"] and "in_review" not in explained["Status"]


def customer_rows(n=3):
    return [{"key": f"K{i}", "name": f"客户{i}", "credit_code": make_uscc(), "industry": "制造业", "level": "Key",
             "region": "上海"} for i in range(1, n + 1)]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gb18030_and_utf8_with_bom_and_chinese_headers(admin, encoding):
    upload = csv_file("customers", customer_rows(), language="zh", encoding=encoding)
    job = services.start_import(by=admin, kind="customers", upload=upload)
    assert job.status == "checked" and job.created_count == 3, job.problems
    services.commit_import(job, by=admin)
    customer = Customer.objects.get(name="客户1")
    assert (customer.industry, customer.level, customer.region) == ("manufacturing", "key", "上海")


def test_xlsx_with_english_headers_dates_and_numbers_as_cells(admin, entity, customers_imported):
    rows = [{"key": "X1", "title": "Service agreement", "customer": "C1", "contract_type": "fw",
             "entity": entity.name, "amount": 128000.5, "signed_date": dt.datetime(2025, 3, 1),
             "effective_date": dt.date(2025, 3, 1), "end_date": TODAY + dt.timedelta(days=90), "status": "Active",
             "notice_period": 30.0, "notice_unit": "天"}]
    job = services.start_import(by=admin, kind="contracts", upload=xlsx_file("contracts", rows))
    assert job.status == "checked", job.problems
    services.commit_import(job, by=admin)
    contract = Contract.objects.get(title="Service agreement")
    assert (contract.amount, contract.signed_date, contract.notice_period, contract.notice_unit) == (
        Decimal("128000.50"), dt.date(2025, 3, 1), 30, "days")


def test_reimport_updates_by_key_and_matches_credit_codes(admin, make_customer):
    existing = make_customer(admin, name="老客户")
    rows = customer_rows(2) + [{"key": "OLD", "name": "老客户（新名）", "credit_code": existing.credit_code}]
    job = services.import_rows("customers", rows, by=admin)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (2, 1, 0), job.problems
    assert Customer.objects.count() == 3
    existing.refresh_from_db()
    assert existing.name == "老客户（新名）" and existing.version == 2
    rows[0]["name"] = "客户一"
    job = services.import_rows("customers", rows, by=admin)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 2)
    assert Customer.objects.get(pk=ImportKey.objects.get(kind="customers", external_key="K1").object_id).name == "客户一"


def test_check_reports_every_problem_with_row_and_column(admin, customers_imported):
    rows = [
        {"key": "P1", "customer": "C1", "name": "王明", "email": "not-an-email"},
        {"key": "P1", "customer": "C1", "name": "王明"},
        {"key": "P3", "customer": "NOPE", "name": "李雷", "is_signatory": "maybe"},
        {"key": "P4", "customer": "C2", "name": ""},
        {"key": "P5", "customer": "C2", "name": "韩梅梅", "phone": "1" * 31},
    ]
    job = services.start_import(by=admin, kind="contacts", upload=csv_file("contacts", rows))
    assert job.status == "failed_check"
    assert problems(job) == [(2, "Email"), (3, "Contact key"), (4, "Customer key"), (4, "Authorised signatory"),
                             (5, "Name"), (6, "Phone")]
    assert not Contact.objects.exists()
    with pytest.raises(IllegalTransition):
        services.commit_import(job, by=admin)


def test_unknown_and_missing_headers_are_problems_on_row_one(admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("c.csv", b"Name,Colour\nA,red\n")
    job = services.start_import(by=admin, kind="customers", upload=upload)
    assert job.status == "failed_check"
    assert sorted(problems(job)) == [(1, "Colour"), (1, "Customer key")]


def test_bad_files_are_refused_and_nothing_is_kept(admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    for name, data in [("a.pdf", b"%PDF-1.4"), ("a.xlsx", b"PK\x03\x04 not a zip"), ("a.csv", b""),
                       ("a.csv", "客户编码,客户名称\n".encode()), ("a.csv", b"\xff\xfe\x00\x00bad\x00")]:
        with pytest.raises(InvalidInput):
            services.start_import(by=admin, kind="customers", upload=SimpleUploadedFile(name, data))
    with pytest.raises(InvalidInput):
        services.start_import(by=admin, kind="things", upload=SimpleUploadedFile("a.csv", b"x\n1\n"))
    assert not ImportJob.objects.exists()


def test_installments_and_receipts_allocate_oldest_first(admin, entity, customers_imported):
    signed = (TODAY - dt.timedelta(days=200)).isoformat()
    contract_rows = [{"key": "S1", "title": "设备采购合同", "customer": "C1", "contract_type": "FW",
                      "entity": entity.credit_code, "amount": "100000.00", "signed_date": signed,
                      "effective_date": signed, "end_date": (TODAY + dt.timedelta(days=200)).isoformat(),
                      "status": "active"}]
    assert services.import_rows("contracts", contract_rows, by=admin).status == "committed"
    plan = [{"contract": "S1", "label": "验收款", "kind": "acceptance", "amount": "60000.00",
             "due_date": (TODAY - dt.timedelta(days=10)).isoformat()},
            {"contract": "S1", "label": "预付款", "kind": "预付款", "amount": "30000.00",
             "due_date": (TODAY - dt.timedelta(days=100)).isoformat()},
            {"contract": "S1", "label": "质保金", "kind": "retention", "amount": "10000.00"}]
    job = services.import_rows("installments", plan, by=admin)
    assert job.status == "committed" and job.created_count == 3, job.problems
    receipts = [{"contract": "S1", "key": "R1", "received_on": TODAY.isoformat(), "amount": "40000.00",
                 "payer": "华运", "reference": "B-1"}]
    job = services.import_rows("receipts", receipts, by=admin)
    assert job.status == "committed" and job.created_count == 1, job.problems
    paid = {i.label: i.paid for i in Installment.objects.with_paid()}
    assert paid == {"预付款": Decimal("30000.00"), "验收款": Decimal("10000.00"), "质保金": Decimal("0.00")}
    # Again: nothing new; a receipt whose values changed is a problem, not a second receipt.
    events = AuditEvent.objects.count()
    assert services.import_rows("installments", plan, by=admin).unchanged_count == 3
    assert services.import_rows("receipts", receipts, by=admin).unchanged_count == 1
    assert AuditEvent.objects.count() == events + 2
    receipts[0]["amount"] = "45000.00"
    job = services.import_rows("receipts", receipts, by=admin)
    assert job.status == "failed_check" and problems(job) == [(2, "Receipt key")]
    too_much = [{"contract": "S1", "key": "R2", "received_on": TODAY.isoformat(), "amount": "70000.00"}]
    job = services.import_rows("receipts", too_much, by=admin)
    assert problems(job) == [(2, "Amount")] and Receipt.objects.count() == 1
    # A changed installment amount goes through the plan service.
    plan[2]["amount"] = "12000.00"
    job = services.import_rows("installments", plan, by=admin)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 2)
    assert Installment.objects.get(label="质保金").amount == Decimal("12000.00")


def test_a_signed_contract_keeps_its_terms(admin, entity, customers_imported):
    signed = (TODAY - dt.timedelta(days=30)).isoformat()
    row = {"key": "F1", "title": "框架协议", "customer": "C1", "contract_type": "FW", "entity": entity.credit_code,
           "amount": "5000.00", "signed_date": signed, "status": "active"}
    assert services.import_rows("contracts", [row], by=admin).status == "committed"
    job = services.import_rows("contracts", [{**row, "amount": "6000.00"}], by=admin)
    assert job.status == "failed_check" and problems(job) == [(2, "Amount")]
    assert "amendment" in job.problems[0]["message"]
    bad = {**row, "key": "F2", "status": "active", "signed_date": (TODAY + dt.timedelta(days=3)).isoformat()}
    job = services.import_rows("contracts", [bad], by=admin)
    assert (2, "Signed date") in problems(job)


def test_managers_may_not_import_receipts_and_sales_may_not_import(manager, sales_owner):
    upload = csv_file("receipts", [{"contract": "S1", "key": "R1", "received_on": "2026-01-01", "amount": "1"}])
    with pytest.raises(PermissionDenied):
        services.start_import(by=manager, kind="receipts", upload=upload)
    with pytest.raises(PermissionDenied):
        services.start_import(by=sales_owner, kind="customers", upload=csv_file("customers", customer_rows(1)))


def test_a_draft_is_updated_and_may_be_imported_again_as_active(admin, entity, customers_imported):
    row = {"key": "D1", "title": "草稿合同", "customer": "C1", "contract_type": "FW", "entity": entity.credit_code,
           "amount": "5000.00"}
    assert services.import_rows("contracts", [row], by=admin).created_count == 1
    contract = Contract.objects.get(title="草稿合同")
    signed = (TODAY - dt.timedelta(days=10)).isoformat()
    job = services.import_rows("contracts", [{**row, "title": "正式合同", "customer": "C2", "signed_date": signed,
                                              "end_date": (TODAY + dt.timedelta(days=100)).isoformat(),
                                              "status": "active"}], by=admin)
    assert (job.created_count, job.updated_count) == (0, 1), job.problems
    contract.refresh_from_db()
    assert (contract.title, contract.status, contract.version) == ("正式合同", "active", 2)
    assert contract.effective_date == dt.date.fromisoformat(signed) and contract.customer.name == "华运物流有限公司2"
    assert set(contract.key_dates.values_list("kind", flat=True)) == {"end"}
    event = AuditEvent.objects.filter(verb="import.committed").last()
    assert event.data["changes"][str(contract.pk)]["title"] == ["草稿合同", "正式合同"]


def test_a_manager_imports_within_their_scope(admin, manager, entity, make_customer, org):
    from hetong.accounts.models import User

    outside = User.objects.create_user(username="legal_clerk", role="legal", department=org["legal"])
    services.import_rows("customers", [{"key": "OUT", "name": "外部客户", "owner": outside.username}], by=admin)
    mine = services.import_rows("customers", [{"key": "IN", "name": "本部客户"}], by=manager)
    assert mine.status == "committed" and Customer.objects.get(name="本部客户").department == org["sales"]
    rows = [{"key": k, "title": "合同", "customer": c, "contract_type": "FW", "entity": entity.name, "amount": "1.00"}
            for k, c in (("M1", "IN"), ("M2", "OUT"))]
    job = services.import_rows("contracts", rows, by=manager)
    assert problems(job) == [(3, "Customer key")] and not Contract.objects.exists()
