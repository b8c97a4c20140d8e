import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # The production hasher is slow on purpose; these tests hash a password per persona.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # pytest-django may load the settings before the root conftest marks the run as a test, which turns on
    # the HTTPS redirect and the hashed static manifest; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
