"""Rasa's tracker and lock stores, as Lantern runs them (endpoints.yml names these classes).

- ``IndexedSQLTrackerStore``: Rasa's SQLTrackerStore plus the indexes Rasa does not
  create (Rasa indexes only ``sender_id``, yet on every turn it looks for the
  conversation's latest ``session_started`` and reads the events after it); it
  reads the events' JSON column alone, as rows rather than ORM objects (Rasa's
  query, without an object per event: a quarter of a long conversation's turn);
  and patience: when the database is unreachable it retries for
  TRACKER_DB_PATIENCE_SECONDS before failing. Rasa's own wrapper would otherwise
  carry on with an empty conversation kept in memory, losing its history (a
  crisis flag included) and every event until the database is back;
  ``without_memory_fallback`` removes that wrapper, so a longer outage is an error
  the visitor is told about, never a silent loss. And erasure: a tracker loaded
  before its conversation was erased is never written back (bot/rasa_erasure.py).
- ``LanternLockStore``: one conversation's messages are handled one at a time.
  Without ``REDIS_URL`` it is Rasa's in-memory ticket lock (one Rasa process).
  With ``REDIS_URL`` it is redis-py's own ``Lock`` (SET NX PX to take it, a Lua
  script to release it only by its owner), which is atomic; Rasa Open Source's
  RedisLockStore reads, changes and writes its ticket list in three steps and can
  let two instances process one conversation at once (Rasa issue #9213).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import AsyncGenerator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio
import sqlalchemy as sa
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker
from redis.exceptions import LockError as RedisLockError
from sqlalchemy.exc import DBAPIError

from bot.rasa_erasure import (
    CREATE_TOMBSTONES,
    CREATE_TOMBSTONES_INDEX,
    LOCK_KEY_PREFIX,
    TOMBSTONES_TABLE,
    conversation_lock_statement,
)

logger = logging.getLogger(__name__)

# name -> columns; CREATE INDEX IF NOT EXISTS works on SQLite and PostgreSQL alike.
TRACKER_INDEXES = {
    "events_sender_type_time": "sender_id, type_name, timestamp",
    "events_sender_id": "sender_id, id",
}
# Any constant: the PostgreSQL advisory lock that serialises creating the indexes.
SCHEMA_LOCK_KEY = 7_406_112
PATIENCE_SECONDS = float(os.environ.get("TRACKER_DB_PATIENCE_SECONDS", "20"))
# Set on the trackers this store loads: the time of the conversation's latest erasure
# seen before loading (None: never erased).
ERASED_AT_LOAD = "lantern_erased_at_load"
NOT_LOADED_HERE = object()


class IndexedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        table = self.SQLEvent.__tablename__
        with self.engine.begin() as connection:
            if self.engine.dialect.name == "postgresql":
                # Instances starting together on a new database would race to create
                # the same index ("duplicate key … pg_class_relname_nsp_index"; IF NOT
                # EXISTS does not guard against that): one at a time, until commit.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_KEY})")
            for name, columns in TRACKER_INDEXES.items():
                connection.exec_driver_sql(
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"
                )
            connection.exec_driver_sql(CREATE_TOMBSTONES)
            connection.exec_driver_sql(CREATE_TOMBSTONES_INDEX)
        self._lock_conversation = sa.text(
            conversation_lock_statement(self.engine.dialect.name, ":sender")
        )
        self._tombstone = sa.text(
            f"SELECT erased_at FROM {TOMBSTONES_TABLE} WHERE sender_id = :sender"  # noqa: S608
        )
        events = self.SQLEvent.__tablename__
        self._latest_loop = sa.text(
            f"SELECT data FROM {events} WHERE sender_id = :sender "  # noqa: S608 - a constant
            # A new session or a restart ends a form without an active_loop event.
            "AND type_name IN ('active_loop', 'session_started', 'restart') "
            "ORDER BY id DESC LIMIT 1"
        )
        self._latest_requested_slot = sa.text(
            f"SELECT data FROM {events} WHERE sender_id = :sender AND type_name = 'slot' "  # noqa: S608
            "AND data LIKE '%\"requested_slot\"%' ORDER BY id DESC LIMIT 1"
        )

        self._latest_pause = sa.text(
            f"SELECT type_name FROM {events} WHERE sender_id = :sender "  # noqa: S608 - a constant
            # A new session or a restart ends a pause too (Rasa resets the tracker).
            "AND type_name IN ('pause', 'resume', 'session_started', 'restart') "
            "ORDER BY id DESC LIMIT 1"
        )
        self._user_message_times = sa.text(
            f"SELECT min(timestamp), max(timestamp) FROM {events} "  # noqa: S608 - a constant
            "WHERE sender_id = :sender AND type_name = 'user'"
        )

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await _patiently(super().retrieve, sender_id)

    async def get_or_create_tracker(
        self,
        sender_id: str,
        max_event_history: int | None = None,
        append_action_listen: bool = True,
    ) -> DialogueStateTracker:
        """Rasa's; a new conversation, too, remembers the erasure seen before it was looked for."""
        self.max_event_history = max_event_history
        tracker, erased_at = await _patiently(self._load_latest_session, sender_id)
        if tracker is None:
            tracker = self.init_tracker(sender_id)
            setattr(tracker, ERASED_AT_LOAD, erased_at)
            if append_action_listen:
                tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
            await self.save(tracker)
        return tracker

    async def _load_latest_session(self, sender_id: str):
        return self._load(sender_id, fetch_events_from_all_sessions=False)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        return self._load(sender_id, fetch_events_from_all_sessions)[0]

    def _load(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> tuple[DialogueStateTracker | None, float | None]:
        """The conversation's tracker (None if it has no events), and its latest erasure's
        time, read first: an erasure after that makes this tracker one never to save."""
        with self.session_scope() as session:
            erased_at = session.execute(self._tombstone, {"sender": sender_id}).scalar()
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]
        if not events or not self.domain:
            return None, erased_at
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, ERASED_AT_LOAD, erased_at)
        return tracker, erased_at

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """Rasa's (the events beyond those stored), counted under the conversation's
        database lock, and none at all when the conversation was erased after the tracker
        was loaded: with none stored, Rasa would otherwise write the whole of it back."""
        erased_at_load = getattr(tracker, ERASED_AT_LOAD, NOT_LOADED_HERE)
        if erased_at_load is NOT_LOADED_HERE:  # e.g. a tracker replaced through Rasa's API
            return super()._additional_events(session, tracker)
        session.execute(self._lock_conversation, {"sender": tracker.sender_id})
        erased_at = session.execute(self._tombstone, {"sender": tracker.sender_id}).scalar()
        if erased_at != erased_at_load:
            logger.info(
                "Conversation %s was erased during a turn: the turn is not saved.",
                tracker.sender_id,
            )
            return iter(())
        return super()._additional_events(session, tracker)

    async def form_state(self, sender_id: str) -> tuple[str | None, str | None]:
        """The active form and the slot it asks for, from two indexed reads of the latest
        events instead of a whole tracker (the channel asks on every message)."""
        return await _patiently(self._form_state, sender_id)

    async def _form_state(self, sender_id: str) -> tuple[str | None, str | None]:
        with self.session_scope() as session:
            latest = session.execute(self._latest_loop, {"sender": sender_id}).scalar()
            event = json.loads(latest) if latest else {}
            form = (event.get("name") or None) if event.get("event") == "active_loop" else None
            if form is None:
                return None, None
            slot = session.execute(self._latest_requested_slot, {"sender": sender_id}).scalar()
        return form, json.loads(slot).get("value") if slot else None

    async def is_paused(self, sender_id: str) -> bool:
        """Whether a person from the practice has the conversation (the bot is paused):
        one indexed read, on every message."""
        return await _patiently(self._read_paused, sender_id)

    async def _read_paused(self, sender_id: str) -> bool:
        with self.session_scope() as session:
            latest = session.execute(self._latest_pause, {"sender": sender_id}).scalar()
        return latest == "pause"

    async def user_message_times(self, sender_id: str) -> tuple[float | None, float | None]:
        """When the conversation's first and latest visitor messages were stored (one
        indexed read; the channel asks on every message for the AI reminder)."""
        return await _patiently(self._read_user_message_times, sender_id)

    async def _read_user_message_times(self, sender_id: str) -> tuple[float | None, float | None]:
        with self.session_scope() as session:
            first, latest = session.execute(self._user_message_times, {"sender": sender_id}).one()
        return first, latest

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        return await _patiently(super().retrieve_full_tracker, sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await _patiently(super().save, tracker)


async def _patiently(call, argument):
    """Retry while the database cannot be reached (it is restarting, or failing over)."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    delay = 0.25
    while True:
        try:
            return await call(argument)
        except DBAPIError as error:
            if not error.connection_invalidated and "connect" not in str(error).lower():
                raise
            if time.monotonic() + delay > deadline:
                raise
            logger.warning("Tracker store unreachable; retrying in %.1f s.", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


def without_memory_fallback(agent: Any) -> None:
    """Take away Rasa's FailSafeTrackerStore, which on any database error answers from an
    empty in-memory conversation and keeps what follows only in memory."""
    store = getattr(agent, "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore):
        agent.tracker_store = store._tracker_store
        if getattr(agent, "processor", None) is not None:
            agent.processor.tracker_store = store._tracker_store


class LanternLockStore(InMemoryLockStore):
    def __init__(self, endpoint_config: Any = None, redis_url: str | None = None) -> None:
        super().__init__()
        url = redis_url or os.environ.get("REDIS_URL") or None
        self.redis = redis.asyncio.Redis.from_url(url) if url else None
        logger.info("Lock store: %s", "redis-py Lock on REDIS_URL" if url else "in memory")

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[Any, None]:
        if self.redis is None:
            async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as held:
                yield held
            return
        # The lifetime bounds a turn whose process died; waiting is bounded by it too.
        held = self.redis.lock(
            LOCK_KEY_PREFIX + conversation_id,
            timeout=lock_lifetime,
            sleep=0.02,
            blocking_timeout=lock_lifetime,
            thread_local=False,
        )
        if not await held.acquire():
            raise LockError(f"Could not acquire the lock for conversation '{conversation_id}'.")
        try:
            yield held
        finally:
            try:
                await held.release()
            except RedisLockError:  # it outlived its lifetime: another turn may have it now
                logger.warning("The lock of conversation %s expired while held.", conversation_id)
