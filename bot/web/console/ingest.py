"""Reading Rasa's tracker store incrementally into the console's summary tables.

Rasa's SQLTrackerStore appends one row per event to `events` (id, sender_id,
type_name, timestamp, intent_name, action_name, data). We remember the last id
read and, on each console request or `manage.py ingest_conversations`, read on
from there in batches. Only the console's tables are written.

Nothing in that table is trusted. Each event is checked against a small schema of the
fields the console reads (EVENT_SCHEMAS: types, sizes, allowed values); risk flags count
only when the risk screen (extractor RiskScreen) set them with known levels and
categories. An event that cannot be read is quarantined (QuarantinedEvent: its id and why,
never its content), logged without content and skipped, never retried: one bad row must
not stop the queue, exports, reports or retention.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DataError, connections, transaction

from bot.live import events as live_events
from bot.messages import MAX_MESSAGE_CHARS, SENDER_PATTERN
from bot.regions import normalise_region
from bot.safety import entities as screen
from bot.safety.rules import CATEGORIES, LEVELS, REPORTED_KINDS
from bot.web.console.models import Conversation, Entry, IngestState, QuarantinedEvent
from bot.web.routers import TRACKER_ALIAS
from bot.web.tracker import EVENTS_TABLE

BATCH = 5000
# The bot's "I didn't understand" turns (data/rules/fallback.yml and Rasa's default).
FALLBACK_ACTIONS = frozenset(
    {"action_ask_affirmation", "utter_ask_rephrase", "utter_default", "action_default_fallback"}
)
# Actions that say nothing a reviewer needs: listening, and Rasa's own bookkeeping.
QUIET_ACTIONS = frozenset({"action_listen", "action_session_start"})
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

logger = logging.getLogger(__name__)


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
            moment = time.time() if now is None else now
            _store_or_quarantine(late + rows, moment)
            _track_gaps(state, late, rows, moment)
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


# --- storing a batch ------------------------------------------------------------------------


def _store_or_quarantine(rows: list[tuple], now: float) -> None:
    """Store a batch; if the database refuses it, store its halves apart, down to the one
    row it refuses, which is quarantined. The checks below should leave nothing to refuse:
    this is so that whatever they miss costs one event, not the console."""
    try:
        with transaction.atomic():  # a savepoint: a refused batch leaves nothing behind
            _store(rows, now)
    except STORE_ERRORS as error:
        if len(rows) > 1:
            middle = len(rows) // 2
            _store_or_quarantine(rows[:middle], now)
            _store_or_quarantine(rows[middle:], now)
            return
        # The error's message can quote the event's content: only its class is kept.
        event_id, sender, type_name = rows[0][:3]
        reason = f"the database refused it ({type(error).__name__})"
        found = Conversation.objects.filter(conversation_id=sender)
        conversation = found.first() if _usable_conversation_id(sender) else None
        _quarantine([(event_id, conversation, sender, type_name, reason)])


def _store(rows: list[tuple], now: float) -> None:
    if not rows:
        return
    senders = {row[1] for row in rows if _usable_conversation_id(row[1])}
    conversations = {
        c.conversation_id: c for c in Conversation.objects.filter(conversation_id__in=senders)
    }
    now_at = datetime.fromtimestamp(now, tz=timezone.utc)
    new = []
    entries = []
    quarantined = []
    for event_id, sender, type_name, timestamp, data in rows:
        if sender not in senders:
            quarantined.append((event_id, None, sender, type_name, "conversation id: unusable"))
            continue
        at = _event_time(timestamp, now)
        conversation = conversations.get(sender)
        if conversation is None:
            started = at or now_at  # a conversation of bad events still expires with the rest
            conversation = Conversation(
                conversation_id=sender, started_at=started, last_event_at=started
            )
            conversations[sender] = conversation
            new.append(conversation)
        if at is None:
            quarantined.append((event_id, conversation, sender, type_name, "timestamp: unusable"))
            continue
        conversation.last_event_at = max(conversation.last_event_at, at)
        event, problem = _parse(type_name, data)
        if problem:
            quarantined.append((event_id, conversation, sender, type_name, problem))
            continue
        entry = _entry(conversation, event_id, type_name, at, event)
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
    _quarantine(quarantined)


def _quarantine(events: list[tuple]) -> None:
    """Record and log (event id, conversation or None, sender, type, reason): no content."""
    if not events:
        return
    records = []
    for event_id, conversation, sender, type_name, reason in events:
        sender_id, event_type = _shown(sender, 255), _shown(type_name, 64)
        logger.warning(
            "event %s (%s) of conversation %s quarantined: %s",
            event_id, event_type, sender_id, reason,
        )  # fmt: skip
        records.append(
            QuarantinedEvent(
                event_id=event_id, conversation=conversation, sender_id=sender_id,
                event_type=event_type, reason=reason[:255],
            )
        )  # fmt: skip
    QuarantinedEvent.objects.bulk_create(records, ignore_conflicts=True)


def _shown(value, length: int) -> str:
    """An id made safe to store, show and log: id characters only, the rest as "?"."""
    return NOT_ID_CHARACTERS.sub("?", value[:length]) if isinstance(value, str) else ""


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


# --- what an event must look like ------------------------------------------------------------

MAX_SCREEN_VALUE_CHARS = 100  # rule ids are about 35
MAX_NAME_CHARS = 255  # intent, action, slot, button and service names
MAX_BOT_TEXT_CHARS = 20_000
MAX_SLOT_VALUE_CHARS = 20_000  # form answers are visitor messages, up to MAX_MESSAGE_CHARS
MAX_ITEMS = 1_000  # entities, buttons, crisis services
# Rasa writes epoch seconds from its own clock; allow for instances' clocks disagreeing.
# A time far ahead would keep a conversation past retention and at the top of the queue.
CLOCK_SKEW_SECONDS = 86_400
# NUL and lone surrogates: PostgreSQL refuses them, and a page cannot encode them.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NOT_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9_.:@-]")
STORE_ERRORS: tuple[type[Exception], ...] = (DataError, ValueError)
try:  # PostgreSQL's errors from execute_values reach us unwrapped by Django
    from psycopg2 import DataError as PostgresDataError

    STORE_ERRORS += (PostgresDataError,)
except ImportError:  # pragma: no cover - psycopg2 is in requirements.lock
    pass

# A check returns None when the value is fine, else where and what is wrong, as
# ".field[2].name: not text"; it never quotes the value.
Check = Callable[[Any], "str | None"]


def text(max_chars: int, required: bool = False) -> Check:
    def check(value):
        if value is None:
            return ": missing" if required else None
        if not isinstance(value, str):
            return ": not text"
        if len(value) > max_chars:
            return f": longer than {max_chars} characters"
        if UNSTORABLE.search(value):
            return ": has characters a database cannot store"
        return None

    return check


def one_of(allowed, required: bool = False) -> Check:
    def check(value):
        if value is None:
            return ": missing" if required else None
        return None if isinstance(value, str) and value in allowed else ": not a known value"

    return check


def number(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ": not a number"
    try:
        return None if math.isfinite(value) else ": not a finite number"
    except OverflowError:  # an integer too big for a float
        return ": not a finite number"


def record(fields: dict[str, Check], required: bool = False) -> Check:
    """A JSON object; only the fields listed are read (Rasa adds others)."""

    def check(value):
        if value is None:
            return ": missing" if required else None
        if not isinstance(value, dict):
            return ": not an object"
        for name, field_check in fields.items():
            problem = field_check(value.get(name))
            if problem:
                return f".{name}{problem}"
        return None

    return check


def items(item_check: Check, max_items: int = MAX_ITEMS) -> Check:
    def check(value):
        if value is None:
            return None
        if not isinstance(value, list):
            return ": not a list"
        if len(value) > max_items:
            return f": more than {max_items} items"
        for index, item in enumerate(value):
            problem = item_check(item)
            if problem:
                return f"[{index}]{problem}"
        return None

    return check


def json_value(max_chars: int) -> Check:
    """Any JSON (a slot's value) that can be stored: bounded, finite, no NUL."""

    def check(value):
        pending, size = [value], 0
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                size += len(item)
                if UNSTORABLE.search(item):
                    return ": has characters a database cannot store"
            elif isinstance(item, dict):
                size += len(item)
                pending += [*item, *item.values()]
            elif isinstance(item, list):
                size += len(item)
                pending += item
            elif isinstance(item, float) and not math.isfinite(item):
                return ": not a finite number"
            if size > max_chars:
                return f": larger than {max_chars} characters"
        return None

    return check


SCREEN_VALUE = text(MAX_SCREEN_VALUE_CHARS, required=True)
ENTITY = record(
    {"entity": text(MAX_MESSAGE_CHARS, required=True), "extractor": text(100)}, required=True
)


def entity(value) -> str | None:
    """Any extractor's entity; the risk screen's own values must be short text."""
    problem = ENTITY(value)
    screened = problem is None and value.get("extractor") == screen.EXTRACTOR
    if screened and value["entity"] in screen.NAMES:
        value_problem = SCREEN_VALUE(value.get("value"))
        return f".value{value_problem}" if value_problem else None
    return problem


CRISIS = record(
    {
        "level": one_of(LEVELS),
        "resources": items(record({"name": text(MAX_NAME_CHARS)}, required=True)),
    }
)


def bot_custom(value) -> str | None:
    """Custom payloads are the widget's business; only their crisis services are read."""
    if isinstance(value, dict) and value.get("crisis") is not None:
        problem = CRISIS(value["crisis"])
        return f".crisis{problem}" if problem else None
    return None


SLOT = record(
    {"name": text(MAX_NAME_CHARS, required=True), "value": json_value(MAX_SLOT_VALUE_CHARS)}
)


def slot(value) -> str | None:
    """A slot; the risk level is set by the crisis action, only ever to a known level."""
    problem = SLOT(value)
    if (
        problem is None
        and value["name"] == "risk_level"
        and value.get("value") not in (None, *LEVELS)
    ):
        return ".value: not a known risk level"
    return problem


# The fields ingest reads of each event type; other types are only counted.
EVENT_SCHEMAS: dict[str, Check] = {
    "user": record(
        {
            "text": text(MAX_MESSAGE_CHARS),  # what the channels let through
            "parse_data": record(
                {
                    "intent": record({"name": text(MAX_MESSAGE_CHARS), "confidence": number}),
                    "entities": items(entity),
                }
            ),
            "metadata": record(
                {}
            ),  # its region goes through normalise_region, which takes anything
        }
    ),
    "bot": record(
        {
            "text": text(MAX_BOT_TEXT_CHARS),
            "data": record(
                {
                    "buttons": items(record({"title": text(MAX_NAME_CHARS)}, required=True)),
                    "custom": bot_custom,
                }
            ),
            # A live chat's message: who said it (bot.live.events).
            "metadata": record(
                {
                    live_events.METADATA_KEY: record(
                        {
                            "from": text(MAX_NAME_CHARS),
                            "name": text(live_events.MAX_NAME_CHARS),
                        }
                    )
                }
            ),
        }
    ),
    "slot": slot,
    "action": record({"name": text(MAX_NAME_CHARS, required=True), "confidence": number}),
    "session_started": record({}),
}


def _usable_conversation_id(sender) -> bool:
    # The id goes into the console's URLs and its 255-character column.
    return isinstance(sender, str) and len(sender) <= 255 and bool(SENDER_PATTERN.fullmatch(sender))


def _event_time(timestamp, now: float) -> datetime | None:
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        return None
    if not 0 <= timestamp <= now + CLOCK_SKEW_SECONDS:  # also NaN
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def _parse(type_name, data) -> tuple[dict | None, str | None]:
    """The event's JSON, or why it cannot be read."""
    try:
        event = json.loads(data) if isinstance(data, (str, bytes)) else data
    except (ValueError, RecursionError):  # also numbers past 4,300 digits, deep nesting
        return None, "data: not JSON"
    if not isinstance(event, dict):
        return None, "data: not a JSON object"
    if not isinstance(type_name, str) or event.get("event") != type_name:
        return None, "data: of another event type"
    check = EVENT_SCHEMAS.get(type_name)
    problem = check(event) if check else None
    return (None, problem.lstrip(".")) if problem else (event, None)


# --- transcript lines and summaries ----------------------------------------------------------


def _entry(conversation: Conversation, event_id: int, kind: str, at, event: dict) -> Entry | None:
    """The transcript line for one checked event, updating the conversation's summary."""
    entry = Entry(conversation=conversation, event_id=event_id, at=at)
    if kind == "user":
        return _user_entry(conversation, entry, event)
    if kind == "bot":
        return _bot_entry(conversation, entry, event)
    if kind == "slot":
        name, value = event["name"], event.get("value")
        if name == "region" and normalise_region(value):
            conversation.region = normalise_region(value)
        entry.kind, entry.detail = Entry.Kind.SLOT, {"name": name, "value": value}
        return entry
    if kind == "action":
        name = event["name"]
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
    entry.text = event.get("text") or ""
    entry.intent = (intent.get("name") or "")[:100]
    entry.confidence = intent.get("confidence")
    level, risk, ignored = screen_result(parse.get("entities") or [])
    if ignored:
        logger.warning(
            "event %s of conversation %s: %d risk entities not from the risk screen, or with "
            "unknown values, ignored",
            entry.event_id, conversation.conversation_id, ignored,
        )  # fmt: skip
    entry.risk_level = level
    entry.detail = risk
    region = normalise_region((event.get("metadata") or {}).get("region"))
    if region and not conversation.region:
        conversation.region = region
    conversation.user_messages += 1
    if level > conversation.highest_risk:
        conversation.highest_risk = level
    conversation.add_categories(risk["categories"])
    return entry


def screen_result(entities: list[dict]) -> tuple[int, dict, int]:
    """The risk screen's result (level rank, categories, rules, modifiers, the classifier's
    probability and evidence) from the entities it stored, and how many risk entities were
    ignored: those of any other extractor (a visitor can send entities) and values the
    screen never gives."""
    screen_entities = [found for found in entities if found["entity"] in screen.NAMES]
    trusted = [found for found in screen_entities if found.get("extractor") == screen.EXTRACTOR]
    ignored = len(screen_entities) - len(trusted)
    result = screen.from_entities(trusted)
    known = [c for c in result.categories if c in CATEGORIES]
    level = result.level if result.level in LEVELS else "none"
    if level != "none" and not known:  # the screen flags nothing without a category
        level = "none"
    if level == "none":
        known = []
    risk = {
        "categories": known,
        "rules": list(result.rules),
        "modifiers": [m for m in result.modifiers if m in REPORTED_KINDS],
    }
    if result.probability is not None:  # the classifier's, and why when it raised the flag
        risk["probability"] = result.probability
    if result.evidence:
        risk["evidence"] = list(result.evidence)
    ignored += len(result.categories) - len(known)
    ignored += len(result.modifiers) - len(risk["modifiers"])
    if result.level != level and any(found["entity"] == screen.LEVEL for found in trusted):
        ignored += 1
    return LEVELS.index(level), risk, ignored


def _bot_entry(conversation: Conversation, entry: Entry, event: dict) -> Entry:
    data = event.get("data") or {}
    custom = data.get("custom")
    entry.kind = Entry.Kind.BOT
    entry.text = event.get("text") or ""
    entry.detail = {"buttons": [button.get("title") for button in data.get("buttons") or []]}
    live = live_events.speaker(event)
    if live is not None and live["from"] == live_events.STAFF:  # a person from the practice
        entry.kind, entry.detail["name"] = Entry.Kind.STAFF, live["name"]
    elif live is not None:
        entry.detail["live_chat"] = True  # the live chat's own notice
    if isinstance(custom, dict) and custom.get("crisis") is not None:
        crisis = custom["crisis"]
        entry.detail["crisis"] = {
            "level": crisis.get("level"),
            "services": [service.get("name") for service in crisis.get("resources") or []],
        }
        conversation.crisis_turns += 1
    return entry
