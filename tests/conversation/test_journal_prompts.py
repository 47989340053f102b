"""The journal's prompts (data/content/journal_prompts.yml): complete, sourced, plain English."""

import re
from pathlib import Path

import pytest
import textstat
import yaml

PROMPTS_FILE = Path(__file__).resolve().parents[2] / "data" / "content" / "journal_prompts.yml"
GROUPS = [
    *("thought_record", "worry", "gratitude", "values", "grief_and_loss"),
    *("self_compassion", "sleep", "before_and_after_therapy"),
]
MIN_PROMPTS_PER_GROUP = 4
MIN_PROMPTS = 32
MAX_GRADE = 8
MAX_CHARACTERS = 300
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


@pytest.fixture(scope="module")
def groups() -> list[dict]:
    return yaml.safe_load(PROMPTS_FILE.read_text(encoding="utf-8"))["groups"]


@pytest.fixture(scope="module")
def prompts(groups) -> list[dict]:
    return [prompt for group in groups for prompt in group["prompts"]]


def test_all_groups_are_there_in_order(groups):
    assert [group["id"] for group in groups] == GROUPS


def test_every_group_has_a_title_an_about_and_enough_prompts(groups, prompts):
    for group in groups:
        assert str(group.get("title", "")).strip(), group["id"]
        assert str(group.get("about", "")).strip(), group["id"]
        assert len(group["prompts"]) >= MIN_PROMPTS_PER_GROUP, group["id"]
    assert len(prompts) >= MIN_PROMPTS


def test_prompt_ids_are_unique_snake_case(prompts):
    ids = [prompt["id"] for prompt in prompts]
    duplicates = sorted({id_ for id_ in ids if ids.count(id_) > 1})
    assert not duplicates, duplicates
    not_snake_case = [id_ for id_ in ids if not SNAKE_CASE.fullmatch(id_)]
    assert not not_snake_case, not_snake_case


def test_every_prompt_has_text_and_names_its_source(prompts):
    incomplete = [
        prompt.get("id")
        for prompt in prompts
        if not str(prompt.get("text") or "").strip() or not str(prompt.get("source") or "").strip()
    ]
    assert not incomplete, incomplete


def test_reading_grade_of_every_text_and_about(groups, prompts):
    texts = [group["about"] for group in groups] + [prompt["text"] for prompt in prompts]
    too_hard = [
        (round(grade, 1), text)
        for text in texts
        if (grade := textstat.flesch_kincaid_grade(text)) > MAX_GRADE
    ]
    assert not too_hard, f"above grade {MAX_GRADE}: {too_hard}"


def test_no_prompt_is_too_long(prompts):
    too_long = [
        (len(prompt["text"]), prompt["text"])
        for prompt in prompts
        if len(prompt["text"]) > MAX_CHARACTERS
    ]
    assert not too_long, f"over {MAX_CHARACTERS} characters: {too_long}"


def test_the_words_under_a_flagged_entry_are_all_there_and_plain():
    words = yaml.safe_load(PROMPTS_FILE.read_text(encoding="utf-8"))["when_flagged"]
    assert set(words) == {"intro_low", "intro_high", "question", "reach_out", "to_chat"}
    hard = {key: text for key, text in words.items() if textstat.flesch_kincaid_grade(text) > 8}
    assert not hard, hard
