"""Erasing conversations: at a visitor's request, and when they pass RETENTION_DAYS."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Min

from bot.web.console.ingest import ingest
from bot.web.console.models import Conversation, SafetyLabel
from bot.web.tracker import ErasedConversation, erase_conversation


def erase(conversation_id: str, keep_labels: bool = False) -> ErasedConversation:
    """Delete a conversation from Rasa's tracker store and from every console table.

    A visitor's own request removes the reviewers' labels of its messages too;
    retention keeps them (one redacted message each, kept as safety cases)."""
    erased = erase_conversation(conversation_id)
    Conversation.objects.filter(conversation_id=conversation_id).delete()
    if not keep_labels:
        SafetyLabel.objects.filter(conversation_id=conversation_id).delete()
    return erased


def expired(now: datetime, days: int):
    """Conversations whose last event is older than ``days``, unless on review hold."""
    ingest()  # so that conversations not yet read are judged too
    cutoff = now - timedelta(days=days)
    return Conversation.objects.filter(last_event_at__lt=cutoff, hold=False)


def purge_expired(now: datetime, days: int) -> dict:
    conversations = list(expired(now, days).values_list("conversation_id", flat=True))
    events = sum(erase(c, keep_labels=True).events for c in conversations)
    oldest_kept = Conversation.objects.aggregate(oldest=Min("last_event_at"))["oldest"]
    return {
        "conversations": len(conversations),
        "events": events,
        "days": days,
        "oldest_kept": oldest_kept.isoformat() if oldest_kept else None,
    }
