"""Django's permission backend, remembering each user's permissions for a few seconds."""

from __future__ import annotations

import threading
import time

from django.contrib.auth.backends import ModelBackend

PERMISSIONS_TTL_SECONDS = 5.0
# Module-level: Django makes a new backend object every time it asks the backends.
_lock = threading.Lock()
_recent: dict[int, tuple[float, frozenset[str]]] = {}  # user id -> (kept until, permissions)


class RecentPermissionsBackend(ModelBackend):
    """ModelBackend, with each user's permissions kept PERMISSIONS_TTL_SECONDS in this
    process: the live chat pages ask every second, and reading the permissions took two
    queries each time. A role given or taken away takes effect within those seconds."""

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return super().get_all_permissions(user_obj, obj)
        now = time.monotonic()
        with _lock:
            kept = _recent.get(user_obj.pk)
        if kept is not None and kept[0] > now:
            return set(kept[1])
        permissions = super().get_all_permissions(user_obj, obj)
        with _lock:
            _recent[user_obj.pk] = (now + PERMISSIONS_TTL_SECONDS, frozenset(permissions))
        return permissions


def forget_permissions() -> None:
    """Drop what this process remembers (after a role change made here, and in tests)."""
    with _lock:
        _recent.clear()
