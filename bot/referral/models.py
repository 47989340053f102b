"""The referral outbox: one row per referral, kept whether or not it has been delivered."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from bot.referral.fields import EncryptedTextField
from bot.referral.matching import session_format_words


class Referral(models.Model):
    PERSONAL_FIELDS = ("first_name", "contact", "concern", "location", "preferred_times")

    class Status(models.TextChoices):
        PENDING = "pending", "waiting to be delivered"
        DELIVERED = "delivered", "delivered to the intake endpoint"
        FAILED = "failed", "refused by the intake endpoint: staff must act"

    class Format(models.TextChoices):
        IN_PERSON = "in_person", session_format_words("in_person")
        ONLINE = "online", session_format_words("online")
        EITHER = "either", session_format_words("either")

    class FollowUp(models.TextChoices):
        OPEN = "open", "not yet contacted"
        CONTACTED = "contacted", "contacted"
        CLOSED = "closed", "closed"

    class ContactKind(models.TextChoices):
        EMAIL = "email", "email"
        PHONE = "phone", "phone"

    # The id is also the idempotency key: every retry of one referral sends the same key.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    conversation_id = models.CharField(max_length=255, blank=True)

    # What the visitor told us about themselves is encrypted at rest (PERSONAL_FIELDS).
    concern = EncryptedTextField(blank=True)
    session_format = models.CharField(max_length=16, choices=Format.choices)
    location = EncryptedTextField(max_length=200, blank=True)
    preferred_times = EncryptedTextField(max_length=500, blank=True)
    first_name = EncryptedTextField(max_length=100, blank=True)
    contact_kind = models.CharField(max_length=8, choices=ContactKind.choices)
    contact = EncryptedTextField(max_length=320)
    clinician_id = models.CharField(max_length=64, blank=True)  # blank: the team matches
    consent_text = models.TextField()
    consented_at = models.DateTimeField()
    # Asked for during a crisis (the conversation reached high or imminent risk):
    # staff see it first, and the visitor was told so.
    urgent = models.BooleanField(default=False)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker holds a referral while it posts it; an expired lease means the worker died.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    # What the practice's staff did about it (the staff console).
    follow_up = models.CharField(max_length=16, choices=FollowUp.choices, default=FollowUp.OPEN)
    follow_up_by = models.CharField(max_length=150, blank=True)
    follow_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-urgent", "-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="referral_due")]
        permissions = [("view_contact_details", "Can see referrals' contact details")]

    def __str__(self) -> str:
        return self.reference


class ReferralNote(models.Model):
    """The first-session note a visitor sent from My notes with their appointment request,
    with its own consent. One per referral: sending again replaces it (and its consent).

    It goes with the referral (retention) and with the conversation (the visitor's
    erasure, or the conversation's retention): bot.web.console.retention.erase."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="note")
    text = EncryptedTextField()
    consent_text = models.TextField()
    consented_at = models.DateTimeField()
    # Set when the note went to the intake endpoint in the referral's payload; a note
    # that arrived after the referral was delivered is shown in the console only.
    delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"note for {self.referral_id}"

    @property
    def came_after_delivery(self) -> bool:
        return self.delivered_at is None and self.referral.delivered_at is not None
