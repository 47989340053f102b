"""The widget's live chat endpoints on the web process (no cookie: the conversation's own
random id is the authority, as for erasure).

- GET  /live/availability            can someone join now, and the staffed hours in words
- POST /live/request                 {"conversation_id", "region"}: ask for a person
- GET  /live/<conversation_id>?after=<event id>   the chat's state and new messages
- POST /live/<conversation_id>/leave leave the live chat (quick exit does this too)

The widget polls the third every second while a request is open.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from bot.live import rasa_client
from bot.live.availability import availability
from bot.regions import normalise_region
from bot.web import live_chat
from bot.web.views import WIDGET_CONVERSATION_ID, json_body, widget_conversation

BAD_ID = 'Send the 32 hex digits the widget made as "conversation_id".'
RASA_AWAY = (
    "The chat service cannot be reached right now; please try again in a moment. If you "
    "might be in danger, call your local emergency number now."
)


@never_cache
@require_GET
def live_availability(request):
    now = availability()
    return JsonResponse(
        {
            "enabled": now.enabled,
            "can_join": now.can_join,
            "staffed_now": now.staffed_now,
            "hours": now.hours,
        }
    )


@csrf_exempt
@require_POST
def request_live_chat(request):
    body = json_body(request)
    conversation_id = widget_conversation(body)
    if conversation_id is None:
        return JsonResponse({"error": BAD_ID}, status=400)
    region = normalise_region(body.get("region")) or "intl"
    asked = live_chat.request(conversation_id, region)
    if asked.chat is None:
        return JsonResponse({"state": "unavailable", "text": asked.text, "after": asked.after})
    return JsonResponse({"state": asked.chat.state, "after": asked.after})


@never_cache
@require_GET
def live_chat_news(request, conversation_id: str):
    if not WIDGET_CONVERSATION_ID.match(conversation_id):
        return JsonResponse({"error": BAD_ID}, status=400)
    after = request.GET.get("after", "0")
    if not after.isdecimal():
        return JsonResponse({"error": "'after' must be an event id (a whole number)."}, status=400)
    live_chat.sweep_now_and_then()
    chat = live_chat.open_chat(conversation_id)
    if chat is not None:
        live_chat.visitor_polled(chat)
    messages, latest = live_chat.live_messages(conversation_id, int(after))
    return JsonResponse(
        {
            "state": visible_state(chat),
            "responder": chat.responder_name if chat else "",
            "messages": messages,
            "after": latest,
        }
    )


def visible_state(chat) -> str:
    """The state the widget shows: a chat being closed reads as it was until its closing
    notice is there to show with "closed"."""
    if chat is None:
        return "closed"
    if chat.state == chat.State.CLOSING:
        return chat.State.JOINED if chat.responder_id else chat.State.WAITING
    return chat.state


@csrf_exempt
@require_POST
def leave_live_chat(request, conversation_id: str):
    if not WIDGET_CONVERSATION_ID.match(conversation_id):
        return JsonResponse({"error": BAD_ID}, status=400)
    try:
        chat = live_chat.leave(conversation_id)
    except live_chat.NotYours:
        chat = None  # it closed meanwhile: the visitor is out either way
    except rasa_client.RasaUnreachable:
        return JsonResponse({"left": False, "error": RASA_AWAY}, status=503)
    return JsonResponse({"left": chat is not None})
