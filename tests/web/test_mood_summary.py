"""My notes' mood summary (bot/web/static/lantern/mood.js), run in Node with the real data.

The wording rules are data/content/mood_summary.yml, copied into mood-checkins.json by
`make widget-help`; the expected sentences here are filled in from that same data, so a
changed sentence changes both sides and a changed rule fails.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
import textstat
import yaml

from bot.web.crisis_help import MOOD_FILE, MOOD_SUMMARY, STATIC_DIR, mood_checkins, render

NODE = Path("/usr/bin/node")
MOOD_JS = STATIC_DIR / "mood.js"
TODAY = date(2026, 12, 7)  # a Monday
# Runs mood.summarise on each case read from stdin; prints the results as JSON.
DRIVER = """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const mood = require(input.script);
const results = input.cases.map(function (c) {
  return mood.summarise(c.checkins, { today: c.today, windowDays: c.window }, input.content);
});
process.stdout.write(JSON.stringify(results));
"""
# Words that label or diagnose: the summary describes check-ins, never the visitor.
DIAGNOSING = re.compile(
    r"depress\w*|disorder\w*|diagnos\w*|\byou have\b|\byou are\b|\billness\w*|\bill\b|"
    r"symptom\w*|\bpatient\w*|\bsuffer\w*",
    re.IGNORECASE,
)
MAX_GRADE = 8


@pytest.fixture(scope="module")
def content() -> dict:
    return json.loads(MOOD_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def summarise(content):
    """summarise([case, ...]) -> mood.js's summaries, from one Node process."""
    if not NODE.exists():
        pytest.fail(
            f"{NODE} is missing: the mood summary's tests need Node.js (apt-get install nodejs)."
        )

    def run(*cases: dict) -> list[dict]:
        done = subprocess.run(
            [str(NODE), "-e", DRIVER],
            input=json.dumps({"script": str(MOOD_JS), "content": content, "cases": list(cases)}),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


def day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


def checkin(days_ago: int, mood, **more) -> dict:
    return {
        "id": f"c{days_ago}-{mood}",
        "date": day(days_ago),
        "time": f"{day(days_ago)}T18:00:00.000Z",
        "mood": mood,
        "words": "",
        "phq2": None,
        "gad2": None,
        **more,
    }


def case(checkins, window: int = 14) -> dict:
    return {"checkins": checkins, "today": TODAY.isoformat(), "window": window}


def rules_of(summary: dict) -> list[str]:
    return [sentence["rule"] for sentence in summary["sentences"]]


def sentence(summary: dict, rule: str) -> str:
    [text] = [s["text"] for s in summary["sentences"] if s["rule"] == rule]
    return text


def fill(template: str, **values) -> str:
    return template.format(**values)


def steady(days: range, mood: int) -> list[dict]:
    return [checkin(n, mood) for n in days]


# ---- too few days ----------------------------------------------------------------------


def test_fewer_days_than_the_minimum_say_so_and_find_no_pattern(summarise, content):
    few, enough = summarise(case(steady(range(4), 7)), case(steady(range(5), 7)))
    assert rules_of(few) == ["too_few"]
    assert sentence(few, "too_few") == fill(content["words"]["too_few"], min_days=5, days=4)
    assert "too_few" not in rules_of(enough)
    assert sentence(enough, "average") == fill(content["words"]["average"], average=7, days=5)


def test_two_check_ins_on_one_day_count_as_one_day_shown_by_the_latest(summarise, content):
    assert content["day_value"] == "latest"
    later = checkin(0, 8, time=f"{day(0)}T20:00:00.000Z", id="later")
    earlier = checkin(0, 3, time=f"{day(0)}T08:00:00.000Z", id="earlier")
    [summary] = summarise(case([later, earlier, *steady(range(1, 4), 7)]))
    assert summary["days"][-1] == {"date": day(0), "mood": 8, "count": 2}
    assert rules_of(summary) == ["too_few"]  # 4 days, though 5 check-ins
    assert [c["id"] for c in summary["checkins"] if c["date"] == day(0)] == ["earlier", "later"]


# ---- weekdays and weekends -------------------------------------------------------------


def weekly(weekday_mood: int, weekend_mood: int) -> list[dict]:
    return [
        checkin(n, weekend_mood if (TODAY - timedelta(days=n)).weekday() >= 5 else weekday_mood)
        for n in range(14)
    ]


@pytest.mark.parametrize(
    ("weekday_mood", "weekend_mood", "rule"),
    [(5, 8, "weekdays_lower"), (8, 5, "weekdays_higher"), (7, 7, "weekdays_same")],
)
def test_weekdays_against_weekends(summarise, content, weekday_mood, weekend_mood, rule):
    [summary] = summarise(case(weekly(weekday_mood, weekend_mood)))
    found = [r for r in rules_of(summary) if r.startswith("weekdays_")]
    assert found == [rule]
    assert sentence(summary, rule) == content["words"][rule]


def test_weekends_need_two_days_with_a_check_in(summarise):
    only_one_weekend_day = [c for c in weekly(5, 8) if c["date"] != day(1)]  # Sunday gone
    only_one_weekend_day = [c for c in only_one_weekend_day if c["date"] not in (day(8), day(9))]
    [summary] = summarise(case(only_one_weekend_day))
    assert not [r for r in rules_of(summary) if r.startswith("weekdays_")]


# ---- low days in a row ------------------------------------------------------------------


def test_three_low_days_in_a_row_are_named_and_offer_help(summarise, content):
    checkins = [*steady(range(3, 10), 7), checkin(2, 4), checkin(1, 3), checkin(0, 2)]
    [summary] = summarise(case(checkins))
    start = content["words"]["weekdays"][(TODAY - timedelta(days=2)).isoweekday() % 7]
    assert start == "Saturday"
    assert sentence(summary, "low_run_now") == fill(
        content["words"]["low_run_now"], count=3, low_mood=4, start=start
    )
    assert summary["lowRun"] == {"count": 3, "start": day(2), "end": day(0), "current": True}
    assert summary["offer"] == {"reason": "low_run", "checkin": "c0-2"}


def test_two_low_days_are_not_a_run(summarise):
    [summary] = summarise(case([*steady(range(2, 10), 7), checkin(1, 4), checkin(0, 2)]))
    assert summary["lowRun"] is None
    assert not [r for r in rules_of(summary) if r.startswith("low_run")]
    assert summary["offer"] is None


def test_a_day_above_the_threshold_breaks_the_run(summarise):
    [summary] = summarise(case([checkin(3, 3), checkin(2, 3), checkin(1, 5), checkin(0, 3)]))
    assert summary["lowRun"] is None and summary["offer"] is None


def test_a_day_without_a_check_in_breaks_the_run(summarise):
    [summary] = summarise(
        case([checkin(3, 3), checkin(2, 3), checkin(0, 3), *steady(range(4, 9), 7)])
    )
    assert summary["lowRun"] is None
    assert summary["offer"] is None


def test_an_earlier_run_is_told_as_past_and_offers_nothing(summarise, content):
    checkins = [*steady(range(0, 8), 7), checkin(10, 2), checkin(9, 4), checkin(8, 1)]
    [summary] = summarise(case(checkins))
    assert summary["lowRun"]["current"] is False
    assert sentence(summary, "low_run_past") == fill(
        content["words"]["low_run_past"], count=3, low_mood=4, start="27 Nov", end="29 Nov"
    )
    assert summary["offer"] is None


def test_a_run_ending_days_ago_offers_no_help(summarise):
    [summary] = summarise(case([checkin(5, 2), checkin(4, 2), checkin(3, 2)]))
    assert summary["lowRun"]["count"] == 3
    assert summary["offer"] is None  # the latest check-in is three days old


# ---- trend ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "period_days", "before", "recent", "rule"),
    [
        (14, 7, 5, 8, "trend_up"),
        (14, 7, 8, 5, "trend_down"),
        (14, 7, 6, 6, "trend_same"),
        (90, 14, 5, 8, "trend_up"),
        (90, 14, 8, 5, "trend_down"),
    ],
)
def test_the_latest_days_against_the_days_before(
    summarise, content, window, period_days, before, recent, rule
):
    checkins = [
        *steady(range(period_days), recent),
        *steady(range(period_days, 2 * period_days), before),
    ]
    [summary] = summarise(case(checkins, window))
    [view] = [w for w in content["windows"] if w["days"] == window]
    assert view["trend_days"] == period_days
    assert [r for r in rules_of(summary) if r.startswith("trend_")] == [rule]
    assert sentence(summary, rule) == fill(content["words"][rule], period=view["trend_period"])


def test_a_trend_needs_check_ins_on_both_sides(summarise):
    [summary] = summarise(case([*steady(range(7), 8), checkin(8, 5), checkin(9, 5)]))
    assert not [r for r in rules_of(summary) if r.startswith("trend_")]


# ---- the questionnaires ------------------------------------------------------------------


def test_a_positive_phq2_is_told_and_offers_help(summarise, content):
    [summary] = summarise(case([*steady(range(1, 6), 7), checkin(0, 6, phq2=3)]))
    assert sentence(summary, "screener_high") == fill(
        content["words"]["screener_high"],
        name=content["screeners"]["phq2"]["name"],
        total=3,
        threshold=content["screeners"]["threshold"],
    )
    assert summary["offer"] == {"reason": "screener", "checkin": "c0-6"}


def test_a_positive_gad2_offers_help_and_a_phq2_under_the_cut_off_does_not(summarise, content):
    gad2, under = summarise(
        case([*steady(range(1, 6), 7), checkin(0, 6, gad2=4, phq2=1)]),
        case([*steady(range(1, 6), 7), checkin(0, 6, phq2=2)]),
    )
    assert content["screeners"]["gad2"]["name"] in sentence(gad2, "screener_high")
    assert content["screeners"]["phq2"]["name"] not in sentence(gad2, "screener_high")
    assert gad2["offer"]["reason"] == "screener"
    assert "screener_high" not in rules_of(under) and under["offer"] is None


def test_only_the_latest_answer_of_a_questionnaire_counts(summarise):
    [summary] = summarise(case([checkin(3, 6, phq2=5), checkin(1, 6, phq2=1), checkin(0, 6)]))
    assert "screener_high" not in rules_of(summary)
    assert summary["offer"] is None


# ---- the 14- and 90-day windows ------------------------------------------------------------


def test_the_windows_hold_their_own_days(summarise):
    checkins = [*steady(range(0, 17), 7), checkin(19, 2), checkin(18, 3), checkin(17, 4)]
    checkins += steady(range(20, 30), 7)
    fortnight, quarter = summarise(case(checkins, 14), case(checkins, 90))
    assert len(fortnight["days"]) == 14 and len(quarter["days"]) == 90
    assert fortnight["days"][0]["date"] == day(13) and fortnight["days"][-1]["date"] == day(0)
    assert sum(d["mood"] is not None for d in fortnight["days"]) == 14
    assert sum(d["mood"] is not None for d in quarter["days"]) == 30
    assert len(fortnight["checkins"]) == 14 and len(quarter["checkins"]) == 30
    assert "low_run_past" in rules_of(quarter)  # 17 to 19 days ago
    assert not [r for r in rules_of(fortnight) if r.startswith("low_run")]


def test_check_ins_older_than_the_window_or_in_the_future_are_left_out(summarise):
    [summary] = summarise(case([checkin(14, 2), checkin(-1, 2), checkin(0, 7)]))
    assert [c["date"] for c in summary["checkins"]] == [day(0)]
    assert rules_of(summary) == ["too_few"]


# ---- bad stored data ----------------------------------------------------------------------


def test_unreadable_check_ins_are_left_out_without_a_crash(summarise):
    good = checkin(0, 6)
    bad = [
        None,
        "7",
        5,
        [],
        {},
        {"date": day(1)},
        {"mood": 5},
        {**checkin(1, 5), "date": "2026-02-30"},
        {**checkin(1, 5), "date": "07/12/2026"},
        {**checkin(1, 5), "date": 20261206},
        checkin(2, 0),
        checkin(2, 11),
        checkin(2, "7"),
        checkin(2, 6.5),
        checkin(2, True),
        checkin(2, None),
    ]
    odd_but_readable = {**checkin(3, 4), "words": 12, "phq2": 9, "gad2": -1, "time": None, "id": 7}
    [summary] = summarise(case([*bad, good, odd_but_readable]))
    assert [(c["date"], c["mood"]) for c in summary["checkins"]] == [(day(3), 4), (day(0), 6)]
    kept = summary["checkins"][0]
    assert (kept["words"], kept["phq2"], kept["gad2"], kept["id"]) == ("", None, None, "")
    assert rules_of(summary) == ["too_few"]


@pytest.mark.parametrize("stored", [None, {}, "checkins", 3])
def test_check_ins_that_are_not_a_list_read_as_none(summarise, stored):
    [summary] = summarise(case(stored))
    assert summary["checkins"] == [] and summary["offer"] is None
    assert rules_of(summary) == ["too_few"]


# ---- the wording file -----------------------------------------------------------------------


def test_the_wording_never_diagnoses():
    text = MOOD_SUMMARY.read_text(encoding="utf-8")
    found = sorted({match.group(0) for match in DIAGNOSING.finditer(text)})
    assert found == [], f"{MOOD_SUMMARY.name} uses words that label or diagnose: {found}"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Your mood suggests depression.", ["depression"]),
        ("You have an anxiety disorder", ["You have", "disorder"]),
        ("This is a diagnosis.", ["diagnosis"]),
        ("Your mood was lower on weekdays than at weekends.", []),
    ],
)
def test_the_check_finds_diagnosing_words(text, found):
    assert [match.group(0) for match in DIAGNOSING.finditer(text)] == found


def test_every_sentence_is_plain(content):
    sample = {
        "min_days": 5,
        "days": 4,
        "average": 6.5,
        "period": "two weeks",
        "count": 3,
        "low_mood": 4,
        "start": "Monday",
        "end": "Wednesday",
        "total": 4,
        "threshold": 3,
        "name": content["screeners"]["phq2"]["name"],
    }
    sentences = [
        text.format(**sample) for text in content["words"].values() if isinstance(text, str)
    ]
    sentences += [text for key, text in content["offer"].items() if key != "therapist_button"]
    hard = [
        (text, grade)
        for text in sentences
        if (grade := textstat.flesch_kincaid_grade(text)) > MAX_GRADE
    ]
    assert not hard, f"above grade {MAX_GRADE}: {hard}"


# ---- the widget's copy ------------------------------------------------------------------------


def test_the_widgets_copy_matches_the_data(client):
    """`make widget-help` regenerates it whenever mood_summary.yml or the questions change."""
    assert MOOD_FILE.read_text(encoding="utf-8") == render(mood_checkins())
    served = json.loads(
        b"".join(client.get("/static/lantern/mood-checkins.json").streaming_content)
    )
    domain = yaml.safe_load((MOOD_SUMMARY.parents[2] / "domain.yml").read_text(encoding="utf-8"))
    asked = " ".join(domain["responses"]["utter_ask_phq2_down"][0]["text"].split())
    assert served["screeners"]["phq2"]["questions"][1]["text"] == asked
    assert [a["label"] for a in served["screeners"]["answers"]] == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]
    assert served["screeners"]["threshold"] == 3


def test_mood_js_is_served(client):
    response = client.get("/static/lantern/mood.js")
    response.close()
    assert response.status_code == 200
