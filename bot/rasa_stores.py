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
  the visitor is told about, never a silent loss.
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
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from redis.exceptions import LockError as RedisLockError
from sqlalchemy.exc import DBAPIError

logger = logging.getLogger(__name__)

# name -> columns; CREATE INDEX IF NOT EXISTS works on SQLite and PostgreSQL alike.
TRACKER_INDEXES = {
    "events_sender_type_time": "sender_id, type_name, timestamp",
    "events_sender_id": "sender_id, id",
}
LOCK_KEY_PREFIX = "lantern:lock:"
PATIENCE_SECONDS = float(os.environ.get("TRACKER_DB_PATIENCE_SECONDS", "20"))


class IndexedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        table = self.SQLEvent.__tablename__
        with self.engine.begin() as connection:
            for name, columns in TRACKER_INDEXES.items():
                connection.exec_driver_sql(
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"
                )

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await _patiently(super().retrieve, sender_id)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]
        if not events or not self.domain:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

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
