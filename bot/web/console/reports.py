"""Weekly figures for the practice, drawn with matplotlib beside the numbers themselves.

Each chart is a Figure of its own rather than pyplot's: no backend to choose, nothing to
close, and no state shared between web workers drawing at the same time.
"""

from __future__ import annotations

import base64
import io
from datetime import timedelta

from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear, TruncWeek
from django.utils import timezone
from matplotlib.figure import Figure

from bot.referral.models import Referral
from bot.safety.rules import CATEGORIES, LEVELS
from bot.web.console.models import Conversation, Entry

WEEKS = 12


def build(today=None) -> dict:
    """The reports page's context: a table of weeks, charts, and the yearly SB 243 count."""
    now = today or timezone.now()
    since = now - timedelta(weeks=WEEKS)
    weeks = _weekly(since)
    flagged = Conversation.objects.filter(highest_risk__gt=0, started_at__gte=since)
    by_category = {
        category: flagged.filter(risk_categories__contains=f",{category},").count()
        for category in sorted(CATEGORIES)
    }
    crisis_turns = (
        Entry.objects.filter(kind=Entry.Kind.BOT, detail__has_key="crisis")
        .annotate(year=ExtractYear("at"))
        .values("year")
        .annotate(count=Count("pk"))
        .order_by("-year")
    )
    return {
        "weeks": weeks,
        "levels": LEVELS[1:],
        "by_category": by_category,
        "crisis_referrals_by_year": list(crisis_turns),
        "weekly_chart": _chart_weekly(weeks),
        "category_chart": _chart_categories(by_category),
    }


def _weekly(since) -> list[dict]:
    conversations = (
        Conversation.objects.filter(started_at__gte=since)
        .annotate(week=TruncWeek("started_at"))
        .values("week")
        .annotate(count=Count("pk"), messages=Sum("user_messages"), fallbacks=Sum("fallbacks"))
    )
    flags = (
        Entry.objects.filter(kind=Entry.Kind.USER, risk_level__gt=0, at__gte=since)
        .annotate(week=TruncWeek("at"))
        .values("week", "risk_level")
        .annotate(count=Count("pk"))
    )
    referrals = (
        Referral.objects.filter(created_at__gte=since)
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(count=Count("pk"))
    )
    rows: dict = {}

    def row(week):
        key = week.date()
        return rows.setdefault(
            key,
            {"week": key, "conversations": 0, "referrals": 0, "messages": 0, "fallbacks": 0,
             "flags": dict.fromkeys(LEVELS[1:], 0)},
        )  # fmt: skip

    for item in conversations:
        entry = row(item["week"])
        entry["conversations"] = item["count"]
        entry["messages"], entry["fallbacks"] = item["messages"] or 0, item["fallbacks"] or 0
    for item in flags:
        row(item["week"])["flags"][LEVELS[item["risk_level"]]] += item["count"]
    for item in referrals:
        row(item["week"])["referrals"] = item["count"]
    for entry in rows.values():
        entry["fallback_rate"] = entry["fallbacks"] / entry["messages"] if entry["messages"] else 0
    return [rows[key] for key in sorted(rows)]


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _chart_weekly(weeks: list[dict]) -> str:
    figure = Figure(figsize=(8, 3.2))
    axes = figure.subplots()
    labels = [w["week"].strftime("%d %b") for w in weeks]
    axes.plot(labels, [w["conversations"] for w in weeks], marker="o", label="conversations")
    for level in LEVELS[1:]:
        axes.plot(labels, [w["flags"][level] for w in weeks], marker=".", label=f"{level} flags")
    axes.plot(labels, [w["referrals"] for w in weeks], marker="s", label="referrals")
    axes.set_ylabel("per week")
    axes.legend(fontsize="small", ncol=3)
    axes.tick_params(axis="x", labelrotation=45)
    return _png(figure)


def _chart_categories(by_category: dict[str, int]) -> str:
    figure = Figure(figsize=(6, 2.8))
    axes = figure.subplots()
    axes.barh(list(by_category), list(by_category.values()), color="#1f5f74")
    axes.set_xlabel(f"flagged conversations, last {WEEKS} weeks")
    return _png(figure)
