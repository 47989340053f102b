"""Risk rules as data: a strict loader and the compiler from readable patterns to spaCy's.

Rules live in ``data/risk_rules/*.yml`` and are written for clinicians to read.
A pattern is a line of words separated by spaces:

    kill {SELF}                 a word matches every form of it (kill, kills, killed, killing)
    want|wanna|need to die      alternatives
    {WANT} to die               a word set from vocabulary.yml
    really? want to die         ``?`` makes a word optional
    live|(be alive)|(be here)   brackets make several words one alternative
    =took|=swallowed            ``=`` matches that exact form only (took, not take)
    take *3 pills               ``*3`` allows up to three words of any kind in between

Unknown keys, categories, levels, kinds or directions, unknown word sets and
duplicate rule ids are errors that name the file and the rule.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

RULES_DIR = Path(__file__).resolve().parents[2] / "data" / "risk_rules"

LEVELS = ("none", "low", "high", "imminent")
CATEGORIES = ("suicide", "self_harm", "overdose", "harm_to_others", "abuse", "eating_disorder")
# A flagged message goes to the crisis intent of its category ("crisis_suicide").
CRISIS_INTENT_PREFIX = "crisis_"
SUBJECTS = ("self", "other", "any")
CONTEXTS = ("means",)
# Modifiers reported to callers (the CLI and the entities) ...
REPORTED_KINDS = ("negated", "hypothetical", "historical", "third_party", "pseudo")
# ... and the ones that only shape the result: imminence markers, scope ends,
# and look-alikes that are not modifiers at all ("not sure", "no longer").
MODIFIER_KINDS = REPORTED_KINDS + ("imminent", "terminate", "ignore")
DIRECTIONS = ("forward", "backward", "both")

TRIGGER_FILE_KEYS = {"category", "rules"}
TRIGGER_KEYS = {"id", "literal", "level", "categories", "subject", "context", "patterns", "note"}
MODIFIER_FILE_KEYS = {"rules"}
MODIFIER_KEYS = {"id", "kind", "literal", "direction", "scope", "applies_to", "patterns", "note"}
GAP = re.compile(r"^\*(\d)$")
# A pattern's words: runs without spaces, where "(…)" may hold spaces.
WORD = re.compile(r"(?:\([^()]*\)|[^\s()])+")
SET_REFERENCE = re.compile(r"^\{([A-Z_]+)\}$")


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True)
class TriggerRule:
    id: str
    level: str
    categories: tuple[str, ...]
    patterns: tuple[str, ...]
    literal: str = ""
    subject: str = "any"
    context: str | None = None


@dataclass(frozen=True)
class ModifierRule:
    id: str
    kind: str
    patterns: tuple[str, ...]
    direction: str = "both"
    scope: int | None = None
    applies_to: tuple[str, ...] = ()
    literal: str = ""


@dataclass
class RuleSet:
    triggers: dict[str, TriggerRule] = field(default_factory=dict)
    modifiers: dict[str, ModifierRule] = field(default_factory=dict)
    vocabulary: dict[str, tuple[str, ...]] = field(default_factory=dict)
    normalisation: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # rule id -> file it came from


def load_rules(directory: Path = RULES_DIR) -> RuleSet:
    """Read and check every rule file in ``directory``."""
    rules = RuleSet()
    rules.vocabulary = _load_vocabulary(directory / "vocabulary.yml")
    rules.normalisation = _read(directory / "normalise.yml")
    rules.settings = _read(directory / "settings.yml")
    _check_classifier_settings(rules.settings)
    for path in sorted(directory.glob("*.yml")):
        if path.stem in {"vocabulary", "normalise", "settings"}:
            continue
        data = _read(path)
        if "category" in data:
            _load_triggers(path, data, rules)
        else:
            _load_modifiers(path, data, rules)
    for rule in [*rules.triggers.values(), *rules.modifiers.values()]:
        for pattern in rule.patterns:
            for word in split_words(pattern):
                for part in word.rstrip("?").split("|"):
                    reference = SET_REFERENCE.match(part)
                    if reference and reference.group(1) not in rules.vocabulary:
                        raise RuleError(
                            f"{rules.files[rule.id]}: rule '{rule.id}' uses the unknown word "
                            f"set {part}; add it to vocabulary.yml or fix the name."
                        )
    return rules


def _read(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as file:
            data = yaml.safe_load(file)
    except yaml.YAMLError as error:
        raise RuleError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise RuleError(f"{path.name}: expected a mapping at the top of the file.")
    return data


def _check_classifier_settings(settings: dict) -> None:
    """The classifier's thresholds are probabilities and max_words a count: a slip in
    them stops the screen at start, not at the first long message."""
    classifier = settings.get("classifier")
    if not isinstance(classifier, dict):
        raise RuleError("settings.yml: expected a 'classifier:' mapping.")
    for key in ("threshold", "long_threshold"):
        value = classifier.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise RuleError(f"settings.yml: classifier {key} must be a probability from 0 to 1.")
    words = classifier.get("max_words")
    if isinstance(words, bool) or not isinstance(words, int) or words < 1:
        raise RuleError("settings.yml: classifier max_words must be a whole number above 0.")


def _load_vocabulary(path: Path) -> dict[str, tuple[str, ...]]:
    sets = _read(path).get("sets")
    if not isinstance(sets, dict):
        raise RuleError(f"{path.name}: expected 'sets:' mapping NAME to a list of words.")
    vocabulary = {}
    for name, words in sets.items():
        if not re.fullmatch(r"[A-Z_]+", str(name)):
            raise RuleError(f"{path.name}: set name '{name}' must be CAPITALS_AND_UNDERSCORES.")
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise RuleError(f"{path.name}: set '{name}' must be a list of words.")
        vocabulary[name] = tuple(words)
    return vocabulary


def _check_keys(path: Path, rule_id: str, entry: dict, allowed: set[str]) -> None:
    unknown = set(entry) - allowed
    if unknown:
        raise RuleError(
            f"{path.name}: rule '{rule_id}' has unknown key(s) {sorted(unknown)}; "
            f"allowed: {sorted(allowed)}."
        )


def _patterns(path: Path, rule_id: str, entry: dict) -> tuple[str, ...]:
    patterns = entry.get("patterns")
    if not isinstance(patterns, list) or not patterns:
        raise RuleError(f"{path.name}: rule '{rule_id}' needs a non-empty list of patterns.")
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise RuleError(f"{path.name}: rule '{rule_id}' has an empty or non-text pattern.")
        words = split_words(pattern)
        if " ".join(words) != " ".join(pattern.split()):
            raise RuleError(
                f"{path.name}: rule '{rule_id}', pattern '{pattern}': unbalanced brackets."
            )
        for word in words:
            if word.startswith("*") and not GAP.match(word):
                raise RuleError(
                    f"{path.name}: rule '{rule_id}', pattern '{pattern}': '{word}' is not a "
                    f"gap; write *1 to *9."
                )
            if "" in word.rstrip("?").split("|"):
                raise RuleError(
                    f"{path.name}: rule '{rule_id}', pattern '{pattern}': '{word}' has an "
                    f"empty alternative (a '|' with nothing on one side)."
                )
            if re.search(r"\([^)]*[{}=#][^)]*\)", word):
                raise RuleError(
                    f"{path.name}: rule '{rule_id}', pattern '{pattern}': brackets hold plain "
                    f"words only, not {{SETS}}, =forms or #NUM."
                )
        if GAP.match(words[0]) or GAP.match(words[-1]) or words[0].endswith("?"):
            raise RuleError(
                f"{path.name}: rule '{rule_id}', pattern '{pattern}': a pattern must start "
                f"with a required word and end with a word, not a gap."
            )
    return tuple(patterns)


def _choice(path: Path, rule_id: str, key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise RuleError(
            f"{path.name}: rule '{rule_id}' has {key} '{value}'; allowed: {', '.join(allowed)}."
        )


def _entries(path: Path, data: dict) -> list[dict]:
    entries = data.get("rules")
    if not isinstance(entries, list):
        raise RuleError(f"{path.name}: expected 'rules:' with a list of rules.")
    for position, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise RuleError(f"{path.name}: rule number {position} needs an 'id'.")
    return entries


def _unique(path: Path, rule_id: str, rules: RuleSet) -> None:
    if rule_id in rules.files:
        raise RuleError(
            f"{path.name}: rule id '{rule_id}' is used twice (also in {rules.files[rule_id]})."
        )
    rules.files[rule_id] = path.name


def _load_triggers(path: Path, data: dict, rules: RuleSet) -> None:
    _check_keys(path, "(file)", data, TRIGGER_FILE_KEYS)
    _choice(path, "(file)", "category", data["category"], CATEGORIES)
    for entry in _entries(path, data):
        rule_id = entry["id"]
        _check_keys(path, rule_id, entry, TRIGGER_KEYS)
        _unique(path, rule_id, rules)
        categories = tuple(entry.get("categories", [data["category"]]))
        for category in categories:
            _choice(path, rule_id, "category", category, CATEGORIES)
        _choice(path, rule_id, "level", entry.get("level"), LEVELS[1:])
        _choice(path, rule_id, "subject", entry.get("subject", "any"), SUBJECTS)
        if "context" in entry:
            _choice(path, rule_id, "context", entry["context"], CONTEXTS)
        rules.triggers[rule_id] = TriggerRule(
            id=rule_id,
            level=entry["level"],
            categories=categories,
            patterns=_patterns(path, rule_id, entry),
            literal=str(entry.get("literal", "")),
            subject=entry.get("subject", "any"),
            context=entry.get("context"),
        )


def _load_modifiers(path: Path, data: dict, rules: RuleSet) -> None:
    _check_keys(path, "(file)", data, MODIFIER_FILE_KEYS)
    for entry in _entries(path, data):
        rule_id = entry["id"]
        _check_keys(path, rule_id, entry, MODIFIER_KEYS)
        _unique(path, rule_id, rules)
        _choice(path, rule_id, "kind", entry.get("kind"), MODIFIER_KINDS)
        _choice(path, rule_id, "direction", entry.get("direction", "both"), DIRECTIONS)
        for kind in entry.get("applies_to", []):
            _choice(path, rule_id, "applies_to", kind, MODIFIER_KINDS)
        scope = entry.get("scope")
        if scope is not None and (not isinstance(scope, int) or scope < 1):
            raise RuleError(f"{path.name}: rule '{rule_id}' scope must be a positive number.")
        rules.modifiers[rule_id] = ModifierRule(
            id=rule_id,
            kind=entry["kind"],
            patterns=_patterns(path, rule_id, entry),
            direction=entry.get("direction", "both"),
            scope=scope,
            applies_to=tuple(entry.get("applies_to", [])),
            literal=str(entry.get("literal", "")),
        )


def split_words(pattern: str) -> list[str]:
    return WORD.findall(pattern)


def phrases(rules: RuleSet) -> set[str]:
    """Word-set entries of several words: in a message they become one token."""
    return {w for words in rules.vocabulary.values() for w in words if " " in w}


def bracket_phrases(pattern: str, known: set[str]) -> str:
    """Write a known phrase spelled out as plain words ("how strong") as one alternative.
    Words already in brackets stay as they are: brackets do not nest."""
    segments = re.split(r"(\([^()]*\))", pattern)
    present = (phrase for phrase in known if phrase in pattern)  # the rest change nothing
    for phrase in sorted(present, key=len, reverse=True):
        segments = [
            segment
            if segment.startswith("(")
            else re.sub(rf"(?<![\w|(]){re.escape(phrase)}(?![\w|)])", f"({phrase})", segment)
            for segment in segments
        ]
    return "".join(segments)


def compile_pattern(
    pattern: str,
    vocabulary: dict[str, tuple[str, ...]],
    canonical,
    known: set[str],
    several_words=None,
) -> list[list[dict]]:
    """Turn one readable pattern into spaCy Matcher patterns on the NORM attribute.

    ``canonical`` maps a word or phrase to its normalised form, so that
    patterns and messages are normalised the same way. A word-set phrase
    ("sleeping pill") is one token in both (see Normaliser.merge_phrases); any
    other alternative of several words becomes its own spaCy pattern, its tokens
    from ``several_words`` (which merges the known phrases inside it, as in a
    message), or ``canonical``.
    """
    several_words = several_words or canonical
    positions: list[list[list[dict]]] = []  # per word: alternative token sequences
    for word in split_words(pattern):
        gap = GAP.match(word)
        if gap:
            positions.append([[{"OP": "?"}] * int(gap.group(1))])
            continue
        optional = word.endswith("?")
        if word.rstrip("?") == "#NUM":  # a number, in digits or words
            positions.append([[{"LIKE_NUM": True, **({"OP": "?"} if optional else {})}]])
            continue
        norms: set[str] = set()
        several: dict[tuple[str, ...], None] = {}
        for part in word.rstrip("?").split("|"):
            reference = SET_REFERENCE.match(part)
            for text in vocabulary[reference.group(1)] if reference else [part.strip("()")]:
                if text.startswith("="):
                    continue
                tokens = tuple(canonical(text))
                if len(tokens) == 1 or text in known:
                    norms.add("_".join(tokens))
                else:
                    several[tuple(several_words(text))] = None
        exact = {part[1:].lower() for part in word.rstrip("?").split("|") if part[0] == "="}
        # One word is compared in spaCy's own code; a set ("IN") in Python, per token.
        sequences = [
            [
                {
                    attribute: values.pop() if len(values) == 1 else {"IN": sorted(values)},
                    **({"OP": "?"} if optional else {}),
                }
            ]
            for attribute, values in (("NORM", norms), ("LOWER", exact))
            if values
        ]
        sequences += [[{"NORM": token} for token in tokens] for tokens in several]
        if optional and not (norms or exact):
            sequences.append([])
        positions.append(sequences)
    return [list(itertools.chain.from_iterable(combo)) for combo in itertools.product(*positions)]
