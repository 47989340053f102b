"""Django settings. Every value that differs between machines comes from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

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
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.google.com/")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "bot.web",
    "bot.referral",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bot.web.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bot.web.urls"
WSGI_APPLICATION = "bot.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
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
    os.environ.get("TRACKER_DB_URL") or f"sqlite:///{VAR_DIR / 'tracker.db'}"
)
if DATABASES["tracker"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["tracker"]["OPTIONS"] = {"timeout": 20}
    DATABASES["tracker"]["TEST"] = {"NAME": str(VAR_DIR / "test_tracker.db")}
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
