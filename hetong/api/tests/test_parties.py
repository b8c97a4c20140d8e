"""The API of a draft's parties and signatories: /contracts/{id}/parties and below."""

import pytest
from django.test import Client

from conftest import make_uscc
from hetong.api.tests.utils import send
from hetong.audit.models import AuditEvent
from hetong.contracts import services
from hetong.contracts.models import Contract, ContractParty, Signatory
from hetong.customers.services import add_contact

Role = ContractParty.Role
BAD_USCC = "91310000MA1K00001X"


def parties_url(contract, party=None, signatory=None) -> str:
    path = f"/api/v1/contracts/{contract.pk}/parties"
    if party is not None:
        path += f"/{party.pk}"
    if signatory is not None:
        path += f"/signatories/{signatory.pk}"
    return path


def signatories_url(contract, party) -> str:
    return f"{parties_url(contract, party)}/signatories"


def state(contract) -> tuple:
    contract = Contract.objects.get(pk=contract.pk)
    return (
        contract.version,
        list(contract.parties.values_list("pk", "role", "name", "credit_code", "address")),
        list(Signatory.objects.filter(party__contract=contract).values_list("pk", "name", "contact")),
        AuditEvent.objects.filter(target_type="contracts.contract", target_id=str(contract.pk)).count(),
    )


def party(contract, role) -> ContractParty:
    return contract.parties.get(role=role)


@pytest.fixture
def ca1_full(sales_owner, ca1):
    """CA1 with a guarantor that has a signatory."""
    guarantor = services.add_party(ca1, by=sales_owner, data={"role": Role.GUARANTOR, "name": "中原担保"})
    services.add_signatory(guarantor, by=sales_owner, data={"name": "周七", "title": "董事长"})
    return ca1


def test_list_the_parties_with_their_signatories(api_as, sales_owner, ca1_full, entity):
    response = api_as(sales_owner).get(parties_url(ca1_full))
    assert response.status_code == 200
    body = response.json()
    assert [(p["role"], p["name"]) for p in body] == [
        ("ours", entity.name),
        ("customer", ca1_full.customer.name),
        ("guarantor", "中原担保"),
    ]
    assert body[0]["credit_code"] == entity.credit_code and body[0]["signatories"] == []
    (signatory,) = body[2]["signatories"]
    assert signatory | {"id": 0} == {
        "id": 0,
        "name": "周七",
        "title": "董事长",
        "contact": None,
        "user": None,
    }


def test_add_a_third_party_and_a_guarantor(api_as, sales_owner, ca1):
    client = api_as(sales_owner)
    code = make_uscc()
    response = send(
        client, "post", parties_url(ca1), {"role": "third", "name": "某物流代理", "credit_code": code}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["role"], body["name"], body["credit_code"], body["signatories"]) == (
        "third",
        "某物流代理",
        code,
        [],
    )
    response = send(
        client, "post", parties_url(ca1), {"role": "guarantor", "name": "某担保", "address": "上海"}
    )
    assert response.status_code == 201
    assert [p.role for p in ca1.parties.all()] == ["ours", "customer", "third", "guarantor"]
    assert AuditEvent.objects.filter(verb="contract.party_add", target_id=str(ca1.pk)).count() == 2


@pytest.mark.parametrize(
    "data, field",
    [
        ({"role": "guarantor", "name": "某担保", "credit_code": BAD_USCC}, "credit_code"),
        ({"role": "third", "name": ""}, "name"),
        ({"role": "boss", "name": "某公司"}, "role"),
        ({"name": "某公司"}, "role"),
        ({"role": "third", "name": 5}, "name"),
        ({"role": "third", "name": "某公司", "customer": "abc"}, "customer"),
    ],
)
def test_bad_party_input_is_a_400_with_field_errors(api_as, sales_owner, ca1, data, field):
    before = state(ca1)
    response = send(api_as(sales_owner), "post", parties_url(ca1), data)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"], body
    assert state(ca1) == before


def test_fields_a_client_may_not_set_are_refused(api_as, sales_owner, ca1):
    before = state(ca1)
    response = send(
        api_as(sales_owner), "post", parties_url(ca1), {"role": "third", "name": "x", "contract": 2}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "forbidden_field"
    response = send(api_as(sales_owner), "patch", parties_url(ca1, party(ca1, Role.OURS)), {"position": 9})
    assert response.status_code == 400
    assert state(ca1) == before


def test_a_customer_party_linked_to_a_customer(api_as, sales_owner, make_customer, ca1, cb1):
    sister = make_customer(sales_owner, name="华运物流（苏州）有限公司")
    client = api_as(sales_owner)
    response = send(client, "post", parties_url(ca1), {"role": "customer", "customer": sister.pk})
    assert response.status_code == 201
    assert (response.json()["name"], response.json()["credit_code"]) == (sister.name, sister.credit_code)
    response = send(client, "post", parties_url(ca1), {"role": "customer", "customer": cb1.customer_id})
    assert response.status_code == 400 and "customer" in response.json()["errors"]


def test_patch_a_party(api_as, sales_owner, ca1_full):
    guarantor = party(ca1_full, Role.GUARANTOR)
    response = send(
        api_as(sales_owner), "patch", parties_url(ca1_full, guarantor), {"address": "上海市黄浦区"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["address"], len(body["signatories"])) == ("中原担保", "上海市黄浦区", 1)
    event = AuditEvent.objects.get(verb="contract.party_update")
    assert event.data["changes"] == {"address": ["", "上海市黄浦区"]}


def test_patch_with_a_bad_credit_code_is_a_400(api_as, sales_owner, ca1):
    before = state(ca1)
    response = send(
        api_as(sales_owner), "patch", parties_url(ca1, party(ca1, Role.CUSTOMER)), {"credit_code": BAD_USCC}
    )
    assert response.status_code == 400
    assert "credit_code" in response.json()["errors"]
    assert state(ca1) == before


def test_delete_a_party_but_never_the_last_customer_party(api_as, sales_owner, ca1_full):
    client = api_as(sales_owner)
    response = client.delete(parties_url(ca1_full, party(ca1_full, Role.GUARANTOR)))
    assert response.status_code == 204
    assert not ca1_full.parties.filter(role=Role.GUARANTOR).exists()
    assert not Signatory.objects.filter(party__contract=ca1_full).exists()
    before = state(ca1_full)
    response = client.delete(parties_url(ca1_full, party(ca1_full, Role.CUSTOMER)))
    assert response.status_code == 400
    assert response.json()["code"] == "last_party"
    assert state(ca1_full) == before


def test_add_and_delete_a_signatory(api_as, sales_owner, ca1):
    contact = add_contact(ca1.customer, by=sales_owner, data={"name": "王敏", "title": "总经理"})
    client = api_as(sales_owner)
    customer = party(ca1, Role.CUSTOMER)
    response = send(client, "post", signatories_url(ca1, customer), {"contact": contact.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["title"], body["contact"], body["user"]) == (
        "王敏",
        "总经理",
        contact.pk,
        None,
    )
    signatory = Signatory.objects.get(pk=body["id"])
    assert client.delete(parties_url(ca1, customer, signatory)).status_code == 204
    assert not Signatory.objects.filter(pk=signatory.pk).exists()
    assert AuditEvent.objects.filter(verb="contract.signatory_remove").count() == 1


def test_a_signatory_contact_must_be_the_contracts_customers(api_as, sales_owner, other_sales, ca1, cb1):
    foreign = add_contact(cb1.customer, by=other_sales, data={"name": "Bob"})
    before = state(ca1)
    response = send(
        api_as(sales_owner), "post", signatories_url(ca1, party(ca1, Role.CUSTOMER)), {"contact": foreign.pk}
    )
    assert response.status_code == 400
    assert "contact" in response.json()["errors"]
    response = send(
        api_as(sales_owner), "post", signatories_url(ca1, party(ca1, Role.CUSTOMER)), {"title": "x"}
    )
    assert response.status_code == 400 and "name" in response.json()["errors"]
    assert state(ca1) == before


def test_our_user_signs_for_our_side(api_as, sales_owner, legal, ca1):
    response = send(
        api_as(sales_owner), "post", signatories_url(ca1, party(ca1, Role.OURS)), {"user": legal.pk}
    )
    assert response.status_code == 201
    assert response.json()["user"] == legal.pk and response.json()["name"] == str(legal)


def test_everything_is_404_outside_the_scope(api_as, other_sales, ca1_full):
    guarantor = party(ca1_full, Role.GUARANTOR)
    signatory = guarantor.signatories.get()
    client = api_as(other_sales)
    before = state(ca1_full)
    calls = [
        ("get", parties_url(ca1_full), None),
        ("post", parties_url(ca1_full), {"role": "third", "name": "x"}),
        ("patch", parties_url(ca1_full, guarantor), {"name": "x"}),
        ("delete", parties_url(ca1_full, guarantor), None),
        ("post", signatories_url(ca1_full, guarantor), {"name": "x"}),
        ("delete", parties_url(ca1_full, guarantor, signatory), None),
    ]
    for method, path, data in calls:
        response = send(client, method, path, data)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "not_found"
    assert state(ca1_full) == before


def test_a_party_of_another_contract_is_404(api_as, admin, ca1, cb1):
    foreign = party(cb1, Role.CUSTOMER)
    signatory = services.add_signatory(foreign, by=admin, data={"name": "Bob"})
    client = api_as(admin)
    before = state(cb1)
    assert send(client, "patch", parties_url(ca1, foreign), {"name": "x"}).status_code == 404
    assert client.delete(parties_url(ca1, foreign)).status_code == 404
    assert send(client, "post", signatories_url(ca1, foreign), {"name": "x"}).status_code == 404
    assert client.delete(parties_url(ca1, foreign, signatory)).status_code == 404
    assert client.delete(parties_url(ca1, party(ca1, Role.CUSTOMER), signatory)).status_code == 404
    assert client.delete(f"/api/v1/contracts/{ca1.pk}/parties/99999999999999999999").status_code == 404
    assert state(cb1) == before


def test_a_reader_gets_a_403_and_a_submitted_contract_a_409(api_as, finance, sales_owner, ca1_full):
    guarantor = party(ca1_full, Role.GUARANTOR)
    response = send(api_as(finance), "post", parties_url(ca1_full), {"role": "third", "name": "x"})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert api_as(finance).get(parties_url(ca1_full)).status_code == 200  # finance reads all contracts
    services.submit_contract(ca1_full, by=sales_owner)
    client = api_as(sales_owner)
    before = state(ca1_full)
    calls = [
        ("post", parties_url(ca1_full), {"role": "third", "name": "x"}),
        ("patch", parties_url(ca1_full, guarantor), {"name": "x"}),
        ("delete", parties_url(ca1_full, guarantor), None),
        ("post", signatories_url(ca1_full, guarantor), {"name": "x"}),
        ("delete", parties_url(ca1_full, guarantor, guarantor.signatories.get()), None),
    ]
    for method, path, data in calls:
        response = send(client, method, path, data)
        assert response.status_code == 409, (method, path)
        assert response.json()["code"] == "frozen"
    assert state(ca1_full) == before


def test_anonymous_callers_get_a_401(ca1):
    assert Client().get(parties_url(ca1)).status_code == 401
    assert send(Client(), "post", parties_url(ca1), {"role": "third", "name": "x"}).status_code == 401


def test_the_party_endpoints_are_documented(api_as, sales_owner):
    schema = api_as(sales_owner).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/contracts/{contract_id}/parties": {"get": "200", "post": "201"},
        "/api/v1/contracts/{contract_id}/parties/{party_id}": {"patch": "200", "delete": "204"},
        "/api/v1/contracts/{contract_id}/parties/{party_id}/signatories": {"post": "201"},
        "/api/v1/contracts/{contract_id}/parties/{party_id}/signatories/{signatory_id}": {"delete": "204"},
    }
    for path, operations in expected.items():
        assert set(paths[path]) == set(operations), path
        for method, success in operations.items():
            responses = paths[path][method]["responses"]
            assert success in responses and "404" in responses and "401" in responses, (method, path)
            for code, response in responses.items():
                if code.startswith("4"):
                    assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    party_schema = schema["components"]["schemas"]["PartyOut"]["properties"]
    assert {"id", "role", "name", "credit_code", "address", "signatories"} <= set(party_schema)
