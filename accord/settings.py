"""Accord settings, configured by environment variables (12-factor).

Every variable is listed in README.md. Two modes:

* development (the default, what ``make run`` uses): SQLite under ``var/``,
  a secret key generated once into ``var/secret_key``, email captured into the
  Outbox instead of sent.
* production (``ACCORD_ENV=production``): a ``SECRET_KEY`` and ``ALLOWED_HOSTS``
  are required, HTTPS is enforced with HSTS and secure cookies, and
  ``accord check --deploy`` passes.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent

env = environ.Env()

ACCORD_ENV = env.str("ACCORD_ENV", default="development")
if ACCORD_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"ACCORD_ENV must be 'development' or 'production', not {ACCORD_ENV!r}"
    )
PRODUCTION = ACCORD_ENV == "production"

VAR_DIR = Path(env.str("ACCORD_VAR_DIR", default=str(PROJECT_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)


# A production key must be long and varied: it signs sessions and password
# reset links and encrypts stored CRM credentials. Django's deploy check only
# warns below 50 characters or 5 different ones; Accord refuses to start, and
# asks for 10 different characters (a hexadecimal key has 16).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 10


def _secret_key() -> str:
    key: str | None = env.str("SECRET_KEY", default=None)
    weak = len(key or "") < SECRET_KEY_MIN_LENGTH or len(set(key or "")) < SECRET_KEY_MIN_DISTINCT
    if key and PRODUCTION and weak:
        raise ImproperlyConfigured(
            f"SECRET_KEY is too weak for production: it needs at least "
            f"{SECRET_KEY_MIN_LENGTH} characters and {SECRET_KEY_MIN_DISTINCT} different "
            f"ones (it has {len(key)} and {len(set(key))}). Generate one with: "
            f"python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when ACCORD_ENV=production")
    # Development: generate once and keep it, so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Earlier keys, newest first: sessions and signed links made with them stay
# valid, and stored secrets encrypted with them still decrypt (MultiFernet).
SECRET_KEY_FALLBACKS: list[str] = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when ACCORD_ENV=production")
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The public address of this instance, used in links inside emails and CLI output.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "accord.accounts",
    "accord.orgs",
    "accord.jobs",
    "accord.mail",
    "accord.chat",
    "accord.goals",
    "accord.feedback",
    "accord.meetings",
    "accord.pulse",
    "accord.pipeline",
    "accord.insights",
    "accord.integrations",
    "accord.cli",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accord.lib.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's session tracking, writing at most every ACCORD_SESSION_ACTIVITY_SECONDS.
    "accord.accounts.middleware.ThrottledUserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the session and the user: its refusal is a page like any other.
    "accord.lib.middleware.QueryStringMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"

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
                "accord.orgs.context_processors.organizations",
                "accord.mail.context_processors.email_mode",
            ],
            # Number filters (hours, percent, money, …) in every template.
            "builtins": ["accord.lib.numbers"],
        },
    },
    # Plain text (email subjects and text parts): the same templates with
    # HTML escaping off, so "marketing's" is not sent as "marketing&#x27;s".
    {
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False, "builtins": ["accord.lib.numbers"]},
    },
]


def _databases() -> dict[str, Any]:
    default_sqlite = f"sqlite:///{VAR_DIR / 'accord.sqlite3'}"
    url = env.str("DATABASE_URL", default=default_sqlite)
    if url.startswith("sqlite") and not PRODUCTION:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = env.db_url_config(url)
    # CONN_MAX_AGE must sit inside the database entry, or Django ignores it.
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; IMMEDIATE takes the write
        # lock at BEGIN so two writers queue on the busy timeout instead of
        # failing with "database is locked" half-way through a transaction.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
            ),
        }
        # A file, not memory: tests start real worker and server processes
        # that must see the same database.
        # Named per process so that concurrent test runs never share a file.
        config["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    if config["ENGINE"] == "django.db.backends.postgresql" and env.bool(
        "DB_DISABLE_SERVER_SIDE_CURSORS", default=False
    ):
        # Behind PgBouncer in transaction pooling mode a server-side cursor
        # (QuerySet.iterator()) outside a transaction may reach another
        # server connection between fetches; Django then reads all rows at once.
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
    prepare_threshold = env.int("DB_PREPARE_THRESHOLD", default=0)
    if config["ENGINE"] == "django.db.backends.postgresql" and prepare_threshold > 0:
        # psycopg prepares a statement once it has run this many times on a
        # connection (it needs server-side binding). Off by default: a pooler in
        # transaction mode that does not keep prepared statements breaks it.
        config.setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=prepare_threshold
        )
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login; no usernames.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Accord] "
ACCOUNT_ADAPTER = "accord.mail.account_adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# Login throttling: allauth counts failures per IP and per account.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/key,20/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Accord"
USERSESSIONS_TRACK_ACTIVITY = True
# A signed-in request writes its session's "last seen" only when the stored
# one is older than this (or the IP address or browser changed): no write per
# page view, which on SQLite would queue every request behind the worker.
ACCORD_SESSION_ACTIVITY_SECONDS = env.int("ACCORD_SESSION_ACTIVITY_SECONDS", default=300)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# allauth's rate limits need a shared cache; the database cache works for any
# number of processes without another service. REDIS_URL switches to Redis.
_REDIS_URL = env.str("REDIS_URL", default="")
if _REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "accord_cache",
        }
    }

# Email: EMAIL_URL (smtp://user:pass@host:25, smtp+tls://…:587, smtp+ssl://…:465)
# sends for real; without it every message is captured into the Outbox.
_EMAIL_URL = env.str("EMAIL_URL", default="")
if _EMAIL_URL:
    vars().update(env.email_url_config(_EMAIL_URL))
    EMAIL_CAPTURED = False
else:
    EMAIL_BACKEND = "accord.mail.backends.CapturingBackend"
    EMAIL_CAPTURED = True
# Verification is mandatory whenever mail really leaves; with captured mail a
# mandatory check would lock every new user out of a demo instance.
ACCOUNT_EMAIL_VERIFICATION = env.str(
    "ACCOUNT_EMAIL_VERIFICATION", default="optional" if EMAIL_CAPTURED else "mandatory"
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Accord <accord@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# Jobs: the database is the queue (and the outbox): a job enqueued inside a
# transaction exists only if that transaction commits.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
ACCORD_JOB_MAX_ATTEMPTS = env.int("ACCORD_JOB_MAX_ATTEMPTS", default=5)
ACCORD_JOB_BACKOFF_SECONDS = env.float("ACCORD_JOB_BACKOFF_SECONDS", default=30.0)
# A claimed job is kept by its worker this long past the last renewal; the
# worker renews it every third of that while the job runs. A job whose worker
# died is run again by another once it expires (docs/architecture.md).
ACCORD_JOB_LEASE_SECONDS = env.float("ACCORD_JOB_LEASE_SECONDS", default=60.0)
# Claims of one task result before it is given up as killing its worker.
ACCORD_JOB_MAX_CLAIMS = env.int("ACCORD_JOB_MAX_CLAIMS", default=3)

# Chat (docs/chat.md). ACCORD_CHAT_ALLOW_LOOPBACK lets webhook URLs point at
# 127.0.0.1: for tests only, never in production (it opens SSRF to the host).
ACCORD_CHAT_ALLOW_LOOPBACK = env.bool("ACCORD_CHAT_ALLOW_LOOPBACK", default=False)
if PRODUCTION and ACCORD_CHAT_ALLOW_LOOPBACK:
    raise ImproperlyConfigured("ACCORD_CHAT_ALLOW_LOOPBACK must not be set in production")
ACCORD_CHAT_SLACK_API_URL = env.str("ACCORD_CHAT_SLACK_API_URL", default="https://slack.com/api/")
# A CA bundle to trust for chat deliveries (tests: the loopback server's certificate).
ACCORD_CHAT_CA_FILE = env.str("ACCORD_CHAT_CA_FILE", default="")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français"), ("de", "Deutsch")]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# accord/ itself is not an app: its stylesheet, script and icons live here.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Without collectstatic (development, tests), serve straight from the apps.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Security headers. The Content-Security-Policy is set by
# accord.lib.middleware: no inline script, nothing from another origin.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

NINJA_PAGINATION_PER_PAGE = 50
# API rate limits (accord.lib.throttling), "number/period" with s, m, h or d.
ACCORD_API_RATE_PER_TOKEN = env.str("ACCORD_API_RATE_PER_TOKEN", default="600/m")
ACCORD_API_RATE_PER_ADDRESS = env.str("ACCORD_API_RATE_PER_ADDRESS", default="1200/m")
# How many X-Forwarded-For entries (reverse proxies) to trust for the client's
# address; 0 uses the connection's own address.
NINJA_NUM_PROXIES = env.int("ACCORD_PROXY_COUNT", default=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "faker": {"level": "WARNING"},
        # WeasyPrint logs every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
