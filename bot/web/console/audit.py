"""Writing the audit trail: who did what, when. Never conversation content."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from bot.web.models import AuditEvent


def record(request_or_actor, action: str, target: str = "", **detail) -> AuditEvent:
    """Append one entry; the actor is the request's user, or a name such as "retention"."""
    actor = request_or_actor
    if hasattr(request_or_actor, "user"):
        actor = request_or_actor.user.get_username() or "anonymous"
    return AuditEvent.objects.create(
        actor=str(actor)[:150], action=action, target=str(target)[:255], detail=detail
    )


def client_address(request) -> str | None:
    """The address django-axes keys its lock-outs on (X-Forwarded-For only from TRUSTED_PROXIES)."""
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(user.get_username(), "login", address=client_address(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(user.get_username(), "logout")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # Only the name tried: Django has already masked the password, and it is never kept.
    username = str(credentials.get("username", ""))[:150] or "unknown"
    record(username, "login_failed", address=client_address(request))
