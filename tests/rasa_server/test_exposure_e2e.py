"""What the embedded profile exposes: the REST channel alone, on loopback, with limits.

socket.io took any sender id, skipped the REST channel's checks and size limits
and checked no origin; Rasa listened on every interface and read a body of any
size. The request-rate limits are tested in tests/rasa_server/test_channel_trust.py
(this stack raises them: its tests are one client sending a lot).
"""

import pytest
import requests
import yaml

from tests.rasa_server.test_smoke_e2e import listening_addresses
from tests.support.stack import PROJECT_DIR

pytestmark = pytest.mark.e2e


def test_only_the_rest_channel_is_configured():
    channels = yaml.safe_load((PROJECT_DIR / "credentials.yml").read_text())
    assert list(channels) == ["bot.rasa_channel.ValidatedRestInput"]


def test_socketio_is_not_served(stack):
    response = requests.get(stack.url("rasa", "/socket.io/?EIO=4&transport=polling"), timeout=10)
    assert response.status_code == 404


def test_rasa_listens_on_loopback_only(stack):
    assert listening_addresses(stack.ports["rasa"]) == {"127.0.0.1"}


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
