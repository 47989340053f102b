"""What the embedded profile exposes: the REST channel alone, on loopback, with limits.

socket.io took any sender id, skipped the REST channel's checks and size limits
and checked no origin; Rasa listened on every interface and read a body of any
size. The request-rate limits are tested in tests/unit/test_channel_trust.py
(this stack raises them: its tests are one client sending a lot).
"""

from pathlib import Path

import pytest
import requests
import yaml

from tests.e2e.stack import PROJECT_DIR

pytestmark = pytest.mark.e2e


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                addresses.add(address)
    return addresses


def test_only_the_rest_channel_is_configured():
    channels = yaml.safe_load((PROJECT_DIR / "credentials.yml").read_text())
    assert list(channels) == ["bot.rasa_channel.ValidatedRestInput"]


def test_socketio_is_not_served(stack):
    response = requests.get(stack.url("rasa", "/socket.io/?EIO=4&transport=polling"), timeout=10)
    assert response.status_code == 404


def test_rasa_listens_on_loopback_only(stack):
    addresses = listening_addresses(stack.ports["rasa"])
    assert addresses == {"0100007F"}  # 127.0.0.1, in /proc's byte order


def test_a_two_megabyte_body_is_refused(stack):
    body = '{"sender": "big", "message": "' + "x" * 2_000_000 + '"}'
    response = requests.post(
        stack.url("rasa", "/webhooks/rest/webhook"),
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 413
    assert "emergency number" in response.json()[0]["text"]
