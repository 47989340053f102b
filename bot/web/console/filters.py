"""The review queue's filters: a Django form, so every parameter is validated before use."""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from bot.referral.models import Referral
from bot.regions import INTERNATIONAL, KNOWN_REGIONS
from bot.safety.rules import CATEGORIES, LEVELS
from bot.web.console.models import Conversation, Entry

ANY = [("", "any")]


class QueueFilter(forms.Form):
    level = forms.TypedChoiceField(
        choices=ANY + [(str(rank), f"{level} or above") for rank, level in enumerate(LEVELS)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    category = forms.ChoiceField(choices=ANY + [(c, c) for c in sorted(CATEGORIES)], required=False)
    region = forms.ChoiceField(
        choices=ANY + [(r, r) for r in (*KNOWN_REGIONS, INTERNATIONAL)], required=False
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    referral = forms.ChoiceField(
        choices=ANY + [("yes", "referral made"), ("no", "no referral")], required=False
    )
    status = forms.ChoiceField(choices=ANY + list(Conversation.Review.choices), required=False)
    q = forms.CharField(required=False, max_length=200, label="Text")

    def filter(self, conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
        """The conversations matching the valid filters (invalid ones are ignored)."""
        data = self.cleaned_data if self.is_valid() else {}
        referred = Exists(Referral.objects.filter(conversation_id=OuterRef("conversation_id")))
        conversations = conversations.annotate(referral_made=referred)
        if data.get("level") is not None:
            conversations = conversations.filter(highest_risk__gte=data["level"])
        if data.get("category"):
            conversations = conversations.filter(risk_categories__contains=f",{data['category']},")
        if data.get("region"):
            conversations = conversations.filter(region=data["region"])
        if data.get("date_from"):
            conversations = conversations.filter(last_event_at__date__gte=data["date_from"])
        if data.get("date_to"):
            conversations = conversations.filter(started_at__date__lte=data["date_to"])
        if data.get("referral"):
            conversations = conversations.filter(referral_made=data["referral"] == "yes")
        if data.get("status"):
            conversations = conversations.filter(review_status=data["status"])
        if data.get("q"):
            matching = Entry.objects.filter(
                Q(kind=Entry.Kind.USER) | Q(kind=Entry.Kind.BOT), text__icontains=data["q"]
            ).values("conversation_id")
            conversations = conversations.filter(pk__in=matching)
        return conversations
