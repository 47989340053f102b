"""Reading Rasa's tracker store incrementally into the console's summary tables.

Rasa's SQLTrackerStore appends one row per event to `events` (id, sender_id,
type_name, timestamp, intent_name, action_name, data). We remember the last id
read and, on each console request or `manage.py ingest_conversations`, read on
from there in batches. Only the console's tables are written.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from bot.regions import normalise_region
from bot.safety.rules import LEVELS
from bot.web.console.models import Conversation, Entry, IngestState
from bot.web.routers import TRACKER_ALIAS
from bot.web.tracker import EVENTS_TABLE

BATCH = 5000
# The bot's "I didn't understand" turns (data/rules/fallback.yml and Rasa's default).
FALLBACK_ACTIONS = frozenset(
    {"action_ask_affirmation", "utter_ask_rephrase", "utter_default", "action_default_fallback"}
)
# Actions that say nothing a reviewer needs: listening, and Rasa's own bookkeeping.
QUIET_ACTIONS = frozenset({"action_listen", "action_session_start"})
RISK_ENTITIES = {"risk_category": "categories", "risk_rule": "rules", "risk_modifier": "modifiers"}
SELECT = f"SELECT id, sender_id, type_name, timestamp, data FROM {EVENTS_TABLE}"  # noqa: S608
GAP_PATIENCE_SECONDS = 120
SUMMARY_FIELDS = (
    "last_event_at", "region", "highest_risk", "risk_categories", "user_messages", "fallbacks",
    "crisis_turns", "queue_rank",
)  # fmt: skip
ENTRY_FIELDS = (
    "conversation", "event_id", "at", "kind", "text", "intent", "confidence", "risk_level",
    "detail",
)  # fmt: skip
MAX_TRACKED_GAPS = 10_000  # a bigger jump is erased events, not transactions in flight


def ingest(batch: int = BATCH, now: float | None = None) -> int:
    """Read every event not yet read; returns how many were read."""
    connection = connections[TRACKER_ALIAS]
    if EVENTS_TABLE not in connection.introspection.table_names():
        return 0
    IngestState.objects.get_or_create(pk=1)
    total = 0
    while True:
        with transaction.atomic():
            state = IngestState.objects.select_for_update().get(pk=1)
            late = _read_ids(connection, [int(i) for i in state.gaps]) if state.gaps else []
            rows = _read(connection, state.last_event_id, batch)
            _store(late + rows)
            _track_gaps(state, late, rows, time.time() if now is None else now)
            state.save(update_fields=["last_event_id", "gaps"])
        total += len(late) + len(rows)
        if not rows:
            return total


def _track_gaps(state: IngestState, late: list[tuple], rows: list[tuple], now: float) -> None:
    """Remember ids skipped over: on PostgreSQL a transaction that took its ids first may
    commit after a later one. They are looked for again until GAP_PATIENCE_SECONDS pass
    (ids of rolled-back inserts, or of events erased before they were read, never come)."""
    found = {row[0] for row in late}
    gaps = {
        event_id: first_seen
        for event_id, first_seen in state.gaps.items()
        if int(event_id) not in found and now - first_seen < GAP_PATIENCE_SECONDS
    }
    if rows:
        read = {row[0] for row in rows}
        span = range(state.last_event_id + 1, rows[-1][0])
        if len(span) - len(read) <= MAX_TRACKED_GAPS:
            gaps.update({str(i): now for i in span if i not in read})
        state.last_event_id = rows[-1][0]
    state.gaps = gaps


def _read(connection, after: int, batch: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"{SELECT} WHERE id > %s ORDER BY id LIMIT %s", [after, batch])
        return cursor.fetchall()


def _read_ids(connection, event_ids: list[int]) -> list[tuple]:
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(event_ids))
        cursor.execute(f"{SELECT} WHERE id IN ({marks}) ORDER BY id", event_ids)
        return cursor.fetchall()


def _store(rows: list[tuple]) -> None:
    if not rows:
        return
    senders = {row[1] for row in rows}
    conversations = {
        c.conversation_id: c for c in Conversation.objects.filter(conversation_id__in=senders)
    }
    new = []
    entries = []
    for event_id, sender, type_name, timestamp, data in rows:
        at = datetime.fromtimestamp(float(timestamp or 0), tz=timezone.utc)
        conversation = conversations.get(sender)
        if conversation is None:
            conversation = Conversation(conversation_id=sender, started_at=at, last_event_at=at)
            conversations[sender] = conversation
            new.append(conversation)
        conversation.last_event_at = max(conversation.last_event_at, at)
        entry = _entry(conversation, event_id, type_name, at, _event(data))
        if entry is not None:
            entries.append(entry)
    Conversation.objects.bulk_create(new)
    # bulk_create sets primary keys on PostgreSQL and SQLite; read them back to be sure.
    ids = dict(
        Conversation.objects.filter(conversation_id__in=senders).values_list(
            "conversation_id", "pk"
        )
    )
    for conversation in conversations.values():
        conversation.pk = ids[conversation.conversation_id]
        conversation.update_rank()
    _write_rows(Conversation, SUMMARY_FIELDS, conversations.values(), update=True)
    for entry in entries:
        entry.conversation_id = entry.conversation.pk
    _write_rows(Entry, ENTRY_FIELDS, entries, update=False)


def _write_rows(model, fields: tuple[str, ...], objects, update: bool) -> None:
    """UPDATE (by id) or INSERT (skipping event ids already read) many rows in one go.

    Django's bulk_update builds a CASE expression per object and field in Python, and
    bulk_create converts value by value: together ten times slower than this."""
    connection = connections[DEFAULT_DB_ALIAS]
    columns = [model._meta.get_field(name) for name in fields]
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + ([obj.pk] if update else [])
        for obj in objects
    ]
    if not rows:
        return
    table = model._meta.db_table
    names = [field.column for field in columns]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement for all rows
            from psycopg2.extras import execute_values

            if update:
                assignments = ", ".join(f"{name} = v.{name}" for name in names)
                sql = (
                    f"UPDATE {table} AS t SET {assignments} FROM (VALUES %s) "  # noqa: S608
                    f"AS v({', '.join(names)}, id) WHERE t.id = v.id"
                )
            else:
                sql = (
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES %s "  # noqa: S608
                    "ON CONFLICT (event_id) DO NOTHING"
                )
            execute_values(cursor.cursor, sql, rows, page_size=1000)
        elif update:
            assignments = ", ".join(f"{name} = %s" for name in names)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)  # noqa: S608
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) "  # noqa: S608
                "ON CONFLICT (event_id) DO NOTHING",
                rows,
            )


def _event(data) -> dict:
    try:
        event = json.loads(data) if isinstance(data, str) else data
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _entry(conversation: Conversation, event_id: int, kind: str, at, event: dict) -> Entry | None:
    """The transcript line for one event, updating the conversation's summary on the way."""
    entry = Entry(conversation=conversation, event_id=event_id, at=at)
    if kind == "user":
        return _user_entry(conversation, entry, event)
    if kind == "bot":
        return _bot_entry(conversation, entry, event)
    if kind == "slot":
        name, value = event.get("name"), event.get("value")
        if name == "region" and normalise_region(value):
            conversation.region = normalise_region(value)
        entry.kind, entry.detail = Entry.Kind.SLOT, {"name": name, "value": value}
        return entry
    if kind == "action":
        name = event.get("name") or ""
        if name in QUIET_ACTIONS:
            return None
        if name in FALLBACK_ACTIONS:
            conversation.fallbacks += 1
        entry.kind, entry.detail = Entry.Kind.ACTION, {"name": name}
        entry.confidence = event.get("confidence")
        return entry
    if kind == "session_started":
        entry.kind = Entry.Kind.SESSION
        return entry
    return None


def _user_entry(conversation: Conversation, entry: Entry, event: dict) -> Entry:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    entry.kind = Entry.Kind.USER
    entry.text = str(event.get("text") or "")
    entry.intent = str(intent.get("name") or "")[:100]
    entry.confidence = intent.get("confidence")
    risk = {"categories": [], "rules": [], "modifiers": []}
    for entity in parse.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name == "risk_level" and value in LEVELS:
            entry.risk_level = LEVELS.index(value)
        elif name in RISK_ENTITIES:
            risk[RISK_ENTITIES[name]].append(value)
    entry.detail = risk
    region = normalise_region((event.get("metadata") or {}).get("region"))
    if region and not conversation.region:
        conversation.region = region
    conversation.user_messages += 1
    if entry.risk_level > conversation.highest_risk:
        conversation.highest_risk = entry.risk_level
    conversation.add_categories(risk["categories"])
    return entry


def _bot_entry(conversation: Conversation, entry: Entry, event: dict) -> Entry:
    data = event.get("data") or {}
    custom = data.get("custom") or {}
    entry.kind = Entry.Kind.BOT
    entry.text = str(event.get("text") or "")
    buttons = [b.get("title") for b in data.get("buttons") or [] if isinstance(b, dict)]
    entry.detail = {"buttons": buttons}
    if isinstance(custom, dict) and isinstance(custom.get("crisis"), dict):
        entry.detail["crisis"] = {
            "level": custom["crisis"].get("level"),
            "services": [r.get("name") for r in custom["crisis"].get("resources") or []],
        }
        conversation.crisis_turns += 1
    return entry
