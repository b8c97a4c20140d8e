"""The contract detail page, its status actions, and the create and edit forms."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hetong.audit.models import AuditEvent
from hetong.contracts import services
from hetong.contracts.models import Contract, ContractType, ExtraField
from hetong.core.dates import company_today

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def detail(contract):
    return reverse("contracts:detail", args=[contract.pk])


def act(client, contract, action, **data):
    data.setdefault("version", Contract.objects.get(pk=contract.pk).version)
    return client.post(reverse("contracts:action", args=[contract.pk, action]), data)


def status_of(contract) -> str:
    return Contract.objects.get(pk=contract.pk).status


# --- detail ----------------------------------------------------------------------------------------------


def test_owner_sees_the_detail_with_parties_and_history(client, sales_owner, ca1, entity):
    client.force_login(sales_owner)
    response = client.get(detail(ca1))
    assert response.status_code == 200
    page = response.content.decode()
    assert ca1.title in page
    assert entity.name in page and ca1.customer.name in page  # the default parties
    assert "128,000.00" in page
    assert [a["name"] for a in response.context["actions"]] == ["submit", "cancel"]
    assert response.context["events"][0].verb == "contract.create"


def test_detail_shows_extra_fields_with_their_labels(
    client, admin, sales_owner, make_customer, make_contract
):
    service_type = ContractType.objects.get(code="FW")
    ExtraField.objects.create(
        contract_type=service_type, key="sla", label="服务等级", label_en="Service level"
    )
    contract = make_contract(sales_owner, make_customer(sales_owner), extra={"sla": "99.9%"})
    client.force_login(sales_owner)
    response = client.get(detail(contract))
    assert ("Service level", "99.9%") in response.context["extra_values"]


@pytest.mark.parametrize("name", ["detail", "edit"])
def test_foreign_contract_pages_are_404(client, sales_owner, cb1, name):
    client.force_login(sales_owner)
    assert client.get(reverse(f"contracts:{name}", args=[cb1.pk])).status_code == 404


def test_foreign_contract_action_is_404_and_changes_nothing(client, sales_owner, cb1):
    client.force_login(sales_owner)
    assert act(client, cb1, "submit").status_code == 404
    assert status_of(cb1) == Contract.Status.DRAFT


def test_forged_ids_are_404(client, admin, ca1):
    client.force_login(admin)
    assert client.get("/contracts/abc/").status_code == 404
    assert client.get("/contracts/99999999999999999999999/").status_code == 404
    assert client.get("/contracts/0/").status_code == 404


# --- actions ---------------------------------------------------------------------------------------------


def test_owner_submits_and_manager_approves(client, sales_owner, manager, ca1):
    client.force_login(sales_owner)
    response = act(client, ca1, "submit")
    assert response.status_code == 302 and response["Location"] == detail(ca1)
    assert status_of(ca1) == Contract.Status.IN_REVIEW
    client.force_login(manager)
    assert act(client, ca1, "approve").status_code == 302
    assert status_of(ca1) == Contract.Status.APPROVED
    follow = client.get(detail(ca1))
    assert "Approve: done." in follow.content.decode()


def test_self_approval_is_refused_and_audited(client, manager, make_customer, make_contract):
    own = make_contract(manager, make_customer(manager))
    client.force_login(manager)
    assert act(client, own, "submit").status_code == 302
    response = act(client, own, "approve")
    assert response.status_code == 403
    assert "not allowed" in response.content.decode()
    assert status_of(own) == Contract.Status.IN_REVIEW
    assert AuditEvent.objects.filter(verb="contract.refused", target_id=str(own.pk)).exists()


def test_illegal_action_is_409_and_changes_nothing(client, manager, sales_owner, ca1):
    client.force_login(manager)
    response = act(client, ca1, "approve")  # a draft cannot be approved
    assert response.status_code == 409
    assert "Cannot approve" in response.content.decode()
    assert status_of(ca1) == Contract.Status.DRAFT


def test_stale_version_click_is_409(client, sales_owner, ca1):
    client.force_login(sales_owner)
    stale = ca1.version
    services.update_contract(ca1, by=sales_owner, version=ca1.version, data={"title": "changed meanwhile"})
    response = act(client, ca1, "submit", version=stale)
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    assert status_of(ca1) == Contract.Status.DRAFT


def test_missing_version_is_a_400(client, sales_owner, ca1):
    client.force_login(sales_owner)
    response = client.post(reverse("contracts:action", args=[ca1.pk, "submit"]), {"version": "x"})
    assert response.status_code == 400
    assert status_of(ca1) == Contract.Status.DRAFT


def test_unknown_action_is_404_and_get_is_not_allowed(client, sales_owner, ca1):
    client.force_login(sales_owner)
    assert act(client, ca1, "explode").status_code == 404
    assert client.get(reverse("contracts:action", args=[ca1.pk, "submit"])).status_code == 405


def test_reject_needs_a_reason(client, sales_owner, manager, ca1):
    services.submit_contract(ca1, by=sales_owner)
    client.force_login(manager)
    response = act(client, ca1, "reject", note="  ")
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    assert status_of(ca1) == Contract.Status.IN_REVIEW
    assert act(client, ca1, "reject", note="价格需要重新谈").status_code == 302
    contract = Contract.objects.get(pk=ca1.pk)
    assert contract.status == Contract.Status.DRAFT and contract.status_note == "价格需要重新谈"


def test_sign_with_the_signed_copy_then_terminate(client, sales_owner, manager, legal, ca1):
    services.submit_contract(ca1, by=sales_owner)
    services.approve_contract(ca1, by=manager)
    client.force_login(sales_owner)
    page = client.get(detail(ca1))
    sign = next(a for a in page.context["actions"] if a["name"] == "sign")
    assert sign["inputs"] == {"signed_date", "signed_file"}
    response = act(client, ca1, "sign", signed_date="2099-01-01")
    assert response.status_code == 400  # no signed copy, and a date in the future
    response = act(
        client,
        ca1,
        "sign",
        signed_date=str(company_today()),
        signed_file=SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
    )
    assert response.status_code == 302
    contract = Contract.objects.get(pk=ca1.pk)
    assert contract.status == Contract.Status.ACTIVE  # effective 2026-01-01 has come
    assert contract.files.get().kind == "signed"
    client.force_login(legal)
    response = act(client, ca1, "terminate", note="客户违约", terminated_on=str(company_today()))
    assert response.status_code == 302
    assert status_of(ca1) == Contract.Status.TERMINATED


def test_sales_cannot_terminate(client, sales_owner, manager, ca1):
    contract = services.submit_contract(ca1, by=sales_owner)
    contract = services.approve_contract(contract, by=manager)
    services.sign_contract(contract, by=sales_owner, signed_file=SimpleUploadedFile("s.pdf", PDF))
    client.force_login(sales_owner)
    assert act(client, ca1, "terminate", note="x").status_code == 403
    assert status_of(ca1) == Contract.Status.ACTIVE


# --- create ----------------------------------------------------------------------------------------------


@pytest.fixture
def form_data(entity, sales_owner, make_customer):
    customer = make_customer(sales_owner, name="杭州云帆贸易有限公司")
    return {
        "title": "年度采购框架协议",
        "number": "",
        "contract_type": ContractType.objects.get(code="KJ").pk,
        "customer": customer.pk,
        "entity": entity.pk,
        "amount": "560000.00",
        "currency": "CNY",
        "effective_date": "2026-03-01",
        "end_date": "2027-02-28",
        "auto_renew": "on",
        "renewal_term": "1",
        "renewal_unit": "years",
        "notice_period": "30",
        "notice_unit": "days",
        "tags": "框架, 重点客户",
        "description": "",
    }


def test_create_page_offers_only_visible_customers(client, sales_owner, form_data, cb1):
    client.force_login(sales_owner)
    response = client.get(reverse("contracts:create"))
    assert response.status_code == 200
    offered = {value for value, _label in response.context["form"].fields["customer"].choices}
    assert form_data["customer"] in offered
    assert cb1.customer_id not in offered
    assert "owner" not in response.context["form"].fields  # only managers choose the owner


def test_create_a_contract(client, sales_owner, form_data, entity):
    client.force_login(sales_owner)
    response = client.post(reverse("contracts:create"), form_data)
    assert response.status_code == 302
    contract = Contract.objects.get(title="年度采购框架协议")
    assert response["Location"] == detail(contract)
    assert contract.number.startswith("HT-KJ-")
    assert contract.owner == sales_owner and contract.auto_renew and contract.renewal_term == 1
    assert contract.notice_deadline == dt.date(2027, 1, 29)
    assert sorted(contract.tags.values_list("name", flat=True)) == ["框架", "重点客户"]
    assert [p.name for p in contract.parties.all()] == [entity.name, "杭州云帆贸易有限公司"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"end_date": "2026-01-01"}, "end_date"),
        ({"amount": "-5"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"amount": "abc"}, "amount"),
        ({"customer": "999999"}, "customer"),
    ],
)
def test_create_with_bad_input_is_400_and_creates_nothing(client, sales_owner, form_data, change, field):
    client.force_login(sales_owner)
    before = Contract.objects.count()
    response = client.post(reverse("contracts:create"), {**form_data, **change})
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert Contract.objects.count() == before


def test_create_with_a_duplicate_number_is_400(client, sales_owner, form_data, ca1):
    client.force_login(sales_owner)
    response = client.post(reverse("contracts:create"), {**form_data, "number": ca1.number})
    assert response.status_code == 400
    assert "already in use" in " ".join(response.context["form"].errors["number"])
    assert Contract.objects.count() == 1


def test_create_checks_the_extra_fields_of_the_type(client, sales_owner, form_data):
    framework = ContractType.objects.get(code="KJ")
    ExtraField.objects.create(
        contract_type=framework,
        key="po_limit",
        label="单笔上限",
        label_en="Order limit",
        kind=ExtraField.Kind.NUMBER,
        required=True,
    )
    client.force_login(sales_owner)
    response = client.post(reverse("contracts:create"), form_data)
    assert response.status_code == 400
    assert response.context["form"].errors["extra__po_limit"]
    assert not Contract.objects.filter(title=form_data["title"]).exists()
    response = client.post(reverse("contracts:create"), {**form_data, "extra__po_limit": "50000"})
    assert response.status_code == 302
    assert Contract.objects.get(title=form_data["title"]).extra == {"po_limit": "50000"}


def test_choosing_a_type_rerenders_its_extra_fields_with_htmx(client, sales_owner, form_data):
    framework = ContractType.objects.get(code="KJ")
    ExtraField.objects.create(
        contract_type=framework,
        key="region",
        label="区域",
        label_en="Region",
        kind=ExtraField.Kind.CHOICE,
        choices="华东\n华北",
    )
    client.force_login(sales_owner)
    response = client.get(
        reverse("contracts:create"), {"contract_type": framework.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="extra-fields"' in page and 'name="extra__region"' in page and "<html" not in page


def test_manager_creates_for_a_team_member(client, manager, sales_owner, form_data, org):
    client.force_login(manager)
    data = {**form_data, "owner": sales_owner.pk, "department": org["east"].pk}
    assert client.post(reverse("contracts:create"), data).status_code == 302
    contract = Contract.objects.get(title=form_data["title"])
    assert contract.owner == sales_owner and contract.department == org["east"]


def test_finance_cannot_open_the_create_page(client, finance):
    client.force_login(finance)
    assert client.get(reverse("contracts:create")).status_code == 403


# --- edit ------------------------------------------------------------------------------------------------


def edit(client, contract, **changes):
    page = client.get(reverse("contracts:edit", args=[contract.pk]))
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    data.update(changes)
    return client.post(reverse("contracts:edit", args=[contract.pk]), data)


def test_edit_a_draft(client, sales_owner, ca1):
    client.force_login(sales_owner)
    response = edit(client, ca1, title="华运物流运输服务合同（修订）", amount="130000.00")
    assert response.status_code == 302
    contract = Contract.objects.get(pk=ca1.pk)
    assert contract.title == "华运物流运输服务合同（修订）" and str(contract.amount) == "130000.00"
    assert contract.version == ca1.version + 1
    event = AuditEvent.objects.filter(verb="contract.update", target_id=str(ca1.pk)).get()
    assert set(event.data["changes"]) == {"title", "amount"}


def test_saving_an_untouched_form_changes_nothing(client, sales_owner, make_customer, make_contract):
    service_type = ContractType.objects.get(code="FW")
    ExtraField.objects.create(
        contract_type=service_type, key="go_live", label="上线日期", kind=ExtraField.Kind.DATE
    )
    ExtraField.objects.create(
        contract_type=service_type, key="seats", label="席位", kind=ExtraField.Kind.NUMBER
    )
    contract = make_contract(
        sales_owner, make_customer(sales_owner), extra={"go_live": "2026-03-01", "seats": "20"}
    )
    client.force_login(sales_owner)
    response = edit(client, contract)
    assert response.status_code == 302
    assert "Nothing was changed." in client.get(response["Location"]).content.decode()
    assert Contract.objects.get(pk=contract.pk).version == contract.version


def test_stale_edit_is_409_and_changes_nothing(client, sales_owner, ca1):
    client.force_login(sales_owner)
    services.update_contract(ca1, by=sales_owner, version=ca1.version, data={"title": "theirs"})
    response = edit(client, ca1, title="mine", version=ca1.version)
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    assert Contract.objects.get(pk=ca1.pk).title == "theirs"


def test_stale_edit_without_changes_is_409_too(client, sales_owner, ca1):
    client.force_login(sales_owner)
    services.update_contract(ca1, by=sales_owner, version=ca1.version, data={"title": "theirs"})
    assert edit(client, ca1, version=ca1.version).status_code == 409


def test_edit_with_end_before_start_is_400(client, sales_owner, ca1):
    client.force_login(sales_owner)
    response = edit(client, ca1, end_date="2025-01-01")
    assert response.status_code == 400
    assert response.context["form"].errors["end_date"]
    assert Contract.objects.get(pk=ca1.pk).version == ca1.version


def test_a_submitted_contract_only_takes_tags(client, sales_owner, ca1):
    services.submit_contract(ca1, by=sales_owner)
    client.force_login(sales_owner)
    page = client.get(reverse("contracts:edit", args=[ca1.pk]))
    assert set(page.context["form"].fields) == {"version", "tags"}
    assert "terms are frozen" in page.content.decode()
    response = edit(client, ca1, tags="急", title="sneaked in")
    assert response.status_code == 302
    contract = Contract.objects.get(pk=ca1.pk)
    assert contract.title == ca1.title
    assert list(contract.tags.values_list("name", flat=True)) == ["急"]


def test_finance_cannot_edit(client, finance, ca1):
    client.force_login(finance)
    assert client.get(reverse("contracts:edit", args=[ca1.pk])).status_code == 403
