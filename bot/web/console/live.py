"""The console's live view: responders on duty, the queue of visitors asking for a person,
and the chat a responder has joined. Needs the ``live.respond`` permission (the responder
and admin roles). The pages poll their JSON every second (static/console/live.js).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bot.live import events as live_events
from bot.live import rasa_client
from bot.live.availability import availability
from bot.live.models import LiveChat, ResponderDuty
from bot.safety.rules import LEVELS
from bot.web import live_chat
from bot.web.console.audit import record
from bot.web.console.ingest import screen_result
from bot.web.console.roles import LIVE_CHAT_PERMISSION
from bot.web.console.views import staff
from bot.web.tracker import events_after

RASA_AWAY = "The chat service (Rasa) cannot be reached, so nothing was sent. Try again."


@staff(LIVE_CHAT_PERMISSION)
def live(request):
    live_chat.responder_polled(request.user)
    duty, _ = ResponderDuty.objects.get_or_create(user=request.user)
    return render(request, "console/live.html", {"duty": duty, "now": availability()})


@staff(LIVE_CHAT_PERMISSION)
@require_POST
def duty(request):
    available = request.POST.get("available") == "1"
    ResponderDuty.objects.update_or_create(
        user=request.user, defaults={"available": available, "seen_at": timezone.now()}
    )
    record(request, "live_chat.available" if available else "live_chat.unavailable")
    return redirect("console:live")


@never_cache
@staff(LIVE_CHAT_PERMISSION)
@require_GET
def queue_json(request):
    now = timezone.now()
    live_chat.responder_polled(request.user, now)
    live_chat.sweep_now_and_then()
    chats = LiveChat.objects.filter(state__in=live_chat.OPEN).order_by("requested_at")
    rows = [
        {
            "id": chat.pk,
            "conversation": chat.conversation_id[:8],
            "state": chat.state,
            "risk_level": chat.risk_level,
            "region": chat.region,
            "waited_seconds": int((now - chat.requested_at).total_seconds()),
            "visitor_quiet_seconds": int((now - chat.visitor_seen_at).total_seconds()),
            "responder": chat.responder_name,
            "mine": chat.responder_id == request.user.pk,
        }
        for chat in chats
    ]
    # Most urgent first: the gravest risk, then the longest wait.
    rows.sort(key=lambda row: (-LEVELS.index(row["risk_level"]), -row["waited_seconds"]))
    waiting = sum(1 for row in rows if row["state"] == LiveChat.State.WAITING)
    return JsonResponse({"chats": rows, "waiting": waiting})


@staff(LIVE_CHAT_PERMISSION)
@require_POST
def accept(request, chat_id: int):
    try:
        live_chat.accept(chat_id, request.user)
    except live_chat.NotYours as taken:
        messages.error(request, str(taken))
        return redirect("console:live")
    except rasa_client.RasaUnreachable:
        messages.error(request, RASA_AWAY)
        return redirect("console:live")
    return redirect("console:live-chat", chat_id=chat_id)


@staff(LIVE_CHAT_PERMISSION)
def chat_page(request, chat_id: int):
    chat = get_object_or_404(LiveChat, pk=chat_id)
    live_chat.responder_polled(request.user)
    record(request, "live_chat.viewed", chat.conversation_id, chat=chat.pk)
    return render(
        request,
        "console/live_chat.html",
        {
            "chat": chat,
            "mine": chat.responder_id == request.user.pk,
            "max_chars": live_events.MAX_TEXT_CHARS,
        },
    )


@never_cache
@staff(LIVE_CHAT_PERMISSION)
@require_GET
def chat_json(request, chat_id: int):
    chat = get_object_or_404(LiveChat, pk=chat_id)
    after = request.GET.get("after", "0")
    if not after.isdecimal():
        return JsonResponse({"error": "'after' must be an event id."}, status=400)
    now = timezone.now()
    live_chat.responder_polled(request.user, now)
    if live_chat.sweep_now_and_then():
        chat.refresh_from_db()  # the sweep may have closed it
    lines, latest = [], int(after)
    for event_id, event in events_after(chat.conversation_id, int(after)):
        latest = event_id
        line = transcript_line(event_id, event)
        if line is not None:
            lines.append(line)
    return JsonResponse(
        {
            "state": chat.state,
            "responder": chat.responder_name,
            "mine": chat.responder_id == request.user.pk,
            "visitor_quiet_seconds": int((now - chat.visitor_seen_at).total_seconds()),
            "lines": lines,
            "after": latest,
        }
    )


def transcript_line(event_id: int, event: dict) -> dict | None:
    """One line of the live transcript: who said what, with the risk screen's flag."""
    kind, text = event.get("event"), event.get("text")
    if kind == "user" and isinstance(text, str):
        level, risk, _ = screen_result(((event.get("parse_data") or {}).get("entities")) or [])
        return {"id": event_id, "from": "visitor", "text": text, "level": LEVELS[level], **risk}
    if kind == "bot" and isinstance(text, str):
        who = live_events.speaker(event) or {"from": "bot", "name": ""}
        custom = (event.get("data") or {}).get("custom")
        crisis = isinstance(custom, dict) and isinstance(custom.get("crisis"), dict)
        return {"id": event_id, "text": text, "crisis_help": crisis, **who}
    return None


@staff(LIVE_CHAT_PERMISSION)
@require_POST
def say(request, chat_id: int):
    chat = get_object_or_404(LiveChat, pk=chat_id)
    text = request.POST.get("text", "").strip()[: live_events.MAX_TEXT_CHARS]
    if not text:
        return JsonResponse({"error": "Write a message first."}, status=400)
    try:
        live_chat.say(chat, request.user, text)
    except live_chat.NotYours as error:
        return JsonResponse({"error": str(error)}, status=409)
    except rasa_client.RasaUnreachable:
        return JsonResponse({"error": RASA_AWAY}, status=503)
    return JsonResponse({"sent": True})


@staff(LIVE_CHAT_PERMISSION)
@require_POST
def close(request, chat_id: int, ending: str):
    chat = get_object_or_404(LiveChat, pk=chat_id)
    try:
        live_chat.hand_back(chat, request.user, ending)
    except live_chat.NotYours as error:
        messages.error(request, str(error))
    except rasa_client.RasaUnreachable:
        messages.error(request, RASA_AWAY)
        return redirect("console:live-chat", chat_id=chat_id)
    return redirect("console:live")
