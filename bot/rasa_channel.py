"""The REST channel the widget talks to: Rasa's RestInput with input validation.

Rasa's own RestInput answers a JSON array or a missing field with a 500, logs
message text on failure and takes the channel name from the request. This one
validates the body first (bot.messages), never logs message text, and answers a
failure inside Rasa, or a turn that produced no reply, with a polite message that
still points to emergency help.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_speedups
from bot.messages import InvalidMessage, parse_webhook_body
from bot.rasa_stores import without_memory_fallback

logger = logging.getLogger(__name__)
rasa_speedups.install()  # the Rasa server loads this channel once, at start-up

APOLOGY = (
    "Sorry, something went wrong on my side and I couldn't answer. Please try again. "
    "If you are in danger or might hurt yourself, call your local emergency number now."
)


# Rasa's own commands that rightly answer nothing (the conversation is reset or rewound).
SILENT_COMMANDS = ("/restart", "/back", "/session_start")


class ValidatedRestInput(RestInput):
    """POST /webhooks/rest/webhook with {"sender", "message", "metadata"}."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("lantern_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                incoming = parse_webhook_body(request.body or b"")
            except InvalidMessage as error:
                return response.json({"error": str(error)}, status=400)

            without_memory_fallback(getattr(request.app.ctx, "agent", None))
            metadata = dict(incoming.metadata)
            if incoming.truncated:
                metadata["truncated"] = True
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        incoming.text,
                        collector,
                        incoming.sender,
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            except Exception:  # the visitor still gets an answer; details go to the log
                logger.exception("Handling a message failed (conversation %s).", incoming.sender)
                return response.json(
                    collector.messages + [{"recipient_id": incoming.sender, "text": APOLOGY}]
                )
            if not collector.messages and not incoming.text.startswith(SILENT_COMMANDS):
                # Every turn of this bot says something: silence means a part failed on
                # the way (Rasa logs an unreachable action server and carries on).
                logger.warning("No reply for a message (conversation %s).", incoming.sender)
                return response.json([{"recipient_id": incoming.sender, "text": APOLOGY}])
            return response.json(collector.messages)

        return webhook
