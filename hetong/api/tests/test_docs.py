import re

import pytest
from django.test import Client

PATHS = {
    "/api/v1/users": {"get"},
    "/api/v1/users/{user_id}": {"get"},
    "/api/v1/departments": {"get"},
    "/api/v1/departments/{department_id}": {"get"},
    "/api/v1/customers": {"get", "post"},
    "/api/v1/customers/{customer_id}": {"get", "patch"},
    "/api/v1/customers/{customer_id}/contacts": {"get", "post"},
    "/api/v1/customers/{customer_id}/dossier": {"get"},
    "/api/v1/contacts/{contact_id}": {"get", "patch"},
    "/api/v1/contracts": {"get", "post"},
    "/api/v1/contracts/{contract_id}": {"get", "patch"},
    "/api/v1/contracts/{contract_id}/actions/{action}": {"post"},
    "/api/v1/contracts/{contract_id}/files": {"get", "post"},
    "/api/v1/contracts/{contract_id}/files/{version_id}/download": {"get"},
    "/api/v1/contracts/{contract_id}/parties": {"get", "post"},
    "/api/v1/contracts/{contract_id}/parties/{party_id}": {"patch", "delete"},
    "/api/v1/contracts/{contract_id}/parties/{party_id}/signatories": {"post"},
    "/api/v1/contracts/{contract_id}/parties/{party_id}/signatories/{signatory_id}": {"delete"},
    "/api/v1/reminders": {"get"},
    "/api/v1/reminders/{reminder_id}/acknowledge": {"post"},
    "/api/v1/reminders/{reminder_id}/snooze": {"post"},
    "/api/v1/notifications": {"get"},
    "/api/v1/notifications/unread-count": {"get"},
    "/api/v1/notifications/{notification_id}/read": {"post"},
    "/api/v1/notifications/read-all": {"post"},
    "/api/v1/reminder-rules": {"get", "post"},
    "/api/v1/reminder-rules/{rule_id}": {"get", "patch", "delete"},
    "/api/v1/channels": {"get", "post"},
    "/api/v1/channels/{channel_id}": {"get", "patch"},
    "/api/v1/channels/{channel_id}/test": {"post"},
    "/api/v1/products": {"get", "post"},
    "/api/v1/products/{product_id}": {"get", "patch"},
    "/api/v1/contracts/{contract_id}/line-items": {"get", "post"},
    "/api/v1/line-items/{item_id}": {"patch", "delete"},
    "/api/v1/templates": {"get", "post"},
    "/api/v1/templates/{template_id}": {"get"},
    "/api/v1/templates/{template_id}/versions": {"post"},
    "/api/v1/clauses": {"get", "post"},
    "/api/v1/clauses/{clause_id}": {"get"},
    "/api/v1/clauses/{clause_id}/versions": {"post"},
    "/api/v1/clause-versions/{version_id}/approve": {"post"},
    "/api/v1/contracts/{contract_id}/documents": {"get", "post"},
    "/api/v1/documents/{document_id}": {"get"},
    "/api/v1/documents/{document_id}/file": {"get"},
    "/api/v1/generation-jobs": {"post"},
    "/api/v1/generation-jobs/{job_id}": {"get"},
    "/api/v1/approval-workflows": {"get", "post"},
    "/api/v1/approval-workflows/{workflow_id}": {"get", "patch"},
    "/api/v1/approval-workflows/{workflow_id}/versions": {"post"},
    "/api/v1/contracts/{contract_id}/approval-route": {"get"},
    "/api/v1/contracts/{contract_id}/approvals": {"get"},
    "/api/v1/contracts/{contract_id}/approvals/recall": {"post"},
    "/api/v1/approval-tasks": {"get"},
    "/api/v1/approval-tasks/{task_id}": {"get"},
    "/api/v1/approval-tasks/{task_id}/decision": {"post"},
    "/api/v1/approval-tasks/{task_id}/delegate": {"post"},
    "/api/v1/approval-tasks/{task_id}/add-approver": {"post"},
    "/api/v1/signatures/verify": {"post"},
    "/api/v1/signatures/ca-certificate": {"get"},
    "/api/v1/contracts/{contract_id}/signature-requests": {"get", "post"},
    "/api/v1/contracts/{contract_id}/signed-document": {"get"},
    "/api/v1/signature-requests/{request_id}": {"get"},
    "/api/v1/signature-requests/{request_id}/send": {"post"},
    "/api/v1/signature-requests/{request_id}/void": {"post"},
    "/api/v1/signature-requests/{request_id}/signers/{signer_id}/resend": {"post"},
    "/api/v1/signature-requests/{request_id}/certificate": {"get"},
    "/api/v1/contracts/{contract_id}/renewals": {"get", "post"},
    "/api/v1/contracts/{contract_id}/termination": {"post"},
    "/api/v1/contracts/{contract_id}/notices": {"get", "post"},
    "/api/v1/notices/{notice_id}": {"get"},
    "/api/v1/notices/{notice_id}/deliveries": {"post"},
    "/api/v1/contracts/{contract_id}/amendments": {"get", "post"},
    "/api/v1/amendments/{amendment_id}": {"get", "patch"},
    "/api/v1/amendments/{amendment_id}/document": {"post"},
    "/api/v1/amendments/{amendment_id}/signature": {"post"},
    "/api/v1/amendments/{amendment_id}/{action}": {"post"},
    "/api/v1/contracts/{contract_id}/terms": {"get"},
    "/api/v1/analytics/summary": {"get"},
    "/api/v1/imports": {"post"},
    "/api/v1/imports/{job_id}": {"get"},
    "/api/v1/imports/{job_id}/commit": {"post"},
    "/api/v1/imports/templates/{kind}": {"get"},
    "/api/v1/reports": {"get"},
    "/api/v1/reports/{key}": {"get"},
    "/api/v1/report-schedules": {"get", "post"},
    "/api/v1/report-schedules/{schedule_id}": {"delete"},
    "/api/v1/contracts/{contract_id}/installments": {"get", "put"},
    "/api/v1/installments/{installment_id}/due-date": {"post"},
    "/api/v1/contracts/{contract_id}/receipts": {"get", "post"},
    "/api/v1/receipts/{receipt_id}/reverse": {"post"},
    "/api/v1/contracts/{contract_id}/invoices": {"get", "post"},
    "/api/v1/payments/aging": {"get"},
    "/api/v1/contracts/{contract_id}/obligations": {"get", "post"},
    "/api/v1/obligations/{obligation_id}": {"get", "patch"},
    "/api/v1/obligations/{obligation_id}/complete": {"post"},
    "/api/v1/obligations/{obligation_id}/waive": {"post"},
    "/api/v1/obligations/{obligation_id}/reopen": {"post"},
    "/api/v1/obligations/{obligation_id}/evidence": {"post"},
    "/api/v1/obligations/{obligation_id}/evidence/{file_id}": {"get"},
}


@pytest.fixture
def schema(sales_owner, api_as):
    response = api_as(sales_owner).get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_schema_lists_every_endpoint(schema):
    assert schema["openapi"].startswith("3.")
    assert {path: set(ops) for path, ops in schema["paths"].items()} == PATHS


def test_every_operation_documents_its_errors_with_the_error_schema(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "401" in responses, (method, path)
            assert any(code.startswith("2") for code in responses), (method, path)
            for code, response in responses.items():
                if code.startswith("4"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorOut"), (method, path, code)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method in {"post", "patch"}:
                assert "400" in responses, (method, path)
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == {"code", "detail", "errors"}


def test_amount_is_documented_as_a_string_and_security_schemes_are_listed(schema):
    item = schema["components"]["schemas"]["ContractOut"]["properties"]
    assert item["amount"]["type"] == "string"
    assert {"BearerToken", "SignedInSession"} <= set(schema["components"]["securitySchemes"])


def test_download_is_documented_as_a_file(schema):
    responses = schema["paths"]["/api/v1/contracts/{contract_id}/files/{version_id}/download"]["get"][
        "responses"
    ]
    assert "application/octet-stream" in responses["200"]["content"]


def test_schema_is_hidden_from_anonymous_callers(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_docs_page_sends_anonymous_visitors_to_login(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 302
    assert "next=/api/v1/docs" in response["Location"]


def test_docs_page_works_offline_under_the_csp(sales_owner, client):
    client.force_login(sales_owner)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references, html
    for url in references:
        assert url.startswith("/static/"), url  # served by us, never a CDN
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    # No inline script (the settings block is JSON, which a browser does not run), no inline style.
    for attributes in re.findall(r"<script([^>]*)>", html):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert "style=" not in html
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
