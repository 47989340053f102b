"""The widget's private notes on the web process: the risk screen, and sending the
first-session note with an appointment request.

The journal and notes stay on the visitor's device; an entry is sent here only to be
screened, so that a flagged entry shows the crisis help and the direct question as the
chat does. The view keeps no text: nothing is stored, nothing is logged (not even its
length), and an error names only what was wrong with the request.

    POST /notes/screen   {"text": "..."}  ->  {"level": "none|low|high|imminent"}

The one exception is the first-session note, which the visitor may choose to send with
the appointment request they made in the chat, ticking a consent box whose words are
kept with it. It is stored encrypted with the conversation's latest referral
(bot.referral.session_note); the audit trail records that it came, never its text.

    POST /notes/attach   {"conversation_id": "<32 hex>", "note": {"brings": "...", ...},
                          "consent_text": "<the words beside the box>"}
                         ->  {"sent": true, "reference": "LT-...", "replaced": false}
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bot.limits import TokenBuckets, max_body_bytes
from bot.referral import session_note
from bot.web.console.audit import record
from bot.web.console.client_address import client_ip_address
from bot.web.views import json_body, widget_conversation

MAX_ENTRY_CHARS = 8000  # longer than a chat message: the screen reads all of it
# Per address: a person saves an entry now and then; a burst allows a few quick edits.
ENTRIES_PER_SECOND, ENTRY_BURST = 0.5, 10
_per_address = TokenBuckets(rate=ENTRIES_PER_SECOND, burst=ENTRY_BURST)
# Sending a note is rarer still: a few tries, then one a minute.
NOTES_SENT_PER_SECOND, NOTES_SENT_BURST = 1 / 60, 5
_notes_sent_per_address = TokenBuckets(rate=NOTES_SENT_PER_SECOND, burst=NOTES_SENT_BURST)


@never_cache
@csrf_exempt  # no cookie, no account: the text alone is screened and forgotten
@require_POST
def screen_note(request):
    if not _per_address.allow(client_ip_address(request) or "unknown"):
        return JsonResponse(
            {"error": "Too many entries at once: wait a few seconds and save again."}, status=429
        )
    if len(request.body) > max_body_bytes():
        return JsonResponse({"error": "The entry is too long to check."}, status=413)
    text = json_body(request).get("text")
    if not isinstance(text, str) or not text.strip():
        return JsonResponse({"error": 'Send JSON {"text": "<the entry>"}.'}, status=400)
    from bot.safety.screen import default_screen  # spaCy: loaded at the first entry only

    result = default_screen().screen(text[:MAX_ENTRY_CHARS])
    return JsonResponse({"level": result.level})


@never_cache
@csrf_exempt  # no cookie: the conversation's own random id is the authority, as for erasure
@require_POST
def attach_note(request):
    if not _notes_sent_per_address.allow(client_ip_address(request) or "unknown"):
        return JsonResponse(
            {"error": "Too many tries at once: wait a minute and send it again."}, status=429
        )
    if len(request.body) > max_body_bytes():
        return JsonResponse({"error": "The note is too long to send: shorten it."}, status=413)
    body = json_body(request)
    conversation_id = widget_conversation(body)
    if conversation_id is None:
        return JsonResponse(
            {
                "error": 'Send JSON {"conversation_id": "<the 32 hex digits the widget made>", '
                '"note": {...}, "consent_text": "..."}.'
            },
            status=400,
        )
    try:
        consent_text = session_note.consent_given(body.get("consent_text"))
        text = session_note.note_text(body.get("note"))
        referral, _, replaced = session_note.attach(conversation_id, text, consent_text)
    except session_note.NoteRefused as refused:
        return JsonResponse({"error": refused.message}, status=refused.status)
    record(
        "visitor",
        "referral.note_attached",
        referral.reference,
        replaced=replaced,
        after_delivery=referral.delivered_at is not None,
    )
    return JsonResponse({"sent": True, "reference": referral.reference, "replaced": replaced})
