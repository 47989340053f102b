"""The button payloads a visitor may send, as built from domain.yml and data/button_entities.yml."""

import pytest

from bot.payloads import Payload, PayloadAllowList
from tests.support.stack import PROJECT_DIR


@pytest.fixture(scope="module")
def allowed() -> PayloadAllowList:
    return PayloadAllowList.from_files(
        PROJECT_DIR / "domain.yml", PROJECT_DIR / "data/button_entities.yml"
    )


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("/greet", Payload("greet", {})),
        ("/ask_anxiety", Payload("ask_anxiety", {})),
        ('/answer{"answer": "7"}', Payload("answer", {"answer": "7"})),
        ('/answer{"clinician": "ama-osei"}', Payload("answer", {"clinician": "ama-osei"})),
        (
            '/tell_me_more{"topic": "anxiety", "section": "causes"}',
            Payload("tell_me_more", {"topic": "anxiety", "section": "causes"}),
        ),
    ],
)
def test_the_bots_own_buttons_are_payloads(allowed, text, payload):
    assert allowed.parse(text) == payload


@pytest.mark.parametrize(
    "text",
    [
        "/crisis_suicide",  # only the risk screen routes to crisis intents
        "/restart",  # Rasa's own commands are not buttons
        "/session_start",
        "/greet I am fine",  # no text after a payload
        "/greet{} I am fine",
        '/greet{"risk_level": "imminent"}',
        '/answer{"answer": "3", "risk_level": "none"}',
        '/answer{"topic": "anxiety"}',  # an entity of another intent
        '/answer{"answer": 3}',
        '/answer{"answer": ["3"]}',
        '/answer{"answer": null}',
        '/answer{"answer": ""}',
        '/answer{"answer": "' + "x" * 101 + '"}',
        '/answer{"answer": "3\\u0000"}',
        '/answer{"answer": "3"',
        "/greet@0.9",
        "/Greet",
        "/ greet",
        "greet",
        "/",
    ],
)
def test_anything_else_is_text(allowed, text):
    assert allowed.parse(text) is None


def test_a_listed_intent_or_entity_must_be_in_the_domain():
    domain = {"intents": ["answer", "crisis_suicide"], "entities": ["answer", "risk_level"]}
    assert PayloadAllowList.build(domain, {"answer": ["answer"]}).parse('/answer{"answer": "1"}')
    for listed in ({"answer": ["clinician"]}, {"ask_x": []}, {"crisis_suicide": ["answer"]}):
        with pytest.raises(ValueError, match="a non-crisis intent"):
            PayloadAllowList.build(domain, listed)


def test_the_risk_entities_are_never_button_entities(allowed):
    listed = set().union(*allowed.entities_by_intent.values())
    assert not listed & {"risk_level", "risk_category", "risk_modifier", "risk_rule", "distress"}
