"""Public pages of the demo website, and the one endpoint the widget calls on it."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bot.content import content_file
from bot.referral.matching import clinicians
from bot.regions import KNOWN_REGIONS, REGION_NAMES
from bot.safety import crisis
from bot.safety.resources import LOCAL_EMERGENCY_ADVICE, CrisisResources
from bot.safety.rules import CATEGORIES
from bot.web.console.audit import record
from bot.web.console.retention import erase
from bot.web.tracker import ConversationBusy

# The widget's conversation ids: 128 random bits in hex. Only such ids can be erased
# here, so a short or guessable id (a test's, a tool's) is never a way in.
WIDGET_CONVERSATION_ID = re.compile(r"^[0-9a-f]{32}$")


def json_body(request) -> dict:
    """The request's body as a JSON object; {} when it is not one."""
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def widget_conversation(body: dict) -> str | None:
    """The body's "conversation_id" when it is one the widget made."""
    value = body.get("conversation_id")
    return value if isinstance(value, str) and WIDGET_CONVERSATION_ID.match(value) else None


def widget_settings() -> dict:
    """The data attributes of the widget's script tag on this site's pages."""
    return {
        "rasa_url": settings.RASA_PUBLIC_URL,
        "region": settings.SITE_REGION,
        "practice_name": settings.PRACTICE_NAME,
        "privacy_url": settings.PRIVACY_POLICY_URL,
        "retention_days": settings.RETENTION_DAYS,
        "exit_url": settings.QUICK_EXIT_URL,
    }


def home(request):
    team = [c for c in clinicians() if c.accepting_new_clients][:6]
    reply_working_days = content_file("referral")["reply_working_days"]
    context = {"widget": widget_settings(), "team": team, "reply_working_days": reply_working_days}
    return render(request, "home.html", context)


def safety(request):
    """The crisis protocol, drawn from the data the bot itself uses (SB 243 asks for this)."""
    resources = CrisisResources.load()
    regions = [
        {
            "code": region,
            "name": REGION_NAMES.get(region, region),
            "emergency": resources.emergency_number(region),
            "services": resources.services(region),
        }
        for region in sorted(resources.regions(), key=_site_region_first)
    ]
    return render(
        request,
        "safety.html",
        {
            "widget": widget_settings(),
            "categories": sorted(c.replace("_", " ") for c in CATEGORIES),
            "situations": crisis.protocol(settings.SITE_REGION),
            "questions": crisis.direct_questions(settings.SITE_REGION),
            "regions": regions,
            "local_emergency_advice": LOCAL_EMERGENCY_ADVICE,
        },
    )


def privacy(request):
    return render(request, "privacy.html", {"widget": widget_settings()})


def health(request):
    return JsonResponse({"status": "ok"})


@csrf_exempt  # no cookie is involved: the conversation's own random id is the authority
@require_POST
def delete_conversation(request):
    """Erase a conversation from the tracker store and the console at its visitor's request."""
    conversation_id = widget_conversation(json_body(request))
    if conversation_id is None:
        return JsonResponse(
            {"error": 'Send JSON {"conversation_id": "<the 32 hex digits the widget made>"}.'},
            status=400,
        )
    try:
        erased = erase(conversation_id)
    except ConversationBusy as busy:  # nothing was erased: the visitor can simply ask again
        answer = JsonResponse({"deleted": False, "error": busy.answer}, status=503)
        answer["Retry-After"] = str(busy.retry_after_seconds)
        return answer
    record(
        "visitor",
        "conversation.deleted_by_visitor",
        conversation_id,
        events=erased.events,
        highest_risk=erased.highest_risk,
    )
    return JsonResponse({"deleted": True, "events": erased.events})


def _site_region_first(region: str) -> tuple[int, str]:
    if region == settings.SITE_REGION:
        return (0, region)
    return (1 if region in KNOWN_REGIONS else 2, region)
