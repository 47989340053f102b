"""The client's address for the console's lock-outs and audit log (django-axes calls this)."""

from __future__ import annotations

from django.conf import settings

from bot.client_address import client_address


def client_ip_address(request) -> str | None:
    """REMOTE_ADDR, or through TRUSTED_PROXIES the nearest untrusted X-Forwarded-For hop."""
    return client_address(
        request.META.get("REMOTE_ADDR"),
        request.META.get("HTTP_X_FORWARDED_FOR"),
        settings.TRUSTED_PROXIES,
    )
