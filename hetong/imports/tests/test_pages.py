"""The import pages: new import with templates, the job page (progress fragment, problems, the import button),
the list, and who may see them."""

import pytest

from hetong.customers.models import Customer
from hetong.imports.models import ImportJob

from .conftest import csv_file


@pytest.fixture
def browser(client, admin):
    client.force_login(admin)
    return client


def rows(bad=False):
    from conftest import make_uscc

    return [{"key": "W1", "name": "" if bad else "网页客户", "credit_code": make_uscc()}]


def test_upload_check_and_import_from_the_pages(browser):
    assert browser.get("/imports/new/").status_code == 200
    page = browser.get("/imports/templates/customers.xlsx")
    assert page.status_code == 200 and page["Content-Disposition"].startswith("attachment")
    response = browser.post("/imports/new/", {"kind": "customers", "file": csv_file("customers", rows(bad=True))})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    detail = browser.get(f"/imports/{job.pk}/").content.decode()
    assert 'id="import-problems"' in detail and "This field is required." in detail
    assert f"/imports/{job.pk}/commit/" not in detail and "every 2s" not in detail
    problems = browser.get(f"/imports/{job.pk}/problems.csv")
    assert b"This field is required." in b"".join(problems.streaming_content)

    browser.post("/imports/new/", {"kind": "customers", "file": csv_file("customers", rows())})
    job = ImportJob.objects.first()
    assert f"/imports/{job.pk}/commit/" in browser.get(f"/imports/{job.pk}/").content.decode()
    response = browser.post(f"/imports/{job.pk}/commit/", follow=True)
    assert response.status_code == 200 and Customer.objects.filter(name="网页客户").exists()
    assert "Imported: 1 new, 0 changed, 0 unchanged." in response.content.decode()
    listing = browser.get("/imports/").content.decode()
    assert f"/imports/{job.pk}/" in listing


def test_a_running_job_polls_its_progress(browser, admin):
    job = ImportJob.objects.create(kind="contracts", file="imports/x.csv", original_name="x.csv", sha256="0" * 64,
                                   status=ImportJob.Status.CHECKING, total_rows=1000, created_by=admin)
    from huey.contrib.djhuey import HUEY

    HUEY.put(f"hetong.imports.progress.{job.pk}", 400)  # what the task reports while its transaction is open
    page = browser.get(f"/imports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "<progress" in page and 'value="400" max="1000"' in page
    assert "40%" in page
    fragment = browser.get(f"/imports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="import-job"') and "<html" not in fragment


def test_a_bad_upload_stays_on_the_form(browser):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = browser.post("/imports/new/", {"kind": "customers", "file": SimpleUploadedFile("a.txt", b"hello")})
    assert response.status_code == 400 and "Upload an XLSX or CSV file." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_sales_get_403_and_managers_see_only_their_jobs(client, admin, manager, sales_owner):
    client.force_login(sales_owner)
    for url in ("/imports/", "/imports/new/", "/imports/templates/customers.csv"):
        assert client.get(url).status_code == 403
    job = ImportJob.objects.create(kind="customers", file="imports/x.csv", original_name="x.csv", sha256="0" * 64,
                                   created_by=admin)
    client.force_login(manager)
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    assert client.post(f"/imports/{job.pk}/commit/").status_code == 404
    assert client.get("/imports/").status_code == 200
