"""Sending messages to the cluster: through nginx, or straight to one Rasa instance."""

import secrets

import requests

WEBHOOK = "/webhooks/rest/webhook"


def new_conversation() -> str:
    return secrets.token_hex(16)


def send(cluster, conversation, text, via="nginx", timeout=90):
    """The HTTP response for one message (not raised on errors: tests look at them)."""
    return requests.post(
        cluster.url(via, WEBHOOK),
        json={"sender": conversation, "message": text, "metadata": {"region": "uk"}},
        headers={"X-Lantern-Conversation": conversation},
        timeout=timeout,
    )


def text_of(response) -> str:
    return " ".join(reply.get("text") or "" for reply in response.json())
