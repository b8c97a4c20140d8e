import datetime as dt

import pytest

from hetong.audit.models import AuditEvent
from hetong.core.errors import InvalidInput, PermissionDenied, StaleVersion
from hetong.customers import services
from hetong.customers.models import Customer, Interaction


def test_customer_gets_owner_department_tags_and_audit(sales_owner, make_customer, org):
    customer = make_customer(sales_owner, tags="重点客户，新客户")
    assert customer.owner == sales_owner and customer.department == org["east"]
    assert sorted(customer.tags.values_list("name", flat=True)) == ["新客户", "重点客户"]
    assert AuditEvent.objects.for_target(customer).get().verb == "customer.create"


def test_wrong_credit_code_is_refused_with_a_field_error(sales_owner):
    with pytest.raises(InvalidInput) as exc:
        services.create_customer(by=sales_owner, data={"name": "某公司", "credit_code": "91110000802100433C"})
    assert "credit_code" in exc.value.errors
    assert not Customer.objects.exists()


def test_credit_code_is_unique_and_upper_cased(sales_owner):
    services.create_customer(by=sales_owner, data={"name": "甲", "credit_code": "91110000802100433b"})
    with pytest.raises(InvalidInput) as exc:
        services.create_customer(by=sales_owner, data={"name": "乙", "credit_code": "91110000802100433B"})
    assert exc.value.errors


def test_viewer_and_finance_cannot_create(viewer, finance):
    for user in (viewer, finance):
        with pytest.raises(PermissionDenied):
            services.create_customer(by=user, data={"name": "某公司"})


def test_update_with_stale_version_changes_nothing(sales_owner, make_customer):
    customer = make_customer(sales_owner)
    services.update_customer(customer, by=sales_owner, version=1, data={"region": "上海"})
    with pytest.raises(StaleVersion):
        services.update_customer(customer, by=sales_owner, version=1, data={"region": "北京"})
    assert Customer.objects.get(pk=customer.pk).region == "上海"


def test_sales_cannot_reassign_but_manager_can(sales_owner, other_sales, manager, make_customer):
    customer = make_customer(sales_owner)
    with pytest.raises(PermissionDenied):
        services.update_customer(customer, by=sales_owner, version=1, data={"owner": other_sales.pk})
    moved = services.update_customer(customer, by=manager, version=1, data={"owner": other_sales.pk})
    assert moved.owner == other_sales and moved.version == 2


def test_contacts_and_interactions(sales_owner, make_customer, ca1):
    customer = ca1.customer
    contact = services.add_contact(customer, by=sales_owner, data={"name": "张伟", "title": "采购经理", "is_signatory": "on",
                                                                   "email": "zhang@example.com"})
    assert contact.is_signatory
    with pytest.raises(InvalidInput):
        services.add_contact(customer, by=sales_owner, data={"name": "李", "email": "not-an-email"})
    with pytest.raises(StaleVersion):
        services.update_contact(contact, by=sales_owner, version=5, data={"phone": "13800000000"})
    entry = services.log_interaction(customer, by=sales_owner, kind="visit", text="拜访客户，讨论续约", date="2026-05-01",
                                     contact=contact, contract=ca1)
    assert entry.date == dt.date(2026, 5, 1)
    other = make_customer(sales_owner)
    with pytest.raises(InvalidInput):
        services.log_interaction(other, by=sales_owner, kind="call", text="x", contract=ca1)
    with pytest.raises(InvalidInput):
        services.log_interaction(customer, by=sales_owner, kind="telepathy", text="x")
    with pytest.raises(InvalidInput):
        services.log_interaction(customer, by=sales_owner, kind="call", text="")
    assert Interaction.objects.count() == 1
