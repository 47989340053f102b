"""Benchmark the staff console on 10,000 conversations (500,000 Rasa events), on SQLite and
then on PostgreSQL, each time in throw-away databases. Run with `make bench-console`.

It measures:

- ingestion: ingest() reading all 500,000 events from Rasa's `events` table into the
  console's tables, then one incremental ingest() of 10,000 new events appended to existing
  conversations (target: under 1 s per 10,000 new events);
- pages, as a logged-in reviewer through Django's test Client: the review queue's first
  page, its page 50, the queue filtered by level and category, a text search, and the
  transcript of a 120-event conversation. Each page is loaded once to warm up, then
  5 times: the median and the max are reported (target: under 300 ms a page). On
  PostgreSQL the pages are timed after an ANALYZE, as autovacuum would soon have run one.

The events are realistic and always the same (fixed seed): visitor messages with intents,
confidences and the risk screen's entities (about 8% of conversations are flagged), bot
replies with buttons and crisis services, actions, slots and session starts, spread over
the last 60 days. Rasa's SQLTrackerStore creates the `events` table; the rows, built as
its save() builds them, are then inserted in bulk.

The parent process runs one child per backend
(`python -m tests.tools.bench_console --backend sqlite|postgresql`), so that each child
starts Django with its own DATABASE_URL and TRACKER_DB_URL. PostgreSQL is the server of
PG_TEST_URL (default below); the bench databases are created there and dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.safety.decide import ScreenResult
from bot.safety.entities import to_entities

CONVERSATIONS = 10_000
EVENTS = 500_000
MIN_EVENTS, MODE_EVENTS, MAX_EVENTS = 10, 20, 120  # per conversation: 50 on average
NEW_EVENTS = 10_000
NEW_EVENTS_PER_CONVERSATION = 50
RISKY_SHARE = 0.08
DAYS = 60
SEED = 1234
INSERT_CHUNK = 10_000
RUNS = 5
PAGE_TARGET_MS = 300
INCREMENTAL_TARGET_S = 1.0

PREFIX = "bench-console:"
PG_DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/lantern"
PG_WEB_DB, PG_TRACKER_DB = "lantern_bench", "lantern_bench_tracker"
PG_START_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

# --- what visitors say and the bot answers ---------------------------------------------

SEARCH_WORD = "exams"  # in two of the visitor messages below, so in some conversations

# intent: (visitor messages, action, bot reply, buttons)
TOPICS = {
    "greet": (
        ["hi", "hello there", "hey, is anyone there?"],
        "utter_greet",
        "Hi, I'm Lantern, an AI self-help assistant, not a therapist. What's on your mind?",
        ["Learn about anxiety", "Try a breathing exercise", "Talk to a therapist"],
    ),
    "ask_anxiety": (
        ["what is anxiety", "I feel anxious all the time", "I get so nervous before my exams"],
        "action_explain_topic",
        "Anxiety is the body's alarm system going off when there is no fire. It is common.",
        ["Tell me more", "Try a grounding exercise"],
    ),
    "ask_stress": (
        ["work is too much right now", "my exams are stressing me out", "I'm so stressed"],
        "action_explain_topic",
        "Stress is how we respond to pressure. A little helps; a lot for long wears us out.",
        ["Tell me more", "Try a breathing exercise"],
    ),
    "ask_sleep": (
        ["I can't sleep at night", "how do I fix my sleep", "I keep waking up at 3am"],
        "action_explain_topic",
        "Sleep problems are very common when we are worried. A steady wind-down can help.",
        ["Tell me more", "Sleep wind-down"],
    ),
    "ask_low_mood": (
        ["I've been feeling down for weeks", "nothing feels fun anymore", "I feel flat"],
        "action_explain_topic",
        "Low mood can make everything feel heavier. Small, doable steps often help first.",
        ["Tell me more", "Log my mood"],
    ),
    "tell_me_more": (
        ["tell me more", "go on", "what else?"],
        "action_explain_topic",
        "Here is what tends to help: noticing the pattern, naming it, and one small change.",
        ["Tell me more", "Back to the menu"],
    ),
    "do_box_breathing": (
        ["can we do a breathing exercise", "breathing please", "help me calm down"],
        "action_guide_exercise",
        "Let's try box breathing. Breathe in slowly for a count of four.",
        ["Next step", "Stop"],
    ),
    "next_step": (
        ["next", "ok done", "what's next"],
        "action_guide_exercise",
        "Now hold your breath gently for four, then breathe out for four.",
        ["Next step", "Repeat", "Stop"],
    ),
    "mood_checkin": (
        ["can I log my mood", "mood check-in", "I want to track how I feel"],
        "mood_checkin_form",
        "On a scale from 0 to 10, how has your mood been today?",
        ["0", "2", "4", "6", "8", "10"],
    ),
    "answer": (
        ["4", "about a 6", "pretty low, maybe 3"],
        "action_summarise_mood",
        "Thank you for sharing that. Your mood has been a little lower than last week.",
        [],
    ),
    "request_referral": (
        ["I'd like to talk to a real therapist", "can you refer me to someone"],
        "referral_form",
        "I can pass your details to the practice so a therapist can contact you. Is that ok?",
        ["Yes", "No"],
    ),
    "bot_challenge": (
        ["are you a real person?", "am I talking to a bot"],
        "utter_iamabot",
        "I'm an AI self-help assistant, not a person and not a therapist.",
        ["Talk to a therapist"],
    ),
    "thank": (
        ["thanks", "thank you, that helped", "cheers"],
        "utter_you_are_welcome",
        "You're welcome. I'm here whenever you want to come back.",
        [],
    ),
    "goodbye": (
        ["bye", "that's all for now", "goodnight"],
        "utter_goodbye",
        "Take care of yourself. Goodbye for now.",
        [],
    ),
}
FALLBACK = (
    ["asdf", "the purple one?", "hmm what about the other thing"],
    "action_default_fallback",
    "Sorry, I didn't quite understand. Could you say that another way?",
    ["Help menu"],
)
RISK_MESSAGES = {
    "suicide": ["I don't want to be here anymore", "I keep thinking about ending my life"],
    "self_harm": ["I cut myself again last night", "I want to hurt myself"],
    "overdose": ["I took all my pills", "how many of these would it take"],
    "harm_to_others": ["I'm going to hurt him", "I feel like I could kill someone"],
    "abuse": ["my partner hits me", "he won't let me leave the house"],
    "eating_disorder": ["I haven't eaten in days on purpose", "I make myself sick after meals"],
}
RISK_RULES = {
    "suicide": ["suicide.want_to_die", "suicide.end_life", "suicide.passive", "suicide.burden"],
    "self_harm": ["self_harm.current", "self_harm.urge", "self_harm.past"],
    "overdose": ["overdose.taken", "overdose.lethal_question", "overdose.intent"],
    "harm_to_others": ["harm_to_others.intent", "harm_to_others.anger"],
    "abuse": ["abuse.physical", "abuse.control"],
    "eating_disorder": ["eating_disorder.behaviour", "eating_disorder.thoughts"],
}
RISK_LEVELS, RISK_LEVEL_WEIGHTS = ["low", "high", "imminent"], [5, 4, 1]
CRISIS_REPLY = (
    "It sounds like you are going through something really painful. You deserve support "
    "right now: these services are free and confidential."
)
CRISIS_BUTTONS = ["I'm safe right now", "Talk to a therapist", "Show the numbers again"]
SERVICES = {
    "us": ["988 Suicide & Crisis Lifeline", "Crisis Text Line"],
    "uk": ["Samaritans", "Shout"],
    "ca": ["9-8-8 Suicide Crisis Helpline"],
    "au": ["Lifeline Australia", "Beyond Blue"],
}


@dataclass
class Plan:
    """One conversation to generate."""

    sender: str
    start: float  # epoch seconds
    events: int
    region: str
    risk_turns: dict  # turn number: (level, category)


# --- the parent: one child per backend --------------------------------------------------


def run_all() -> int:
    """Run both backends, print the summary; non-zero when a backend could not run."""
    results, ok = [], True
    with tempfile.TemporaryDirectory(prefix="lantern-bench-") as tmp:
        sqlite_lines = run_child("sqlite", sqlite_env(tmp))
        ok = ok and sqlite_lines is not None
        results += sqlite_lines or []
        server = os.environ.get("PG_TEST_URL") or PG_DEFAULT_URL
        if postgres_reachable(server):
            try:
                recreate_databases(server)
                postgres_lines = run_child("postgresql", postgresql_env(tmp, server))
                ok = ok and postgres_lines is not None
                results += postgres_lines or []
            finally:
                drop_databases(server)
        else:
            ok = False
            print(f"{PREFIX} PostgreSQL is not reachable at {_without_password(server)}.")
            print(f"  Start it with `{PG_START_HINT}` and run again. Only SQLite was measured.")
    print_summary(results)
    return 0 if ok else 1


def base_env(var_dir: str) -> dict:
    env = dict(os.environ)
    for name in ("DJANGO_DEBUG", "DJANGO_SECURE"):  # DEBUG off; no HTTPS redirects
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="bot.web.settings",
        DJANGO_ALLOWED_HOSTS="testserver",
        LANTERN_VAR_DIR=var_dir,
        LOG_LEVEL="WARNING",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore::DeprecationWarning",
    )
    return env


def sqlite_env(tmp: str) -> dict:
    var_dir = os.path.join(tmp, "sqlite")
    os.makedirs(os.path.join(var_dir, "static"))  # STATIC_ROOT, for whitenoise
    env = base_env(var_dir)
    env["DATABASE_URL"] = f"sqlite:///{var_dir}/web.db"
    env["TRACKER_DB_URL"] = f"sqlite:///{var_dir}/tracker.db"
    return env


def postgresql_env(tmp: str, server: str) -> dict:
    var_dir = os.path.join(tmp, "postgresql")
    os.makedirs(os.path.join(var_dir, "static"))
    env = base_env(var_dir)
    env["DATABASE_URL"] = _database_url(server, PG_WEB_DB)
    env["TRACKER_DB_URL"] = _database_url(server, PG_TRACKER_DB)
    return env


def run_child(backend: str, env: dict) -> list[dict] | None:
    """Run one backend, echoing its output; its result lines, or None when it failed.

    Its stderr (Rasa's dependencies' deprecation notices) is kept in a file and shown
    only when it fails."""
    command = [sys.executable, "-m", "tests.tools.bench_console", "--backend", backend]
    log_path = os.path.join(env["LANTERN_VAR_DIR"], "stderr.log")
    results = []
    with (
        open(log_path, "w") as log,
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=log, text=True) as child,
    ):
        for line in child.stdout:
            print(line, end="", flush=True)
            if line.startswith(PREFIX):
                results.append(dict(re.findall(r"(\w+)=(\S+)", line)))
    if child.returncode != 0:
        with open(log_path) as log:
            print(log.read()[-5000:], end="")
        print(f"{PREFIX} backend={backend} FAILED (exit status {child.returncode})")
        return None
    return results


def print_summary(results: list[dict]) -> None:
    medians = [float(r["median_ms"]) for r in results if "median_ms" in r]
    incremental = [float(r["incremental_10k_s"]) for r in results if "incremental_10k_s" in r]
    worst_page = max(medians, default=float("nan"))
    worst_incremental = max(incremental, default=float("nan"))
    met = worst_page < PAGE_TARGET_MS and worst_incremental < INCREMENTAL_TARGET_S
    print(
        f"{PREFIX} worst_page_ms={worst_page:.0f} incremental_10k_s={worst_incremental:.2f} "
        f"targets={'met' if met else 'MISSED'} (page<{PAGE_TARGET_MS}ms, "
        f"incremental<{INCREMENTAL_TARGET_S:.0f}s per 10k events)"
    )


def postgres_reachable(server: str) -> bool:
    import psycopg2

    try:
        _admin_connection(server).close()
    except psycopg2.OperationalError:
        return False
    return True


def recreate_databases(server: str) -> None:
    drop_databases(server)
    with closing(_admin_connection(server)) as connection, connection.cursor() as cursor:
        for name in (PG_WEB_DB, PG_TRACKER_DB):
            cursor.execute(f'CREATE DATABASE "{name}"')


def drop_databases(server: str) -> None:
    with closing(_admin_connection(server)) as connection, connection.cursor() as cursor:
        for name in (PG_WEB_DB, PG_TRACKER_DB):
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_connection(server: str):
    """An autocommit connection to the server's `postgres` database."""
    import psycopg2

    connection = psycopg2.connect(_database_url(server, "postgres"), connect_timeout=5)
    connection.autocommit = True
    return connection


def _database_url(server: str, name: str) -> str:
    return urlsplit(server)._replace(path=f"/{name}").geturl()


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()
    return url


# --- the child: one backend --------------------------------------------------------------


def run_backend(backend: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bot.web.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bot.web.routers import TRACKER_ALIAS
    from tests.tracker_events import sql_tracker_store

    call_command("migrate", database="default", verbosity=0)
    store = sql_tracker_store(settings.DATABASES[TRACKER_ALIAS])
    rng = random.Random(SEED)  # noqa: S311 - made-up conversations, not secrets
    plans = plan_conversations(rng)

    started = time.perf_counter()
    events = insert_conversations(rng, store, plans)
    print(f"{backend}: {events} events generated and inserted in {_since(started):.1f} s")

    ingest_s = timed_ingest(events)
    incremental_s = timed_ingest(append_events(rng, store, plans))
    print(
        f"{PREFIX} backend={backend} conversations={len(plans)} events={events} "
        f"ingest_s={ingest_s:.1f} ingest_s_per_10k={ingest_s / events * 10_000:.2f} "
        f"incremental_10k_s={incremental_s / NEW_EVENTS * 10_000:.2f}"
    )
    analyse_postgresql()
    for name, url in pages(longest=plans[0].sender).items():
        runs = time_page(url)
        print(
            f"{PREFIX} backend={backend} page={name} median_ms={statistics.median(runs):.0f} "
            f"max_ms={max(runs):.0f}"
        )


def insert_conversations(rng: random.Random, store, plans: list[Plan]) -> int:
    """Every planned event, in the order Rasa writes them (by time); returns how many.

    The rows are freed on return: half a million live objects would slow Python's
    garbage collector, and so every ingest() timed after this."""
    rows = sorted(
        (row for plan in plans for row in conversation_rows(rng, plan)),
        key=lambda row: row["timestamp"],
    )
    insert_rows(store, rows)
    return len(rows)


def insert_rows(store, rows: list[dict]) -> None:
    """One executemany per chunk: store.save() one tracker at a time would take hours."""
    table = store.SQLEvent.__table__
    with store.engine.begin() as connection:
        for start in range(0, len(rows), INSERT_CHUNK):
            connection.execute(table.insert(), rows[start : start + INSERT_CHUNK])


def timed_ingest(expected: int) -> float:
    from bot.web.console.ingest import ingest

    started = time.perf_counter()
    read = ingest()
    seconds = _since(started)
    if read != expected:
        raise SystemExit(f"ingest() read {read} events, expected {expected}")
    return seconds


def append_events(rng: random.Random, store, plans: list[Plan]) -> int:
    """NEW_EVENTS more events, now, in existing conversations (not the long one)."""
    count = NEW_EVENTS // NEW_EVENTS_PER_CONVERSATION
    now = time.time()
    rows = []
    for plan in rng.sample(plans[1:], count):
        events = turns(rng, plan, now - rng.uniform(0, 1800), new_session=False)
        rows += [_row(plan.sender, next(events)) for _ in range(NEW_EVENTS_PER_CONVERSATION)]
    rows.sort(key=lambda row: row["timestamp"])
    insert_rows(store, rows)
    return len(rows)


def analyse_postgresql() -> None:
    """Fresh planner statistics, as autovacuum would have them a minute later."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def pages(longest: str) -> dict[str, str]:
    from django.urls import reverse

    queue = reverse("console:queue")
    return {
        "queue": queue,
        "queue_page_50": f"{queue}?page=50",
        "queue_filtered": f"{queue}?level=2&category=suicide",
        "queue_search": f"{queue}?q={SEARCH_WORD}",
        "transcript": reverse("console:transcript", args=[longest]),
    }


def time_page(url: str) -> list[float]:
    """Milliseconds for RUNS loads of one page after a warm-up, as a reviewer."""
    client = reviewer_client()
    timings = []
    for run in range(RUNS + 1):
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code}")
        if run:  # the first load warms up
            timings.append(_since(started) * 1000)
    return timings


def reviewer_client():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from bot.web.console.roles import REVIEWER

    user, created = get_user_model().objects.get_or_create(username="bench-reviewer")
    if created:
        user.groups.add(Group.objects.get(name=REVIEWER))
    client = Client()
    client.force_login(user)
    return client


def _since(started: float) -> float:
    return time.perf_counter() - started


# --- generating the conversations ---------------------------------------------------------


def plan_conversations(rng: random.Random) -> list[Plan]:
    """CONVERSATIONS plans with EVENTS events in all; the first is MAX_EVENTS long."""
    counts = event_counts(rng)
    risky = set(rng.sample(range(CONVERSATIONS), round(CONVERSATIONS * RISKY_SHARE)))
    now = time.time()
    plans = []
    for number, count in enumerate(counts):
        risk_turns = plan_risk(rng, count) if number in risky else {}
        plans.append(
            Plan(
                sender=f"{rng.getrandbits(128):032x}",
                start=now - rng.uniform(2 * 3600, DAYS * 86400),
                events=count,
                region=rng.choice(list(SERVICES)),
                risk_turns=risk_turns,
            )
        )
    return plans


def event_counts(rng: random.Random) -> list[int]:
    counts = [
        round(rng.triangular(MIN_EVENTS, MAX_EVENTS, MODE_EVENTS)) for _ in range(CONVERSATIONS)
    ]
    counts[0] = MAX_EVENTS  # the transcript page's long conversation
    # Nudge the others one event at a time until the total is exactly EVENTS.
    missing = EVENTS - sum(counts)
    step = 1 if missing > 0 else -1
    number = 1
    while missing:
        if MIN_EVENTS <= counts[number] + step <= MAX_EVENTS:
            counts[number] += step
            missing -= step
        number = number % (CONVERSATIONS - 1) + 1
    return counts


def plan_risk(rng: random.Random, count: int) -> dict:
    """The turn of the first risk message (early enough to be in the conversation),
    sometimes followed by a second one in another category."""
    first = rng.randrange(max(1, count // 10))
    categories = rng.sample(list(RISK_MESSAGES), 2)
    level = rng.choices(RISK_LEVELS, RISK_LEVEL_WEIGHTS)[0]
    risk_turns = {first: (level, categories[0])}
    if rng.random() < 0.3:
        risk_turns[first + 2] = ("low", categories[1])
    return risk_turns


def conversation_rows(rng: random.Random, plan: Plan) -> list[dict]:
    events = turns(rng, plan, plan.start, new_session=True)
    return [_row(plan.sender, next(events)) for _ in range(plan.events)]


def turns(rng: random.Random, plan: Plan, at: float, new_session: bool):
    """Rasa events, endlessly: a session start (for a new conversation), then turns."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet

    if new_session:
        yield ActionExecuted("action_session_start", timestamp=at)
        yield SessionStarted(timestamp=at)
        yield ActionExecuted("action_listen", timestamp=at)
    number = 0
    while True:
        at += rng.uniform(5, 120)  # the visitor reads and types
        risk = plan.risk_turns.get(number) if new_session else None
        for event in turn(rng, plan, risk):
            event.timestamp = at
            at += rng.uniform(0.01, 0.4)
            yield event
        if new_session and number == 0:
            yield SlotSet("region", plan.region, timestamp=at)
        number += 1


def turn(rng: random.Random, plan: Plan, risk: tuple | None) -> list:
    """One visitor message and what follows it, up to the next action_listen."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet

    if risk:
        level, category = risk
        intent, confidence = f"crisis_{category}", 1.0
        text = rng.choice(RISK_MESSAGES[category])
        action, reply = "action_respond_to_crisis", CRISIS_REPLY
        buttons, crisis = CRISIS_BUTTONS, crisis_payload(plan.region, level, category)
    else:
        if rng.random() < 0.05:
            intent, confidence = "nlu_fallback", rng.uniform(0.2, 0.5)
            texts, action, reply, buttons = FALLBACK
        else:
            intent, confidence = rng.choice(list(TOPICS)), rng.uniform(0.55, 0.99)
            texts, action, reply, buttons = TOPICS[intent]
        text, crisis = rng.choice(texts), None
    events = [
        user_message(rng, plan, text, intent, confidence, risk),
        ActionExecuted(action, policy="TEDPolicy", confidence=rng.uniform(0.6, 1.0)),
        BotUttered(reply, bot_data(buttons, crisis), _utter_metadata(action)),
    ]
    if risk:
        events.append(SlotSet("risk_level", risk[0]))
    events.append(ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0))
    return events


def user_message(rng: random.Random, plan: Plan, text, intent, confidence, risk):
    """A visitor message as the NLU pipeline, with the risk screen, leaves it."""
    from rasa.shared.core.events import UserUttered

    result = (
        ScreenResult(risk[0], (risk[1],), rules=(rng.choice(RISK_RULES[risk[1]]),))
        if risk
        else ScreenResult()
    )
    entities = to_entities(result, len(text))
    ranking = [{"name": intent, "confidence": confidence}]
    ranking += [
        {"name": other, "confidence": (1 - confidence) / 2}
        for other in rng.sample([name for name in TOPICS if name != intent], 2)
    ]
    parse = {
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities,
        "text": text,
        "intent_ranking": ranking,
    }
    return UserUttered(
        text,
        parse["intent"],
        entities,
        parse,
        input_channel="rest",
        message_id=f"{rng.getrandbits(128):032x}",
        metadata={"region": plan.region},
    )


def bot_data(buttons: list[str], crisis: dict | None) -> dict:
    data = {
        "buttons": [{"title": b, "payload": f"/{b.lower().replace(' ', '_')}"} for b in buttons]
    }
    if crisis:
        data["custom"] = {"crisis": crisis}
    return data


def crisis_payload(region: str, level: str, category: str) -> dict:
    """The crisis services payload that bot.safety.crisis.plan_reply sends to the widget."""
    return {
        "level": level,
        "categories": [category],
        "region": region,
        "resources": [{"name": name, "available": "24/7"} for name in SERVICES[region]],
    }


def _utter_metadata(action: str) -> dict:
    return {"utter_action": action} if action.startswith("utter_") else {}


def _row(sender: str, event) -> dict:
    """The events row that SQLTrackerStore.save() writes for one event."""
    data = event.as_dict()
    return {
        "sender_id": sender,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Staff console page and ingest times.")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:
        run_backend(args.backend)
    else:
        sys.exit(run_all())


if __name__ == "__main__":
    main()
