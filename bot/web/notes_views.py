"""The risk screen for the widget's private notes: one level back, nothing kept.

The journal and notes stay on the visitor's device; an entry is sent here only to be
screened, so that a flagged entry shows the crisis help and the direct question as the
chat does. The view keeps no text: nothing is stored, nothing is logged (not even its
length), and an error names only what was wrong with the request.

    POST /notes/screen   {"text": "..."}  ->  {"level": "none|low|high|imminent"}
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bot.limits import TokenBuckets, max_body_bytes
from bot.web.console.client_address import client_ip_address
from bot.web.views import json_body

MAX_ENTRY_CHARS = 8000  # longer than a chat message: the screen reads all of it
# Per address: a person saves an entry now and then; a burst allows a few quick edits.
ENTRIES_PER_SECOND, ENTRY_BURST = 0.5, 10
_per_address = TokenBuckets(rate=ENTRIES_PER_SECOND, burst=ENTRY_BURST)


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
