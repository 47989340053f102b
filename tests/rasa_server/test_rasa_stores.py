"""The lock store keeps one conversation's turns apart across instances; the tracker indexes."""

import asyncio
import threading
import uuid

import psycopg2
import pytest
import redis
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot.rasa_stores import TRACKER_INDEXES, IndexedSQLTrackerStore, LanternLockStore
from tests.support import services


async def turns_overlap(stores, conversation_id, turns=40):
    """Run ``turns`` turns of one conversation spread over ``stores`` (instances)."""
    inside, overlaps, order = 0, 0, []

    async def turn(number):
        nonlocal inside, overlaps
        store = stores[number % len(stores)]
        async with store.lock(conversation_id, lock_lifetime=10, wait_time_in_seconds=0.001):
            inside += 1
            overlaps += inside > 1
            await asyncio.sleep(0.002)  # the turn's work, with a chance for others to cut in
            order.append(number)
            inside -= 1

    await asyncio.gather(*(turn(n) for n in range(turns)))
    return overlaps, order


@pytest.mark.redis
def test_two_instances_never_handle_one_conversation_at_once(redis_url):
    async def run():
        instances = [LanternLockStore(redis_url=redis_url) for _ in range(2)]
        try:
            return await asyncio.wait_for(turns_overlap(instances, uuid.uuid4().hex), 60)
        finally:
            for instance in instances:
                await instance.redis.close(close_connection_pool=True)

    overlaps, order = asyncio.run(run())
    assert overlaps == 0
    assert sorted(order) == list(range(40))


def test_without_redis_it_is_rasas_in_memory_ticket_lock(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    store = LanternLockStore()
    assert store.redis is None
    overlaps, order = asyncio.run(turns_overlap([store], "one-process"))
    assert overlaps == 0 and order == list(range(40))  # tickets keep arrival order


@pytest.mark.redis
def test_a_lock_left_by_a_dead_instance_expires(redis_url):
    conversation = uuid.uuid4().hex
    redis.Redis.from_url(redis_url).set(f"lantern:lock:{conversation}", "dead", px=300)

    async def run():
        store = LanternLockStore(redis_url=redis_url)
        try:
            async with store.lock(conversation, lock_lifetime=5):
                return True
        finally:
            await store.redis.close(close_connection_pool=True)

    assert asyncio.run(run())


def test_tracker_store_adds_the_indexes_rasa_does_not(tmp_path):
    import sqlalchemy as sa

    store = IndexedSQLTrackerStore(host=f"sqlite:///{tmp_path}/tracker.db")
    IndexedSQLTrackerStore(host=f"sqlite:///{tmp_path}/tracker.db")  # again: no error
    names = {index["name"] for index in sa.inspect(store.engine).get_indexes("events")}
    assert set(TRACKER_INDEXES) <= names


def test_tracker_store_reads_back_the_latest_session_in_order(tmp_path):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.from_yaml("version: '3.1'\nslots:\n  mood:\n    type: any\n    mappings: []\n")
    store = IndexedSQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    old = [SessionStarted(timestamp=1), UserUttered("old", timestamp=2)]
    new = [SessionStarted(timestamp=3), ActionExecuted("action_listen", timestamp=4)]
    new += [UserUttered("hi", timestamp=5), SlotSet("mood", 7, timestamp=6)]
    asyncio.run(store.save(DialogueStateTracker.from_events("c1", old + new, domain.slots)))

    latest = asyncio.run(store.retrieve("c1"))
    assert list(latest.events) == new
    assert latest.get_slot("mood") == 7
    assert list(asyncio.run(store.retrieve_full_tracker("c1")).events) == old + new
    assert asyncio.run(store.retrieve("nobody")) is None


def test_a_tracker_loaded_before_its_conversation_was_erased_is_never_written_back(tmp_path):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_erasure import TOMBSTONES_TABLE

    store = IndexedSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))

    def said(sender="c1"):
        tracker = asyncio.run(store.retrieve_full_tracker(sender))
        return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else []

    first = asyncio.run(store.get_or_create_tracker("c1"))  # as Rasa's: new, listening, saved
    assert [e.action_name for e in first.events] == ["action_listen"]
    first.update(UserUttered("hi"))
    asyncio.run(store.save(first))
    in_flight = asyncio.run(store.retrieve("c1"))
    in_flight.update(UserUttered("more"))

    with store.engine.begin() as connection:  # what the web process's erasure does
        connection.exec_driver_sql(
            f"INSERT INTO {TOMBSTONES_TABLE} VALUES ('c1', 1.5)"  # noqa: S608 - a constant
        )
        connection.exec_driver_sql("DELETE FROM events WHERE sender_id = 'c1'")
    asyncio.run(store.save(in_flight))
    assert said() == []

    fresh = asyncio.run(store.get_or_create_tracker("c1", append_action_listen=False))
    fresh.update(UserUttered("again"))
    asyncio.run(store.save(fresh))
    assert said() == ["again"]

    elsewhere = DialogueStateTracker.from_events("c2", [UserUttered("made by hand")])
    asyncio.run(store.save(elsewhere))  # not loaded here: saved as Rasa saves it
    assert said("c2") == ["made by hand"]


@pytest.mark.parametrize(
    ("events", "state"),
    [
        ([], (None, None)),
        ([ActiveLoop("referral_form"), SlotSet("requested_slot", "ref_contact")],
         ("referral_form", "ref_contact")),
        ([ActiveLoop("referral_form"), SlotSet("requested_slot", "ref_name"),
          SlotSet("region", "uk")], ("referral_form", "ref_name")),
        ([ActiveLoop("referral_form"), SlotSet("requested_slot", "ref_name"), ActiveLoop(None)],
         (None, None)),
        ([ActiveLoop("referral_form"), SlotSet("requested_slot", "ref_name"), SessionStarted()],
         (None, None)),
    ],
)  # fmt: skip
def test_the_form_state_is_read_without_loading_the_tracker(tmp_path, events, state):
    """What the channel asks on every message: the active form and its requested slot."""
    store = IndexedSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    tracker = DialogueStateTracker.from_events("form-state", [])
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert asyncio.run(store.form_state("form-state")) == state


def test_the_times_of_a_visitors_messages_are_read_without_loading_the_tracker(tmp_path):
    """What the channel asks on every message for the three-hourly AI reminder."""
    store = IndexedSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    assert asyncio.run(store.user_message_times("new")) == (None, None)
    tracker = DialogueStateTracker.from_events("times", [])
    for timestamp in (1000.0, 1500.0, 9000.0):
        tracker.update(UserUttered("hi", timestamp=timestamp))
        tracker.update(BotUttered("hello", timestamp=timestamp + 1))
    asyncio.run(store.save(tracker))
    assert asyncio.run(store.user_message_times("times")) == (1000.0, 9000.0)


def start_together(instances: int, database: str) -> list[Exception]:
    """Build ``instances`` tracker stores on ``database`` at the same moment; the errors."""
    server = make_url(services.PG_TEST_URL)
    barrier, errors, stores = threading.Barrier(instances), [], []

    def start():
        barrier.wait()
        try:
            stores.append(
                IndexedSQLTrackerStore(
                    Domain.empty(),
                    dialect="postgresql",
                    host=server.host or "127.0.0.1",
                    port=server.port or 5432,
                    db=database,
                    username=server.username,
                    password=server.password,
                )
            )
        except Exception as error:  # every failure is reported, whatever its kind
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(instances)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.engine.dispose()
    return errors


@pytest.mark.postgres
def test_instances_starting_together_on_a_new_database_all_start():
    """Several Rasa instances started at once on an empty PostgreSQL database: each
    creates the tracker indexes if missing, and none fails on another's."""
    for _ in range(3):
        admin = psycopg2.connect(services.PG_TEST_URL, dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute('DROP DATABASE IF EXISTS "lantern_store_race" WITH (FORCE)')
            cursor.execute('CREATE DATABASE "lantern_store_race"')
        admin.close()
        assert start_together(4, "lantern_store_race") == []
