"""A contract's documents through the pages: generate with a preview and clause choices, download, compare,
the contract page's card, and many at once with a job page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hetong.audit.models import AuditEvent
from hetong.contracts.services import update_contract
from hetong.documents import services
from hetong.documents.models import DocumentClause, GeneratedDocument, GenerationJob

pytestmark = pytest.mark.django_db

HTML = (
    "<h1>{{ contract.title }}</h1><p>{{ customer.name }}</p>"
    "{% for item in items %}<p>{{ item.name }} {{ item.total }}</p>{% endfor %}<p>{{ totals.total_capital }}</p>"
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def template(legal):
    return services.create_template(by=legal, data={"name": "服务合同", "kind": "html"}, html=HTML)


@pytest.fixture
def contract(sales_owner, make_customer, make_contract):
    return make_contract(
        sales_owner, make_customer(sales_owner, name="上海华运物流有限公司"), title="年度运输服务合同"
    )


def generate_url(contract):
    return reverse("documents:generate", args=[contract.pk])


def download_url(document, fmt="pdf"):
    return reverse("documents:download", args=[document.pk, fmt])


def generate(client, contract, template, **choices):
    data = {"template": template.pk, "do": "generate", **{f"clause-{k}": v for k, v in choices.items()}}
    return client.post(generate_url(contract), data)


def test_generate_from_the_page_then_download_the_pdf(client, sales_owner, contract, template):
    client.force_login(sales_owner)
    page = client.get(generate_url(contract))
    assert page.status_code == 200 and "服务合同" in page.content.decode()

    response = generate(client, contract, template)
    assert response.status_code == 302
    assert response["Location"] == reverse("contracts:detail", args=[contract.pk]) + "#documents"
    document = GeneratedDocument.objects.get(contract=contract)
    assert document.number == 1 and "年度运输服务合同" in document.text

    response = client.get(download_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"{contract.number}-v1.pdf" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    # An HTML template makes no Word file.
    assert client.get(download_url(document, "docx")).status_code == 404
    assert client.get(download_url(document, "exe")).status_code == 404

    card = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert 'id="documents"' in card and document.sha256[:12] in card and download_url(document) in card


def test_a_contract_outside_ones_scope_is_a_404_everywhere(
    client, sales_owner, other_sales, contract, template
):
    client.force_login(sales_owner)
    generate(client, contract, template)
    document = GeneratedDocument.objects.get()
    client.force_login(other_sales)
    assert client.get(download_url(document)).status_code == 404
    assert client.get(generate_url(contract)).status_code == 404
    assert generate(client, contract, template).status_code == 404
    compare = reverse("documents:compare", args=[contract.pk])
    assert client.get(compare, {"a": document.pk, "b": document.pk}).status_code == 404
    assert GeneratedDocument.objects.count() == 1


def test_a_role_that_cannot_generate_is_refused(client, finance, contract, template):
    client.force_login(finance)  # finance sees every contract but does not make documents
    assert client.get(generate_url(contract)).status_code == 403
    assert client.get(reverse("documents:batch")).status_code == 403


def test_preview_shows_the_document_and_stores_nothing(client, sales_owner, contract, template):
    client.force_login(sales_owner)
    events = AuditEvent.objects.count()
    page = client.post(generate_url(contract), {"template": template.pk, "do": "preview"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "<h1>年度运输服务合同</h1>" in body and "上海华运物流有限公司" in body

    fragment = client.post(
        generate_url(contract), {"template": template.pk, "do": "preview"}, HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200
    assert (
        "<h1>年度运输服务合同</h1>" in fragment.content.decode() and "<html" not in fragment.content.decode()
    )
    assert not GeneratedDocument.objects.exists() and AuditEvent.objects.count() == events


def test_the_preview_of_an_html_template_is_sanitised(client, legal, sales_owner, contract):
    template = services.create_template(
        by=legal,
        data={"name": "脚本", "kind": "html"},
        html='<p onclick="steal()">{{ contract.title }}</p><script>steal()</script>',
    )
    client.force_login(sales_owner)
    data = {"template": template.pk, "do": "preview"}
    body = client.post(generate_url(contract), data, HTTP_HX_REQUEST="true").content.decode()
    assert "<p>年度运输服务合同</p>" in body and "steal()" not in body


def test_a_missing_value_is_named_and_nothing_is_stored(
    client, legal, sales_owner, make_customer, make_contract
):
    template = services.create_template(
        by=legal,
        data={"name": "到期", "kind": "html"},
        html="<p>{{ contract.title }} 至 {{ contract.end_date }}</p>",
    )
    evergreen = make_contract(sales_owner, make_customer(sales_owner), end_date=None)
    client.force_login(sales_owner)
    response = generate(client, evergreen, template)
    assert response.status_code == 400
    assert "The contract has no value for contract.end_date" in response.content.decode()
    assert not GeneratedDocument.objects.exists()


def test_a_template_not_offered_for_the_contract_is_refused(client, sales_owner, contract, template):
    client.force_login(sales_owner)
    response = client.post(generate_url(contract), {"template": template.pk + 100, "do": "generate"})
    assert response.status_code == 400
    assert "Choose one of the templates" in response.content.decode()
    assert not GeneratedDocument.objects.exists()


def test_a_clause_alternative_is_chosen_on_the_page_and_marked_non_standard(
    client, legal, sales_owner, contract
):
    clause = services.create_clause(
        by=legal,
        data={"key": "payment", "title": "付款条款"},
        text="验收后三十日内付款。",
        alternatives=[{"label": "预付", "text": "签约后预付百分之三十。"}],
    )
    services.approve_clause_version(clause.versions.get(), by=legal)
    template = services.create_template(
        by=legal,
        data={"name": "带条款", "kind": "html"},
        html="<h1>{{ contract.title }}</h1>{{ clauses.payment }}",
    )
    client.force_login(sales_owner)
    page = client.get(generate_url(contract), {"template": template.pk}).content.decode()
    assert (
        "验收后三十日内付款。" in page
        and "签约后预付百分之三十。" in page
        and 'name="clause-payment"' in page
    )

    assert generate(client, contract, template).status_code == 302
    assert generate(client, contract, template, payment=1).status_code == 302
    first, second = GeneratedDocument.objects.order_by("number")
    assert not first.nonstandard and second.nonstandard
    assert DocumentClause.objects.get(document=second).label == "预付"
    compare = client.get(reverse("documents:compare", args=[contract.pk]), {"a": first.pk, "b": second.pk})
    assert compare.status_code == 200 and "预付" in compare.content.decode()
    assert generate(client, contract, template, payment=7).status_code == 400
    assert GeneratedDocument.objects.count() == 2


def test_compare_shows_what_a_changed_title_inserted(client, sales_owner, contract, template):
    client.force_login(sales_owner)
    generate(client, contract, template)
    contract.refresh_from_db()
    update_contract(
        contract, by=sales_owner, version=contract.version, data={"title": "年度运输及仓储服务合同"}
    )
    generate(client, contract, template)
    first, second = GeneratedDocument.objects.order_by("number")
    response = client.get(reverse("documents:compare", args=[contract.pk]), {"a": second.pk, "b": first.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<ins" in body and "及仓储" in body
    assert ("v1", "v2") == (f"v{response.context['older'].number}", f"v{response.context['newer'].number}")


def test_compare_refuses_a_document_of_another_contract(
    client, sales_owner, make_customer, make_contract, template
):
    client.force_login(sales_owner)
    customer = make_customer(sales_owner)
    one, two = make_contract(sales_owner, customer), make_contract(sales_owner, customer)
    generate(client, one, template)
    generate(client, two, template)
    doc_one, doc_two = (
        GeneratedDocument.objects.get(contract=one),
        GeneratedDocument.objects.get(contract=two),
    )
    url = reverse("documents:compare", args=[one.pk])
    assert client.get(url, {"a": doc_one.pk, "b": doc_two.pk}).status_code == 404
    assert client.get(url, {"a": "x", "b": doc_one.pk}).status_code == 400


def test_a_tampered_pdf_is_not_served(client, sales_owner, contract, template):
    client.force_login(sales_owner)
    generate(client, contract, template)
    document = GeneratedDocument.objects.get()
    GeneratedDocument.objects.filter(pk=document.pk).update(pdf=b"%PDF-1.7 something else")
    response = client.get(download_url(document))
    assert response.status_code == 409
    assert "no longer matches" in response.content.decode()


def test_a_pdf_still_being_made_is_a_409_and_a_failed_one_can_be_converted_again(
    client, sales_owner, contract, template, django_capture_on_commit_callbacks
):
    client.force_login(sales_owner)
    generate(client, contract, template)
    document = GeneratedDocument.objects.get()
    GeneratedDocument.objects.filter(pk=document.pk).update(
        pdf=None, pdf_status=GeneratedDocument.PdfStatus.PENDING
    )
    response = client.get(download_url(document))
    assert response.status_code == 409 and "still being made" in response.content.decode()

    GeneratedDocument.objects.filter(pk=document.pk).update(pdf_status=GeneratedDocument.PdfStatus.FAILED)
    page = client.get(download_url(document))
    assert (
        page.status_code == 409 and reverse("documents:convert", args=[document.pk]) in page.content.decode()
    )
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("documents:convert", args=[document.pk]))
    assert response.status_code == 302 and len(callbacks) == 1
    document.refresh_from_db()
    assert document.pdf_status == GeneratedDocument.PdfStatus.PENDING


def test_the_documents_card_reads_the_same_number_of_queries_for_one_or_five_documents(
    client, sales_owner, contract, template
):
    client.force_login(sales_owner)
    detail = reverse("contracts:detail", args=[contract.pk])
    services.generate_document(contract, template, by=sales_owner)
    client.get(detail)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        assert client.get(detail).status_code == 200
    for _ in range(4):
        services.generate_document(contract, template, by=sales_owner)
    with CaptureQueriesContext(connection) as five:
        page = client.get(detail)
    assert page.content.decode().count("/file.pdf") == 5
    assert len(five) == len(one)
    card_sql = [q["sql"] for q in five.captured_queries if "documents_generateddocument" in q["sql"]]
    assert card_sql and all('"pdf"' not in sql.split("FROM")[0] for sql in card_sql)


def test_many_documents_at_once_from_the_list_filters(
    client,
    legal,
    admin,
    manager,
    sales_owner,
    make_customer,
    make_contract,
    template,
    django_capture_on_commit_callbacks,
):
    customer = make_customer(sales_owner)
    for n in range(3):
        make_contract(sales_owner, customer, title=f"批量合同 {n}")
    client.force_login(legal)
    query = f"customer={customer.pk}"
    page = client.get(f"{reverse('documents:batch')}?{query}")
    assert page.status_code == 200 and page.context["count"] == 3

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{reverse('documents:batch')}?{query}", {"template": template.pk})
    job = GenerationJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("documents:job", args=[job.pk])
    job.refresh_from_db()
    assert (job.total, job.done, job.failed, job.status) == (3, 3, 0, GenerationJob.Status.DONE)

    page = client.get(reverse("documents:job", args=[job.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "100%" in body and 'value="100"' in body
    assert body.count("/file.pdf") == 3
    fragment = client.get(reverse("documents:job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "100%" in fragment and "every 1s" not in fragment and "<html" not in fragment

    client.force_login(manager)  # may start jobs, but this one is not theirs
    assert client.get(reverse("documents:job", args=[job.pk])).status_code == 404
    client.force_login(admin)
    assert client.get(reverse("documents:job", args=[job.pk])).status_code == 200


def test_a_running_job_page_polls_and_lists_errors(
    client, legal, sales_owner, make_customer, make_contract, template
):
    contract = make_contract(sales_owner, make_customer(sales_owner))
    job = GenerationJob.objects.create(
        template=template,
        contract_ids=[contract.pk],
        total=4,
        done=1,
        failed=1,
        created_by=legal,
        status=GenerationJob.Status.RUNNING,
        errors=[
            {"contract": contract.pk, "number": contract.number, "error": "The contract has no value for x."}
        ],
    )
    client.force_login(legal)
    body = client.get(reverse("documents:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in body and "50%" in body
    assert contract.number in body and "The contract has no value for x." in body


def test_too_many_contracts_for_one_job_are_refused(
    client, legal, sales_owner, make_customer, make_contract, template, monkeypatch
):
    monkeypatch.setattr(services, "MAX_JOB_CONTRACTS", 2)
    customer = make_customer(sales_owner)
    for _ in range(3):
        make_contract(sales_owner, customer)
    client.force_login(legal)
    url = f"{reverse('documents:batch')}?customer={customer.pk}"
    assert "At most 2 contracts" in client.get(url).content.decode()
    response = client.post(url, {"template": template.pk})
    assert response.status_code == 400 and "At most 2 contracts at once." in response.content.decode()
    assert not GenerationJob.objects.exists()


def test_the_contract_list_offers_batch_generation_with_its_filters(client, legal, sales_owner, contract):
    batch = reverse("documents:batch")
    client.force_login(legal)
    page = client.get(reverse("contracts:list"), {"status": "draft", "cursor": "x"}).content.decode()
    assert f'href="{batch}?status=draft"' in page
    client.force_login(sales_owner)
    assert batch not in client.get(reverse("contracts:list")).content.decode()
