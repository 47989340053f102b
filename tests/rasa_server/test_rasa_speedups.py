"""bot.rasa_speedups: the same verdicts and classes as Rasa's own code, computed once."""

import re
from pathlib import Path

import jsonschema
import pytest
import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from bot import rasa_speedups
from bot.rasa_channel import ValidatedRestInput

REQUIREMENTS_LOCK = Path(__file__).resolve().parents[2] / "requirements.lock"

VALID = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "mood", "value": 4, "timestamp": None}]},
    {"events": [{"event": "active_loop", "name": None}], "responses": [{"text": "Hi"}]},
    {"responses": [{"response": "utter_greet", "buttons": [{"title": "a", "payload": "/b"}]}]},
    {"events": [{"event": "followup", "name": "action_listen"}], "extra": 1},
]
INVALID = [
    [],
    "events",
    {"events": {"event": "slot"}},
    {"events": [{"name": "mood"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot", "name": 3}]},
    {"responses": ["text"]},
    {"responses": {"text": "hi"}},
]


def rasa_verdict(reply):
    try:
        jsonschema.validate(reply, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError as error:
        return error.message
    return True


def our_verdict(reply):
    try:
        return RemoteAction("action_x", None)._validate_action_result(reply)
    except jsonschema.ValidationError as error:
        return error.message


@pytest.fixture(scope="module", autouse=True)
def installed():
    rasa_speedups.install()


@pytest.fixture
def rasa_alone(monkeypatch):
    """Rasa's own functions, as before install(); what was there comes back afterwards."""
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", rasa_speedups._rasa_validate_action_result
    )
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(rasa_speedups._rasa_resolve_by_type))
    monkeypatch.setattr(DialogueStateTracker, "past_states", rasa_speedups._rasa_past_states)
    monkeypatch.setattr(rasa_speedups, "_installed", False)


def replaced() -> list[bool]:
    return [
        RemoteAction._validate_action_result is not rasa_speedups._rasa_validate_action_result,
        Event.resolve_by_type is not rasa_speedups._rasa_resolve_by_type,
        DialogueStateTracker.past_states is not rasa_speedups._rasa_past_states,
    ]


def test_the_rasa_channel_installs_them_when_the_server_builds_it(rasa_alone):
    assert replaced() == [False, False, False]  # importing the channel installed nothing
    ValidatedRestInput.from_credentials(
        {"domain": "domain.yml", "button_entities": "data/button_entities.yml"}
    )
    assert replaced() == [True, True, True]


def test_another_rasa_version_is_refused_and_left_alone(rasa_alone, monkeypatch):
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError, match=r"Rasa 3\.6\.21, not 3\.7\.0: check each function"):
        rasa_speedups.install()
    assert replaced() == [False, False, False]


def test_installing_twice_changes_nothing():
    installed = [
        RemoteAction.__dict__["_validate_action_result"],
        Event.__dict__["resolve_by_type"],
        DialogueStateTracker.__dict__["past_states"],
    ]
    rasa_speedups.install()
    assert [
        RemoteAction.__dict__["_validate_action_result"],
        Event.__dict__["resolve_by_type"],
        DialogueStateTracker.__dict__["past_states"],
    ] == installed
    assert our_verdict(VALID[1]) is True


def test_the_pinned_rasa_is_the_locked_one():
    locked = re.search(r"^rasa==(\S+)$", REQUIREMENTS_LOCK.read_text(), re.MULTILINE)
    assert locked, "requirements.lock pins no rasa"
    assert rasa_speedups.PINNED_RASA == locked.group(1) == rasa.__version__


@pytest.mark.parametrize("reply", VALID)
def test_valid_replies_pass(reply):
    assert rasa_verdict(reply) is True
    assert our_verdict(reply) is True


@pytest.mark.parametrize("reply", INVALID)
def test_invalid_replies_fail_with_rasas_message(reply):
    expected = rasa_verdict(reply)
    assert expected is not True
    assert our_verdict(reply).startswith(expected + ". Failed to validate Action server response")


EVENT_NAMES = sorted({cls.type_name for cls in all_subclasses(Event)})


def test_every_event_name_gives_rasas_class():
    assert len(EVENT_NAMES) > 20
    for name in EVENT_NAMES:
        assert Event.resolve_by_type(name) is rasa_speedups._rasa_resolve_by_type(name), name


def test_unknown_event_names_are_answered_by_rasa():
    assert Event.resolve_by_type("topic") is None  # Rasa's old TopicSet
    assert Event.resolve_by_type("no_such_event", default=UserUttered) is UserUttered
    with pytest.raises(ValueError, match="no_such_event"):
        Event.resolve_by_type("no_such_event")


def test_stored_events_come_back_as_rasas_events():
    stored = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}},
        {"event": "slot", "name": "mood", "value": 4, "timestamp": 2.0},
    ]
    events = [Event.from_parameters(parameters) for parameters in stored]
    assert [type(e).__name__ for e in events] == ["ActionExecuted", "UserUttered", "SlotSet"]


@pytest.fixture(scope="module")
def domain():
    return Domain.load("domain.yml")


def conversation(domain):
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet", "confidence": 0.9}),
        ActionExecuted("utter_greet"),
        ActionExecuted("action_listen"),
        UserUttered("how do i breathe", {"name": "do_box_breathing", "confidence": 0.8}),
    ]
    return DialogueStateTracker.from_events("c1", events, domain.slots)


@pytest.mark.parametrize("ignore_rule_only_turns", [False, True])
def test_dialogue_states_are_rasas(domain, ignore_rule_only_turns):
    tracker = conversation(domain)
    rule_only = {"rule_only_slots": [], "rule_only_loops": ["thought_record_form"]}
    ours = tracker.past_states(domain, False, ignore_rule_only_turns, rule_only)
    assert ours == rasa_speedups._rasa_past_states(
        conversation(domain), domain, False, ignore_rule_only_turns, rule_only
    )
    assert tracker.past_states(domain, False, ignore_rule_only_turns, rule_only) == ours


def test_changing_the_states_handed_out_does_not_change_the_next_ones(domain):
    tracker = conversation(domain)
    first = tracker.past_states(domain)
    expected = rasa_speedups._rasa_past_states(tracker, domain)
    del first[-1]["user"]["intent"]  # what Rasa's featurizer does to the last user turn
    first[-1]["prev_action"] = {}
    assert tracker.past_states(domain) == expected


def test_a_new_event_gives_new_states(domain):
    tracker = conversation(domain)
    before = tracker.past_states(domain)
    tracker.update(ActionExecuted("action_box_breathing"))
    after = tracker.past_states(domain)
    assert len(after) == len(before) + 1
    assert after == rasa_speedups._rasa_past_states(tracker, domain)


def test_other_rule_only_data_gives_its_own_states(domain):
    tracker = conversation(domain)
    expected = []
    for rule_only in ({"rule_only_slots": []}, {"rule_only_slots": ["risk_questions"]}):
        states = tracker.past_states(domain, False, True, dict(rule_only))  # a new dict each time
        expected.append(rasa_speedups._rasa_past_states(tracker, domain, False, True, rule_only))
        assert states == expected[-1]
    assert expected[0] != expected[1]
