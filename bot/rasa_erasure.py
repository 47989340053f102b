"""What the web process and the Rasa server agree on to erase a conversation safely.

Rasa loads a conversation, runs the turn, then writes the events beyond those it
finds stored: if the web process erases the conversation in between, Rasa would
write it all back. So an erasure leaves a tombstone in the tracker database, in
the same transaction that deletes the events, and our tracker store writes no
tracker loaded before the conversation's latest tombstone. Both transactions
take the conversation's database lock first, so a save and an erasure never
interleave. With REDIS_URL the erasure also takes the conversation's Redis lock,
as a Rasa turn does, and so waits for a turn in progress.

Nothing here imports Rasa or Django: both processes use it.
"""

from __future__ import annotations

TOMBSTONES_TABLE = "lantern_erasures"
CREATE_TOMBSTONES = (
    f"CREATE TABLE IF NOT EXISTS {TOMBSTONES_TABLE} "
    "(sender_id VARCHAR(255) PRIMARY KEY, erased_at FLOAT NOT NULL)"
)
CREATE_TOMBSTONES_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {TOMBSTONES_TABLE}_erased_at ON {TOMBSTONES_TABLE} (erased_at)"
)
# A tombstone outlives any turn that could have loaded the conversation before it
# (a turn's lock lasts a minute), then goes, so the table stays small.
TOMBSTONE_DAYS = 1

# The Redis key of a conversation's lock (bot.rasa_stores.LanternLockStore).
LOCK_KEY_PREFIX = "lantern:lock:"

# PostgreSQL: a transaction-scoped advisory lock per conversation, in a key space of
# our own. SQLite has a single writer: a write statement first takes that lock.
POSTGRESQL_LOCK_SPACE = 0x4C414E54  # "LANT"
POSTGRESQL_LOCK = "SELECT pg_advisory_xact_lock({space}, hashtext({sender}))"
SQLITE_LOCK = f"UPDATE {TOMBSTONES_TABLE} SET erased_at = erased_at WHERE sender_id = {{sender}}"  # noqa: S608 - a placeholder


def conversation_lock_statement(vendor: str, placeholder: str) -> str:
    """The statement that opens an erasure's or a save's transaction, for ``vendor``
    ('postgresql' or 'sqlite'), with ``placeholder`` for the conversation id."""
    if vendor == "postgresql":
        return POSTGRESQL_LOCK.format(space=POSTGRESQL_LOCK_SPACE, sender=placeholder)
    if vendor == "sqlite":
        return SQLITE_LOCK.format(sender=placeholder)
    raise ValueError(f"The tracker store must be SQLite or PostgreSQL, not {vendor}.")
