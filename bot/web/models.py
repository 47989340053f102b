"""The web process's own tables."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """Who did what, when; never the content of a conversation. Rows are never changed."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(max_length=150)  # a staff username, or "visitor"
    action = models.CharField(max_length=64, db_index=True)
    target = models.CharField(max_length=255, blank=True)  # e.g. a conversation id
    detail = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"


class StaffAlert(models.Model):
    """A staff alert in the outbox shared by every action server; the worker posts it.

    No message text: who to look at (the conversation) and why (level, categories).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "waiting to be posted"
        DELIVERED = "delivered", "posted to the staff alert webhook"

    class Level(models.TextChoices):  # lowest first: a higher level alerts again
        HIGH = "high", "high"
        IMMINENT = "imminent", "imminent"

    # The id is also the idempotency key: every retry of one alert sends the same key.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation_id = models.CharField(max_length=255)
    level = models.CharField(max_length=16, choices=Level.choices)
    categories = models.JSONField(default=list)
    raised_at = models.DateTimeField(default=timezone.now)
    # The start of the dedupe window raised_at falls in: with the unique constraint
    # below, the database itself refuses a second alert of one level per window.
    window_start = models.DateTimeField()

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker holds an alert while it posts it; an expired lease means the worker died.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="staff_alert_due"),
            models.Index(fields=["conversation_id", "raised_at"], name="staff_alert_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation_id", "level", "window_start"],
                name="staff_alert_once_per_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} alert {self.id}"
