"""The demo site's pages and the web process's security headers."""

import json
import re
from html import escape

import pytest
from django.conf import settings

from bot.regions import REGION_NAMES
from bot.safety import crisis
from bot.safety.resources import CrisisResources
from bot.web.crisis_help import (
    JOURNAL_FILE,
    SESSION_NOTE_FILE,
    STATIC_FILE,
    crisis_help,
    journal_prompts,
    render,
    session_note,
)


def test_home_page_embeds_the_widget_with_one_script_tag(client, settings):
    html = client.get("/").content.decode()
    assert html.count("<script") == 1
    assert "lantern/widget.js" in html
    assert f'data-bot-url="{settings.RASA_PUBLIC_URL}"' in html
    assert f'data-region="{settings.SITE_REGION}"' in html
    assert f'data-retention-days="{settings.RETENTION_DAYS}"' in html
    assert "<script>" not in html  # scripts come from files only (strict CSP)


def test_home_page_shows_the_practice_and_its_team(client, settings):
    html = client.get("/").content.decode()
    assert settings.PRACTICE_NAME in html
    assert "Ama Osei" in html  # from data/clinicians.yml


def test_content_security_policy_forbids_inline_script_and_style(client, settings):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert f"connect-src 'self' {settings.RASA_PUBLIC_URL}" in policy


def test_safety_page_publishes_every_regions_services_from_the_bots_data(client):
    html = client.get("/safety").content.decode()
    for region in crisis_help()["regions"].values():
        for service in region["services"]:
            assert escape(service["name"]) in html
    assert "988" in html and "116 123" in html
    assert "Please call" in html  # the imminent reply, from data/content/crisis.yml
    assert "self harm" in html and "eating disorder" in html


def test_safety_page_describes_the_crisis_conversation_from_the_bots_own_data(client):
    html = client.get("/safety").content.decode()
    for situation in crisis.protocol(settings.SITE_REGION):
        assert escape(situation["reply"]) in html  # the words the bot would say first
    for question in crisis.direct_questions(settings.SITE_REGION):
        assert escape(question["text"]) in html  # the direct questions, in order
    assert "Columbia Suicide Severity Rating Scale" in html


def region_sections(html):
    """Each region's section of the safety page, by region code."""
    parts = re.split(r'<section class="region" aria-labelledby="region-', html)[1:]
    return {part.split('"', 1)[0]: part.split("</section>", 1)[0] for part in parts}


def test_safety_page_lists_each_regions_services_with_tap_to_call_and_text(client):
    html = client.get("/safety").content.decode()
    sections = region_sections(html)
    resources = CrisisResources.load()
    assert set(sections) == set(resources.regions())
    for region, section in sections.items():
        for service in resources.services(region):
            item = section.split(f"<strong>{escape(service.name)}</strong>", 1)[1].split("</li>")[0]
            assert f"For {escape(service.audience)} · {escape(service.hours)}" in item
            if service.phone:
                digits = re.sub(r"[^0-9+]", "", service.phone)
                assert f'<a href="tel:{digits}">Call {service.phone}</a>' in item
            if service.sms:
                digits = re.sub(r"[^0-9+]", "", service.sms)
                body = f"?body={service.sms_keyword}" if service.sms_keyword else ""
                assert f'<a href="sms:{digits}{body}">' in item
            assert ("tel:" in item) == bool(service.phone)
            assert ("sms:" in item) == bool(service.sms)


def test_safety_page_links_are_only_https_tel_and_sms(client):
    html = client.get("/safety").content.decode()
    main = html.split('id="services"', 1)[1].split('id="protocol"', 1)[0]
    hrefs = re.findall(r'href="([^"]*)"', main)
    assert "sms:741741?body=HOME" in hrefs and "tel:911" in hrefs and "tel:18006564673" in hrefs
    assert all(href.startswith(("https://", "tel:", "sms:")) for href in hrefs), hrefs


def test_privacy_page_states_the_retention_period(client, settings):
    html = client.get("/privacy").content.decode()
    assert f"deleted after {settings.RETENTION_DAYS} days" in html


def test_privacy_page_says_staff_may_join_when_asked(client, settings):
    html = " ".join(client.get("/privacy").content.decode().split())
    assert "When a person joins the chat" in html
    assert "They join only when you ask" in html
    assert "deleted with it" in html and "Quick exit leaves it too" in html


def test_privacy_page_says_what_my_notes_keep_and_send(client):
    html = " ".join(client.get("/privacy").content.decode().split())
    assert "Your notes and check-ins stay on your own device" in html
    assert "only if you turn on <strong>Keep my notes on this device</strong>" in html
    assert "sent to our server once, only to be checked for risk" in html
    assert "are not kept or logged there; your mood scores and answers are not sent" in html


def test_privacy_page_says_when_the_first_session_note_is_sent_and_kept(client, settings):
    html = " ".join(client.get("/privacy").content.decode().split())
    assert "We receive none of your notes or check-ins unless you send us your first" in html
    assert "only by ticking the box to agree and pressing send" in html
    assert "keep it, encrypted, with your request" in html
    assert "We record that a note came, never what it says" in html
    assert f"deleted after {settings.RETENTION_DAYS} days, or when your request is" in html
    assert "the reminder holds none of your notes" in html


def test_widgets_notice_says_what_my_notes_keep_and_send():
    widget = (STATIC_FILE.parent / "widget.js").read_text(encoding="utf-8")
    assert (
        '"My notes and mood check-ins stay on this device, and only if you turn keeping on. "'
        in widget
    )
    assert (
        '"Each entry you save, and a check-in\'s words, are sent once to be checked for risk, "'
        in widget
    )
    assert '"and are not kept. "' in widget
    sent_with_consent = '"Your first-session note is sent to " + config.practice + " only if'
    assert sent_with_consent in widget


def test_widgets_crisis_help_file_matches_the_resources(client):
    """The static copy is regenerated by `make widget-help` whenever data/resources changes."""
    assert STATIC_FILE.read_text(encoding="utf-8") == render(crisis_help())
    served = json.loads(b"".join(client.get("/static/lantern/crisis-help.json").streaming_content))
    assert served["region_names"] == REGION_NAMES  # the widget's region picker
    assert set(served["regions"]) == set(REGION_NAMES)
    assert all(region["services"] for region in served["regions"].values())
    for region in served["regions"].values():
        for service in region["services"]:
            assert service["audience"] and service["hours"]  # the widget shows both


def test_widgets_session_note_file_matches_its_words(client):
    """The static copy is regenerated by `make widget-help` whenever session_note.yml changes."""
    assert SESSION_NOTE_FILE.read_text(encoding="utf-8") == render(session_note())
    response = client.get("/static/lantern/session-note.json")
    served = json.loads(b"".join(response.streaming_content))
    assert [q["id"] for q in served["questions"]] == [
        "brings",
        "tried",
        "change",
        "questions",
        "safety",
    ]
    assert "{practice}" in served["send"]["consent"]  # the widget fills in the practice's name


def test_widgets_journal_prompts_file_matches_the_prompts(client):
    """The static copy is regenerated by `make widget-help` whenever journal_prompts.yml changes."""
    assert JOURNAL_FILE.read_text(encoding="utf-8") == render(journal_prompts())
    response = client.get("/static/lantern/journal-prompts.json")
    served = json.loads(b"".join(response.streaming_content))
    assert len(served["groups"]) == 8
    for group in served["groups"]:
        assert group["title"] and group["about"] and group["prompts"]
        for prompt in group["prompts"]:
            assert prompt["id"] and prompt["text"] and prompt["source"]  # the widget shows all


def test_the_widget_names_no_region_itself():
    """Its region picker reads the names from crisis-help.json, generated from bot.regions."""
    widget = (STATIC_FILE.parent / "widget.js").read_text(encoding="utf-8")
    assert [name for name in REGION_NAMES.values() if name in widget] == []


def test_health(client):
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/no-such-page", "/console/../etc/passwd"])
def test_unknown_paths_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "name", ["widget.js", "widget.css", "crisis-help.json", "journal-prompts.json"]
)
def test_widget_files_are_served(client, name):
    response = client.get(f"/static/lantern/{name}")
    response.close()  # a file response holds its file open until closed
    assert response.status_code == 200
