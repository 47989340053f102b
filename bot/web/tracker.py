"""Rasa's tracker store as the web process sees it: the `events` table, by conversation."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis
from django.db import connections, transaction

from bot.rasa_erasure import (
    CREATE_TOMBSTONES,
    CREATE_TOMBSTONES_INDEX,
    LOCK_KEY_PREFIX,
    TOMBSTONE_DAYS,
    TOMBSTONES_TABLE,
    conversation_lock_statement,
)
from bot.safety.rules import LEVELS
from bot.web.routers import TRACKER_ALIAS

logger = logging.getLogger(__name__)

EVENTS_TABLE = "events"  # SQLTrackerStore's table; Rasa creates it on first use
# With REDIS_URL: how long an erasure waits for a turn in progress (a turn takes
# well under a second; a web worker must not hang), and how long its own hold on
# the lock lasts should this process die holding it.
ERASURE_LOCK_WAIT_SECONDS = 10.0
ERASURE_LOCK_LIFETIME_SECONDS = 30.0
REDIS_TIMEOUT_SECONDS = 3.0


class ConversationBusy(Exception):
    """The conversation's lock could not be taken in time: nothing was erased."""

    answer = (
        "Your conversation is in use right now, so it was not deleted yet. "
        "Please try again in a minute."
    )
    retry_after_seconds = 30


@dataclass(frozen=True)
class ErasedConversation:
    events: int
    highest_risk: str  # one of LEVELS: kept in the audit trail so staff know what went


def erase_conversation(conversation_id: str) -> ErasedConversation:
    """Delete every event of one conversation from the tracker store, for good.

    The tombstone written with the deletion stops Rasa writing back a turn that loaded
    the conversation before it (bot/rasa_erasure.py); with REDIS_URL the erasure also
    waits, like a turn, for the conversation's lock. Needs nothing of the Rasa server."""
    connection = connections[TRACKER_ALIAS]
    tables = connection.introspection.table_names()
    if EVENTS_TABLE not in tables:
        return ErasedConversation(0, LEVELS[0])  # no conversation has been stored yet
    if TOMBSTONES_TABLE not in tables:  # a tracker store Rasa created without bot.rasa_stores
        with connection.cursor() as cursor:
            cursor.execute(CREATE_TOMBSTONES)
            cursor.execute(CREATE_TOMBSTONES_INDEX)
    with _conversation_lock(conversation_id):
        return _delete_with_tombstone(connection, conversation_id)


def _delete_with_tombstone(connection, conversation_id: str) -> ErasedConversation:
    now = time.time()
    with transaction.atomic(using=TRACKER_ALIAS), connection.cursor() as cursor:
        # First, as Rasa's save does: the two never interleave (on SQLite a write takes
        # the database's write lock, so this also avoids a lock upgrade that deadlocks).
        cursor.execute(conversation_lock_statement(connection.vendor, "%s"), [conversation_id])
        cursor.execute(
            f"INSERT INTO {TOMBSTONES_TABLE} (sender_id, erased_at) VALUES (%s, %s) "  # noqa: S608 - a constant
            "ON CONFLICT (sender_id) DO UPDATE SET erased_at = excluded.erased_at",
            [conversation_id, now],
        )
        cursor.execute(
            f"SELECT data FROM {EVENTS_TABLE} WHERE sender_id = %s AND type_name = 'slot'",  # noqa: S608 - a constant
            [conversation_id],
        )
        highest = max((_risk_level(row[0]) for row in cursor.fetchall()), default=0)
        cursor.execute(f"DELETE FROM {EVENTS_TABLE} WHERE sender_id = %s", [conversation_id])  # noqa: S608
        erased = ErasedConversation(cursor.rowcount, LEVELS[highest])
        cursor.execute(
            f"DELETE FROM {TOMBSTONES_TABLE} WHERE erased_at < %s",  # noqa: S608 - a constant
            [now - TOMBSTONE_DAYS * 86400],
        )
        return erased


@contextmanager
def _conversation_lock(conversation_id: str) -> Iterator[None]:
    """With REDIS_URL, the conversation's lock as the Rasa servers take it (the same key,
    redis-py's Lock): the erasure waits for a turn in progress, and the next turn for it.

    Without it, the lock is in the one Rasa process's memory, out of reach: the tombstone
    alone keeps a turn in progress from writing the conversation back."""
    url = os.environ.get("REDIS_URL")
    if not url:
        yield
        return
    client = redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )
    lock = client.lock(
        LOCK_KEY_PREFIX + conversation_id,
        timeout=ERASURE_LOCK_LIFETIME_SECONDS,
        sleep=0.02,
        blocking_timeout=ERASURE_LOCK_WAIT_SECONDS,
        thread_local=False,
    )
    try:
        try:
            acquired = lock.acquire()
        except redis.RedisError as error:
            logger.warning(
                "Conversation %s not erased: Redis unreachable (%s).", conversation_id, error
            )
            raise ConversationBusy("the lock store cannot be reached") from error
        if not acquired:
            logger.warning(
                "Conversation %s not erased: a turn held it for over %g s.",
                conversation_id,
                ERASURE_LOCK_WAIT_SECONDS,
            )
            raise ConversationBusy("a turn held the conversation too long")
        try:
            yield
        finally:
            try:
                lock.release()
            except redis.RedisError:  # expired while held, or Redis went away: it expires
                logger.warning("Could not release the erasure's lock of %s.", conversation_id)
    finally:
        client.close()


def _risk_level(event_json: str) -> int:
    """The rank of a `risk_level` slot event's value; 0 for any other slot."""
    try:
        event = json.loads(event_json)
    except (TypeError, ValueError):
        return 0
    if event.get("name") != "risk_level" or event.get("value") not in LEVELS:
        return 0
    return LEVELS.index(event["value"])


_events_table_seen = False


def _no_events_table(connection) -> bool:
    """Whether Rasa has not made its events table yet (asked until it has: polls call
    this every second, and the catalogue query is not free)."""
    global _events_table_seen
    if not _events_table_seen:
        _events_table_seen = EVENTS_TABLE in connection.introspection.table_names()
    return not _events_table_seen


def events_after(conversation_id: str, after: int, limit: int = 500) -> list[tuple[int, dict]]:
    """The conversation's events with ids above ``after`` (oldest first), as JSON objects;
    rows that are not JSON objects are left out. One indexed read (sender_id, id)."""
    connection = connections[TRACKER_ALIAS]
    if _no_events_table(connection):
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, data FROM {EVENTS_TABLE} WHERE sender_id = %s AND id > %s "  # noqa: S608
            "ORDER BY id LIMIT %s",
            [conversation_id, after, limit],
        )
        rows = cursor.fetchall()
    found = []
    for event_id, data in rows:
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            continue
        if isinstance(event, dict):
            found.append((event_id, event))
    return found


def last_event_id(conversation_id: str) -> int:
    """The id of the conversation's latest event (0 when it has none)."""
    connection = connections[TRACKER_ALIAS]
    if _no_events_table(connection):
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(id) FROM {EVENTS_TABLE} WHERE sender_id = %s",  # noqa: S608 - a constant
            [conversation_id],
        )
        return cursor.fetchone()[0] or 0


def highest_risk_level(conversation_id: str) -> str:
    """The highest level the crisis replies set in the conversation (its `risk_level` slot)."""
    connection = connections[TRACKER_ALIAS]
    if _no_events_table(connection):
        return LEVELS[0]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT data FROM {EVENTS_TABLE} WHERE sender_id = %s AND type_name = 'slot'",  # noqa: S608
            [conversation_id],
        )
        return LEVELS[max((_risk_level(row[0]) for row in cursor.fetchall()), default=0)]
