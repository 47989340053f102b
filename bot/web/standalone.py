"""Django for processes other than the web server (the action server, the referral worker)."""

import os

import django


def setup_django() -> None:
    """Configure Django once, with the same settings (and database) as the web process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bot.web.settings")
    django.setup()
