"""The screen's steps: sentence scoping, how the two signals combine, the entity encoding."""

import pytest
from spacy.matcher import Matcher

from bot.safety.decide import ScreenResult
from bot.safety.entities import from_entities, to_entities
from bot.safety.match import compiled_patterns, sentence_bounds, token_words
from bot.safety.screen import RiskScreen
from tests.safety.cases import load_cases
from tests.safety.fakes import FixedClassifier, WordClassifier


@pytest.fixture(scope="module")
def rules_only():
    return RiskScreen()


def test_each_clause_end_starts_a_new_sentence(rules_only):
    doc = rules_only.normaliser.parse("fine. really? yes; ok\nbye")
    assert sentence_bounds(doc) == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 9)]


@pytest.mark.parametrize(
    "text",
    [
        "I had a whole day off. Meds are working better now",
        "I took 20 minutes. Tablets help my migraine",
        "I just had lunch. Pills later with dinner",
    ],
)
def test_a_pattern_never_joins_words_of_two_sentences(rules_only, text):
    result, findings = rules_only.explain(text)
    assert result.level == "none", [finding.text for finding in findings]


def test_the_same_words_in_one_sentence_still_match(rules_only):
    assert rules_only.screen("I had a whole bottle of my meds").level == "imminent"


def test_the_word_index_finds_what_trying_every_pattern_finds(rules_only):
    """The matchers keyed by rare words skip patterns a sentence cannot match; on
    every case message they find exactly what one Matcher of all patterns finds."""
    normaliser, matcher = rules_only.normaliser, rules_only.matcher
    everything = Matcher(normaliser.vocab)
    for rule_id, spec in compiled_patterns(rules_only.rules, normaliser):
        everything.add(rule_id, [spec])
    messages = [message for case in load_cases() for message in case.messages]
    assert len(messages) > 1000
    for message in messages:
        doc = normaliser.parse(message)
        words = token_words(doc)
        for start, end in sentence_bounds(doc):
            indexed = matcher.triggers(doc, start, end, words)
            indexed += matcher.pseudo(doc, start, end, words)
            indexed += matcher.modifiers(doc, start, end, words)
            tried = [(rule, start + s, start + e) for rule, s, e in everything(doc[start:end])]
            assert sorted(indexed) == sorted(tried), message


def test_between_categories_at_one_level_most_matches_decide(rules_only):
    # A blade in hand and "going to do it" are both imminent; self-harm has two matches.
    result = rules_only.screen("blade in my hand right now. im going to do it")
    assert result.level == "imminent"
    assert result.categories[0] == "self_harm"


@pytest.fixture(scope="module")
def threshold(rules_only):
    return rules_only.classifier_settings["threshold"]


FAKE = FixedClassifier(0.0, "self_harm", ("no point",))


@pytest.fixture(scope="module")
def with_fake():
    return RiskScreen(classifier=FAKE)


@pytest.fixture
def screen_with(with_fake):
    def screen(probability, text="there is no point to any of it"):
        FAKE.fixed_probability = probability
        return with_fake.screen(text)

    return screen


def test_below_the_threshold_the_classifier_only_reports_its_probability(screen_with, threshold):
    result = screen_with(threshold - 0.001)
    assert result.level == "none"
    assert result.probability == pytest.approx(threshold - 0.001, abs=0.001)


def test_at_the_threshold_a_message_no_rule_flagged_takes_the_low_pathway(screen_with, threshold):
    result = screen_with(threshold)
    assert (result.level, result.categories) == ("low", ("self_harm",))
    assert result.rules == ("classifier",)
    assert result.evidence == ("no point",)


def test_the_classifier_never_raises_a_flag_above_low(screen_with):
    assert screen_with(1.0).level == "low"
    rules_flag = screen_with(1.0, "i want to kill myself")
    assert rules_flag.level == "high"
    assert "classifier" not in rules_flag.rules


def test_the_classifier_never_lowers_what_the_rules_found(screen_with):
    result = screen_with(0.0, "i have the pills here and i am taking them tonight")
    assert result.level == "imminent"
    assert result.probability == 0.0


def test_a_pseudo_rule_overrules_the_classifier_when_the_risk_was_in_its_words():
    screen = RiskScreen(classifier=WordClassifier(0.99, {"kill"}))
    result = screen.screen("how do I kill the process")
    assert (result.level, result.modifiers) == ("none", ("pseudo",))


def test_a_pseudo_rule_leaves_the_classifier_flag_when_the_rest_reads_as_risk():
    """An idiom in one sentence does not clear what the other sentences say."""
    screen = RiskScreen(classifier=WordClassifier(0.99, {"tonight"}))
    result = screen.screen("dying to see the film. everything feels heavy tonight")
    assert result.level == "low"
    assert "classifier" in result.rules


def test_a_result_survives_the_entity_encoding():
    result = ScreenResult(
        "low",
        ("suicide",),
        ("hypothetical",),
        ("classifier",),
        distress=True,
        probability=0.734,
        evidence=("want to die", "no point"),
    )
    assert from_entities(to_entities(result, 12)) == result


def test_entities_with_odd_values_read_as_safely_as_they_can():
    entities = [
        {"entity": "risk_level", "value": "high"},
        {"entity": "risk_probability", "value": "lots"},
        {"entity": "risk_category", "value": None},
        {"entity": "colour", "value": "blue"},
    ]
    assert from_entities(entities) == ScreenResult("high")
    assert from_entities([]) == ScreenResult()


def test_on_a_long_message_the_classifier_must_be_surer(screen_with, rules_only):
    """Past max_words a long question about a marriage reads a little like a forum post
    about suicide, so the classifier raises it only at long_threshold; the rules still
    read every sentence."""
    settings = rules_only.classifier_settings
    limit, threshold, long_threshold = (
        settings["max_words"],
        settings["threshold"],
        settings["long_threshold"],
    )
    assert threshold < long_threshold <= 1
    long_question = "we argue about money and chores and i do not know what to do. " * 10
    assert len(long_question.split()) > limit
    between = (threshold + long_threshold) / 2
    result = screen_with(between, long_question)
    assert result.level == "none"
    assert result.probability == pytest.approx(between, abs=0.001)
    assert screen_with(long_threshold, long_question).level == "low"
    at_the_limit = " ".join(long_question.split()[:limit])
    assert screen_with(between, at_the_limit).level == "low"
    with_risk = long_question + " i want to kill myself."
    assert screen_with(between, with_risk).level == "high"
