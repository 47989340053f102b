"""Erasing conversations (at a visitor's request, and after RETENTION_DAYS) and old referrals."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import Min, Q

from bot.alerts.models import StaffAlert
from bot.live.models import LiveChat
from bot.referral.models import Referral, ReferralNote
from bot.web.console.ingest import ingest
from bot.web.console.models import Conversation, SafetyLabel
from bot.web.tracker import ConversationBusy, ErasedConversation, erase_conversation

logger = logging.getLogger(__name__)


def erase(conversation_id: str, keep_labels: bool = False) -> ErasedConversation:
    """Delete a conversation from Rasa's tracker store and from every console table.

    A visitor's own request removes the reviewers' labels of its messages too;
    retention keeps them (one redacted message each, kept as safety cases). Delivered
    staff alerts go; one still waiting is sent all the same (it holds no text, and staff
    must still hear that someone was at risk). Its live chats' records go too (their
    messages are events of the conversation). A first-session note sent with the
    conversation's referral goes; the referral itself stays with the practice (its
    retention is REFERRAL_RETENTION_DAYS, and its note goes with it). Raises
    ConversationBusy, having erased nothing, when the conversation's lock cannot be had."""
    erased = erase_conversation(conversation_id)
    Conversation.objects.filter(conversation_id=conversation_id).delete()
    LiveChat.objects.filter(conversation_id=conversation_id).delete()
    ReferralNote.objects.filter(referral__conversation_id=conversation_id).delete()
    StaffAlert.objects.filter(
        conversation_id=conversation_id, status=StaffAlert.Status.DELIVERED
    ).delete()
    if not keep_labels:
        SafetyLabel.objects.filter(conversation_id=conversation_id).delete()
    return erased


def expired(now: datetime, days: int):
    """Conversations whose last event is older than ``days``, unless on review hold."""
    ingest()  # so that conversations not yet read are judged too
    cutoff = now - timedelta(days=days)
    return Conversation.objects.filter(last_event_at__lt=cutoff, hold=False)


# A referral is finished once the practice has it (delivered) or staff closed it; a pending
# or failed one is never dropped unseen, however old: staff must deliver or close it first.
FINISHED_REFERRAL = Q(status=Referral.Status.DELIVERED) | Q(follow_up=Referral.FollowUp.CLOSED)


def purge_expired(now: datetime, days: int, referral_days: int | None = None) -> dict:
    """Erase expired conversations, and finished referrals made over ``referral_days`` ago
    (``days`` when not given)."""
    conversations, events, busy = [], 0, 0
    for conversation_id in expired(now, days).values_list("conversation_id", flat=True):
        try:
            events += erase(conversation_id, keep_labels=True).events
        except ConversationBusy:  # in use right now (months after its last message): next run
            logger.warning("Conversation %s is in use: purged on the next run.", conversation_id)
            busy += 1
        else:
            conversations.append(conversation_id)
    oldest_kept = Conversation.objects.aggregate(oldest=Min("last_event_at"))["oldest"]
    referral_days = days if referral_days is None else referral_days
    old_referrals = Referral.objects.filter(created_at__lt=now - timedelta(days=referral_days))
    referrals, _ = old_referrals.filter(FINISHED_REFERRAL).delete()
    return {
        "conversations": len(conversations),
        "events": events,
        "conversations_in_use": busy,
        "days": days,
        "oldest_kept": oldest_kept.isoformat() if oldest_kept else None,
        "referrals": referrals,
        "referral_days": referral_days,
        "referrals_awaiting_staff": old_referrals.exclude(FINISHED_REFERRAL).count(),
    }
