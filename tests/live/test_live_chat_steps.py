"""Live chat's steps on the web process, with Rasa's live-chat endpoint stood in for.

What Rasa does with the events (pausing the bot, crisis help while paused) is tested
against the running processes in tests/live/test_live_chat_e2e.py.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections
from django.test import Client
from django.utils import timezone
from rasa.shared.core.events import Event

from bot.alerts.models import StaffAlert
from bot.live import events as live_events
from bot.live import rasa_client
from bot.live.config import live_chat_settings
from bot.live.models import LiveChat, ResponderDuty
from bot.web import live_chat
from bot.web.console.ingest import ingest
from bot.web.console.models import Entry
from bot.web.console.retention import erase
from bot.web.models import AuditEvent

pytestmark = [
    pytest.mark.console,  # runs on PostgreSQL too (make console-pg)
    pytest.mark.django_db(databases=["default", "tracker"], transaction=True),
]
VISITOR = "0123456789abcdef0123456789abcdef"
OTHER_VISITOR = "fedcba9876543210fedcba9876543210"


class StandInRasa:
    """Records what the web process asks Rasa to add; can be made unreachable."""

    def __init__(self) -> None:
        self.added: list[tuple[str, list[dict]]] = []
        self.reachable = True
        self.lock = threading.Lock()

    def append(self, conversation_id, events, config=None, session=None):
        if not self.reachable:
            raise rasa_client.RasaUnreachable("stand-in: down")
        live_events.checked(events)  # what the real endpoint accepts
        with self.lock:
            self.added.append((conversation_id, events))

    def texts(self, conversation_id=VISITOR) -> list[str]:
        added = (e for c, events in self.added if c == conversation_id for e in events)
        return [e["text"] for e in added if "text" in e]

    def kinds(self, conversation_id=VISITOR) -> list[str]:
        return [e["event"] for c, events in self.added if c == conversation_id for e in events]


@pytest.fixture
def rasa(monkeypatch):
    stand_in = StandInRasa()
    monkeypatch.setattr(rasa_client, "append", stand_in.append)
    return stand_in


@pytest.fixture
def staffed(monkeypatch):
    """Live chat on, all day, every day."""
    monkeypatch.setenv("LIVE_CHAT_HOURS", "mon-sun 00:00-24:00")
    monkeypatch.setenv("PRACTICE_TIME_ZONE", "UTC")
    live_chat_settings.cache_clear()
    yield
    live_chat_settings.cache_clear()


def responder(username: str, first_name: str = "", role: str = "responder"):
    user = get_user_model().objects.create_user(username, first_name=first_name)
    user.groups.add(Group.objects.get(name=role))
    return user


def on_duty(user, seen_ago: float = 0):
    ResponderDuty.objects.update_or_create(
        user=user,
        defaults={"available": True, "seen_at": timezone.now() - timedelta(seconds=seen_ago)},
    )
    return user


def actions(target=VISITOR) -> list[str]:
    return list(
        AuditEvent.objects.filter(target=target).order_by("id").values_list("action", flat=True)
    )


# --- asking --------------------------------------------------------------------------


def test_outside_staffed_hours_the_visitor_is_told_plainly(rasa, monkeypatch):
    monkeypatch.setenv("LIVE_CHAT_HOURS", "sat 00:00-00:01")
    live_chat_settings.cache_clear()
    on_duty(responder("sam", "Sam"))
    asked = live_chat.request(VISITOR, "uk")
    assert asked.chat is None
    assert "Nobody from Harbour Lane Therapy can join this chat right now" in asked.text
    assert "Saturday 00:00-00:01 (UTC time)" in asked.text
    assert "call 999" in asked.text  # the region's emergency number
    assert not LiveChat.objects.exists() and not rasa.added
    assert actions() == ["live_chat.unavailable"]
    live_chat_settings.cache_clear()


def test_in_hours_with_nobody_on_duty_the_visitor_is_told_so(rasa, staffed):
    sam = responder("sam", "Sam")
    ResponderDuty.objects.create(user=sam, available=False, seen_at=timezone.now())
    on_duty(responder("kim"), seen_ago=600)  # available, but the console closed long ago
    asked = live_chat.request(VISITOR, "us")
    assert asked.chat is None and "is free to join" in asked.text and "call 988" not in asked.text
    assert "call 911" in asked.text


def test_asking_queues_the_chat_tells_the_visitor_and_alerts_staff(rasa, staffed):
    on_duty(responder("sam", "Sam"))
    asked = live_chat.request(VISITOR, "us")
    assert asked.chat.state == LiveChat.State.WAITING and asked.chat.region == "us"
    assert any("I've asked someone from Harbour Lane Therapy" in t for t in rasa.texts())
    alert = StaffAlert.objects.get(conversation_id=VISITOR)
    assert alert.reason == StaffAlert.Reason.LIVE_CHAT and alert.level == "none"
    assert actions() == ["live_chat.requested"]
    again = live_chat.request(VISITOR, "us")  # a second tap, or a second tab
    assert again.chat.pk == asked.chat.pk and LiveChat.objects.count() == 1


# --- joining -------------------------------------------------------------------------


def test_joining_stops_any_form_pauses_the_bot_and_names_the_responder(rasa, staffed):
    sam = on_duty(responder("sam", "Sam"))
    chat = live_chat.request(VISITOR, "us").chat
    live_chat.accept(chat.pk, sam)
    chat.refresh_from_db()
    assert chat.state == LiveChat.State.JOINED and chat.responder == sam
    _, joined = rasa.added[-1]
    assert joined[:3] == [*live_events.STOP_FORM, live_events.PAUSE]
    assert joined[3]["text"].startswith("Sam from Harbour Lane Therapy has joined the chat.")
    assert actions()[-1] == "live_chat.joined"


def test_only_one_of_two_responders_racing_to_join_gets_the_chat(rasa, staffed):
    first, second = on_duty(responder("sam", "Sam")), on_duty(responder("kim", "Kim"))
    chat = live_chat.request(VISITOR, "us").chat
    outcomes, start = [], threading.Barrier(2)

    def join(user):
        start.wait()
        try:
            live_chat.accept(chat.pk, user)
            outcomes.append(user.username)
        except live_chat.NotYours:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=join, args=(user,)) for user in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["refused", "sam"], ["kim", "refused"])
    assert rasa.kinds().count("pause") == 1
    assert actions().count("live_chat.joined") == 1


def test_when_rasa_cannot_be_reached_joining_is_undone(rasa, staffed):
    sam = on_duty(responder("sam", "Sam"))
    chat = live_chat.request(VISITOR, "us").chat
    rasa.reachable = False
    with pytest.raises(rasa_client.RasaUnreachable):
        live_chat.accept(chat.pk, sam)
    chat.refresh_from_db()
    assert chat.state == LiveChat.State.WAITING and chat.responder is None
    rasa.reachable = True
    live_chat.accept(chat.pk, sam)  # and can be tried again


# --- talking, handing back, leaving ------------------------------------------------------


def test_only_the_responder_who_joined_can_write_and_the_audit_keeps_no_words(rasa, staffed):
    sam, kim = on_duty(responder("sam", "Sam")), on_duty(responder("kim", "Kim"))
    chat = live_chat.request(VISITOR, "us").chat
    live_chat.accept(chat.pk, sam)
    chat.refresh_from_db()
    with pytest.raises(live_chat.NotYours):
        live_chat.say(chat, kim, "Hello from someone else")
    live_chat.say(chat, sam, "Hi, I'm Sam. What's on your mind?")
    _, said = rasa.added[-1]
    assert said == [live_events.message("Hi, I'm Sam. What's on your mind?", "staff", "Sam")]
    entry = AuditEvent.objects.filter(action="live_chat.message").get()
    assert entry.actor == "sam" and entry.detail == {"chat": chat.pk, "characters": 33}
    assert "Sam" not in str(entry.detail)


def test_handing_back_resumes_the_bot_and_closes_the_chat(rasa, staffed):
    sam = on_duty(responder("sam", "Sam"))
    chat = live_chat.request(VISITOR, "us").chat
    live_chat.accept(chat.pk, sam)
    chat.refresh_from_db()
    live_chat.hand_back(chat, sam)
    _, back = rasa.added[-1]
    assert back[0]["text"].startswith("Sam has handed you back to Lantern")
    assert back[-1] == live_events.RESUME
    chat.refresh_from_db()
    assert chat.state == LiveChat.State.CLOSED and chat.ending == LiveChat.Ending.HANDED_BACK
    with pytest.raises(live_chat.NotYours):
        live_chat.hand_back(chat, sam)  # once
    assert actions()[-1] == "live_chat.handed_back"


def test_ending_says_what_to_do_in_danger(rasa, staffed):
    sam = on_duty(responder("sam", "Sam"))
    chat = live_chat.request(VISITOR, "au").chat
    live_chat.accept(chat.pk, sam)
    chat.refresh_from_db()
    live_chat.hand_back(chat, sam, LiveChat.Ending.ENDED)
    _, ended = rasa.added[-1]
    assert "Sam has ended the live chat" in ended[0]["text"] and "call 000" in ended[0]["text"]
    assert actions()[-1] == "live_chat.ended"


def test_a_visitor_who_leaves_the_queue_or_the_chat_is_out(rasa, staffed):
    sam = on_duty(responder("sam", "Sam"))
    live_chat.request(VISITOR, "us")
    live_chat.leave(VISITOR)
    assert rasa.kinds()[-1] == "bot"  # still waiting: the bot was never paused
    chat = live_chat.request(VISITOR, "us").chat
    live_chat.accept(chat.pk, sam)
    live_chat.leave(VISITOR)
    assert rasa.kinds()[-1] == "resume"
    assert live_chat.open_chat(VISITOR) is None and live_chat.leave(VISITOR) is None
    assert actions().count("live_chat.visitor_left") == 2


# --- as time passes ----------------------------------------------------------------------


def test_a_long_wait_is_told_once_with_crisis_help_and_the_request_stays(rasa, staffed):
    on_duty(responder("sam", "Sam"))
    chat = live_chat.request(VISITOR, "ca").chat
    live_chat.sweep(timezone.now() + timedelta(seconds=179))
    assert not any("nobody has been able to join" in t for t in rasa.texts())
    later = timezone.now() + timedelta(seconds=181)
    live_chat.sweep(later)
    live_chat.sweep(later + timedelta(seconds=30))
    told = [
        e for _, events in rasa.added for e in events if "nobody has been able" in e.get("text", "")
    ]
    assert len(told) == 1
    card = told[0]["data"]["custom"]["crisis"]
    assert card["region"] == "ca" and any(s.get("phone") for s in card["resources"])
    chat.refresh_from_db()
    assert chat.state == LiveChat.State.WAITING  # still in the queue


def test_a_chat_whose_responder_went_quiet_goes_back_to_the_bot(rasa, staffed):
    sam = on_duty(responder("sam", "Sam"))
    chat = live_chat.request(VISITOR, "us").chat
    live_chat.accept(chat.pk, sam)
    live_chat.sweep(timezone.now() + timedelta(seconds=30))
    assert rasa.kinds()[-1] != "resume"  # seen 30 s ago: still there
    live_chat.sweep(timezone.now() + timedelta(seconds=61))
    assert rasa.kinds()[-1] == "resume"
    assert "Sam's connection to this chat was lost" in rasa.texts()[-1]
    chat.refresh_from_db()
    assert chat.ending == LiveChat.Ending.RESPONDER_AWAY
    assert actions()[-1] == "live_chat.responder_away"


# --- the widget's endpoints ----------------------------------------------------------------


def test_the_widget_endpoints_refuse_what_is_not_a_widget_conversation(rasa, staffed):
    client = Client()
    refused = client.post(
        "/live/request", {"conversation_id": "abc"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "32 hex digits" in refused.json()["error"]
    assert client.post("/live/request", b"\xff", content_type="application/json").status_code == 400
    assert client.get("/live/not-an-id").status_code == 400
    assert client.get(f"/live/{VISITOR}?after=x").status_code == 400
    assert client.get(f"/live/{VISITOR}?after=\u00b9").status_code == 400
    assert client.post("/live/NOT/leave").status_code == 400


def test_the_widget_asks_polls_and_leaves(rasa, staffed, monkeypatch):
    on_duty(responder("sam", "Sam"))
    client = Client()
    monkeypatch.setattr(live_chat, "last_event_id", lambda conversation_id: 0)
    asked = client.post(
        "/live/request",
        {"conversation_id": VISITOR, "region": "nz"},
        content_type="application/json",
    )
    assert asked.json() == {"state": "waiting", "after": 0}
    news = client.get(f"/live/{VISITOR}?after=0").json()
    assert news["state"] == "waiting" and news["responder"] == ""
    assert client.get("/live/availability").json()["can_join"] is True
    assert client.post(f"/live/{VISITOR}/leave").json() == {"left": True}
    assert client.get(f"/live/{VISITOR}").json()["state"] == "closed"


def test_leaving_when_rasa_is_away_asks_to_try_again(rasa, staffed):
    sam = on_duty(responder("sam", "Sam"))
    chat = live_chat.request(VISITOR, "us").chat
    live_chat.accept(chat.pk, sam)
    rasa.reachable = False
    answer = Client().post(f"/live/{VISITOR}/leave")
    assert answer.status_code == 503 and "try again" in answer.json()["error"]
    assert live_chat.open_chat(VISITOR).state == LiveChat.State.JOINED  # nothing half-done


# --- the console ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"), [("reviewer", 403), ("responder", 200), ("admin", 200)]
)
def test_only_responders_and_admins_open_the_live_view(role, status, staffed):
    client = Client()
    client.force_login(responder("pat", role=role))
    assert client.get("/console/live/").status_code == status
    assert client.get("/console/live/queue.json").status_code == status


def test_a_reviewer_cannot_join(rasa, staffed):
    on_duty(responder("sam", "Sam"))
    chat = live_chat.request(VISITOR, "us").chat
    client = Client()
    client.force_login(responder("rita", role="reviewer"))
    assert client.post(f"/console/live/{chat.pk}/accept").status_code == 403
    chat.refresh_from_db()
    assert chat.state == LiveChat.State.WAITING


def test_the_console_queue_joins_writes_and_hands_back(rasa, staffed):
    sam = responder("sam", "Sam")
    client = Client()
    client.force_login(sam)
    client.post("/console/live/duty", {"available": "1"})
    assert ResponderDuty.objects.get(user=sam).available
    chat = live_chat.request(VISITOR, "us").chat
    live_chat.request(OTHER_VISITOR, "uk")
    LiveChat.objects.filter(conversation_id=OTHER_VISITOR).update(risk_level="high")
    queue = client.get("/console/live/queue.json").json()
    assert queue["waiting"] == 2
    assert [row["risk_level"] for row in queue["chats"]] == ["high", "none"]  # gravest first
    joined = client.post(f"/console/live/{chat.pk}/accept")
    assert joined.status_code == 302 and joined.url == f"/console/live/{chat.pk}/"
    assert client.post(f"/console/live/{chat.pk}/say", {"text": "  "}).status_code == 400
    assert client.post(f"/console/live/{chat.pk}/say", {"text": "Hello"}).json() == {"sent": True}
    client.post(f"/console/live/{chat.pk}/hand-back")
    chat.refresh_from_db()
    assert chat.ending == LiveChat.Ending.HANDED_BACK
    assert actions() == [
        "live_chat.requested", "live_chat.joined", "live_chat.message", "live_chat.handed_back",
    ]  # fmt: skip
    assert AuditEvent.objects.filter(actor="sam", action="live_chat.available").exists()


# --- erasure ----------------------------------------------------------------------------------


def test_erasing_a_conversation_removes_its_live_chats(rasa, staffed):
    sam = on_duty(responder("sam", "Sam"))
    chat = live_chat.request(VISITOR, "us").chat
    live_chat.accept(chat.pk, sam)
    live_chat.request(OTHER_VISITOR, "us")
    erase(VISITOR)
    assert list(LiveChat.objects.values_list("conversation_id", flat=True)) == [OTHER_VISITOR]


def test_retention_deletes_an_old_conversation_with_a_persons_messages(events):
    import time as clock

    from bot.web.console import retention
    from tests import tracker_events

    old = clock.time() - 91 * 86400
    staff_message = live_events.message("I'm Sam, from the practice.", live_events.STAFF, "Sam")
    tracker_events.chat(events, VISITOR, at=old)
    tracker_events.save(events, VISITOR, [Event.from_parameters(staff_message)], at=old)
    tracker_events.chat(events, OTHER_VISITOR)  # recent: kept
    LiveChat.objects.create(conversation_id=VISITOR, state=LiveChat.State.CLOSED)
    ingest()
    assert Entry.objects.filter(kind=Entry.Kind.STAFF, detail__name="Sam").count() == 1

    result = retention.purge_expired(timezone.now(), days=90)
    assert result["conversations"] == 1
    assert tracker_events.senders(events) == {OTHER_VISITOR}
    assert not LiveChat.objects.filter(conversation_id=VISITOR).exists()
    assert not Entry.objects.filter(kind=Entry.Kind.STAFF).exists()


def test_a_poll_while_closing_sees_the_chat_open_until_its_notice_is_there(
    rasa, staffed, monkeypatch
):
    sam = on_duty(responder("sam", "Sam"))
    chat = live_chat.request(VISITOR, "us").chat
    live_chat.accept(chat.pk, sam)
    chat.refresh_from_db()
    seen_while_adding = []
    add = rasa.append

    def slow_append(conversation_id, events, config=None, session=None):
        seen_while_adding.append(Client().get(f"/live/{VISITOR}").json()["state"])
        add(conversation_id, events)

    monkeypatch.setattr(rasa_client, "append", slow_append)
    live_chat.hand_back(chat, sam)
    assert seen_while_adding == ["joined"]
    assert Client().get(f"/live/{VISITOR}").json()["state"] == "closed"


def test_asking_stops_a_form_so_words_for_the_person_are_not_its_answers(rasa, staffed):
    on_duty(responder("sam", "Sam"))
    live_chat.request(VISITOR, "us")
    _, asked = rasa.added[-1]
    assert asked[:2] == list(live_events.STOP_FORM)


def test_crisis_help_already_in_the_reply_is_not_polled_again(rasa, staffed, events):
    from tests import tracker_events

    shown = live_events.message("While they read…", live_events.NOTICE, in_reply=True)
    staff = live_events.message("Are you safe right now?", live_events.STAFF, "Sam")
    tracker_events.save(events, VISITOR, [Event.from_parameters(e) for e in (shown, staff)])
    messages, _ = live_chat.live_messages(VISITOR, 0)
    assert [m["text"] for m in messages] == ["Are you safe right now?"]


def test_availability_says_whether_live_chat_is_on(monkeypatch):
    monkeypatch.setenv("LIVE_CHAT_HOURS", "")
    live_chat_settings.cache_clear()
    try:
        assert Client().get("/live/availability").json() == {
            "enabled": False, "can_join": False, "staffed_now": False, "hours": "no hours are set",
        }  # fmt: skip
    finally:
        live_chat_settings.cache_clear()


def test_exports_say_which_messages_a_person_from_the_practice_wrote(events, staffed):
    import csv
    import io

    from tests import tracker_events

    staff = live_events.message("Hi, I'm Sam. Call us on 555-0134.", live_events.STAFF, "Sam")
    tracker_events.chat(events, VISITOR)
    tracker_events.save(events, VISITOR, [Event.from_parameters(staff)])
    client = Client()
    client.force_login(responder("rita", role="reviewer"))
    body = b"".join(client.get("/console/export?format=csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["speaker"] for row in rows] == ["visitor", "bot", "staff"]
    assert rows[-1]["text"] == "Hi, I'm [name]. Call us on [phone]."  # redacted like the rest
