"""The console's own tables: summaries of Rasa's events, reviews and safety labels.

Rasa's `events` table is read once, incrementally (bot.web.console.ingest), into these,
so that no page scans all events.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from bot.safety.rules import LEVELS

LEVEL_CHOICES = [(rank, level) for rank, level in enumerate(LEVELS)]


class Conversation(models.Model):
    class Review(models.TextChoices):
        UNREVIEWED = "unreviewed", "not reviewed"
        REVIEWED = "reviewed", "reviewed"

    conversation_id = models.CharField(max_length=255, unique=True)
    started_at = models.DateTimeField(db_index=True)
    last_event_at = models.DateTimeField(db_index=True)
    region = models.CharField(max_length=8, blank=True, db_index=True)
    highest_risk = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES, default=0)
    # ",suicide,abuse," so that one category is found with a plain LIKE on any database.
    risk_categories = models.CharField(max_length=255, blank=True)
    user_messages = models.PositiveIntegerField(default=0)
    fallbacks = models.PositiveIntegerField(default=0)
    crisis_turns = models.PositiveIntegerField(default=0)  # bot turns that gave crisis services

    review_status = models.CharField(
        max_length=16, choices=Review.choices, default=Review.UNREVIEWED, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)
    hold = models.BooleanField(default=False, help_text="Kept past the retention period.")
    # Flagged and unreviewed first (by level), then the rest: kept up to date on every change.
    queue_rank = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-queue_rank", "-last_event_at"]
        indexes = [models.Index(fields=["-queue_rank", "-last_event_at"], name="review_queue")]
        permissions = [("export_unredacted", "Can export conversations without redaction")]

    def __str__(self) -> str:
        return self.conversation_id

    @property
    def level(self) -> str:
        return LEVELS[self.highest_risk]

    @property
    def categories(self) -> list[str]:
        return [c for c in self.risk_categories.split(",") if c]

    def add_categories(self, categories) -> None:
        merged = sorted(set(self.categories) | set(categories))
        self.risk_categories = f",{','.join(merged)}," if merged else ""

    def update_rank(self) -> None:
        unreviewed = self.review_status == self.Review.UNREVIEWED
        self.queue_rank = self.highest_risk if unreviewed else 0


class Entry(models.Model):
    """One tracker event worth showing in a transcript."""

    class Kind(models.TextChoices):
        USER = "user", "visitor"
        BOT = "bot", "bot"
        STAFF = "staff", "staff"  # a person from the practice, in a live chat
        ACTION = "action", "action"
        SLOT = "slot", "slot"
        SESSION = "session", "new session"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="entries")
    event_id = models.BigIntegerField(unique=True)  # the id in Rasa's events table
    at = models.DateTimeField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    text = models.TextField(blank=True)
    intent = models.CharField(max_length=100, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    risk_level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES, default=0)
    # user: categories, rules, modifiers; bot: buttons, crisis; staff: name; action: name;
    # slot: name, value
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["event_id"]
        indexes = [models.Index(fields=["conversation", "event_id"], name="transcript")]

    @property
    def level(self) -> str:
        return LEVELS[self.risk_level]


class IngestState(models.Model):
    """How far Rasa's events table has been read."""

    last_event_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=dict)  # {skipped event id: when first missed (epoch s)}


class QuarantinedEvent(models.Model):
    """An event of Rasa's table that ingest could not read: which one and why, never its
    content. It is skipped, not retried; the rest of its conversation is read as usual."""

    event_id = models.BigIntegerField(unique=True)  # the id in Rasa's events table
    # Erased with its conversation; none when the conversation id itself was unusable.
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="quarantined"
    )
    sender_id = models.CharField(max_length=255, db_index=True)  # made safe to show
    event_type = models.CharField(max_length=64)
    reason = models.CharField(max_length=255)
    quarantined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-event_id"]


class SafetyLabel(models.Model):
    """What a reviewer says the screen should have said about one visitor message.

    Only that message's text is kept (redacted), so the label outlives the
    conversation and becomes a safety case (make export-safety-cases)."""

    entry = models.OneToOneField(
        Entry, null=True, blank=True, on_delete=models.SET_NULL, related_name="label"
    )
    conversation_id = models.CharField(max_length=255, db_index=True)
    text = models.TextField()
    region = models.CharField(max_length=8, blank=True)
    screen_level = models.CharField(max_length=16)
    screen_categories = models.CharField(max_length=255, blank=True)
    level = models.CharField(max_length=16, choices=[(level, level) for level in LEVELS])
    categories = models.CharField(max_length=255, blank=True)
    note = models.CharField(max_length=300, blank=True)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    labelled_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-labelled_at"]

    @property
    def disagrees(self) -> bool:
        return (self.level, self.categories) != (self.screen_level, self.screen_categories)
