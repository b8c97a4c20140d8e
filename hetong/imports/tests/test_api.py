"""Imports in API v1: upload (the check starts at once), the report, commit, templates, and who may."""

import io

from django.test import Client
from openpyxl import load_workbook

from hetong.customers.models import Customer

from .conftest import csv_file

URL = "/api/v1/imports"


def api(token_for, user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")


def rows():
    from conftest import make_uscc

    return [{"key": "A1", "name": "API客户", "credit_code": make_uscc()}, {"key": "A2", "name": ""}]


def test_upload_report_fix_and_commit(admin, token_for):
    client = api(token_for, admin)
    created = client.post(URL, {"kind": "customers", "file": csv_file("customers", rows())})
    assert created.status_code == 201, created.json()
    job = created.json()
    assert job["status"] == "failed_check" and job["can_commit"] is False
    assert job["total_rows"] == 2 and job["processed_rows"] == 2 and job["percent"] == 100
    assert [(p["row"], p["column"], p["field"]) for p in job["problems"]] == [(3, "Name", "name")]
    assert client.post(f"{URL}/{job['id']}/commit").status_code == 409
    assert client.get(f"{URL}/{job['id']}").json() == job

    fixed = rows()
    fixed[1]["name"] = "第二个客户"
    job = client.post(URL, {"kind": "customers", "file": csv_file("customers", fixed)}).json()
    assert job["status"] == "checked" and job["created"] == 2 and job["can_commit"] is True
    assert not Customer.objects.exists()
    done = client.post(f"{URL}/{job['id']}/commit")
    assert done.status_code == 200 and done.json()["status"] == "committed"
    assert Customer.objects.count() == 2
    assert client.post(f"{URL}/{job['id']}/commit").status_code == 409  # once only


def test_bad_input_is_400(admin, token_for):
    client = api(token_for, admin)
    assert client.post(URL, {"kind": "nonsense", "file": csv_file("customers", rows())}).status_code == 400
    assert client.post(URL, {"kind": "customers"}).status_code == 400
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = client.post(URL, {"kind": "customers", "file": SimpleUploadedFile("x.docx", b"PK\x03\x04")})
    assert bad.status_code == 400 and "file" in bad.json()["errors"]
    assert client.get(f"{URL}/templates/customers?format=pdf").status_code == 400
    assert client.get(f"{URL}/templates/nothing").status_code == 400


def test_templates_in_both_formats(admin, token_for):
    client = api(token_for, admin)
    xlsx = client.get(f"{URL}/templates/contracts?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.worksheets[0]["A1"].value == "Contract key"  # the token owner's language (en)
    text = client.get(f"{URL}/templates/receipts?format=csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert text.status_code == 200 and text.content.decode("utf-8-sig").startswith("合同编码,回款编码")


def test_sales_may_not_import_and_others_jobs_are_404(admin, manager, sales_owner, token_for):
    sales = api(token_for, sales_owner)
    assert sales.post(URL, {"kind": "customers", "file": csv_file("customers", rows())}).status_code == 403
    assert sales.get(f"{URL}/templates/customers").status_code == 403
    job = api(token_for, admin).post(URL, {"kind": "customers", "file": csv_file("customers", rows())}).json()
    assert sales.get(f"{URL}/{job['id']}").status_code == 403
    assert api(token_for, manager).get(f"{URL}/{job['id']}").status_code == 404
    assert api(token_for, manager).post(f"{URL}/{job['id']}/commit").status_code == 404
