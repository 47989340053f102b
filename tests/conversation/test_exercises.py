"""The guided exercises: every one complete, sourced and short; each can be finished and stopped."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.content import CONTENT_DIR
from bot.content.exercises import (
    MAX_WORDS,
    NEXT,
    REPEAT,
    SKIPPED_ANSWER,
    STOP,
    closing_reply,
    exercise_library,
    menu_reply,
    step_reply,
    written_record,
)
from bot.content.topics import SKILLS, ContentError, topic_library

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
EXERCISES = sorted(SKILLS)
STEP_EXERCISES = [e.id for e in exercise_library().values() if e.kind == "steps"]
FORM_EXERCISES = [e.id for e in exercise_library().values() if e.kind == "form"]
BREATHING = ("box_breathing", "breathing_478")


def test_every_skill_a_topic_can_offer_is_an_exercise():
    assert sorted(exercise_library()) == EXERCISES
    assert {topic.skill for topic in topic_library().values()} <= set(exercise_library())
    assert FORM_EXERCISES == ["safety_plan", "thought_record"]


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_exercise_is_sourced_reviewed_short_and_startable(exercise_id):
    exercise = exercise_library()[exercise_id]
    assert exercise.sources and all(s.url.startswith("https://") for s in exercise.sources)
    assert exercise.reviewed_on <= date.today()
    assert len(exercise.intro.split()) <= MAX_WORDS["intro"]
    assert all(len(step.text.split()) <= MAX_WORDS["step"] for step in exercise.steps)
    assert exercise.intent in DOMAIN["intents"]
    assert "stop" in exercise.intro.lower()  # everyone is told they can stop


@pytest.mark.parametrize("exercise_id", STEP_EXERCISES)
def test_a_steps_exercise_can_be_walked_to_the_end(exercise_id):
    exercise = exercise_library()[exercise_id]
    replies = [step_reply(exercise, index) for index in range(len(exercise.steps))]
    assert replies[0].text.startswith(exercise.intro)
    for index, reply in enumerate(replies):
        assert exercise.steps[index].text in reply.text
        assert [b["payload"] for b in reply.buttons] == [NEXT, REPEAT, STOP]
    assert replies[-1].buttons[0]["title"] == "Finish"
    closing = closing_reply(exercise)
    assert closing.text == exercise.closing
    assert exercise.start_payload in [b["payload"] for b in closing.buttons]


@pytest.mark.parametrize("exercise_id", BREATHING)
def test_breathing_exercises_send_a_pacer_for_the_widget(exercise_id):
    exercise = exercise_library()[exercise_id]
    paced = [step_reply(exercise, i).custom for i in range(len(exercise.steps))]
    [pacer] = [custom["exercise"]["pacer"] for custom in paced if custom]
    assert pacer["cycles"] >= 1
    assert all(phase["seconds"] > 0 and phase["label"] for phase in pacer["phases"])


@pytest.mark.parametrize("exercise_id", FORM_EXERCISES)
def test_a_form_exercise_records_exactly_what_its_form_asks(exercise_id):
    exercise = exercise_library()[exercise_id]
    form = DOMAIN["forms"][exercise.form]
    assert [slot for slot, _ in exercise.record] == form["required_slots"]
    assert "stop" in form["ignored_intents"]
    # A risky answer is kept as the answer; the form's validation shows the crisis help.
    assert not any(intent.startswith("crisis_") for intent in form["ignored_intents"])
    assert f"validate_{exercise.form}" in DOMAIN["actions"]
    for slot in form["required_slots"]:
        assert f"utter_ask_{slot}" in DOMAIN["responses"]


def test_the_written_record_keeps_every_answer_and_marks_skipped_ones():
    plan = exercise_library()["safety_plan"]
    answers = {slot: f"answer {n}" for n, (slot, _) in enumerate(plan.record)}
    answers["sp_coping"] = SKIPPED_ANSWER
    text = written_record(plan, answers, {"sp_professionals": "Crisis lines: 988"})
    lines = text.splitlines()
    assert lines[0] == plan.title
    for number, (slot, heading) in enumerate(plan.record, 1):
        assert f"{number}. {heading}: {answers[slot]}" in lines
    assert (
        lines.index("   Crisis lines: 988")
        == lines.index(f"5. {plan.record[4][1]}: {answers['sp_professionals']}") + 1
    )


def test_the_menu_offers_every_exercise():
    reply = menu_reply("Pick one")
    assert [b["payload"] for b in reply.buttons] == [
        e.start_payload for e in exercise_library().values()
    ]


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d.pop("sources"), "missing"),
        (lambda d: d.update(colour="blue"), "unknown key"),
        (lambda d: d.update(kind="video"), "kind must be"),
        (lambda d: d.update(intro="word " * 61), "intro is over 60 words"),
        (lambda d: d.update(steps=[]), "at least one step"),
        (lambda d: d["steps"].append({"text": "word " * 61}), "over 60 words"),
        (lambda d: d["steps"].append({"text": "ok", "music": "on"}), "nothing else"),
        (lambda d: d["steps"][2].update(pacer={"cycles": 4}), "pacer needs cycles"),
        (lambda d: d["steps"][2]["pacer"].update(cycles=0), "positive numbers"),
        (lambda d: d.update(record=[]), "unknown key"),
        (lambda d: d.update(reviewed_on="soon"), "reviewed_on"),
    ],
)
def test_loader_names_the_file_and_the_problem(tmp_path, change, complaint):
    data = yaml.safe_load((CONTENT_DIR / "exercises" / "box_breathing.yml").read_text())
    change(data)
    (tmp_path / "box_breathing.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ContentError, match=complaint) as error:
        exercise_library.__wrapped__(tmp_path)
    assert "box_breathing.yml" in str(error.value)


def test_a_form_exercise_needs_its_record(tmp_path):
    data = yaml.safe_load((CONTENT_DIR / "exercises" / "safety_plan.yml").read_text())
    data.pop("record")
    (tmp_path / "safety_plan.yml").write_text(yaml.safe_dump(data))
    with pytest.raises(ContentError, match="missing \\['record'\\]"):
        exercise_library.__wrapped__(tmp_path)
