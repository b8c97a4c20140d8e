"""Hetong settings: one module, driven by environment variables.

Every variable is listed in the README. Defaults give a working single-machine install with SQLite and
files under HETONG_HOME; production differs only by environment.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("HETONG_HOME", "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """HETONG_SECRET_KEY, or a key generated on first run and kept in HETONG_HOME."""
    if key := os.environ.get("HETONG_SECRET_KEY"):
        return key
    path = HOME / "secret_key"
    if not path.exists():
        HOME.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("HETONG_DEBUG")
ALLOWED_HOSTS = env_list("HETONG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("HETONG_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_filters",
    "ninja",
    "axes",
    "csp",
    "huey.contrib.djhuey",
    "hetong.core",
    "hetong.audit",
    "hetong.accounts",
    "hetong.customers",
    "hetong.contracts",
    "hetong.notifications",
    "hetong.documents",
    "hetong.approvals",
    "hetong.esign",
    "hetong.changes",
    "hetong.obligations",
    "hetong.payments",
    "hetong.analytics",
    "hetong.imports",
    "hetong.search",
    "hetong.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hetong.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hetong.urls"
WSGI_APPLICATION = "hetong.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "csp.context_processors.nonce",
                "hetong.notifications.context.unread",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------------
# SQLite by default, in WAL mode with IMMEDIATE transactions so that writers queue instead of failing with
# "database is locked" half-way through a transaction. DATABASE_URL switches to PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("HETONG_SQLITE_PATH", str(HOME / "hetong.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
                ),
            },
            "TEST": {"NAME": os.environ.get("HETONG_TEST_SQLITE_PATH") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, jobs ----------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    HUEY = {"huey_class": "huey.RedisHuey", "name": "hetong", "url": REDIS_URL, "immediate": False}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "hetong",
        "filename": str(HOME / "jobs.sqlite3"),
        "immediate": env_bool("HETONG_JOBS_IMMEDIATE"),
    }

# --- Passwords, login throttling ------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = int(os.environ.get("HETONG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# --- Internationalisation --------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("HETONG_TIME_ZONE", "Asia/Shanghai")  # the company's zone: contract dates live here
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(HOME / "files"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or os.environ.get("HETONG_TESTING")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development (and tests) static files are served straight from their source folders.
WHITENOISE_USE_FINDERS = DEBUG or bool(os.environ.get("HETONG_TESTING"))
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = HOME / "files"  # never served by URL: files go out only through permission-checking views
MAX_UPLOAD_MB = int(os.environ.get("HETONG_MAX_UPLOAD_MB", "50"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600

# --- Security -------------------------------------------------------------------------------------------
SECURE = env_bool("HETONG_SECURE", not DEBUG and not os.environ.get("HETONG_TESTING"))
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("HETONG_SSL_REDIRECT", True)
HETONG_BEHIND_PROXY = env_bool("HETONG_BEHIND_PROXY")  # trust the proxy's X-Forwarded-Proto and -For
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HETONG_BEHIND_PROXY else None
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HETONG_LOG_LEVEL", "INFO")},
    # WeasyPrint reports each rendering step at INFO and fontTools each subsetting step.
    "loggers": {name: {"level": "WARNING"} for name in ("jieba", "weasyprint", "fontTools")},
}

# --- Email ----------------------------------------------------------------------------------------------
# Reminders and notifications go out through this SMTP server (Django's SMTP backend).
EMAIL_HOST = os.environ.get("HETONG_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("HETONG_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("HETONG_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("HETONG_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("HETONG_EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("HETONG_EMAIL_USE_SSL")
EMAIL_TIMEOUT = 30  # seconds: a hung mail server must not hold a job worker forever
DEFAULT_FROM_EMAIL = os.environ.get("HETONG_DEFAULT_FROM_EMAIL", "hetong@localhost")

# --- Hetong ---------------------------------------------------------------------------------------------
# The contract number rule. Placeholders: {type} (the contract type's code), {year}, {seq} (a counter per
# type and year; format it like {seq:05d}).
CONTRACT_NUMBER_FORMAT = os.environ.get("HETONG_CONTRACT_NUMBER_FORMAT", "HT-{type}-{year}-{seq:05d}")
DEFAULT_CURRENCY = os.environ.get("HETONG_DEFAULT_CURRENCY", "CNY")
PAGE_SIZE = int(os.environ.get("HETONG_PAGE_SIZE", "25"))
# Reminders that fell due up to this many days ago are still sent (after an outage); older ones are not.
HETONG_REMINDER_CATCHUP_DAYS = int(os.environ.get("HETONG_REMINDER_CATCHUP_DAYS", "14"))
# LibreOffice for Word→PDF: found on PATH by default; a path names one, "off" uses the HTML route (mammoth + WeasyPrint).
HETONG_LIBREOFFICE = os.environ.get("HETONG_LIBREOFFICE", "")
# Working hours of a workday for approval time limits (company time), e.g. "09:00-12:00,13:00-18:00".
HETONG_WORKING_HOURS = os.environ.get("HETONG_WORKING_HOURS", "")
# Rates into CNY for amount conditions of approval routes, as JSON: {"USD": "7.10"} (defaults in approvals).
HETONG_FX_RATES = json.loads(os.environ.get("HETONG_FX_RATES") or "{}")
# Key dates read per reminder-pass transaction; and, only under test, a pause after each (the crash test).
HETONG_REMINDER_BATCH = int(os.environ.get("HETONG_REMINDER_BATCH", "500"))
HETONG_TEST_BATCH_PAUSE = float(os.environ.get("HETONG_TEST_BATCH_PAUSE", "0")) if os.environ.get("HETONG_TESTING") else 0
# The hour (in each user's own time zone) after which the daily digest goes out.
HETONG_DIGEST_HOUR = int(os.environ.get("HETONG_DIGEST_HOUR", "8"))
# Robot and webhook hosts that may be on a private network or use plain http ("host" or "host:port"): the
# SSRF guard refuses every other private address. For on-premises proxies, and for tests on 127.0.0.1.
HETONG_CHANNEL_ALLOWED_HOSTS = env_list("HETONG_CHANNEL_ALLOWED_HOSTS")
# Where the site is reached, for links that leave it (calendar feeds, mail); and the domain in calendar UIDs,
# which must never change once feeds are subscribed, or every calendar app shows each date twice.
HETONG_BASE_URL = os.environ.get("HETONG_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
HETONG_ICAL_DOMAIN = os.environ.get("HETONG_ICAL_DOMAIN", "hetong.local")
