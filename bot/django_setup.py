"""Django for the processes other than the web server: the action server and the referral worker.

They share the web process's settings and database (the outboxes, the practice's settings)
and call setup() when they start or first need Django, never on import, so importing
their modules stays cheap and free of side effects.
"""

from __future__ import annotations

import asyncio
import os
import threading

import django
from django.apps import apps

SETTINGS_MODULE = "bot.web.settings"
_setting_up = threading.Lock()  # the action server's threads may ask at the same moment


def setup() -> None:
    """Configure Django once; a no-op when it is ready (a second caller, or pytest-django)."""
    with _setting_up:
        if apps.ready:
            return
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
        django.setup()


async def asetup() -> None:
    """setup() from async code: the first call imports every app (about half a second) on
    a thread, so other conversations on the event loop are not held up."""
    if not apps.ready:
        await asyncio.to_thread(setup)
