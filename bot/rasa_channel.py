"""The REST channel the widget talks to: Rasa's RestInput behind a trust boundary.

Rasa's own RestInput answers a JSON array or a missing field with a 500, logs
message text on failure, takes the channel name from the request, and lets any
message that starts with ``/`` choose its intent and entities, after the risk
screen has run. This one:

- limits each client: request size, and messages per conversation and per address
  (bot.limits, the same numbers as the production profile's nginx), answering 413
  or 429 with the emergency number;
- validates the body (bot.messages) and never logs message text;
- accepts a payload only when it is one of the bot's own buttons (bot.payloads);
  any other text, ``/`` or not, is understood and screened as text, and a button
  whose words the risk screen flags is answered as those words;
- keeps contact details (emails, phone numbers, names, addresses, postcodes) out of
  the tracker store (bot.redaction), and a visitor's name and contact when the
  referral form asks for them
  (bot.private_answers): the risk screen reads the message as typed, Rasa stores it
  without them;
- answers a failure inside Rasa, or a turn that produced no reply, with a polite
  message that still points to emergency help;
- reminds the visitor that the bot is an AI once every three hours of one
  conversation (bot.disclosure);
- while a person from the practice has the conversation (Rasa's pause, bot.live), says
  nothing itself, except crisis help at once after a high or imminent message; and takes
  the live chat's own events from the web process (POST /webhooks/rest/live, with
  LIVE_CHAT_TOKEN), writing them like a turn, under the conversation's lock.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import Event
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import disclosure, limits, private_answers, rasa_speedups
from bot.client_address import client_address, trusted_proxies
from bot.live import events as live_events
from bot.live import wording as live_wording
from bot.live.config import live_chat_token
from bot.messages import SENDER_PATTERN, IncomingMessage, InvalidMessage, parse_webhook_body
from bot.payloads import PayloadAllowList
from bot.rasa_stores import without_memory_fallback
from bot.redaction import redact
from bot.regions import INTERNATIONAL, region_from_metadata
from bot.safety.crisis import ALERT_LEVELS, card
from bot.safety.entities import EXTRACTOR, from_entities
from bot.safety.resources import LOCAL_EMERGENCY_ADVICE, CrisisResources
from bot.safety.screen import default_screen

logger = logging.getLogger(__name__)

APOLOGY = (
    "Sorry, something went wrong on my side and I couldn't answer. Please try again. "
    "If you are in danger or might hurt yourself, call your local emergency number now."
)
# The same apology after risk language: the crisis footer (a static response) did not
# arrive either, so the channel gives the region's numbers itself.
CRISIS_APOLOGY = (
    "Sorry, something went wrong on my side and I couldn't answer properly. "
    "If you are in danger or might hurt yourself, {emergency} now.{services}"
)
TOO_FAST = (
    "You're sending messages faster than I can read them. Please wait a few seconds and "
    "send your message again. If you are in danger or might hurt yourself, {emergency} now."
)
TOO_LONG = (
    "That message is too long for me to read. Please send a shorter one. "
    "If you are in danger or might hurt yourself, {emergency} now."
)
# Command syntax glued to words ("/deny{}my stepdad...") would hide them from the screen.
COMMAND_SYNTAX = re.compile(r"[{}\[\]]")


class ValidatedRestInput(RestInput):
    """POST /webhooks/rest/webhook with {"sender", "message", "metadata"}."""

    def __init__(
        self, domain: str = "domain.yml", button_entities: str = "data/button_entities.yml"
    ) -> None:
        self.payloads = PayloadAllowList.from_files(domain, button_entities)
        self.resources = CrisisResources.load()
        burst, rate = limits.webhook_burst(), limits.rate_per_second()
        self.per_conversation = limits.TokenBuckets(rate=rate, burst=burst)
        self.per_address = limits.TokenBuckets(rate=rate, burst=burst)
        self.trusted_proxies = trusted_proxies()
        self.live_authorization = f"Bearer {live_chat_token()}"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ValidatedRestInput:
        rasa_speedups.install()  # the Rasa server builds its channels once, at start-up
        return cls(**(credentials or {}))

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
            if len(request.body or b"") > limits.max_body_bytes():
                return self._refusal(TOO_LONG, None, None, status=413)
            try:
                incoming = parse_webhook_body(request.body or b"")
            except InvalidMessage as error:
                return response.json({"error": str(error)}, status=400)
            region = region_from_metadata(incoming.metadata)
            address = client_address(
                request.ip, request.headers.get("x-forwarded-for"), self.trusted_proxies
            )
            if not (
                self.per_address.allow(address) and self.per_conversation.allow(incoming.sender)
            ):
                return self._refusal(TOO_FAST, incoming.sender, region, status=429)

            agent = getattr(request.app.ctx, "agent", None)
            without_memory_fallback(agent)
            collector = CollectingOutputChannel()
            try:
                live = await _paused(agent, incoming.sender)
                remind = not live and await _ai_reminder_due(agent, incoming.sender)
                message = await self._user_message(agent, incoming, collector, live)
                await on_new_message(message)
                if live:  # a person from the practice reads it; the bot stays quiet
                    help_now = await self._crisis_help_while_live(agent, message, region)
                    return response.json(collector.messages + help_now)
            except Exception:  # the visitor still gets an answer; details go to the log
                logger.exception("Handling a message failed (conversation %s).", incoming.sender)
                apology = self._apology(incoming.text, region)
                return response.json(
                    collector.messages + [{"recipient_id": incoming.sender, "text": apology}]
                )
            if not collector.messages:
                # Every turn of this bot says something: silence means a part failed on
                # the way (Rasa logs an unreachable action server and carries on).
                logger.warning("No reply for a message (conversation %s).", incoming.sender)
                apology = self._apology(incoming.text, region)
                return response.json([{"recipient_id": incoming.sender, "text": apology}])
            if remind:
                reminder = {"recipient_id": incoming.sender, "text": disclosure.reminder_text()}
                return response.json([reminder, *collector.messages])
            return response.json(collector.messages)

        @webhook.route("/live", methods=["POST"])
        async def live(request: Request) -> HTTPResponse:
            """The web process adds a live chat's events (bot.live.events) to a conversation."""
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), self.live_authorization.encode()):
                return response.json({"error": "Unauthorised."}, status=401)
            try:
                body = request.json
                sender = body["sender"] if isinstance(body, dict) else None
                checked = live_events.checked(body.get("events"))
            except (ValueError, live_events.InvalidLiveEvents) as error:
                return response.json({"error": str(error)}, status=400)
            if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
                return response.json({"error": "'sender' must be a conversation id."}, status=400)
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or agent.processor is None:
                return response.json({"error": "No model is loaded yet."}, status=503)
            without_memory_fallback(agent)
            await append_events(agent, sender, checked)
            return response.json({"added": len(checked)})

        return webhook

    async def _crisis_help_while_live(
        self, agent: Any, message: UserMessage, region: str | None
    ) -> list[dict[str, Any]]:
        """Crisis help at once for a high or imminent message to a person from the practice,
        kept in the conversation too: the person reads the message, but help must not
        wait for them to type."""
        result = from_entities((message.parse_data or {}).get("entities") or [])
        if result.level not in ALERT_LEVELS:
            return []
        where = region or INTERNATIONAL
        text = live_wording.text("crisis_while_live", where)
        crisis = card(result.level, result.categories, where)
        await append_events(
            agent,
            message.sender_id,
            [live_events.message(text, live_events.NOTICE, crisis=crisis, in_reply=True)],
        )
        return [{"recipient_id": message.sender_id, "text": text, "custom": crisis}]

    async def _user_message(
        self,
        agent: Any,
        incoming: IncomingMessage,
        collector: CollectingOutputChannel,
        live: bool = False,
    ) -> UserMessage:
        """The message Rasa handles: the text as typed, parsed as text unless it is a button
        (always parsed here while a person has the conversation: its flag is needed now)."""
        text = incoming.text
        metadata = dict(incoming.metadata)
        if incoming.truncated:
            metadata["truncated"] = True

        def message(shown: str, **extra: Any) -> UserMessage:
            return UserMessage(
                shown,
                collector,
                incoming.sender,
                input_channel=self.name(),
                metadata=extra.pop("metadata", metadata),
                **extra,
            )

        if agent is None or agent.processor is None:  # no model yet: Rasa answers that itself
            return message(text)
        payload = None if live else self.payloads.parse(text)
        if payload is not None:
            words = payload.entity_text
            if not words or not _flagged(await _parse(agent, words, incoming.sender, metadata)):
                return message(text)  # one of the bot's buttons: Rasa reads the payload

        private_slot = await _private_slot(agent, incoming.sender)
        stored = redact(text, region_from_metadata(metadata))
        if not text.startswith("/") and not private_slot and stored == text and not live:
            return message(text)  # the usual case: Rasa's NLU, the risk screen last

        # Parsed here, as typed, so that neither Rasa's slash syntax nor what is kept out of
        # the tracker store can change what the risk screen reads.
        parse_data = await _parse(agent, as_words(text), incoming.sender, metadata)
        if private_slot and not _flagged(parse_data):
            shown = private_answers.PLACEHOLDERS[private_slot]
            sealed = private_answers.seal(text)
            return message(
                shown,
                parse_data=_without_text(parse_data, shown),
                metadata={**metadata, private_answers.METADATA_KEY: sealed},
            )
        return message(stored, parse_data={**parse_data, "text": stored})

    def _apology(self, text: str, region: str | None) -> str:
        """The answer to a turn that failed on the way; after risk language it carries the
        region's emergency number and crisis lines, which the crisis footer would have."""
        try:
            flagged = default_screen().screen(as_words(text))
        except Exception:  # the apology itself must not fail
            logger.exception("Screening a failed turn's message failed.")
            return APOLOGY
        if flagged.level == "none":
            return APOLOGY
        emergency = self.resources.emergency_number(region)
        lines = [
            f"{service.name}: {service.phone}"
            for service in self.resources.for_region(region, list(flagged.categories))
            if service.phone
        ]
        return CRISIS_APOLOGY.format(
            emergency=f"call {emergency}" if emergency else LOCAL_EMERGENCY_ADVICE,
            services=f" You can talk to someone now: {', '.join(lines)}." if lines else "",
        )

    def _refusal(
        self, template: str, sender: str | None, region: str | None, status: int
    ) -> HTTPResponse:
        emergency = self.resources.emergency_number(region)
        advice = f"call {emergency}" if emergency else LOCAL_EMERGENCY_ADVICE
        return response.json(
            [{"recipient_id": sender or "", "text": template.format(emergency=advice)}],
            status=status,
        )


def as_words(text: str) -> str:
    """What NLU reads of a message: without a leading "/" and brackets, so that Rasa's
    command syntax neither applies nor hides the words next to it."""
    return COMMAND_SYNTAX.sub(" ", text.lstrip("/")).strip() or text


async def _parse(agent: Any, text: str, sender: str, metadata: dict) -> dict[str, Any]:
    return await agent.processor.parse_message(
        UserMessage(text, sender_id=sender, metadata=metadata)
    )


def _flagged(parse_data: dict[str, Any]) -> bool:
    """Whether the risk screen flagged the text (any level above none)."""
    return any(
        entity.get("entity") == "risk_level"
        and entity.get("extractor") == EXTRACTOR
        and entity.get("value") != "none"
        for entity in parse_data.get("entities") or []
    )


def _without_text(parse_data: dict[str, Any], shown: str) -> dict[str, Any]:
    """The parse result with the placeholder for text and only the risk screen's entities,
    which hold levels and rule ids, never words of the message."""
    return {
        "text": shown,
        "intent": parse_data.get("intent"),
        "intent_ranking": parse_data.get("intent_ranking", []),
        "entities": [
            entity
            for entity in parse_data.get("entities") or []
            if entity.get("extractor") == EXTRACTOR
        ],
    }


async def _ai_reminder_due(agent: Any, sender: str) -> bool:
    """Whether this message is the first past a three-hour mark of the conversation."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return False
    first, previous = await disclosure.user_message_times(store, sender)
    return disclosure.reminder_due(first, previous, time.time())


async def _paused(agent: Any, sender: str) -> bool:
    """Whether a person from the practice has the conversation (Rasa's pause)."""
    store = getattr(agent, "tracker_store", None)
    if store is None or getattr(agent, "processor", None) is None:
        return False
    if hasattr(store, "is_paused"):  # ours: one indexed read
        return await store.is_paused(sender)
    tracker = await store.retrieve(sender)
    return tracker is not None and tracker.is_paused()


async def append_events(agent: Any, sender: str, events: list[dict[str, Any]]) -> None:
    """Add events to a conversation as a turn does: under its lock, then saved."""
    async with agent.lock_store.lock(sender):
        tracker = await agent.processor.get_tracker(sender)
        for event in events:
            tracker.update(Event.from_parameters(event))
        await agent.processor.save_tracker(tracker)


async def _private_slot(agent: Any, sender: str) -> str | None:
    """The form slot being asked for, when its answer must stay out of the tracker store."""
    store = agent.tracker_store
    if hasattr(store, "form_state"):  # ours: two indexed reads
        return private_answers.private_slot(*await store.form_state(sender))
    tracker = await store.retrieve(sender)
    if tracker is None:
        return None
    return private_answers.private_slot(
        tracker.active_loop_name, tracker.get_slot("requested_slot")
    )
