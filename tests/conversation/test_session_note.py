"""The first-session note's words (data/content/session_note.yml): every question there,
in the widget's order, plain English, and the consent names the practice."""

from pathlib import Path

import textstat
import yaml

from bot.referral.session_note import session_note_words

NOTE_FILE = Path(__file__).resolve().parents[2] / "data" / "content" / "session_note.yml"
# The keys of notes.sessionNote in the widget (besides "updated").
QUESTION_IDS = ["brings", "tried", "change", "questions", "safety"]
MAX_GRADE = 8


def all_texts(words: dict) -> list[str]:
    questions = [q[key] for q in words["questions"] for key in ("question", "hint")]
    return [
        words["title"],
        words["about"],
        *questions,
        *words["send"].values(),
        *words["reminder"].values(),
    ]


def test_the_questions_are_the_widgets_in_order_each_with_a_hint():
    words = session_note_words()
    assert [q["id"] for q in words["questions"]] == QUESTION_IDS
    assert all(q["question"].strip() and q["hint"].strip() for q in words["questions"])


def test_reading_grade_of_every_text():
    texts = all_texts(yaml.safe_load(NOTE_FILE.read_text(encoding="utf-8")))
    too_hard = [
        (round(grade, 1), text)
        for text in texts
        if (grade := textstat.flesch_kincaid_grade(text)) > MAX_GRADE
    ]
    assert not too_hard, f"above grade {MAX_GRADE}: {too_hard}"


def test_the_consent_names_the_practice_and_what_happens_to_the_note():
    send = session_note_words()["send"]
    assert set(send) == {"button", "consent", "sent", "no_request"}
    assert "{practice}" in send["consent"] and "read it" in send["consent"]
