"""The staff alert outbox: one row per alert, until the webhook accepts it."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class StaffAlert(models.Model):
    """A staff alert in the outbox shared by every action server; the worker posts it.

    No message text: who to look at (the conversation) and why (level, categories).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "waiting to be posted"
        DELIVERED = "delivered", "posted to the staff alert webhook"

    class Level(models.TextChoices):  # lowest first: a higher level alerts again
        NONE = "none", "none"  # a live chat request, before any risk language
        LOW = "low", "low"
        HIGH = "high", "high"
        IMMINENT = "imminent", "imminent"

    class Reason(models.TextChoices):
        RISK = "risk", "the conversation reached this risk level"
        LIVE_CHAT = "live_chat", "the visitor asked for a person to join the chat"

    # The id is also the idempotency key: every retry of one alert sends the same key.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation_id = models.CharField(max_length=255)
    level = models.CharField(max_length=16, choices=Level.choices)
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.RISK)
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
        # The table the web app created: moving the model kept its rows where they were.
        db_table = "web_staffalert"
        ordering = ["-raised_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="staff_alert_due"),
            models.Index(fields=["conversation_id", "raised_at"], name="staff_alert_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation_id", "reason", "level", "window_start"],
                name="staff_alert_once_per_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} alert {self.id}"
