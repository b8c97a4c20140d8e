import os
import subprocess
import sys

from django.test import Client


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {**os.environ, "HETONG_HOME": str(tmp_path), "HETONG_SECURE": "true", "HETONG_DEBUG": "false"}
    for name in ("HETONG_TESTING", "HETONG_SECRET_KEY", "HETONG_JOBS_IMMEDIATE", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.pop("DATABASE_URL", None)
    run = subprocess.run([sys.executable, "-m", "hetong.cli", "check", "--deploy", "--fail-level", "WARNING"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues" in run.stdout


def test_security_headers_on_pages(db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_post_without_csrf_token_is_refused(db, sales_owner):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "sales_owner", "password": "Hetong-Test-2026"})
    assert response.status_code == 403


def test_pages_need_login(db):
    response = Client().get("/contracts/")
    assert response.status_code == 302 and "/accounts/login/" in response.headers["Location"]


def test_media_is_not_served_by_url(db, ca1):
    assert Client().get("/files/contracts/1/x.pdf").status_code == 404
    assert Client().get("/media/contracts/1/x.pdf").status_code == 404


def test_static_files_collect_with_hashed_names(tmp_path):
    """`hetong serve` collects static files with the manifest storage; a missing referenced file breaks it."""
    env = {**os.environ, "HETONG_HOME": str(tmp_path)}
    for name in ("HETONG_TESTING", "HETONG_DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    run = subprocess.run([sys.executable, "-m", "hetong.cli", "collectstatic", "--noinput", "-v0"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()
