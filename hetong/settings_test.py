"""Settings for the test suite: the production settings with the outside world switched off."""

import os

os.environ["HETONG_TESTING"] = "1"  # read by settings: no HTTPS redirect, static files from the finders
os.environ.setdefault("HETONG_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("HETONG_JOBS_IMMEDIATE", "1")

from hetong.settings import *  # noqa: E402,F403

# Fast password hashing: the real PBKDF2 cost would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The live server answers each request in a thread of its own: persistent connections would outlive those
# threads and keep PostgreSQL from dropping the test database at the end.
for _database in DATABASES.values():  # noqa: F405
    _database["CONN_MAX_AGE"] = 0
