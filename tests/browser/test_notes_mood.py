"""My notes' mood over time: check-ins, the chart and its table, the summary and the offer of
help, in real Chromium against the web process alone (notes never reach Rasa)."""

import json
import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.conftest import open_widget_page
from tests.browser.test_notes import SCREENSHOTS, open_notes, stored_notes
from tests.browser.widget import serious_violations

pytestmark = pytest.mark.browser

CONTENT = Path(__file__).resolve().parents[2] / "data" / "content"
WHEN_FLAGGED = yaml.safe_load((CONTENT / "journal_prompts.yml").read_text(encoding="utf-8"))[
    "when_flagged"
]
OFFER = yaml.safe_load((CONTENT / "mood_summary.yml").read_text(encoding="utf-8"))["offer"]
# The page's own local dates, days ago: check-ins are dated in the visitor's time zone.
LOCAL_DATES = """(count) => Array.from({ length: count }, (_, ago) => {
  const d = new Date();
  d.setDate(d.getDate() - ago);
  const pad = (n) => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
})"""


@pytest.fixture
def mood_widget(web_only, browser_context):
    """The demo page with the chat open (the bot is down); no CSP violation allowed."""
    widget = open_widget_page(browser_context, web_only.ports["web"])
    yield widget
    assert widget.csp_violations == []


def local_dates(page, count):
    """Today's date and the days before it, newest first, as the page counts them."""
    return page.evaluate(LOCAL_DATES, count)


def seed(widget, moods_by_days_ago, entries=()):
    """Kept notes with one check-in on each of these days (days ago: mood), then a reload."""
    page = widget.page
    dates = local_dates(page, 120)
    checkins = [
        {
            "id": f"seed{ago}",
            "date": dates[ago],
            "time": f"{dates[ago]}T12:00:00.000Z",
            "mood": mood,
            "words": f"day {ago}",
            "phq2": None,
            "gad2": None,
        }
        for ago, mood in sorted(moods_by_days_ago.items(), reverse=True)
    ]
    notes = {"keep": True, "entries": list(entries), "checkins": checkins}
    page.evaluate("(notes) => localStorage.setItem('lantern-notes', JSON.stringify(notes))", notes)
    page.reload()
    return dates


def open_mood(widget):
    open_notes(widget)
    expect(widget.page.locator(".lantern-mood-form")).to_be_visible()


def chart_points(page):
    """(date, mood) of each point drawn."""
    return [
        tuple(point)
        for point in page.locator(".lantern-mood-chart .lantern-mood-point").evaluate_all(
            "(points) => points.map((p) => [p.dataset.date, Number(p.dataset.mood)])"
        )
    ]


def table_rows(page):
    """(date, mood) of each row."""
    return [
        tuple(row)
        for row in page.locator(".lantern-mood-table tbody tr").evaluate_all(
            "(rows) => rows.map((r) => [r.dataset.date, Number(r.querySelector('td').textContent)])"
        )
    ]


def thirty_days_with_two_gaps():
    """Check-ins on 30 of the last 32 days: none 5 and 20 days ago. Moods from 5 to 9."""
    return {ago: 5 + ago % 5 for ago in range(32) if ago not in (5, 20)}


def test_the_chart_shows_14_then_90_days_and_the_table_the_same_figures(mood_widget):
    page = mood_widget.page
    moods = thirty_days_with_two_gaps()
    dates = seed(mood_widget, moods)
    open_mood(mood_widget)

    chart = page.get_by_role("img", name="Mood chart, last 14 days")
    expect(chart).to_be_visible()
    expect(page.locator(".lantern-mood-point")).to_have_count(13)  # 14 days, one a gap
    fortnight = sorted((dates[ago], mood) for ago, mood in moods.items() if ago < 14)
    assert sorted(chart_points(page)) == fortnight
    path = chart.locator(".lantern-mood-line").get_attribute("d")
    assert path.count("M") == 2  # the line stops at the gap
    described_by = chart.get_attribute("aria-describedby")
    expect(page.locator(f"#{described_by}")).to_contain_text("13 of 14 days have a check-in")

    page.get_by_role("radio", name="Last 90 days").check()
    chart = page.get_by_role("img", name="Mood chart, last 90 days")
    expect(chart.locator(".lantern-mood-point")).to_have_count(30)
    quarter = sorted((dates[ago], mood) for ago, mood in moods.items())
    assert sorted(chart_points(page)) == quarter
    assert chart.locator(".lantern-mood-line").get_attribute("d").count("M") == 3

    show_table = page.get_by_role("button", name="Show as a table")
    show_table.click()
    expect(show_table).to_have_attribute("aria-pressed", "true")
    table = page.get_by_role("table", name="Check-ins, last 90 days")
    expect(table).to_be_visible()
    expect(chart).to_be_hidden()
    assert sorted(table_rows(page)) == quarter
    expect(table.locator("tbody tr").first).to_contain_text("day 0")  # the words, newest first

    page.get_by_role("radio", name="Last 14 days").check()
    expect(page.get_by_role("table", name="Check-ins, last 14 days")).to_be_visible()
    assert sorted(table_rows(page)) == fortnight


def test_a_new_check_in_is_in_the_chart_and_the_table_after_a_reload(mood_widget):
    page = mood_widget.page
    dates = seed(mood_widget, {ago: 7 for ago in range(1, 30)})
    open_mood(mood_widget)
    expect(page.locator(".lantern-mood-point")).to_have_count(13)

    page.get_by_label("Your mood now").select_option("6")
    page.get_by_label("A few words (optional)").fill("Walked by the sea.")
    page.locator(".lantern-mood-screeners summary").click()
    page.get_by_label("little interest or pleasure").select_option(label="Several days")
    page.get_by_label("feeling down, depressed or hopeless").select_option(label="Not at all")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator(".lantern-mood-result")).to_contain_text(
        "Your check-in is saved. It is kept on this device."
    )
    expect(page.locator(f'.lantern-mood-point[data-date="{dates[0]}"]')).to_have_attribute(
        "data-mood", "6"
    )

    page.reload()
    open_mood(mood_widget)
    expect(page.locator(".lantern-mood-point")).to_have_count(14)
    expect(page.locator(f'.lantern-mood-point[data-date="{dates[0]}"]')).to_have_attribute(
        "data-mood", "6"
    )
    page.get_by_role("button", name="Show as a table").click()
    newest = page.locator(".lantern-mood-table tbody tr").first
    expect(newest).to_have_attribute("data-date", dates[0])
    assert newest.locator("td").all_text_contents() == ["6", "1", "none", "Walked by the sea."]
    [kept] = [c for c in json.loads(stored_notes(page))["checkins"] if c["date"] == dates[0]]
    assert (kept["mood"], kept["phq2"], kept["gad2"]) == (6, 1, None)


def test_three_low_days_offer_a_therapist_and_the_direct_question(mood_widget):
    page = mood_widget.page
    sent_to_rasa = []
    page.on(
        "request", lambda r: sent_to_rasa.append(r.post_data) if "/webhooks/" in r.url else None
    )
    seed(mood_widget, {5: 7, 4: 8, 3: 6, 2: 4, 1: 3, 0: 2})
    open_mood(mood_widget)

    offer = page.get_by_role("group", name=OFFER["label"])
    expect(offer).to_be_visible()
    expect(offer).to_contain_text(OFFER["intro_low_run"])
    expect(page.locator(".lantern-status")).to_contain_text(OFFER["intro_low_run"])  # read out
    expect(offer.locator(".lantern-notes-question")).to_have_text(WHEN_FLAGGED["question"])
    expect(offer.locator('a[href="tel:911"]')).to_be_visible()  # the demo site's region: US
    expect(offer.get_by_role("button", name=OFFER["therapist_button"])).to_be_visible()
    expect(page.locator('.lantern-mood-summary li[data-rule="low_run_now"]')).to_contain_text(
        "3 low days in a row"
    )
    assert not [data for data in sent_to_rasa if "day 0" in (data or "")]  # check-ins stay here
    assert serious_violations(page) == []

    page.get_by_role("button", name="Close my notes").click()
    open_mood(mood_widget)  # once per check-in
    expect(page.get_by_role("group", name=OFFER["label"])).to_have_count(0)

    page.get_by_role("button", name="Close my notes").click()
    seed(mood_widget, {2: 4, 1: 3, 0: 2})
    open_mood(mood_widget)

    def asks_for_an_appointment(request):  # the chat's own referral questions start
        return "/webhooks/" in request.url and "/request_referral" in (request.post_data or "")

    with page.expect_request(asks_for_an_appointment):
        page.get_by_role("group", name=OFFER["label"]).get_by_role(
            "button", name=OFFER["therapist_button"]
        ).click()
    expect(page.get_by_role("region", name="My notes")).to_be_hidden()
    expect(page.locator(".lantern-message--user").last).to_have_text(
        re.compile(OFFER["therapist_button"])
    )


def test_a_positive_questionnaire_offers_help_once(mood_widget):
    page = mood_widget.page
    open_mood(mood_widget)
    page.get_by_label("Your mood now").select_option("6")
    page.locator(".lantern-mood-screeners summary").click()
    page.get_by_label("nervous, anxious or on edge").select_option(label="More than half the days")
    page.get_by_label("stop or control worrying").select_option(label="Several days")
    page.get_by_role("button", name="Save check-in").click()

    offer = page.get_by_role("group", name=OFFER["label"])
    expect(offer).to_contain_text(OFFER["intro_screener"])
    expect(offer.locator(".lantern-notes-question")).to_be_focused()
    expect(page.locator('.lantern-mood-summary li[data-rule="screener_high"]')).to_contain_text(
        "GAD-2"
    )
    assert stored_notes(page) is None  # keeping is off: in memory only

    page.get_by_role("button", name="Close my notes").click()
    open_mood(mood_widget)  # not kept: gone with the panel
    expect(page.locator(".lantern-mood-point")).to_have_count(0)
    expect(page.get_by_role("group", name=OFFER["label"])).to_have_count(0)


def test_a_check_ins_words_are_checked_for_risk_like_an_entry(mood_widget):
    page = mood_widget.page
    sent_to_rasa = []
    page.on(
        "request",
        lambda r: sent_to_rasa.append(r.post_data or "") if "/webhooks/" in r.url else None,
    )
    seed(mood_widget, {2: 3, 1: 4})
    open_mood(mood_widget)
    expect(page.get_by_role("group", name=OFFER["label"])).to_have_count(0)  # two low days
    page.get_by_label("Your mood now").select_option("2")
    page.get_by_label("A few words (optional)").fill("I'm going to kill myself tonight")
    with page.expect_request("**/notes/screen"):
        page.get_by_role("button", name="Save check-in").click()

    help_box = page.locator(".lantern-mood-result").get_by_role(
        "group", name="Help after your entry"
    )
    expect(help_box).to_contain_text(WHEN_FLAGGED["intro_high"])
    expect(help_box.locator(".lantern-notes-question")).to_be_focused()
    expect(help_box.locator('a[href="tel:911"]')).to_be_visible()
    # the third low day: the offer of a therapist joins the same help, not a second box
    expect(help_box.get_by_role("button", name=OFFER["therapist_button"])).to_be_visible()
    expect(page.get_by_role("group", name=OFFER["label"])).to_have_count(0)
    expect(page.locator(".lantern-mood-result")).to_contain_text("Your check-in is saved.")
    assert sent_to_rasa and not [
        data for data in sent_to_rasa if "kill" in data
    ]  # only the greeting


def test_a_check_in_needs_a_mood_and_both_answers_of_a_questionnaire(mood_widget):
    page = mood_widget.page
    open_mood(mood_widget)
    page.get_by_role("switch", name="Keep my notes on this device").check()
    page.get_by_label("A few words (optional)").fill("Tired.")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator(".lantern-mood-problem")).to_contain_text("Choose your mood")
    expect(page.locator(".lantern-status")).to_contain_text("Choose your mood")
    expect(page.get_by_label("Your mood now")).to_be_focused()

    page.get_by_label("Your mood now").select_option("5")
    page.locator(".lantern-mood-screeners summary").click()
    page.get_by_label("little interest or pleasure").select_option(label="Several days")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator(".lantern-mood-problem")).to_contain_text("Answer both questions")
    expect(page.get_by_label("feeling down, depressed or hopeless")).to_be_focused()
    expect(page.get_by_label("A few words (optional)")).to_have_value("Tired.")  # not lost
    assert json.loads(stored_notes(page))["checkins"] == []


def test_old_notes_without_check_ins_still_open_and_delete_my_notes_clears_them(mood_widget):
    page = mood_widget.page
    entry = {"id": "old", "time": "2026-01-05T10:00:00.000Z", "title": "Free entry", "text": "Old"}
    page.evaluate(
        "(notes) => localStorage.setItem('lantern-notes', JSON.stringify(notes))",
        {"keep": True, "entries": [entry]},
    )
    page.reload()
    open_mood(mood_widget)
    expect(page.locator(".lantern-notes-entry")).to_have_count(1)
    page.get_by_label("Your mood now").select_option("8")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator(".lantern-mood-point")).to_have_count(1)
    kept = json.loads(stored_notes(page))
    assert len(kept["entries"]) == 1 and [c["mood"] for c in kept["checkins"]] == [8]

    page.get_by_role("button", name="Delete my notes").click()
    assert stored_notes(page) is None
    expect(page.locator(".lantern-mood-point")).to_have_count(0)


def test_bad_stored_check_ins_are_left_out_and_kept(mood_widget):
    page = mood_widget.page
    dates = local_dates(page, 2)
    checkins = [
        {
            "id": "a",
            "date": dates[1],
            "time": "",
            "mood": 7,
            "words": "",
            "phq2": None,
            "gad2": None,
        },
        {"id": "b", "date": "not a date", "mood": 5},
        {"id": "c", "date": dates[0], "mood": 42},
        None,
    ]
    page.evaluate(
        "(notes) => localStorage.setItem('lantern-notes', JSON.stringify(notes))",
        {"keep": True, "entries": [], "checkins": checkins},
    )
    page.reload()
    open_mood(mood_widget)
    expect(page.locator(".lantern-mood-point")).to_have_count(1)
    page.get_by_label("Your mood now").select_option("4")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator(".lantern-mood-point")).to_have_count(2)
    ids = [c["id"] for c in json.loads(stored_notes(page))["checkins"]]
    assert ids[:3] == ["a", "b", "c"] and len(ids) == 4  # unreadable ones are not deleted


def test_no_serious_accessibility_violations_in_the_chart_and_the_table(mood_widget):
    page = mood_widget.page
    seed(mood_widget, thirty_days_with_two_gaps())
    open_mood(mood_widget)
    page.locator(".lantern-mood-screeners summary").click()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Show as a table").click()
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("button", name="Show as a table").click()
    page.locator(".lantern-mood-chart").scroll_into_view_if_needed()
    page.locator("#lantern-panel").screenshot(path=SCREENSHOTS / "my-notes-mood.png")


def test_a_check_in_and_the_views_by_keyboard_alone(mood_widget):
    page = mood_widget.page
    seed(mood_widget, {ago: 7 for ago in range(1, 20)})
    open_mood(mood_widget)
    mood = page.get_by_label("Your mood now")
    mood.focus()
    page.keyboard.press("ArrowDown")  # from "Choose a number" to 1
    page.keyboard.press("ArrowDown")
    expect(mood).to_have_value("2")
    page.keyboard.press("Tab")
    expect(page.get_by_label("A few words (optional)")).to_be_focused()
    page.keyboard.type("A slow day.")
    page.keyboard.press("Tab")  # the questionnaires, folded
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save check-in")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".lantern-mood-result")).to_contain_text("Your check-in is saved.")
    expect(page.locator(".lantern-mood-point")).to_have_count(14)

    fortnight = page.get_by_role("radio", name="Last 14 days")
    fortnight.focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="Last 90 days")).to_be_focused()
    expect(page.get_by_role("radio", name="Last 90 days")).to_be_checked()
    expect(page.locator(".lantern-mood-point")).to_have_count(20)
    page.keyboard.press("Tab")
    show_table = page.get_by_role("button", name="Show as a table")
    expect(show_table).to_be_focused()
    page.keyboard.press("Enter")
    expect(show_table).to_be_focused()
    expect(
        page.get_by_role("table", name="Check-ins, last 90 days").locator("tbody tr")
    ).to_have_count(20)
