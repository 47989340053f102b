"""Writing the audit trail: who did what, when. Never conversation content."""

from __future__ import annotations

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


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record(user.get_username(), "login")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(user.get_username(), "logout")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    record(str(credentials.get("username", ""))[:150] or "unknown", "login_failed")
