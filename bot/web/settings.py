"""Django settings. Every value that differs between machines comes from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from bot.client_address import trusted_proxies
from bot.encryption import contact_cipher

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parents[1]
VAR_DIR = Path(os.environ.get("LANTERN_VAR_DIR", PROJECT_DIR / "var"))


def _secret_key() -> str:
    """DJANGO_SECRET_KEY, or for the embedded profile a random key kept in var/."""
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    key_file = VAR_DIR / "django_secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# Visitors' contact details are encrypted with CONTACT_ENCRYPTION_KEYS (or a key kept in
# var/): reading the keys now stops every process at start when one is not a Fernet key.
contact_cipher()
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

# Where the visitor's browser reaches the Rasa REST channel.
RASA_PUBLIC_URL = os.environ.get("RASA_PUBLIC_URL", "http://localhost:5005").rstrip("/")
# The practice's region: which crisis services the chat offers (us, ca, uk, ie, au, nz).
SITE_REGION = os.environ.get("SITE_REGION", "us")

# What the widget tells visitors before their first message, and where quick exit goes.
PRACTICE_NAME = os.environ.get("PRACTICE_NAME", "Harbour Lane Therapy")
PRIVACY_POLICY_URL = os.environ.get("PRIVACY_POLICY_URL", "/privacy")
RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "90"))
# Delivered or closed referrals are deleted this many days after they were made.
REFERRAL_RETENTION_DAYS = int(os.environ.get("REFERRAL_RETENTION_DAYS", RETENTION_DAYS))
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.google.com/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "bot.web",
    "bot.referral",
    "bot.alerts",
    "bot.live",
    "bot.web.console",  # last: its roles use every other app's permissions
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bot.web.middleware.ContentSecurityPolicyMiddleware",
    "bot.web.middleware.SessionMiddleware",  # Django's, saving at most once a minute
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bot.web.middleware.CurrentRequestMiddleware",  # the actor of audited account changes
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# Staff console: Argon2 passwords, lock-out after repeated failures, short idle sessions.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "bot.web.console.backends.RecentPermissionsBackend",  # ModelBackend, kept for 5 s
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:queue"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours locked out after the limit
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True


# The proxies in front of the web process (the production profile's nginx). Only a request
# from one of them has its client address read from X-Forwarded-For; none by default, so a
# forged header never moves a lock-out to another address.
try:
    TRUSTED_PROXIES = trusted_proxies()
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from error
AXES_CLIENT_IP_CALLABLE = "bot.web.console.client_address.client_ip_address"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
# Behind HTTPS in production: DJANGO_SECURE=1 makes every cookie Secure and redirects to https.
if os.environ.get("DJANGO_SECURE", "") == "1":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

ROOT_URLCONF = "bot.web.urls"
WSGI_APPLICATION = "bot.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# DATABASE_URL (postgresql://... in production), else SQLite in var/. The web
# process, the action server and the referral worker all write to it.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'web.db'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes write: wait for the lock rather than fail, take it up front
    # (no lock upgrades that deadlock), and let readers carry on while one writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    # Tests use a file, not memory, so a worker started as a subprocess sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_web.db")}

# Rasa's tracker store (its `events` table), the same TRACKER_DB_URL that endpoints.yml
# uses. Django never migrates it (bot.web.routers); the web process only reads it,
# except to erase a conversation its visitor asked to delete.
DATABASES["tracker"] = dj_database_url.parse(
    os.environ.get("TRACKER_DB_URL") or f"sqlite:///{VAR_DIR / 'tracker.db'}",
    # Kept open between requests, as the default database is: live chat's polls read it
    # every second, and a new PostgreSQL connection each time cost more than the read.
    conn_max_age=60,
    conn_health_checks=True,
)
if DATABASES["tracker"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["tracker"]["CONN_MAX_AGE"] = 0
    DATABASES["tracker"]["OPTIONS"] = {"timeout": 20}
    DATABASES["tracker"]["TEST"] = {"NAME": str(VAR_DIR / "test_tracker.db")}
else:  # tests may point both aliases at one server and database: keep their test copies apart
    DATABASES["tracker"]["TEST"] = {"NAME": f"test_{DATABASES['tracker']['NAME']}_tracker"}
DATABASE_ROUTERS = ["bot.web.routers.TrackerStoreRouter"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Serve straight from the app's static folder: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-gb"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
