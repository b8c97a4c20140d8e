"""Shared test fixtures: an organisation with a persona per role, and factories for the records."""

import itertools

import pytest

from hetong.core.uscc import check_char

# The signing flow's fixture (`setup`) and helpers, shared by the esign and API tests.
pytest_plugins = ["hetong.esign.tests.flow"]

_codes = itertools.count(1)


def make_uscc() -> str:
    body = f"91310000MA1K{next(_codes):05d}"
    return body + check_char(body)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture(autouse=True)
def _english(settings):
    # Tests read messages in English unless they switch language themselves.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def org(db):
    from hetong.accounts.models import Department

    sales = Department.objects.create(name="销售部")
    east = Department.objects.create(name="华东区", parent=sales)
    north = Department.objects.create(name="华北区", parent=sales)
    legal = Department.objects.create(name="法务部")
    return {"sales": sales, "east": east, "north": north, "legal": legal}


def _user(username, role, department=None, **extra):
    from hetong.accounts.models import User

    return User.objects.create_user(
        username=username, password="Hetong-Test-2026", role=role, department=department, language="en",
        email=extra.pop("email", f"{username}@example.com"), **extra
    )


@pytest.fixture
def admin(org):
    return _user("admin", "admin", is_staff=True, is_superuser=True)


@pytest.fixture
def legal(org):
    return _user("legal", "legal", org["legal"])


@pytest.fixture
def finance(org):
    return _user("finance", "finance")


@pytest.fixture
def manager(org):
    return _user("manager", "sales_manager", org["sales"])


@pytest.fixture
def sales_owner(org):
    return _user("sales_owner", "sales", org["east"])


@pytest.fixture
def other_sales(org):
    return _user("other_sales", "sales", org["north"])


@pytest.fixture
def viewer(org):
    return _user("viewer", "viewer", org["east"])


@pytest.fixture
def entity(db):
    from hetong.contracts.models import LegalEntity

    return LegalEntity.objects.create(name="合同科技（上海）有限公司", credit_code=make_uscc())


@pytest.fixture
def make_customer(db):
    from hetong.customers.services import create_customer

    def make(by, **data):
        data.setdefault("name", f"上海华运物流有限公司{next(_codes)}")
        data.setdefault("credit_code", make_uscc())
        return create_customer(by=by, data=data)

    return make


@pytest.fixture
def make_contract(db, entity):
    from hetong.contracts.models import ContractType
    from hetong.contracts.services import create_contract

    def make(by, customer, **data):
        data.setdefault("title", "物流服务合同")
        data.setdefault("contract_type", ContractType.objects.get(code="FW").pk)
        data.setdefault("entity", entity.pk)
        data.setdefault("amount", "128000.00")
        data.setdefault("effective_date", "2026-01-01")
        data.setdefault("end_date", "2026-12-31")
        return create_contract(by=by, data={"customer": customer.pk, **data})

    return make


@pytest.fixture
def ca1(sales_owner, make_customer, make_contract):
    """Contract CA1 of customer A, owned by sales_owner (east)."""
    customer_a = make_customer(sales_owner, name="上海华运物流有限公司")
    return make_contract(sales_owner, customer_a, title="华运物流年度运输服务合同")


@pytest.fixture
def cb1(other_sales, make_customer, make_contract):
    """Contract CB1 of customer B, owned by other_sales (north)."""
    customer_b = make_customer(other_sales, name="北京启明软件有限公司")
    return make_contract(other_sales, customer_b, title="Software licence agreement")


@pytest.fixture
def token_for(db):
    from hetong.accounts.services import create_api_token

    def make(user) -> str:
        return create_api_token(user, by=user, name="test")[1]

    return make


@pytest.fixture(autouse=True)
def _audit_triggers(request):
    """Tests that really commit (transactional_db) end with a flush, which on SQLite is a DELETE that the
    append-only triggers refuse: lift them for the flush, and put them back for every test that uses the db.
    The flush also empties the seeded contract types, so a committed test seeds them again."""
    uses_db = any(name in request.fixturenames for name in ("db", "transactional_db", "live_server"))
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not (uses_db or marker):
        yield
        return
    from django.db import connection

    from hetong.audit import triggers

    request.getfixturevalue("transactional_db" if transactional else "db")
    triggers.install(connection)  # idempotent
    if transactional:
        # An earlier committed test's flush also removed the rows the migrations seed.
        from importlib import import_module

        from django.apps import apps

        import_module("hetong.contracts.migrations.0004_seed_contract_types").seed(apps, None)
        import_module("hetong.notifications.migrations.0002_default_rules").seed(apps, None)
    yield
    if transactional and connection.vendor == "sqlite":
        triggers.uninstall(connection)
