"""The risk screen inside Rasa's NLU pipeline."""

from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.safety.rasa_component import RiskScreenComponent
from bot.safety.screen import RiskScreen
from tests.safety.fakes import FixedClassifier


@pytest.fixture(scope="module")
def component():
    return RiskScreenComponent(fallback_threshold=0.5)


def parse(component, text, intent="greet", confidence=0.6, metadata=None):
    message = Message(data={"text": text, "metadata": metadata or {}})
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}])
    component.process([message])
    return message


def entities(message, name):
    return [e["value"] for e in message.get("entities") if e["entity"] == name]


def test_a_flagged_message_gets_the_crisis_intent_and_its_flag_as_entities(component):
    message = parse(component, "i want to kill myself", intent="greet", confidence=0.9)
    assert message.get("intent") == {"name": "crisis_suicide", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "crisis_suicide"
    assert entities(message, "risk_level") == ["high"]
    assert entities(message, "risk_category") == ["suicide"]
    assert "suicide.kill_self" in entities(message, "risk_rule")


def test_every_message_is_screened_and_keeps_its_intent_when_harmless(component):
    message = parse(component, "hello there", intent="greet")
    assert message.get("intent")["name"] == "greet"
    assert entities(message, "risk_level") == ["none"]


def test_the_intent_classifier_alone_never_makes_a_crisis(component):
    message = parse(component, "the frost got my dahlias", "crisis_suicide", 0.999)
    assert message.get("intent")["name"] == "nlu_fallback"
    assert entities(message, "risk_level") == ["none"]


def test_a_pseudo_rule_overrules_a_crisis_intent(component):
    message = parse(component, "how do I kill the process", "crisis_harm_to_others", 0.99)
    assert message.get("intent")["name"] != "crisis_harm_to_others"
    assert entities(message, "risk_level") == ["none"]


def test_a_risk_classifier_flag_is_stored_with_its_probability_and_evidence():
    component = RiskScreenComponent(fallback_threshold=0.5)
    component.screen = RiskScreen(classifier=FixedClassifier(0.93, "suicide", ("no point",)))
    message = parse(component, "there is no point to any of it", intent="greet")
    assert message.get("intent")["name"] == "crisis_suicide"
    assert entities(message, "risk_level") == ["low"]
    assert entities(message, "risk_rule") == ["classifier"]
    assert entities(message, "risk_probability") == ["0.930"]
    assert entities(message, "risk_evidence") == ["no point"]


def test_the_region_comes_from_the_widgets_metadata(component):
    message = parse(component, "hi", metadata={"region": "NZ"})
    assert entities(message, "region") == ["nz"]


def _pipeline_entry(name):
    config = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yml").read_text())
    return next(entry for entry in config["pipeline"] if entry["name"].endswith(name))


def test_the_threshold_is_fallback_classifiers_own():
    entry = _pipeline_entry("RiskScreenComponent")
    assert entry["fallback_threshold"] == _pipeline_entry("FallbackClassifier")["threshold"]
    component = RiskScreenComponent.create(entry, None, None, None)
    assert component.fallback_threshold == entry["fallback_threshold"]


def test_a_missing_threshold_is_a_clear_error():
    with pytest.raises(ValueError, match="needs fallback_threshold"):
        RiskScreenComponent.create({}, None, None, None)


@pytest.mark.parametrize(
    "text", ["i want to stab him", "i want to hurt my mum", "i'm going to hurt my little brother"]
)
def test_harm_to_someone_else_routes_to_harm_to_others_not_self_harm(component, text):
    # "want to stab" alone would be self-harm; the longer match naming the person decides.
    message = parse(component, text)
    assert message.get("intent")["name"] == "crisis_harm_to_others"
    assert "third_party" not in entities(message, "risk_modifier")
