import subprocess
from pathlib import Path

from django.utils import translation

import hetong

CATALOGUE = Path(hetong.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_chinese_catalogue_is_complete():
    run = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "untranslated" not in run.stderr and "fuzzy" not in run.stderr, run.stderr


def test_chinese_is_the_default_language(client):
    response = client.get("/accounts/login/")
    assert response.headers["Content-Language"] == "zh-hans"
    with translation.override("zh-hans"):
        assert translation.gettext("Contracts") == "合同"
