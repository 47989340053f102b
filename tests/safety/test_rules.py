"""The rule files: strict loading, and every rule's own example sentence."""

import re
import shutil
from pathlib import Path

import pytest

from bot.safety.decide import level_rank
from bot.safety.rules import RULES_DIR, RuleError, load_rules, split_words

RULES = load_rules()


@pytest.mark.parametrize("rule", RULES.triggers.values(), ids=lambda rule: rule.id)
def test_each_trigger_fires_on_its_own_example(rule, screen):
    if rule.context == "means":
        result = screen.screen(rule.literal, prior_level="low")
    else:
        result = screen.screen(rule.literal)
    assert rule.id in result.rules, f"{rule.literal!r} -> {result.as_dict()}"
    assert level_rank(result.level) >= level_rank("low")


def _exactness_undone(pattern: str, normaliser) -> set[str]:
    """Plain alternatives in a list of exact forms ("=kill|unalive") that the slang table
    spells out as one of those words ("unalive" -> "kill"): they stand for every form of
    it, so the pattern matches "killed" after all."""
    undone = set()
    for word in split_words(pattern):
        parts = [part.strip("()") for part in word.rstrip("?").split("|")]
        exact_lemmas = {"_".join(normaliser.canonical(p[1:])) for p in parts if p.startswith("=")}
        for part in parts:
            if part.startswith(("=", "{")):
                continue
            spelled_out = normaliser.normalise_text(part) != part
            if spelled_out and "_".join(normaliser.canonical(part)) in exact_lemmas:
                undone.add(part)
    return undone


def test_no_slang_alternative_undoes_an_exact_form(screen):
    found = {
        (rule.id, pattern, part)
        for rule in [*RULES.triggers.values(), *RULES.modifiers.values()]
        for pattern in rule.patterns
        for part in _exactness_undone(pattern, screen.normaliser)
    }
    assert found == set()


def test_the_exactness_check_finds_a_spelled_out_slang_word(screen):
    assert _exactness_undone("=kill|=kills|unalive {THIRD_SELF}", screen.normaliser) == {"unalive"}
    assert _exactness_undone("=kill|=kills|off {THIRD_SELF}", screen.normaliser) == set()


REPORTED = [
    m
    for m in RULES.modifiers.values()
    if m.kind in ("negated", "hypothetical", "historical", "third_party")
]


@pytest.mark.parametrize("modifier", REPORTED, ids=lambda modifier: modifier.id)
def test_each_modifier_shows_on_its_own_example(modifier, screen):
    result = screen.screen(modifier.literal)
    assert modifier.kind in result.modifiers, f"{modifier.literal!r} -> {result.as_dict()}"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I'm not suicidal, just tired", "low"),  # negated: softened, never cleared
        ("I want to kill myself", "high"),
        ("I want to kill myself tonight, I have the pills here", "imminent"),
        ("how do I kill a python process", "none"),
        ("I'm dying to see the new film", "none"),
        ("which bridges around here are the highest", "none"),  # only risky after distress
    ],
)
def test_levels(text, level, screen):
    assert screen.screen(text).level == level


def test_a_means_question_after_distress_is_high(screen):
    assert screen.screen("which bridges around here are the highest", "low").level == "high"


def test_slang_and_misspellings_are_understood(screen):
    for text in ("i wanna kms", "feeling sucidal", "thinking about unaliving myself"):
        assert screen.screen(text).level == "high", text


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy)
    return copy


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text().rstrip("\n") + "\n" + text)


@pytest.mark.parametrize(
    ("file", "addition", "complaint"),
    [
        (
            "suicide.yml",
            '  - id: x\n    level: high\n    colour: red\n    patterns: ["a b"]\n',
            "unknown key",
        ),
        ("suicide.yml", '  - id: x\n    level: severe\n    patterns: ["a b"]\n', "level 'severe'"),
        (
            "suicide.yml",
            '  - id: x\n    level: high\n    categories: [grief]\n    patterns: ["a b"]\n',
            "category 'grief'",
        ),
        (
            "suicide.yml",
            '  - id: x\n    level: high\n    patterns: ["{NO_SUCH_SET} b"]\n',
            "unknown word set",
        ),
        (
            "suicide.yml",
            '  - id: suicide.kill_self\n    level: high\n    patterns: ["a b"]\n',
            "used twice",
        ),
        (
            "modifiers.yml",
            '  - id: x\n    kind: negated\n    direction: sideways\n    patterns: ["a"]\n',
            "direction 'sideways'",
        ),
        (
            "modifiers.yml",
            '  - id: x\n    kind: sarcastic\n    patterns: ["a"]\n',
            "kind 'sarcastic'",
        ),
        ("suicide.yml", '  - id: x\n    level: high\n    patterns: ["*2 b"]\n', "gap"),
    ],
)
def test_loader_names_the_file_and_rule(rules_copy, file, addition, complaint):
    _append(rules_copy / file, addition)
    with pytest.raises(RuleError, match=complaint) as error:
        load_rules(rules_copy)
    assert file in str(error.value)


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        (r"long_threshold: [\d.]+", "long_threshold: 9", "long_threshold must be a probability"),
        (r"long_threshold: [\d.]+", "", "long_threshold must be a probability"),
        (r"\bthreshold: [\d.]+", "threshold: high", "classifier threshold must be a probability"),
        (r"max_words: \d+", "max_words: 0", "max_words must be a whole number"),
    ],
)
def test_a_classifier_setting_out_of_range_is_refused_at_load(rules_copy, old, new, complaint):
    settings = rules_copy / "settings.yml"
    changed, count = re.subn(old, new, settings.read_text(), count=1, flags=re.MULTILINE)
    assert count == 1
    settings.write_text(changed)
    with pytest.raises(RuleError, match=complaint) as error:
        load_rules(rules_copy)
    assert "settings.yml" in str(error.value)


@pytest.mark.parametrize("text", ["i want to kill myself \ud800", "\udfff i want to kill myself"])
def test_a_lone_surrogate_does_not_stop_the_screen(text, screen):
    """Any channel may pass one through from a JSON escape; the screen still reads the rest."""
    assert screen.screen(text).level == "high"
