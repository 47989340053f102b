"""Live chat's steps: asking for a person, joining, talking, handing back, ending, leaving,
and what happens as time passes (a long wait, a responder whose console went quiet).

Each step that changes a chat's state first claims it in the database with a conditional
UPDATE (so two responders, or two pollers, never both win), then asks Rasa to add the
step's events to the conversation (bot.live.rasa_client); when Rasa cannot be reached the
claim is undone and the caller says so, so a conversation is never paused, or resumed,
without its record saying the same. Join, leave, hand-back, end and every staff message
go into the audit trail, never with message text.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bot.alerts.models import StaffAlert
from bot.live import events as live_events
from bot.live import rasa_client, wording
from bot.live.availability import availability
from bot.live.config import live_chat_settings
from bot.live.models import LiveChat, ResponderDuty
from bot.safety import alerts
from bot.safety.crisis import card
from bot.web.console.audit import record
from bot.web.tracker import events_after, highest_risk_level, last_event_id

logger = logging.getLogger(__name__)

OPEN = (LiveChat.State.WAITING, LiveChat.State.JOINED, LiveChat.State.CLOSING)
# Polls every second would otherwise write "seen" every second: to this much.
SEEN_RESOLUTION = timedelta(seconds=5)
SWEEP_INTERVAL_SECONDS = 1.0
_sweep_lock = threading.Lock()
_last_sweep = 0.0
_recorded_lately: dict[int, float] = {}  # responder's user id -> when this process wrote
VISITOR = "visitor"
SYSTEM = "live chat"  # the actor of steps nobody took: a long wait, a lost responder


class NotYours(Exception):
    """The chat is closed, or another responder has it."""


@dataclass(frozen=True)
class Request:
    chat: LiveChat | None  # None: nobody can join now
    text: str  # why not, for the visitor (empty when asked)
    after: int  # the conversation's latest event before the request: poll from here


def open_chat(conversation_id: str) -> LiveChat | None:
    return LiveChat.objects.filter(conversation_id=conversation_id, state__in=OPEN).first()


def request(conversation_id: str, region: str) -> Request:
    """The visitor asks for a person. Asking again while a request is open finds it."""
    after = last_event_id(conversation_id)
    if existing := open_chat(conversation_id):
        return Request(existing, "", after)
    now_available = availability()
    if not now_available.can_join:
        key = "closed" if not now_available.staffed_now else "nobody_free"
        text = wording.text(key, region, practice=settings.PRACTICE_NAME, hours=now_available.hours)
        record(VISITOR, "live_chat.unavailable", conversation_id, staffed=now_available.staffed_now)
        return Request(None, text, after)
    level = highest_risk_level(conversation_id)
    try:
        with transaction.atomic():
            chat = LiveChat.objects.create(
                conversation_id=conversation_id, region=region, risk_level=level
            )
    except IntegrityError:  # a second tab asked at the same moment: one request
        return Request(open_chat(conversation_id), "", after)
    text = wording.text("requested", region, practice=settings.PRACTICE_NAME)
    # A form the bot was asking stops: what the visitor types while waiting is not its
    # answers (a name or contact typed for the person would otherwise be taken).
    asked = [*live_events.STOP_FORM, live_events.message(text, live_events.NOTICE)]
    try:
        rasa_client.append(conversation_id, asked)
    except rasa_client.RasaUnreachable:  # the request stands; the queue shows it all the same
        logger.warning("Live chat %s: the 'asked' notice was not added.", chat.pk)
    alerts.enqueue(conversation_id, level, [], reason=StaffAlert.Reason.LIVE_CHAT)
    record(VISITOR, "live_chat.requested", conversation_id, chat=chat.pk, risk_level=level)
    return Request(chat, "", after)


def accept(chat_id: int, user) -> LiveChat:
    """A responder takes a waiting chat; NotYours when someone else was first."""
    name = (user.first_name or user.get_username())[: live_events.MAX_NAME_CHARS]
    now = timezone.now()
    claimed = LiveChat.objects.filter(pk=chat_id, state=LiveChat.State.WAITING).update(
        state=LiveChat.State.JOINED, responder=user, responder_name=name, joined_at=now
    )
    if not claimed:
        raise NotYours("Someone else has joined this chat, or it has closed.")
    chat = LiveChat.objects.get(pk=chat_id)
    joined = wording.text("joined", chat.region, practice=settings.PRACTICE_NAME, name=name)
    events = [
        *live_events.STOP_FORM,
        live_events.PAUSE,
        live_events.message(joined, live_events.NOTICE),
    ]
    try:
        rasa_client.append(chat.conversation_id, events)
    except rasa_client.RasaUnreachable:
        LiveChat.objects.filter(pk=chat_id, state=LiveChat.State.JOINED).update(
            state=LiveChat.State.WAITING, responder=None, responder_name="", joined_at=None
        )
        raise
    waited = int((now - chat.requested_at).total_seconds())
    record(user, "live_chat.joined", chat.conversation_id, chat=chat.pk, waited_seconds=waited)
    return chat


def say(chat: LiveChat, user, text: str) -> None:
    """A message from the responder who has the chat, to the visitor."""
    if chat.state != LiveChat.State.JOINED or chat.responder_id != user.pk:
        raise NotYours("Only the responder who joined can write in this chat.")
    rasa_client.append(
        chat.conversation_id,
        [live_events.message(text, live_events.STAFF, chat.responder_name)],
    )
    record(user, "live_chat.message", chat.conversation_id, chat=chat.pk, characters=len(text))


def hand_back(chat: LiveChat, user, ending: str = LiveChat.Ending.HANDED_BACK) -> None:
    """The responder gives the conversation back to the bot (or ends the live chat)."""
    if chat.state != LiveChat.State.JOINED or chat.responder_id != user.pk:
        raise NotYours("Only the responder who joined can hand this chat back.")
    key = "ended" if ending == LiveChat.Ending.ENDED else "handed_back"
    _close(chat, ending, [LiveChat.State.JOINED], key, resume=True)
    record(user, f"live_chat.{ending}", chat.conversation_id, chat=chat.pk)


def leave(conversation_id: str) -> LiveChat | None:
    """The visitor leaves the live chat (or the queue), quick exit included."""
    chat = open_chat(conversation_id)
    if chat is None:
        return None
    _close(
        chat,
        LiveChat.Ending.VISITOR_LEFT,
        [LiveChat.State.WAITING, LiveChat.State.JOINED],  # not one already closing
        "visitor_left",
        resume=chat.state == LiveChat.State.JOINED,
    )
    record(VISITOR, "live_chat.visitor_left", conversation_id, chat=chat.pk)
    return chat


def visitor_polled(chat: LiveChat, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if chat.visitor_seen_at >= now - SEEN_RESOLUTION:
        return  # recorded lately (the row was just read): no write
    LiveChat.objects.filter(pk=chat.pk).update(visitor_seen_at=now)


def responder_polled(user, now: datetime | None = None) -> None:
    """The responder's console asked for news: they are still there. Written at most
    every SEEN_RESOLUTION by this process (each of their pages polls every second)."""
    now = now or timezone.now()
    if _recorded_lately.get(user.pk, 0.0) > time.monotonic() - SEEN_RESOLUTION.total_seconds():
        return
    stale = Q(seen_at__isnull=True) | Q(seen_at__lt=now - SEEN_RESOLUTION)
    if not ResponderDuty.objects.filter(stale, user=user).update(seen_at=now):
        ResponderDuty.objects.get_or_create(user=user, defaults={"seen_at": now})
    _recorded_lately[user.pk] = time.monotonic()


def sweep_now_and_then() -> bool:
    """``sweep``, at most once a second in this process (every poll calls it); whether
    it ran."""
    global _last_sweep
    with _sweep_lock:
        if time.monotonic() - _last_sweep < SWEEP_INTERVAL_SECONDS:
            return False
        _last_sweep = time.monotonic()
    sweep()
    return True


def sweep(now: datetime | None = None) -> None:
    """What time decides, run on the widget's and the console's polls: a visitor who has
    waited too long is told so (once) with crisis help, and a chat whose responder's
    console went quiet goes back to the bot, so that no conversation stays paused
    without a person reading it."""
    config = live_chat_settings()
    now = now or timezone.now()
    overdue = LiveChat.objects.filter(
        state=LiveChat.State.WAITING,
        wait_told_at__isnull=True,
        requested_at__lt=now - timedelta(seconds=config.wait_seconds),
    )
    for chat in overdue:
        if LiveChat.objects.filter(pk=chat.pk, wait_told_at__isnull=True).update(wait_told_at=now):
            _tell_still_waiting(chat)
    quiet = now - timedelta(seconds=config.away_seconds)
    away = LiveChat.objects.filter(state=LiveChat.State.JOINED).filter(
        Q(responder__isnull=True)
        | Q(responder__live_duty__isnull=True)
        | Q(responder__live_duty__seen_at__isnull=True)
        | Q(responder__live_duty__seen_at__lt=quiet)
    )
    for chat in away:
        try:
            _close(chat, LiveChat.Ending.RESPONDER_AWAY, [LiveChat.State.JOINED],
                   "responder_away", resume=True)  # fmt: skip
        except (NotYours, rasa_client.RasaUnreachable):
            continue  # another poll did it, or Rasa is away: the next poll tries again
        record(SYSTEM, "live_chat.responder_away", chat.conversation_id, chat=chat.pk)


def live_messages(conversation_id: str, after: int) -> tuple[list[dict], int]:
    """The live chat's messages for the widget (a person's, and the chat's notices) after
    event ``after``, and the id to ask from next time."""
    found, latest = [], after
    for event_id, event in events_after(conversation_id, after):
        latest = event_id
        who = live_events.speaker(event)
        if who is None or live_events.in_reply(event):
            continue
        message = {"id": event_id, "text": event.get("text") or "", **who}
        custom = (event.get("data") or {}).get("custom")
        if isinstance(custom, dict):
            message["custom"] = custom
        found.append(message)
    return found, latest


def _tell_still_waiting(chat: LiveChat) -> None:
    text = wording.text("waiting_long", chat.region)
    crisis = card(chat.risk_level, (), chat.region or "intl")
    try:
        rasa_client.append(
            chat.conversation_id, [live_events.message(text, live_events.NOTICE, crisis=crisis)]
        )
    except rasa_client.RasaUnreachable:
        LiveChat.objects.filter(pk=chat.pk).update(wait_told_at=None)  # the next poll tries


def _close(chat: LiveChat, ending: str, states: list, key: str, resume: bool) -> None:
    """Claim the chat (CLOSING), add the closing notice (and resume the bot), then mark
    it CLOSED: a poll never sees it closed before the notice that says why."""
    claimed = LiveChat.objects.filter(pk=chat.pk, state__in=states).update(
        state=LiveChat.State.CLOSING
    )
    if not claimed:
        raise NotYours("This chat has already closed.")
    text = wording.text(
        key, chat.region, practice=settings.PRACTICE_NAME, name=chat.responder_name or "They"
    )
    events = [live_events.message(text, live_events.NOTICE)]
    if resume:
        events.append(live_events.RESUME)
    try:
        rasa_client.append(chat.conversation_id, events)
    except rasa_client.RasaUnreachable:
        LiveChat.objects.filter(pk=chat.pk, state=LiveChat.State.CLOSING).update(state=chat.state)
        raise
    LiveChat.objects.filter(pk=chat.pk).update(
        state=LiveChat.State.CLOSED, ending=ending, closed_at=timezone.now()
    )
