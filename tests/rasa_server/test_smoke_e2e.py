"""The real Rasa server, action server and web process, talked to over HTTP."""

import json
import sqlite3
import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e


def webhook(stack):
    return stack.url("rasa", "/webhooks/rest/webhook")


def say(stack, text, sender=None, **metadata):
    sender = sender or uuid.uuid4().hex
    response = requests.post(
        webhook(stack), json={"sender": sender, "message": text, "metadata": metadata}, timeout=60
    )
    assert response.status_code == 200, response.text
    return " ".join(reply.get("text", "") for reply in response.json())


def test_greeting_discloses_an_ai(stack):
    reply = say(stack, "hi")
    assert "AI self-help assistant" in reply
    assert "not a therapist" in reply
    assert "emergency number" in reply


def test_asked_whether_human_it_says_ai(stack):
    assert "AI program, not a human" in say(stack, "are you a real person?")


def test_the_widgets_region_is_kept_in_the_conversation(stack):
    sender = uuid.uuid4().hex
    say(stack, "hello", sender=sender, region="nz")
    database = stack.var_dir / "tracker.db"
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (sender,)
        ).fetchall()
    slots = [json.loads(data) for (data,) in rows]
    assert {"event": "slot", "name": "region", "value": "nz"}.items() <= slots[-1].items()


@pytest.mark.parametrize(
    "body",
    [
        b'{"sender": "e2e-empty", "message": ""}',
        b'{"message": "hi"}',
        b"{this is not json",
        b"\xff\xfe not utf-8",
        b"[1, 2, 3]",
        b'{"sender": ["a"], "message": "hi"}',
    ],
)
def test_bad_input_gets_a_clear_4xx(stack, body):
    response = requests.post(webhook(stack), data=body, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]


def test_a_long_message_is_cut_and_answered(stack):
    message = "hello " * 5_000  # 30,000 characters: under MAX_BODY_KB, over MAX_MESSAGE_CHARS
    response = requests.post(
        webhook(stack), json={"sender": uuid.uuid4().hex, "message": message}, timeout=120
    )
    assert response.status_code == 200
    assert response.json(), "a 30,000-character message should still get a reply"


def test_rasa_http_api_is_off(stack):
    response = requests.get(stack.url("rasa", "/conversations/anyone/tracker"), timeout=10)
    assert response.status_code in (401, 403, 404)


def test_action_server_listens_on_loopback_only(stack):
    assert listening_addresses(stack.ports["actions"]) == {"127.0.0.1"}


def test_web_page_is_served_and_rasa_allows_its_origin(stack):
    page = requests.get(stack.url("web", "/"), timeout=10)
    assert page.status_code == 200
    assert stack.env["RASA_PUBLIC_URL"] in page.text
    origin = stack.env["WEB_ORIGINS"]
    preflight = requests.options(
        webhook(stack),
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert preflight.headers.get("Access-Control-Allow-Origin") == origin


def listening_addresses(port: int) -> set[str]:
    """Local IPv4/IPv6 addresses with a socket listening on ``port`` (Linux /proc)."""
    addresses = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        with open(table) as file:
            next(file)
            for line in file:
                local, state = line.split()[1], line.split()[3]
                address, port_hex = local.split(":")
                if state == "0A" and int(port_hex, 16) == port:
                    addresses.add(_decode(address, width))
    return addresses


def _decode(address: str, width: int) -> str:
    if width == 8:
        return ".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0))
    return "::" if int(address, 16) == 0 else address
