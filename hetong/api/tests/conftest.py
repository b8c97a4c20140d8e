import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # The suite may load settings before the root conftest marks it as a test run, which turns on the
    # production HTTPS redirect and the hashed static manifest; these tests speak plain HTTP to the test
    # client and have no collected static files.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def api_as(token_for):
    """api_as(user): a test client that sends a fresh bearer token of `user` on every request."""

    def make(user) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")

    return make
