"""A strict Content-Security-Policy, the request being served for the audit trail, and
sessions saved at most once a minute when nothing changed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils.cache import patch_vary_headers

SESSION_REFRESH_SECONDS = 60
REFRESHED_AT = "lantern_refreshed_at"  # in the session: when it was last saved (epoch s)
# The request this thread is serving, so that model signals know who made a change.
current_request: ContextVar = ContextVar("current_request", default=None)


@contextmanager
def acting_request(request) -> Iterator[None]:
    """Changes made inside are made by this request's user."""
    token = current_request.set(request)
    try:
        yield
    finally:
        current_request.reset(token)


class CurrentRequestMiddleware:
    """Lets the account audit name the logged-in user behind a change; after authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_request(request):
            return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            [
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self'",
                "img-src 'self' data:",
                f"connect-src 'self' {settings.RASA_PUBLIC_URL}",
                "frame-ancestors 'none'",
                "base-uri 'none'",
                "form-action 'self'",
            ]
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        return response


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a session nothing changed is saved at most once every
    SESSION_REFRESH_SECONDS. Sessions end after SESSION_IDLE_MINUTES without a request
    (SESSION_SAVE_EVERY_REQUEST): that still holds to the minute, and the live chat
    pages, which ask for news every second, no longer write the session table each time."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is None or not session.accessed or session.modified or session.is_empty():
            return super().process_response(request, response)
        if time.time() - session.get(REFRESHED_AT, 0) < SESSION_REFRESH_SECONDS:
            patch_vary_headers(response, ("Cookie",))
            return response
        session[REFRESHED_AT] = int(time.time())
        return super().process_response(request, response)
