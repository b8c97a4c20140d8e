"""A draft's parties and signatories: the services, and the Parties card of the detail page."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_uscc
from hetong.audit.models import AuditEvent
from hetong.contracts import services
from hetong.contracts.models import Contract, ContractParty, Signatory
from hetong.core.errors import Conflict, Frozen, InvalidInput, PermissionDenied
from hetong.customers.services import add_contact

Role = ContractParty.Role
BAD_USCC = "91310000MA1K00001X"  # 18 characters, wrong check character


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def party(contract, role) -> ContractParty:
    return contract.parties.get(role=role)


def state(contract) -> tuple:
    """Everything the party services may touch, to show that a refused call changed nothing."""
    contract = Contract.objects.get(pk=contract.pk)
    return (
        contract.version,
        contract.updated_at,
        list(contract.parties.values_list("pk", "role", "name", "credit_code", "address", "position")),
        list(
            Signatory.objects.filter(party__contract=contract).values_list("pk", "name", "title", "contact")
        ),
        AuditEvent.objects.count(),
    )


def events(contract, verb) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb, target_id=str(contract.pk)).order_by("seq"))


@pytest.fixture
def contact_a(ca1, sales_owner):
    return add_contact(ca1.customer, by=sales_owner, data={"name": "王敏", "title": "总经理"})


# --- services: parties -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.THIRD, Role.GUARANTOR])
def test_owner_adds_a_third_party_or_a_guarantor_with_a_valid_credit_code(sales_owner, ca1, role):
    code = make_uscc()
    added = services.add_party(
        ca1,
        by=sales_owner,
        data={
            "role": role,
            "name": " 上海中原担保有限公司 ",
            "credit_code": code.lower(),
            "address": "上海市黄浦区",
        },
    )
    assert (added.role, added.name, added.credit_code, added.address) == (
        role,
        "上海中原担保有限公司",
        code,
        "上海市黄浦区",
    )
    assert [p.role for p in ca1.parties.all()] == [Role.OURS, Role.CUSTOMER, role]  # added last
    (event,) = events(ca1, "contract.party_add")
    assert event.actor == sales_owner
    assert event.data["party"] == added.pk and event.data["role"] == role and event.data["name"] == added.name
    contract = Contract.objects.get(pk=ca1.pk)
    assert contract.version == ca1.version  # parties are not versioned


@pytest.mark.parametrize("role", [Role.THIRD, Role.GUARANTOR])
def test_an_invalid_credit_code_is_refused_with_a_field_error_and_adds_nothing(sales_owner, ca1, role):
    before = state(ca1)
    with pytest.raises(InvalidInput) as refused:
        services.add_party(
            ca1, by=sales_owner, data={"role": role, "name": "某担保公司", "credit_code": BAD_USCC}
        )
    assert set(refused.value.errors) == {"credit_code"}
    assert "not a valid unified social credit code" in str(refused.value.errors["credit_code"][0])
    assert state(ca1) == before


def test_the_credit_code_is_optional(sales_owner, ca1):
    added = services.add_party(ca1, by=sales_owner, data={"role": Role.THIRD, "name": "个人 张三"})
    assert added.credit_code == ""


@pytest.mark.parametrize(
    "data, field",
    [
        ({"role": Role.THIRD, "name": ""}, "name"),
        ({"role": Role.THIRD, "name": "x" * 201}, "name"),
        ({"role": "boss", "name": "某公司"}, "role"),
        ({"name": "某公司"}, "role"),
        ({"role": Role.THIRD, "name": "bad\x00text"}, "name"),
        ({"role": Role.THIRD, "name": "某公司", "position": 0}, "position"),
        ({"role": Role.THIRD, "name": "某公司", "contract": 1}, "contract"),
    ],
)
def test_bad_party_input_is_refused_with_field_errors(sales_owner, ca1, data, field):
    before = state(ca1)
    with pytest.raises(InvalidInput) as refused:
        services.add_party(ca1, by=sales_owner, data=data)
    assert field in refused.value.errors
    assert state(ca1) == before


def test_a_customer_party_links_a_visible_customer_and_takes_its_details(sales_owner, make_customer, ca1):
    sister = make_customer(sales_owner, name="华运物流（苏州）有限公司", address="苏州市工业园区")
    added = services.add_party(ca1, by=sales_owner, data={"role": Role.CUSTOMER, "customer": sister.pk})
    assert (added.name, added.credit_code, added.address) == (
        sister.name,
        sister.credit_code,
        "苏州市工业园区",
    )
    assert events(ca1, "contract.party_add")[0].data["customer"] == sister.pk


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.GUARANTOR])
def test_a_customer_outside_the_actors_scope_cannot_be_linked(sales_owner, ca1, cb1, role):
    before = state(ca1)
    for value in (cb1.customer_id, 99999999, "abc", "99999999999999999999999"):
        with pytest.raises(InvalidInput) as refused:
            services.add_party(ca1, by=sales_owner, data={"role": role, "name": "x", "customer": value})
        assert set(refused.value.errors) == {"customer"}
    assert state(ca1) == before


def test_update_party_changes_what_was_given_and_is_audited(sales_owner, ca1):
    guarantor = services.add_party(ca1, by=sales_owner, data={"role": Role.GUARANTOR, "name": "担保甲"})
    code = make_uscc()
    updated = services.update_party(guarantor, by=sales_owner, data={"name": "担保乙", "credit_code": code})
    assert (updated.role, updated.name, updated.credit_code) == (Role.GUARANTOR, "担保乙", code)
    (event,) = events(ca1, "contract.party_update")
    assert event.data["party"] == guarantor.pk
    assert event.data["changes"] == {"name": ["担保甲", "担保乙"], "credit_code": ["", code]}


def test_an_update_that_changes_nothing_writes_no_event(sales_owner, ca1):
    ours = party(ca1, Role.OURS)
    services.update_party(ours, by=sales_owner, data={"name": ours.name})
    assert events(ca1, "contract.party_update") == []


def test_an_update_with_a_bad_credit_code_changes_nothing(sales_owner, ca1):
    before = state(ca1)
    with pytest.raises(InvalidInput) as refused:
        services.update_party(party(ca1, Role.CUSTOMER), by=sales_owner, data={"credit_code": BAD_USCC})
    assert set(refused.value.errors) == {"credit_code"}
    assert state(ca1) == before


def test_the_last_customer_party_and_the_last_party_on_our_side_stay(sales_owner, ca1):
    before = state(ca1)
    for role in (Role.CUSTOMER, Role.OURS):
        with pytest.raises(InvalidInput) as refused:
            services.remove_party(party(ca1, role), by=sales_owner)
        assert refused.value.code == "last_party"
        assert party(ca1, role).name in str(refused.value.message)
        with pytest.raises(InvalidInput):  # nor may it become a party of another kind
            services.update_party(party(ca1, role), by=sales_owner, data={"role": Role.THIRD})
    assert state(ca1) == before


def test_a_second_customer_party_can_be_removed_with_its_signatories(sales_owner, ca1):
    second = services.add_party(
        ca1, by=sales_owner, data={"role": Role.CUSTOMER, "name": "华运物流（北京）有限公司"}
    )
    services.add_signatory(second, by=sales_owner, data={"name": "李雷", "title": "经理"})
    original = ca1.parties.filter(role=Role.CUSTOMER).order_by("position").first()
    services.remove_party(original, by=sales_owner)
    assert list(ca1.parties.filter(role=Role.CUSTOMER).values_list("pk", flat=True)) == [second.pk]
    assert Signatory.objects.filter(party=second).count() == 1
    services.add_party(ca1, by=sales_owner, data={"role": Role.CUSTOMER, "name": "又一家"})
    services.remove_party(second, by=sales_owner)
    assert not Signatory.objects.filter(party__contract=ca1).exists()
    event = events(ca1, "contract.party_remove")[-1]
    assert event.data["party"] == second.pk and event.data["signatories"] == ["李雷"]
    assert event.data["role"] == Role.CUSTOMER


# --- services: signatories -------------------------------------------------------------------------------


def test_a_signatory_by_name_and_job_title(sales_owner, ca1):
    ours = party(ca1, Role.OURS)
    signatory = services.add_signatory(ours, by=sales_owner, data={"name": "陈总", "title": "法定代表人"})
    assert (signatory.party, signatory.name, signatory.title) == (ours, "陈总", "法定代表人")
    (event,) = events(ca1, "contract.signatory_add")
    assert event.data["signatory"] == signatory.pk and event.data["party"] == ours.pk
    assert event.data["name"] == "陈总" and event.data["role"] == Role.OURS


def test_a_signatory_contact_of_the_customer_fills_name_and_title(sales_owner, ca1, contact_a):
    signatory = services.add_signatory(
        party(ca1, Role.CUSTOMER), by=sales_owner, data={"contact": contact_a.pk}
    )
    assert (signatory.contact, signatory.name, signatory.title) == (contact_a, "王敏", "总经理")
    with pytest.raises(InvalidInput) as twice:
        services.add_signatory(party(ca1, Role.CUSTOMER), by=sales_owner, data={"contact": contact_a.pk})
    assert "contact" in twice.value.errors


def test_a_signatory_contact_must_belong_to_the_contracts_customer(
    sales_owner, other_sales, ca1, cb1, make_customer
):
    foreign = add_contact(cb1.customer, by=other_sales, data={"name": "Bob"})
    own_other_customer = add_contact(make_customer(sales_owner), by=sales_owner, data={"name": "赵六"})
    before = state(ca1)
    for contact in (foreign.pk, own_other_customer.pk, 99999999, "x"):
        with pytest.raises(InvalidInput) as refused:
            services.add_signatory(
                party(ca1, Role.CUSTOMER), by=sales_owner, data={"name": "n", "contact": contact}
            )
        assert set(refused.value.errors) == {"contact"}
    assert state(ca1) == before


def test_contacts_sign_for_customer_parties_and_users_for_our_side(sales_owner, ca1, contact_a):
    with pytest.raises(InvalidInput) as refused:
        services.add_signatory(party(ca1, Role.OURS), by=sales_owner, data={"contact": contact_a.pk})
    assert "contact" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        services.add_signatory(party(ca1, Role.CUSTOMER), by=sales_owner, data={"user": sales_owner.pk})
    assert "user" in refused.value.errors
    signatory = services.add_signatory(party(ca1, Role.OURS), by=sales_owner, data={"user": sales_owner.pk})
    assert signatory.user == sales_owner and signatory.name == str(sales_owner)


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 61}, "name"),
        ({"name": "a", "party": 1}, "party"),
    ],
)
def test_bad_signatory_input_is_refused(sales_owner, ca1, data, field):
    before = state(ca1)
    with pytest.raises(InvalidInput) as refused:
        services.add_signatory(party(ca1, Role.OURS), by=sales_owner, data=data)
    assert field in refused.value.errors
    assert state(ca1) == before


def test_remove_a_signatory(sales_owner, ca1):
    signatory = services.add_signatory(party(ca1, Role.OURS), by=sales_owner, data={"name": "陈总"})
    services.remove_signatory(signatory, by=sales_owner)
    assert not Signatory.objects.filter(pk=signatory.pk).exists()
    (event,) = events(ca1, "contract.signatory_remove")
    assert event.data["signatory"] == signatory.pk and event.data["name"] == "陈总"
    with pytest.raises(Conflict):  # already gone
        services.remove_signatory(signatory, by=sales_owner)


# --- services: who and when ------------------------------------------------------------------------------


def _every_party_change(contract, user):
    """One call of each party service, as `user`."""
    third = contract.parties.filter(role=Role.THIRD).first()
    signatory = Signatory.objects.filter(party__contract=contract).first()
    return [
        lambda: services.add_party(contract, by=user, data={"role": Role.THIRD, "name": "新方"}),
        lambda: services.update_party(third, by=user, data={"name": "改名"}),
        lambda: services.add_signatory(third, by=user, data={"name": "新签字人"}),
        lambda: services.remove_signatory(signatory, by=user),
        lambda: services.remove_party(third, by=user),
    ]


@pytest.fixture
def ca1_with_third(sales_owner, ca1):
    third = services.add_party(ca1, by=sales_owner, data={"role": Role.THIRD, "name": "第三方公司"})
    services.add_signatory(third, by=sales_owner, data={"name": "周七"})
    return ca1


def test_parties_are_frozen_once_submitted(sales_owner, ca1_with_third):
    services.submit_contract(ca1_with_third, by=sales_owner)
    before = state(ca1_with_third)
    for change in _every_party_change(ca1_with_third, sales_owner):
        with pytest.raises(Frozen) as refused:
            change()
        assert refused.value.status == 409 and refused.value.code == "frozen"
    assert state(ca1_with_third) == before


@pytest.mark.parametrize("persona", ["other_sales", "finance", "viewer"])
def test_who_may_not_edit_the_contract_may_not_change_its_parties(request, ca1_with_third, persona):
    user = request.getfixturevalue(persona)
    before = state(ca1_with_third)
    for change in _every_party_change(ca1_with_third, user):
        with pytest.raises(PermissionDenied):
            change()
    assert state(ca1_with_third) == before


@pytest.mark.parametrize("persona", ["manager", "legal", "admin"])
def test_managers_legal_and_admins_change_parties(request, ca1_with_third, persona):
    user = request.getfixturevalue(persona)
    for change in _every_party_change(ca1_with_third, user):
        change()
    assert list(ca1_with_third.parties.filter(role=Role.THIRD).values_list("name", flat=True)) == ["新方"]
    assert AuditEvent.objects.filter(target_id=str(ca1_with_third.pk), actor=user).count() == 5


# --- pages -----------------------------------------------------------------------------------------------


def detail(contract):
    return reverse("contracts:detail", args=[contract.pk])


def url(name, *args):
    return reverse(f"contracts:{name}", args=args)


def test_the_owner_gets_the_party_forms_on_a_draft(client, sales_owner, ca1, contact_a):
    client.force_login(sales_owner)
    response = client.get(detail(ca1))
    assert response.status_code == 200
    assert response.context["can_edit_parties"]
    page = response.content.decode()
    assert f'action="{url("party_add", ca1.pk)}"' in page
    customer = party(ca1, Role.CUSTOMER)
    assert f'action="{url("party_edit", ca1.pk, customer.pk)}"' in page
    assert f'action="{url("signatory_add", ca1.pk, customer.pk)}"' in page
    assert "王敏 · 总经理" in page  # the customer's contacts are offered
    # The last party of each side gets no remove button.
    assert url("party_remove", ca1.pk, customer.pk) not in page
    assert "style=" not in page and "<script>" not in page


@pytest.mark.parametrize("persona", ["finance", "manager"])
def test_no_party_forms_for_a_reader_or_once_submitted(request, client, sales_owner, ca1, persona):
    client.force_login(request.getfixturevalue(persona))
    if persona == "manager":
        services.submit_contract(ca1, by=sales_owner)
    response = client.get(detail(ca1))
    assert response.status_code == 200 and not response.context["can_edit_parties"]
    assert url("party_add", ca1.pk) not in response.content.decode()


def test_add_edit_and_remove_a_party_through_the_page(client, sales_owner, ca1):
    client.force_login(sales_owner)
    code = make_uscc()
    response = client.post(
        url("party_add", ca1.pk),
        {"role": Role.GUARANTOR, "name": "上海中原担保有限公司", "credit_code": code},
    )
    assert response.status_code == 302 and response["Location"] == detail(ca1)
    guarantor = party(ca1, Role.GUARANTOR)
    assert guarantor.credit_code == code
    page = client.get(detail(ca1)).content.decode()
    assert "上海中原担保有限公司 was added to the parties." in page
    assert "added a party" in page  # the history names the event

    data = {
        "role": Role.GUARANTOR,
        "name": "上海中原融资担保有限公司",
        "credit_code": code,
        "address": "黄浦区",
    }
    assert client.post(url("party_edit", ca1.pk, guarantor.pk), data).status_code == 302
    guarantor.refresh_from_db()
    assert (guarantor.name, guarantor.address) == ("上海中原融资担保有限公司", "黄浦区")
    assert set(events(ca1, "contract.party_update")[0].data["changes"]) == {"name", "address"}
    response = client.post(url("party_edit", ca1.pk, guarantor.pk), data)
    assert "Nothing was changed." in client.get(response["Location"]).content.decode()

    page = client.get(detail(ca1)).content.decode()
    assert url("party_remove", ca1.pk, guarantor.pk) in page and "data-confirm=" in page
    assert client.post(url("party_remove", ca1.pk, guarantor.pk)).status_code == 302
    assert not ca1.parties.filter(role=Role.GUARANTOR).exists()


def test_a_refused_party_form_comes_back_open_with_the_input_and_a_400(client, sales_owner, ca1):
    client.force_login(sales_owner)
    before = state(ca1)
    response = client.post(
        url("party_add", ca1.pk), {"role": Role.THIRD, "name": "某第三方", "credit_code": BAD_USCC}
    )
    assert response.status_code == 400
    form = response.context["add_party_form"]
    assert form.is_bound and form.errors["credit_code"]
    page = response.content.decode()
    assert "<details open>" in page and 'value="某第三方"' in page
    assert "not a valid unified social credit code" in page
    assert state(ca1) == before


def test_a_refused_edit_comes_back_on_its_own_party(client, sales_owner, ca1):
    client.force_login(sales_owner)
    customer = party(ca1, Role.CUSTOMER)
    response = client.post(
        url("party_edit", ca1.pk, customer.pk), {"role": Role.THIRD, "name": customer.name}
    )
    assert response.status_code == 400
    assert "at least one customer party" in response.content.decode()
    edited = next(p for p in response.context["parties"] if p.pk == customer.pk)
    assert edited.edit_form.is_bound and not response.context["add_party_form"].is_bound
    assert party(ca1, Role.CUSTOMER).pk == customer.pk


def test_removing_the_last_customer_party_through_the_page_is_a_400(client, sales_owner, ca1):
    client.force_login(sales_owner)
    response = client.post(url("party_remove", ca1.pk, party(ca1, Role.CUSTOMER).pk))
    assert response.status_code == 400
    assert "at least one customer party" in response.content.decode()
    assert ca1.parties.filter(role=Role.CUSTOMER).exists()


def test_add_and_remove_a_signatory_through_the_page(client, sales_owner, ca1, contact_a):
    client.force_login(sales_owner)
    customer = party(ca1, Role.CUSTOMER)
    response = client.post(url("signatory_add", ca1.pk, customer.pk), {"contact": contact_a.pk, "name": ""})
    assert response.status_code == 302
    signatory = customer.signatories.get()
    assert (signatory.name, signatory.title, signatory.contact) == ("王敏", "总经理", contact_a)
    assert "王敏 signs for" in client.get(detail(ca1)).content.decode()
    response = client.post(url("signatory_remove", ca1.pk, customer.pk, signatory.pk))
    assert response.status_code == 302
    assert not customer.signatories.exists()


def test_a_signatory_needs_a_name_or_a_contact(client, sales_owner, ca1):
    client.force_login(sales_owner)
    customer = party(ca1, Role.CUSTOMER)
    response = client.post(url("signatory_add", ca1.pk, customer.pk), {"name": "", "title": "经理"})
    assert response.status_code == 400
    bound = next(p for p in response.context["parties"] if p.pk == customer.pk).signatory_form
    assert bound.errors["name"] and 'value="经理"' in response.content.decode()
    assert not customer.signatories.exists()


def test_a_contact_of_another_customer_is_refused_on_the_page(client, admin, other_sales, ca1, cb1):
    foreign = add_contact(cb1.customer, by=other_sales, data={"name": "Bob"})
    client.force_login(admin)
    customer = party(ca1, Role.CUSTOMER)
    response = client.post(url("signatory_add", ca1.pk, customer.pk), {"contact": foreign.pk})
    assert response.status_code == 400
    assert "contacts of the contract&#x27;s customer" in response.content.decode()
    assert not customer.signatories.exists()


def test_a_party_or_signatory_of_another_contract_is_404(client, admin, ca1, cb1):
    foreign = party(cb1, Role.CUSTOMER)
    signatory = services.add_signatory(foreign, by=admin, data={"name": "Bob"})
    client.force_login(admin)
    before = state(cb1)
    assert (
        client.post(url("party_edit", ca1.pk, foreign.pk), {"role": Role.THIRD, "name": "x"}).status_code
        == 404
    )
    assert client.post(url("party_remove", ca1.pk, foreign.pk)).status_code == 404
    assert client.post(url("signatory_add", ca1.pk, foreign.pk), {"name": "x"}).status_code == 404
    assert client.post(url("signatory_remove", ca1.pk, foreign.pk, signatory.pk)).status_code == 404
    own = party(ca1, Role.CUSTOMER)
    assert client.post(url("signatory_remove", ca1.pk, own.pk, signatory.pk)).status_code == 404
    assert client.post(url("party_edit", ca1.pk, 999999), {"name": "x"}).status_code == 404
    assert state(cb1) == before


def test_another_sales_users_contract_is_404_on_every_party_page(
    client, other_sales, sales_owner, ca1_with_third
):
    third = party(ca1_with_third, Role.THIRD)
    signatory = third.signatories.get()
    client.force_login(other_sales)
    before = state(ca1_with_third)
    posts = [
        (url("party_add", ca1_with_third.pk), {"role": Role.THIRD, "name": "x"}),
        (url("party_edit", ca1_with_third.pk, third.pk), {"role": Role.THIRD, "name": "x"}),
        (url("party_remove", ca1_with_third.pk, third.pk), {}),
        (url("signatory_add", ca1_with_third.pk, third.pk), {"name": "x"}),
        (url("signatory_remove", ca1_with_third.pk, third.pk, signatory.pk), {}),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == 404, path
    assert client.get(detail(ca1_with_third)).status_code == 404
    assert state(ca1_with_third) == before


def test_finance_sees_the_contract_but_is_refused_with_a_403(client, finance, ca1):
    client.force_login(finance)
    response = client.post(url("party_add", ca1.pk), {"role": Role.THIRD, "name": "x"})
    assert response.status_code == 403
    assert not ca1.parties.filter(role=Role.THIRD).exists()


def test_a_submitted_contract_refuses_party_changes_with_a_409(client, sales_owner, ca1_with_third):
    services.submit_contract(ca1_with_third, by=sales_owner)
    client.force_login(sales_owner)
    before = state(ca1_with_third)
    response = client.post(url("party_add", ca1_with_third.pk), {"role": Role.THIRD, "name": "迟到的第三方"})
    assert response.status_code == 409
    assert "its parties can no longer change" in response.content.decode()
    third = party(ca1_with_third, Role.THIRD)
    assert client.post(url("party_remove", ca1_with_third.pk, third.pk)).status_code == 409
    assert state(ca1_with_third) == before


def test_party_pages_take_only_a_post_with_a_csrf_token(sales_owner, ca1_with_third):
    third = party(ca1_with_third, Role.THIRD)
    signatory = third.signatories.get()
    paths = [
        url("party_add", ca1_with_third.pk),
        url("party_edit", ca1_with_third.pk, third.pk),
        url("party_remove", ca1_with_third.pk, third.pk),
        url("signatory_add", ca1_with_third.pk, third.pk),
        url("signatory_remove", ca1_with_third.pk, third.pk, signatory.pk),
    ]
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_owner)
    before = state(ca1_with_third)
    for path in paths:
        assert client.get(path).status_code == 405, path
        assert client.post(path, {"role": Role.THIRD, "name": "x"}).status_code == 403, path
    assert state(ca1_with_third) == before


def test_anonymous_visitors_are_sent_to_log_in(client, ca1):
    response = client.post(url("party_add", ca1.pk), {"role": Role.THIRD, "name": "x"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not ca1.parties.filter(role=Role.THIRD).exists()


def test_the_detail_page_queries_do_not_grow_with_parties_signatories_and_contacts(client, sales_owner, ca1):
    client.force_login(sales_owner)
    client.get(detail(ca1))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(detail(ca1)).status_code == 200
        return len(queries)

    few = count()
    for i in range(8):
        added = services.add_party(ca1, by=sales_owner, data={"role": Role.THIRD, "name": f"第三方{i}"})
        services.add_signatory(added, by=sales_owner, data={"name": f"签字人{i}"})
        services.add_signatory(added, by=sales_owner, data={"name": f"签字人{i}b"})
        add_contact(ca1.customer, by=sales_owner, data={"name": f"联系人{i}"})
    many = count()
    assert few == many
