"""API v1: templates, clauses, generated documents and batch jobs."""

import hashlib
import io
from decimal import Decimal

import docx
import pytest

from hetong.contracts.models import LineItem
from hetong.documents import services
from hetong.documents.models import Clause, GeneratedDocument, Template

HTML = "<h1>{{ contract.title }}</h1><p>{{ customer.name }}</p>{% for item in items %}<p>{{ item.name }}</p>{% endfor %}" \
       "<p>{{ totals.total }} {{ totals.total_capital }}</p>{{ clauses.payment }}"


@pytest.fixture
def library(legal):
    clause = services.create_clause(
        by=legal, data={"key": "payment", "language": "zh-hans", "category": "payment", "title": "付款"},
        text="三十日内付款。", alternatives=[{"label": "六十日", "text": "六十日内付款。"}],
    )
    services.approve_clause_version(clause.versions.get(), by=legal)
    return services.create_template(by=legal, data={"name": "API 合同", "kind": "html"}, html=HTML)


@pytest.fixture
def contract(sales_owner, make_customer, make_contract):
    contract = make_contract(sales_owner, make_customer(sales_owner, name="苏州恒通物流有限公司"), amount="3000.00")
    LineItem.objects.create(contract=contract, name="冷链运输", quantity=3, unit_price=Decimal("1000.00"), tax_rate=9,
                            total=Decimal("3000.00"))
    return contract


def word(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph().add_run(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_templates_are_listed_for_everyone_and_filtered_by_contract(api_as, viewer, library, contract, sales_owner):
    items = api_as(viewer).get("/api/v1/templates").json()["items"]
    assert [t["name"] for t in items] == ["API 合同"]
    assert items[0]["current_version"]["clause_keys"] == ["payment"]
    offered = api_as(sales_owner).get(f"/api/v1/templates?contract={contract.pk}").json()
    assert offered["count"] == 1
    detail = api_as(viewer).get(f"/api/v1/templates/{library.pk}").json()
    assert [v["number"] for v in detail["versions"]] == [1]


def test_generate_returns_id_version_and_sha256_and_the_file_downloads(api_as, sales_owner, library, contract):
    client = api_as(sales_owner)
    response = client.post(f"/api/v1/contracts/{contract.pk}/documents", {"template": library.pk},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 1 and body["formats"] == ["pdf"] and body["pdf_status"] == "ready"
    assert body["clauses"] == [{"key": "payment", "language": "zh-hans", "clause_version": 1, "choice": 0, "label": ""}]
    download = client.get(f"/api/v1/documents/{body['id']}/file?format=pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf" and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(download.content).hexdigest() == body["sha256"]
    assert client.get(f"/api/v1/documents/{body['id']}/file?format=docx").status_code == 400
    assert client.get(f"/api/v1/documents/{body['id']}/file?format=exe").status_code == 400
    again = client.post(f"/api/v1/contracts/{contract.pk}/documents", {"template": library.pk, "choices": {"payment": 1}},
                        content_type="application/json").json()
    assert again["version"] == 2 and again["nonstandard"] and again["text_sha256"] != body["text_sha256"]
    listed = client.get(f"/api/v1/contracts/{contract.pk}/documents").json()
    assert [d["version"] for d in listed["items"]] == [2, 1]


def test_a_word_template_gives_a_docx_and_its_pdf(api_as, legal, sales_owner, contract, settings,
                                                  django_capture_on_commit_callbacks):
    settings.HETONG_LIBREOFFICE = "off"  # the HTML route: quick; LibreOffice is covered in the documents tests
    template = api_as(legal).post("/api/v1/templates", {
        "name": "Word 合同", "kind": "docx", "file": io.BytesIO(word("客户：{{ customer.name }}")),
    })
    assert template.status_code == 201, template.content
    client = api_as(sales_owner)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.post(f"/api/v1/contracts/{contract.pk}/documents", {"template": template.json()["id"]},
                           content_type="application/json").json()
    assert body["sha256"] == body["docx_sha256"] and body["pdf_status"] == "pending"
    document = client.get(f"/api/v1/documents/{body['id']}").json()
    assert document["pdf_status"] == "ready" and document["formats"] == ["docx", "pdf"]
    file = client.get(f"/api/v1/documents/{body['id']}/file?format=docx")
    assert file.status_code == 200 and hashlib.sha256(file.content).hexdigest() == body["sha256"]


def test_documents_are_scoped_to_the_contract(api_as, other_sales, sales_owner, library, contract):
    document = services.generate_document(contract, library, by=sales_owner)
    client = api_as(other_sales)
    assert client.get(f"/api/v1/documents/{document.pk}").status_code == 404
    assert client.get(f"/api/v1/documents/{document.pk}/file?format=pdf").status_code == 404
    assert client.get(f"/api/v1/contracts/{contract.pk}/documents").status_code == 404
    response = client.post(f"/api/v1/contracts/{contract.pk}/documents", {"template": library.pk},
                           content_type="application/json")
    assert response.status_code == 404


def test_a_changed_stored_file_is_refused(api_as, sales_owner, library, contract):
    document = services.generate_document(contract, library, by=sales_owner)
    GeneratedDocument.objects.filter(pk=document.pk).update(pdf=bytes(document.pdf)[:-10] + b"0000000000")
    response = api_as(sales_owner).get(f"/api/v1/documents/{document.pk}/file?format=pdf")
    assert response.status_code == 409 and response.json()["code"] == "document_changed"


@pytest.mark.parametrize(
    "html, named", [("{{ foo.bar }}", "foo.bar"), ("{{ ''.__class__ }}", "__class__"), ("{% if %}", "Syntax error")]
)
def test_a_bad_template_is_a_400_naming_the_problem(api_as, legal, html, named):
    response = api_as(legal).post("/api/v1/templates", {"name": "坏", "kind": "html", "html": html})
    assert response.status_code == 400
    assert response.json()["code"] == "template_invalid" and named in response.json()["detail"]
    assert not Template.objects.exists()


def test_a_corrupted_upload_is_a_400(api_as, legal):
    response = api_as(legal).post("/api/v1/templates", {"name": "坏", "kind": "docx", "file": io.BytesIO(b"PK\x03\x04junk")})
    assert response.status_code == 400 and response.json()["errors"]["file"]
    assert not Template.objects.exists()


def test_a_missing_value_and_a_bad_choice_are_400s_and_store_nothing(api_as, legal, sales_owner, contract, library):
    template = services.create_template(by=legal, data={"name": "通知", "kind": "html"}, html="{{ contract.notice_period }}")
    client = api_as(sales_owner)
    missing = client.post(f"/api/v1/contracts/{contract.pk}/documents", {"template": template.pk},
                          content_type="application/json")
    assert missing.status_code == 400 and missing.json()["code"] == "missing_value"
    assert "contract.notice_period" in missing.json()["detail"]
    choice = client.post(f"/api/v1/contracts/{contract.pk}/documents", {"template": library.pk, "choices": {"payment": 9}},
                         content_type="application/json")
    assert choice.status_code == 400 and choice.json()["code"] == "invalid_choice"
    assert not GeneratedDocument.objects.exists()


def test_only_legal_and_admins_write_templates_and_clauses(api_as, sales_owner, legal):
    client = api_as(sales_owner)
    assert client.post("/api/v1/templates", {"name": "x", "kind": "html", "html": "<p>x</p>"}).status_code == 403
    clause = {"key": "warranty", "title": "质保", "category": "warranty", "text": "质保期一年。"}
    assert client.post("/api/v1/clauses", clause, content_type="application/json").status_code == 403
    created = api_as(legal).post("/api/v1/clauses", clause, content_type="application/json")
    assert created.status_code == 201 and created.json()["versions"][0]["state"] == "draft"
    assert created.json()["current_version"] is None
    version_id = created.json()["versions"][0]["id"]
    assert client.post(f"/api/v1/clause-versions/{version_id}/approve").status_code == 403
    approved = api_as(legal).post(f"/api/v1/clause-versions/{version_id}/approve")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert api_as(legal).post(f"/api/v1/clause-versions/{version_id}/approve").status_code == 409
    proposed = api_as(legal).post(f"/api/v1/clauses/{created.json()['id']}/versions",
                                  {"text": "质保期两年。", "note": "延长"}, content_type="application/json")
    assert proposed.status_code == 201 and proposed.json()["number"] == 2
    assert Clause.objects.get(key="warranty").current.number == 1


def test_a_clause_with_an_unknown_variable_is_refused(api_as, legal):
    response = api_as(legal).post("/api/v1/clauses", {"key": "x1", "title": "x", "text": "{{ foo.bar }}"},
                                  content_type="application/json")
    assert response.status_code == 400 and "foo.bar" in response.json()["detail"]


def test_a_batch_job_makes_one_document_per_contract(api_as, manager, sales_owner, make_customer, make_contract, library,
                                                     django_capture_on_commit_callbacks):
    customer = make_customer(sales_owner, name="无锡顺达物流有限公司")
    ids = [make_contract(sales_owner, customer, title=f"合同 {n}").pk for n in range(3)]
    client = api_as(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/generation-jobs", {"template": library.pk, "contracts": ids},
                               content_type="application/json")
    assert response.status_code == 202, response.content
    job = client.get(f"/api/v1/generation-jobs/{response.json()['id']}").json()
    assert (job["status"], job["done"], job["failed"], job["percent"]) == ("done", 3, 0, 100)
    assert GeneratedDocument.objects.filter(contract__in=ids).count() == 3
    assert api_as(sales_owner).get(f"/api/v1/generation-jobs/{job['id']}").status_code == 404
    refused = api_as(sales_owner).post("/api/v1/generation-jobs", {"template": library.pk, "contracts": ids},
                                       content_type="application/json")
    assert refused.status_code == 403
