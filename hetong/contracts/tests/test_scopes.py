"""Data scopes: own, department (with sub-departments), all."""

from hetong.contracts.models import Contract
from hetong.customers.models import Customer


def visible(user):
    return set(Contract.objects.visible_to(user).values_list("pk", flat=True))


def test_sales_sees_only_own(ca1, cb1, sales_owner, other_sales):
    assert visible(sales_owner) == {ca1.pk}
    assert visible(other_sales) == {cb1.pk}


def test_manager_sees_department_and_sub_departments(ca1, cb1, manager, make_customer, make_contract, legal, org):
    from hetong.accounts.models import User

    outsider = User.objects.create_user("outsider", role="sales", department=org["legal"])
    theirs = make_contract(outsider, make_customer(outsider))
    assert visible(manager) == {ca1.pk, cb1.pk}
    assert theirs.pk not in visible(manager)


def test_all_scope_roles_see_everything(ca1, cb1, admin, legal, finance):
    for user in (admin, legal, finance):
        assert visible(user) == {ca1.pk, cb1.pk}


def test_viewer_sees_their_department(ca1, cb1, viewer):
    assert visible(viewer) == {ca1.pk}


def test_anonymous_sees_nothing(ca1):
    from django.contrib.auth.models import AnonymousUser

    assert not Contract.objects.visible_to(AnonymousUser()).exists()
    assert not Customer.objects.visible_to(AnonymousUser()).exists()


def test_sales_sees_customers_of_own_contracts(ca1, other_sales, sales_owner, make_contract, make_customer):
    foreign_customer = make_customer(other_sales)
    assert foreign_customer not in Customer.objects.visible_to(sales_owner)
    # A contract the salesperson owns for that customer (created by an admin on their behalf) opens it up.
    from hetong.accounts.models import User

    boss = User.objects.create_user("boss", role="admin")
    make_contract(boss, foreign_customer, owner=sales_owner.pk)
    assert foreign_customer in Customer.objects.visible_to(sales_owner)


def test_moving_a_department_moves_its_scope(ca1, manager, org):
    east = org["east"]
    east.parent = org["legal"]
    east.save()
    assert ca1.pk not in visible(manager)
