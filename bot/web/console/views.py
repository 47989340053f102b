"""The staff console: review queue, transcripts, referrals, exports, audit log, reports.

Every view needs a login and a permission (roles are groups: bot.web.console.roles);
every POST is CSRF-checked by Django's middleware; views, exports, review changes
and purges are written to the audit trail.
"""

from __future__ import annotations

import csv
import io
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bot.redaction import redact
from bot.referral.contact import mask
from bot.referral.models import Referral
from bot.safety.rules import CATEGORIES, LEVELS
from bot.web.console import reports
from bot.web.console.audit import record
from bot.web.console.filters import QueueFilter
from bot.web.console.ingest import ingest
from bot.web.console.models import Conversation, Entry, QuarantinedEvent, SafetyLabel
from bot.web.models import AuditEvent

PAGE_SIZE = 50


def staff(permission: str):
    """Login first (to the login page), then the permission (403 for the wrong role)."""

    def decorate(view):
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorate


# --- review queue and transcript ---------------------------------------------------------


@staff("console.view_conversation")
def queue(request):
    ingest()
    filters = QueueFilter(request.GET or None)
    conversations = filters.filter(Conversation.objects.all())
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = Conversation.objects.aggregate(
        total=Count("pk"),
        flagged_unreviewed=Count("pk", filter=Q(queue_rank__gt=0)),
        unreviewed=Count("pk", filter=Q(review_status=Conversation.Review.UNREVIEWED)),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "matching": page.paginator.count,
        "counts": counts,
        "query": query.urlencode(),
    }
    return render(request, "console/queue.html", context)


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Conversation
        fields = ["assignee", "notes", "hold"]


class LabelForm(forms.Form):
    level = forms.ChoiceField(choices=[(level, level) for level in LEVELS])
    categories = forms.MultipleChoiceField(
        choices=[(c, c) for c in sorted(CATEGORIES)], required=False
    )
    note = forms.CharField(max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("level") == "none" and data.get("categories"):
            raise forms.ValidationError('"Not a risk" has no categories.')
        if data.get("level") not in (None, "none") and not data.get("categories"):
            raise forms.ValidationError("A risk needs at least one category.")
        return data


@staff("console.view_conversation")
def transcript(request, conversation_id):
    ingest()
    conversation = get_object_or_404(Conversation, conversation_id=conversation_id)
    record(request, "conversation.viewed", conversation_id)
    entries = conversation.entries.select_related("label")
    referrals = Referral.objects.filter(conversation_id=conversation_id)
    context = {
        "conversation": conversation,
        "entries": entries,
        "referrals": referrals,
        "review_form": ReviewForm(instance=conversation),
        "label_form": LabelForm(),
        "can_review": request.user.has_perm("console.change_conversation"),
        "can_label": request.user.has_perm("console.add_safetylabel"),
    }
    return render(request, "console/transcript.html", context)


@require_POST
@staff("console.change_conversation")
def review(request, conversation_id):
    conversation = get_object_or_404(Conversation, conversation_id=conversation_id)
    before = {f: getattr(conversation, f) for f in ("review_status", "assignee_id", "hold")}
    if "mark_reviewed" in request.POST:
        conversation.review_status = Conversation.Review.REVIEWED
        conversation.reviewed_by = request.user
        conversation.reviewed_at = timezone.now()
    elif "reopen" in request.POST:
        conversation.review_status = Conversation.Review.UNREVIEWED
    else:
        form = ReviewForm(request.POST, instance=conversation)
        if not form.is_valid():
            messages.error(request, "The review could not be saved: " + form.errors.as_text())
            return redirect("console:transcript", conversation_id)
        conversation = form.save(commit=False)
    conversation.update_rank()
    conversation.save()
    after = {f: getattr(conversation, f) for f in before}
    changed = {f: [before[f], after[f]] for f in before if before[f] != after[f]}
    record(request, "review.changed", conversation_id, changed=changed)
    messages.success(request, "Saved.")
    return redirect("console:transcript", conversation_id)


@require_POST
@staff("console.add_safetylabel")
def label(request, conversation_id, event_id):
    entry = get_object_or_404(
        Entry,
        event_id=event_id,
        kind=Entry.Kind.USER,
        conversation__conversation_id=conversation_id,
    )
    form = LabelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The label was not saved: " + " ".join(form.non_field_errors()))
        return redirect("console:transcript", conversation_id)
    region = entry.conversation.region
    SafetyLabel.objects.update_or_create(
        entry=entry,
        defaults={
            "conversation_id": conversation_id,
            "text": redact(entry.text, region),
            "region": region,
            "screen_level": entry.level,
            "screen_categories": ",".join(sorted(entry.detail.get("categories") or [])),
            "level": form.cleaned_data["level"],
            "categories": ",".join(sorted(form.cleaned_data["categories"])),
            "note": form.cleaned_data["note"],
            "labelled_by": request.user,
        },
    )
    record(request, "safety_label.saved", conversation_id, event_id=event_id)
    messages.success(request, "Label saved.")
    return redirect("console:transcript", conversation_id)


@staff("console.view_safetylabel")
def labels(request):
    all_labels = SafetyLabel.objects.select_related("labelled_by")
    disagreements = [label for label in all_labels if label.disagrees]
    page = Paginator(disagreements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "console/labels.html", {"page": page, "total": all_labels.count()})


# --- referrals -------------------------------------------------------------------------


@staff("referral.view_referral")
def referrals(request):
    show_contact = request.user.has_perm("referral.view_contact_details")
    referrals = Referral.objects.select_related("note")
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    for referral in page:
        # The first-session note the visitor chose to send from My notes, if any.
        referral.session_note = getattr(referral, "note", None)
        referral.shown_contact = (
            referral.contact if show_contact else mask(referral.contact_kind, referral.contact)
        )
    if show_contact:
        record(request, "referrals.contacts_viewed", "", page=page.number)
    context = {"page": page, "show_contact": show_contact, "follow_ups": Referral.FollowUp}
    return render(request, "console/referrals.html", context)


@require_POST
@staff("referral.change_referral")
def referral_follow_up(request, reference):
    referral = get_object_or_404(Referral, reference=reference)
    follow_up = request.POST.get("follow_up")
    if follow_up not in Referral.FollowUp.values:
        messages.error(request, "Choose contacted or closed.")
        return redirect("console:referrals")
    before = referral.follow_up
    referral.follow_up = follow_up
    referral.follow_up_by = request.user.get_username()
    referral.follow_up_at = timezone.now()
    referral.save(update_fields=["follow_up", "follow_up_by", "follow_up_at"])
    record(request, "referral.follow_up", reference, changed=[before, follow_up])
    return redirect("console:referrals")


# --- export ------------------------------------------------------------------------------

EXPORT_FIELDS = ["conversation_id", "at", "speaker", "text", "intent", "risk_level", "categories"]


class UnredactedExportForm(forms.Form):
    reason = forms.CharField(min_length=10, max_length=500, widget=forms.Textarea)


# Who said it, in exports: a person from the practice in a live chat is "staff".
SPEAKERS = {Entry.Kind.USER: "visitor", Entry.Kind.BOT: "bot", Entry.Kind.STAFF: "staff"}


def _export_rows(conversations, redacted: bool):
    entries = (
        Entry.objects.filter(
            conversation__in=conversations,
            kind__in=[Entry.Kind.USER, Entry.Kind.BOT, Entry.Kind.STAFF],
        )
        .select_related("conversation")
        .order_by("conversation_id", "event_id")
    )
    for entry in entries.iterator(chunk_size=2000):
        region = entry.conversation.region
        yield {
            "conversation_id": entry.conversation.conversation_id,
            "at": entry.at.isoformat(),
            "speaker": SPEAKERS[entry.kind],
            "text": redact(entry.text, region) if redacted else entry.text,
            "intent": entry.intent,
            "risk_level": entry.level,
            "categories": ",".join(entry.detail.get("categories") or []),
        }


def _export_response(rows, file_format: str, redacted: bool):
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    name = f"lantern-{'redacted' if redacted else 'UNREDACTED'}-{stamp}.{file_format}"
    if file_format == "jsonl":
        lines = (json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        response = StreamingHttpResponse(lines, content_type="application/x-ndjson")
    else:
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_lines(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        # A cell starting with = + - @ is a formula to a spreadsheet: make it text.
        writer.writerow({k: "'" + v if str(v)[:1] in "=+-@" else v for k, v in row.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _export(request, redacted: bool, **audit):
    """The filtered queue's messages as CSV or JSONL, recorded in the audit log."""
    ingest()
    file_format = "jsonl" if request.GET.get("format") == "jsonl" else "csv"
    filters = QueueFilter(request.GET or None)
    conversations = filters.filter(Conversation.objects.all())
    record(
        request,
        "export.redacted" if redacted else "export.unredacted",
        "",
        format=file_format,
        filters=filters.data.dict() if filters.data else {},
        conversations=conversations.count(),
        **audit,
    )
    rows = _export_rows(conversations, redacted=redacted)
    return _export_response(rows, file_format, redacted)


@staff("console.view_conversation")
def export(request):
    return _export(request, redacted=True)


@staff("console.export_unredacted")
def export_unredacted(request):
    form = UnredactedExportForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        context = {"form": form, "query": request.GET.urlencode()}
        return render(request, "console/export_unredacted.html", context)
    return _export(request, redacted=False, reason=form.cleaned_data["reason"])


# --- audit log and reports ----------------------------------------------------------------


@staff("web.view_auditevent")
def audit_log(request):
    events = AuditEvent.objects.all()
    if actor := request.GET.get("actor", "").strip()[:150]:
        events = events.filter(actor=actor)
    if action := request.GET.get("action", "").strip()[:64]:
        events = events.filter(action=action)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "console/audit.html", {"page": page, "actor": actor, "action": action})


# Admins only, as the audit log: the roles (bot.web.console.roles) give reviewers neither.
@staff("web.view_auditevent")
def quarantine(request):
    """Events ingest could not read: ids and reasons only, never their content."""
    ingest()
    events = QuarantinedEvent.objects.select_related("conversation")
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "console/quarantine.html", {"page": page})


@staff("console.view_conversation")
def reports_page(request):
    ingest()
    return render(request, "console/reports.html", reports.build())


def home(request):
    return redirect("console:queue")
