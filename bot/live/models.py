"""Who is on duty, and each visitor's request to talk to a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ResponderDuty(models.Model):
    """A responder's availability. They are available while they say so *and* their
    console's live view keeps asking for news (``seen_at``): a closed laptop is not a
    person ready to join."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_duty"
    )
    available = models.BooleanField(default=False)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("respond", "Can join visitors' chats")]

    def __str__(self) -> str:
        return f"{self.user} ({'available' if self.available else 'not available'})"


class LiveChat(models.Model):
    """One request to talk to a person, from asking to the end of the chat.

    No message text: the messages are events of the conversation in Rasa's tracker store.
    """

    class State(models.TextChoices):
        WAITING = "waiting", "waiting for a person"
        JOINED = "joined", "a person has joined"
        # Being closed: the closing notice is on its way to the conversation; the chat
        # reads as closed only once the notice is there to show.
        CLOSING = "closing", "closing"
        CLOSED = "closed", "closed"

    class Ending(models.TextChoices):
        HANDED_BACK = "handed_back", "handed back to the bot"
        ENDED = "ended", "ended by staff"
        VISITOR_LEFT = "visitor_left", "the visitor left"
        RESPONDER_AWAY = "responder_away", "the responder's console stopped answering"

    conversation_id = models.CharField(max_length=255, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    region = models.CharField(max_length=8, blank=True)
    risk_level = models.CharField(max_length=16, default="none")  # the highest, when asked
    requested_at = models.DateTimeField(default=timezone.now)
    visitor_seen_at = models.DateTimeField(default=timezone.now)
    # The visitor has been told that nobody has joined yet (once per request).
    wait_told_at = models.DateTimeField(null=True, blank=True)
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    responder_name = models.CharField(max_length=60, blank=True)  # as the visitor sees it
    joined_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    ending = models.CharField(max_length=16, choices=Ending.choices, blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            # One open request per conversation: asking twice finds the first.
            models.UniqueConstraint(
                fields=["conversation_id"],
                condition=~Q(state="closed"),
                name="one_open_live_chat",
            )
        ]
        indexes = [models.Index(fields=["state", "requested_at"], name="live_chat_queue")]

    def __str__(self) -> str:
        return f"live chat {self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED
