"""Writing conversations into the test tracker database with Rasa's own SQLTrackerStore."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.slots import AnySlot
from rasa.shared.core.trackers import DialogueStateTracker

from bot.safety.decide import ScreenResult
from bot.safety.entities import to_entities
from bot.web.routers import TRACKER_ALIAS

SLOTS = ("risk_level", "region")


def tracker_store() -> SQLTrackerStore:
    """Rasa's store on Django's `tracker` test database, SQLite or PostgreSQL."""
    return sql_tracker_store(settings.DATABASES[TRACKER_ALIAS])


def sql_tracker_store(database: Mapping[str, Any]) -> SQLTrackerStore:
    """Rasa's own SQLTrackerStore on a Django ``DATABASES`` entry, SQLite or PostgreSQL.

    The tests and the console benchmark write realistic conversations through it, as
    the Rasa server would; it creates the events table."""
    if database["ENGINE"].endswith("sqlite3"):
        return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(database["NAME"]))
    return SQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host=database["HOST"] or "127.0.0.1",
        port=int(database["PORT"] or 5432),
        db=database["NAME"],
        username=database["USER"] or None,
        password=database["PASSWORD"] or None,
    )


def senders(store: SQLTrackerStore) -> set[str]:
    """Every conversation id with events in the store."""
    with store.session_scope() as session:
        return {row.sender_id for row in session.query(store.SQLEvent)}


def empty(store: SQLTrackerStore) -> None:
    with store.session_scope() as session:
        session.query(store.SQLEvent).delete()
        session.commit()


def user(
    text,
    level="none",
    categories=(),
    rules=(),
    intent="greet",
    region=None,
    at=None,
    probability=None,
    evidence=(),
):
    """A visitor message as the NLU pipeline (with the risk screen) leaves it."""
    result = ScreenResult(
        level, tuple(categories), (), tuple(rules), probability=probability, evidence=evidence
    )
    entities = to_entities(result, len(text))
    parse = {"intent": {"name": intent, "confidence": 0.93}, "entities": entities, "text": text}
    metadata = {"region": region} if region else {}
    return UserUttered(text, parse["intent"], entities, parse, timestamp=at, metadata=metadata)


def bot(text, crisis=False, at=None):
    data = {"buttons": [{"title": "Talk to a therapist", "payload": "/request_referral"}]}
    if crisis:
        data["custom"] = {"crisis": {"level": "high", "resources": [{"name": "988 Lifeline"}]}}
    return BotUttered(text, data, timestamp=at)


def save(store: SQLTrackerStore, sender: str, events: list, at: float | None = None) -> None:
    """Append events to a conversation, all stamped ``at`` (epoch seconds) when given."""
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(
        sender, slots=[AnySlot(name, mappings=[]) for name in SLOTS]
    )
    for event in events:
        if at is not None:
            event.timestamp = at
        tracker.update(event)
    asyncio.run(store.save(tracker))


def chat(store, sender, *, level="none", categories=(), region="us", at=None, text="hello"):
    """A short conversation: a message, the bot's answer, and the risk slot when flagged."""
    events = [
        ActionExecuted("action_listen"),
        user(text, level, categories, rules=[f"{c}-rule" for c in categories], region=region),
        ActionExecuted("action_respond"),
        bot("I'm an AI self-help assistant.", crisis=level != "none"),
    ]
    if level != "none":
        events.append(SlotSet("risk_level", level))
    save(store, sender, events, at=at if at is not None else time.time())
