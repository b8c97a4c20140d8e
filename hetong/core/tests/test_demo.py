import io
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import RequestFactory

from hetong.accounts.models import Department, User
from hetong.audit.models import AuditEvent
from hetong.audit.services import verify_chain
from hetong.contracts.models import Contract, ContractFile, LegalEntity, Status
from hetong.core import demo
from hetong.core.dates import company_today
from hetong.core.uscc import is_valid
from hetong.customers.models import Customer

LOGINS = [(username, password) for username, password, *_rest in demo.PERSONAS]


@pytest.fixture
def fast_hashing(settings):
    # The demo's PBKDF2 hashes are slow on purpose; the test only needs the passwords to check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "customers": Customer.objects.count(),
        "contracts": Contract.objects.count(),
        "users": User.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def test_small_demo_shows_every_state_and_the_personas_log_in(db, fast_hashing):
    run_demo("--customers", "12", "--contracts", "60")

    assert set(Contract.objects.values_list("status", flat=True)) == set(Status.values)
    assert Contract.objects.count() == 60
    assert Customer.objects.count() == 12
    ok, checked, problem = verify_chain()
    assert ok, problem
    assert checked > 60 * 2
    request = RequestFactory().post("/accounts/login/")
    for username, password in LOGINS:
        user = authenticate(request, username=username, password=password)
        assert user is not None, username
        assert (user.language, user.time_zone) == ("zh-hans", "Asia/Shanghai")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.display_name == "系统管理员"
    assert User.objects.get(username="east_manager").department.name == "华东大区"
    assert Department.objects.get(name="销售部").head.username == "manager"
    assert Department.objects.get(name="上海").parent.name == "华东大区"


def test_demo_data_looks_like_a_real_book_of_business(db, fast_hashing):
    run_demo("--customers", "12", "--contracts", "60")
    today = company_today()

    assert all(is_valid(code) for code in LegalEntity.objects.values_list("credit_code", flat=True))
    codes = list(Customer.objects.values_list("credit_code", flat=True))
    assert all(is_valid(code) for code in codes) and len(set(codes)) == len(codes)
    assert Customer.objects.search("物流").count() >= 2
    assert Customer.objects.filter(name="Acme (Shanghai) Trading Co., Ltd.").exists()
    for customer in Customer.objects.prefetch_related("contacts", "interactions"):
        assert 1 <= len(customer.contacts.all()) <= 4
        assert sum(c.is_signatory for c in customer.contacts.all()) == 1
        assert 1 <= len(customer.interactions.all()) <= 6
        assert customer.owner.role == "sales" and customer.department_id == customer.owner.department_id
    assert Contract.objects.expiring(within=90).exists()
    assert Contract.objects.notice_due(within=90).exists()
    assert Contract.objects.filter(end_date__isnull=True).exists()
    assert Contract.objects.filter(auto_renew=True, renewal_term__gt=0).exists()
    assert not Contract.objects.filter(contract_type__code="BM").exclude(amount=Decimal(0)).exists()
    assert not Contract.objects.filter(signed_date__gt=today).exists()
    assert not Contract.objects.filter(status=Status.EXPIRED, end_date__gte=today).exists()
    signed = Contract.objects.filter(
        status__in=[Status.ACTIVE, Status.SIGNED, Status.EXPIRED, Status.TERMINATED]
    )
    assert not signed.exclude(files__kind=ContractFile.Kind.SIGNED).exists()
    assert ContractFile.objects.filter(kind=ContractFile.Kind.DRAFT).exists()


def test_signed_and_active_demo_contracts_carry_pdfs_signed_by_both_sides(db, fast_hashing):
    from hetong.esign import pades

    run_demo("--customers", "6", "--contracts", "30")

    online = Contract.objects.filter(status__in=[Status.ACTIVE, Status.SIGNED]).select_related("customer", "entity")
    assert online.exists()
    for contract in online:
        version = contract.files.get(kind=ContractFile.Kind.SIGNED).versions.get()
        report = pades.verify_pdf(version.blob.read())
        ours, theirs = report.signatures
        assert report.all_valid and theirs.covers_whole_document, contract.number
        assert User.objects.filter(email=ours.signer_email).exists()
        assert contract.customer.contacts.filter(email=theirs.signer_email, is_signatory=True).exists()
    assert all(entity.seal_sha256 for entity in LegalEntity.objects.all())  # the stamps carry the company seal


def test_demo_refuses_a_database_that_holds_data_and_if_empty_leaves_it_alone(db, fast_hashing):
    run_demo("--customers", "3", "--contracts", "12")
    before = counts()

    assert "not loaded" in run_demo("--if-empty")
    with pytest.raises(CommandError, match="empty database"):
        run_demo()
    assert counts() == before


def test_the_same_seed_plans_the_same_data_and_another_seed_does_not():
    today = company_today()
    first = demo.make_plan(seed=7, customers=30, contracts=120, today=today)
    again = demo.make_plan(seed=7, customers=30, contracts=120, today=today)
    other = demo.make_plan(seed=8, customers=30, contracts=120, today=today)

    assert first.fingerprint() == again.fingerprint()
    assert first.fingerprint() != other.fingerprint()
    assert {c.state for c in first.contracts} == set(Status.values)


def test_the_same_seed_loads_the_same_numbers_titles_and_amounts(db, fast_hashing):
    def load_once():
        with transaction.atomic():
            run_demo("--seed", "5", "--customers", "4", "--contracts", "16")
            rows = list(Contract.objects.order_by("id").values_list("number", "title", "amount", "status"))
            transaction.set_rollback(True)  # back to an empty database for the second load
        return rows

    first = load_once()
    assert Contract.objects.count() == 0
    assert load_once() == first
    assert len(first) == 16
