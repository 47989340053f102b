"""Rasa's tracker store as the web process sees it: the `events` table, by conversation."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connections, transaction

from bot.safety.rules import LEVELS
from bot.web.routers import TRACKER_ALIAS

EVENTS_TABLE = "events"  # SQLTrackerStore's table; Rasa creates it on first use


def rasa_tracker_store():
    """Rasa's own SQLTrackerStore on the `tracker` alias (tests and the console benchmark
    write realistic conversations through it; it creates the events table)."""
    from django.conf import settings
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    db = settings.DATABASES[TRACKER_ALIAS]
    if db["ENGINE"].endswith("sqlite3"):
        return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db["NAME"]))
    return SQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host=db["HOST"] or "127.0.0.1",
        port=int(db["PORT"] or 5432),
        db=db["NAME"],
        username=db["USER"] or None,
        password=db["PASSWORD"] or None,
    )


@dataclass(frozen=True)
class ErasedConversation:
    events: int
    highest_risk: str  # one of LEVELS: kept in the audit trail so staff know what went


def erase_conversation(conversation_id: str) -> ErasedConversation:
    """Delete every event of one conversation from the tracker store."""
    connection = connections[TRACKER_ALIAS]
    if EVENTS_TABLE not in connection.introspection.table_names():
        return ErasedConversation(0, LEVELS[0])  # no conversation has been stored yet
    with transaction.atomic(using=TRACKER_ALIAS), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT data FROM {EVENTS_TABLE} WHERE sender_id = %s AND type_name = 'slot'",  # noqa: S608 - a constant
            [conversation_id],
        )
        highest = max((_risk_level(row[0]) for row in cursor.fetchall()), default=0)
        cursor.execute(f"DELETE FROM {EVENTS_TABLE} WHERE sender_id = %s", [conversation_id])  # noqa: S608
        return ErasedConversation(cursor.rowcount, LEVELS[highest])


def _risk_level(event_json: str) -> int:
    """The rank of a `risk_level` slot event's value; 0 for any other slot."""
    try:
        event = json.loads(event_json)
    except (TypeError, ValueError):
        return 0
    if event.get("name") != "risk_level" or event.get("value") not in LEVELS:
        return 0
    return LEVELS.index(event["value"])
