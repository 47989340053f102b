"""Live chat through the real processes: the web process asks Rasa to pause the bot, a
person's messages become events of the conversation, the risk screen still reads every
visitor message and crisis help still comes at once, and handing back wakes the bot."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.support.chat import crisis_payload, send, stored_events, text_of
from tests.support.stack import Stack, csrf

pytestmark = pytest.mark.e2e
PASSWORD = "a long responder password 42"
CRISIS = "I'm going to kill myself tonight, I have the pills right here"


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("live-var"))
    stack.env.update({"LIVE_CHAT_HOURS": "mon-sun 00:00-24:00", "PRACTICE_TIME_ZONE": "UTC"})
    with stack:
        yield stack


@pytest.fixture(scope="module")
def responder(live_stack):
    """Sam, on duty: available, with the live view open (it polls the queue)."""
    session = live_stack.console_session("sam", PASSWORD, role="responder")
    answer = session.post(
        live_stack.url("web", "/console/live/duty"), data={"available": "1"}, headers=csrf(session)
    )
    assert answer.ok
    return session


def queue(stack, session) -> dict:
    return session.get(stack.url("web", "/console/live/queue.json"), timeout=30).json()


def ask_for_a_person(stack, visitor) -> int:
    answer = requests.post(
        stack.url("web", "/live/request"),
        json={"conversation_id": visitor, "region": "us"},
        timeout=30,
    )
    assert answer.json()["state"] == "waiting", answer.text
    return answer.json()["after"]


def news(stack, visitor, after=0) -> dict:
    return requests.get(stack.url("web", f"/live/{visitor}?after={after}"), timeout=30).json()


def test_the_live_chat_endpoint_needs_the_token(live_stack):
    url = live_stack.url("rasa", "/webhooks/rest/live")
    body = {"sender": uuid.uuid4().hex, "events": [{"event": "pause"}]}
    assert requests.post(url, json=body, timeout=30).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert requests.post(url, json=body, headers=wrong, timeout=30).status_code == 401
    secret = (live_stack.var_dir / "live_chat_token").read_text().strip()
    token = {"Authorization": f"Bearer {secret}"}
    forged = {**body, "events": [{"event": "slot", "name": "risk_level", "value": "none"}]}
    refused = requests.post(url, json=forged, headers=token, timeout=30)
    assert refused.status_code == 400 and "pause, resume" in refused.json()["error"]


def test_a_person_joins_talks_sees_flags_and_hands_back(live_stack, responder):
    visitor = uuid.uuid4().hex
    say = lambda text: send(live_stack, text, sender=visitor)  # noqa: E731
    queue(live_stack, responder)  # the live view is open: Sam counts as on duty

    # Asked for a person, the bot offers one (the widget draws the button), then the
    # appointment request as before.
    offered = say("can I talk to a real person")
    assert any("live_offer" in (reply.get("custom") or {}) for reply in offered), offered
    assert "Someone from Harbour Lane Therapy can join this chat now" in text_of(offered)
    after = ask_for_a_person(live_stack, visitor)
    waiting = queue(live_stack, responder)["chats"]
    chat = next(row for row in waiting if visitor.startswith(row["conversation"]))
    assert chat["state"] == "waiting"

    joined = responder.post(
        live_stack.url("web", f"/console/live/{chat['id']}/accept"), headers=csrf(responder)
    )
    assert joined.ok and f"/console/live/{chat['id']}/" in joined.url
    visitor_sees = news(live_stack, visitor, after)
    assert visitor_sees["state"] == "joined" and visitor_sees["responder"] == "sam"
    assert any(
        "sam from Harbour Lane Therapy has joined" in m["text"] for m in visitor_sees["messages"]
    )

    # The appointment form had asked its first question: joining stopped it, so the
    # words to Sam are not taken as its answer.
    words = "Sam, I just need to talk to someone"
    assert say(words) == []  # the bot is quiet
    stored = stored_events(live_stack, visitor)
    assert {"event": "active_loop", "name": None} in [
        {"event": e["event"], "name": e.get("name")} for e in stored if e["event"] == "active_loop"
    ]
    assert not [e for e in stored if e["event"] == "slot" and e.get("value") == words]
    sent = responder.post(
        live_stack.url("web", f"/console/live/{chat['id']}/say"),
        data={"text": "I'm here. What's happening?"},
        headers=csrf(responder),
    )
    assert sent.json() == {"sent": True}
    from_sam = news(live_stack, visitor, visitor_sees["after"])["messages"]
    assert from_sam == [
        {
            "id": from_sam[0]["id"],
            "text": "I'm here. What's happening?",
            "from": "staff",
            "name": "sam",
        }
    ]

    # A crisis message: crisis help at once to the visitor, the flag to Sam.
    helped = say(CRISIS)
    assert crisis_payload(helped)["level"] == "imminent"
    assert "call 911" in text_of(helped)
    lines = responder.get(
        live_stack.url("web", f"/console/live/{chat['id']}/chat.json?after=0"), timeout=30
    ).json()["lines"]
    flagged = [line for line in lines if line["from"] == "visitor" and line["text"] == CRISIS]
    assert flagged and flagged[0]["level"] == "imminent" and "suicide" in flagged[0]["categories"]

    # Handed back, the bot answers again.
    responder.post(
        live_stack.url("web", f"/console/live/{chat['id']}/hand-back"), headers=csrf(responder)
    )
    assert news(live_stack, visitor)["state"] == "closed"
    answered = say("what is anxiety")
    assert "anxiety" in text_of(answered).lower()

    # The console's transcript says who said what; erasure takes a person's words too.
    transcript = responder.get(live_stack.url("web", f"/console/conversations/{visitor}/"))
    assert "sam (staff, live chat)" in transcript.text
    deleted = requests.post(
        live_stack.url("web", "/privacy/delete-conversation"),
        json={"conversation_id": visitor},
        timeout=30,
    )
    assert deleted.json()["deleted"] is True and stored_events(live_stack, visitor) == []


def test_asking_for_a_person_with_nobody_on_duty_says_so(live_stack, responder):
    duty = live_stack.url("web", "/console/live/duty")
    responder.post(duty, data={"available": "0"}, headers=csrf(responder))
    try:
        replies = send(live_stack, "can I talk to a real person")
    finally:
        responder.post(duty, data={"available": "1"}, headers=csrf(responder))
    said = text_of(replies)
    assert "Nobody from Harbour Lane Therapy is free to join this chat right now" in said
    assert "call 911" in said
    assert not any("live_offer" in (reply.get("custom") or {}) for reply in replies)
