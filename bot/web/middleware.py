"""A strict Content-Security-Policy, and the request being served for the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

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
