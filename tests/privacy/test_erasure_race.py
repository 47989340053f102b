"""A visitor's erasure is never undone by a Rasa turn that loaded the conversation before it."""

import asyncio
import threading
import time

import pytest
import redis
from django.conf import settings
from django.db import connections
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered

from bot.rasa_stores import IndexedSQLTrackerStore, LanternLockStore
from bot.web import tracker as web_tracker
from bot.web.console.retention import erase
from bot.web.routers import TRACKER_ALIAS
from tests.support.services import REDIS_TEST_URL

pytestmark = pytest.mark.django_db(databases=["default", "tracker"], transaction=True)

VISITOR = "0123456789abcdef0123456789abcdef"
DOMAIN = Domain.from_yaml(
    "version: '3.1'\nslots:\n  risk_level:\n    type: any\n    mappings: []\n"
)
# Long enough for the erasure's thread to reach the lock it waits for.
MOMENT = 0.5


@pytest.fixture
def store():
    """Our tracker store, as the Rasa server runs it, on Django's test tracker database."""
    db = settings.DATABASES[TRACKER_ALIAS]
    if db["ENGINE"].endswith("sqlite3"):
        indexed = IndexedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db["NAME"]))
    else:
        indexed = IndexedSQLTrackerStore(
            DOMAIN,
            dialect="postgresql",
            host=db["HOST"] or "127.0.0.1",
            port=int(db["PORT"] or 5432),
            db=db["NAME"],
            username=db["USER"] or None,
        )
    yield indexed
    with indexed.session_scope() as session:
        session.query(indexed.SQLEvent).delete()
        session.commit()
    indexed.engine.dispose()


@pytest.fixture(params=["in memory", pytest.param("redis", marks=pytest.mark.redis)])
def profile(request, monkeypatch):
    """Each lock profile; the web process sees the same REDIS_URL as the Rasa server."""
    if request.param == "in memory":
        monkeypatch.delenv("REDIS_URL", raising=False)
        yield None
        return
    monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    yield REDIS_TEST_URL
    redis.Redis.from_url(REDIS_TEST_URL).delete(f"lantern:lock:{VISITOR}")


def with_locks(scenario):
    """Run ``scenario(locks)`` with Rasa's lock store of the profile, in one event loop."""

    async def main():
        locks = LanternLockStore()
        try:
            return await scenario(locks)
        finally:
            if locks.redis is not None:
                await locks.redis.close(close_connection_pool=True)

    return asyncio.run(main())


def texts(store, sender=VISITOR):
    tracker = asyncio.run(store.retrieve_full_tracker(sender))
    return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else []


async def turn(store, locks, text, while_holding_the_lock=None):
    """One Rasa turn as MessageProcessor runs it: load, add events and save, all under the lock."""
    async with locks.lock(VISITOR):
        tracker = await store.get_or_create_tracker(VISITOR, append_action_listen=False)
        tracker.update(UserUttered(text))
        tracker.update(SlotSet("risk_level", "high" if "hurt" in text else "none"))
        if while_holding_the_lock is not None:
            await while_holding_the_lock()
        await store.save(tracker)


class Erasure(threading.Thread):
    """The web process erasing the conversation, in a thread of its own like a gunicorn worker."""

    def __init__(self):
        super().__init__()
        self.erased, self.error = None, None

    def run(self):
        try:
            self.erased = erase(VISITOR)
        except Exception as error:  # noqa: BLE001 - handed to the test
            self.error = error
        finally:
            connections.close_all()  # this thread's own connections


def test_an_erasure_during_a_turn_is_not_undone_by_its_save(store, profile):
    erasure = Erasure()

    async def erase_meanwhile():
        erasure.start()
        await asyncio.sleep(MOMENT)  # the web process erases (or waits for the lock)

    async def scenario(locks):
        await turn(store, locks, "I want to hurt myself")
        await turn(store, locks, "still here", while_holding_the_lock=erase_meanwhile)

    with_locks(scenario)
    erasure.join(timeout=30)

    assert erasure.error is None
    assert texts(store) == []
    assert erasure.erased.highest_risk == "high"
    # With Redis the erasure waited for the turn and deleted its events too.
    assert erasure.erased.events == (4 if profile else 2)


def test_a_turn_after_the_erasure_starts_a_fresh_conversation(store, profile):
    async def scenario(locks):
        await turn(store, locks, "I want to hurt myself")
        erasure = Erasure()
        erasure.start()
        await asyncio.to_thread(erasure.join, 30)
        await turn(store, locks, "hello again")

    with_locks(scenario)

    assert texts(store) == ["hello again"]


def test_an_erasure_waits_for_a_save_already_writing(store, profile, monkeypatch):
    """Rasa counts the stored events, then writes those beyond the count: an erasure between
    the two would have it write the whole conversation back."""

    async def first_turn(locks):
        await turn(store, locks, "first")

    with_locks(first_turn)
    erasure = Erasure()
    rasas_additional_events = SQLTrackerStore._additional_events

    def erase_while_counting(self, session, tracker):
        erasure.start()
        time.sleep(MOMENT)
        return rasas_additional_events(self, session, tracker)

    monkeypatch.setattr(SQLTrackerStore, "_additional_events", erase_while_counting)
    tracker = asyncio.run(store.retrieve(VISITOR))
    tracker.update(UserUttered("second"))
    asyncio.run(store.save(tracker))  # as a turn whose lock outlived its lifetime would
    erasure.join(timeout=30)

    assert erasure.error is None
    assert texts(store) == []


@pytest.mark.redis
def test_with_redis_an_erasure_waits_only_so_long_for_a_stuck_turn(store, monkeypatch):
    monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    monkeypatch.setattr(web_tracker, "ERASURE_LOCK_WAIT_SECONDS", 0.5)
    with_locks(lambda locks: turn(store, locks, "hello"))
    stuck_turn = redis.Redis.from_url(REDIS_TEST_URL)
    stuck_turn.set(f"lantern:lock:{VISITOR}", "a turn", px=10_000)
    try:
        started = time.monotonic()
        with pytest.raises(web_tracker.ConversationBusy):
            erase(VISITOR)
        assert time.monotonic() - started < 5
    finally:
        stuck_turn.delete(f"lantern:lock:{VISITOR}")
    assert texts(store) == ["hello"]  # nothing half-done: the visitor can simply ask again


def test_with_redis_unreachable_the_erasure_fails_quickly_and_clearly(store, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    with_locks(lambda locks: turn(store, locks, "hello"))
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")  # nothing listens on port 9
    started = time.monotonic()
    with pytest.raises(web_tracker.ConversationBusy):
        erase(VISITOR)
    assert time.monotonic() - started < 5
    assert texts(store) == ["hello"]
