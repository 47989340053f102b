"""The reminder that the bot is an AI, every three hours of one conversation.

The bot says it is an AI in its first message and whenever asked; in a long
conversation it says so again once every three hours (New York's 2025 law on
companion chatbots). The REST channel asks before each turn whether this
message is the first to cross a three-hour mark since the conversation's first
message, reading only the times of the visitor's messages.
"""

from __future__ import annotations

from typing import Any

from bot.content import content_file

REMINDER_INTERVAL_SECONDS = 3 * 60 * 60


def reminder_due(first: float | None, previous: float | None, now: float) -> bool:
    """True when ``now`` is the first message past a new three-hour mark since ``first``."""
    if first is None or previous is None:
        return False  # a new conversation: the greeting says it is an AI
    marks_then = int((previous - first) // REMINDER_INTERVAL_SECONDS)
    marks_now = int((now - first) // REMINDER_INTERVAL_SECONDS)
    return marks_now > marks_then


def reminder_text() -> str:
    return content_file("chat_privacy")["ai_reminder"]


async def user_message_times(store: Any, sender: str) -> tuple[float | None, float | None]:
    """The first and latest visitor message times of a conversation, from any tracker store."""
    if hasattr(store, "user_message_times"):  # ours: one indexed read
        return await store.user_message_times(sender)
    retrieve = getattr(store, "retrieve_full_tracker", None) or store.retrieve
    events = getattr(await retrieve(sender), "events", None) or []
    times = [event.timestamp for event in events if getattr(event, "type_name", "") == "user"]
    return (min(times), max(times)) if times else (None, None)
