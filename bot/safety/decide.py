"""Step 3 of the risk screen: the level, from the rules' findings and the classifier.

Detect sensitively, decide the level strictly. `high` and `imminent` come only
from rules, which can say why (intent, plan, method, means, timing, an attempt,
a person to be harmed). The classifier adds recall: a message no rule flagged
but the classifier finds likely risky takes the `low` pathway (one kind, direct
question), never more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bot.safety.rules import LEVELS, REPORTED_KINDS

if TYPE_CHECKING:  # the web process reads results without loading spaCy
    from bot.safety.match import Finding

# Kinds that soften a speaker's own flag by one step, never below "low":
# they change the response, they never silently clear it (safety protocol).
SOFTENING_KINDS = ("negated", "hypothetical", "historical")
CLASSIFIER_RULE = "classifier"


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def highest(levels: Iterable[str]) -> str:
    return max(levels, key=level_rank, default="none")


@dataclass(frozen=True)
class ScreenResult:
    level: str = "none"
    categories: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    # A means question ("which bridges are high") is only risky after distress;
    # callers that know the conversation screen it again with that context.
    means_question: bool = False
    # Distress words without risk ("a disaster", "I can't cope"): context for a
    # later means question, never a flag on their own.
    distress: bool = False
    # The classifier's calibrated probability of risk (None without a classifier),
    # and, when it raised the flag, the n-grams that weighed most.
    probability: float | None = None
    evidence: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """One line of `python -m bot.safety screen`."""
        return {
            "level": self.level,
            "categories": list(self.categories),
            "modifiers": list(self.modifiers),
            "rules": list(self.rules),
            "probability": self.probability,
        }


def stronger(first: ScreenResult, second: ScreenResult) -> ScreenResult:
    """The higher of two results; on a tie the second, which saw more context."""
    return first if level_rank(first.level) > level_rank(second.level) else second


def set_levels(findings: list[Finding], prior_level: str, distressed: bool) -> None:
    """Each finding's level: its rule's, moved by its modifiers; a means question
    counts only after distress or risk, earlier or in the same message."""
    for finding in findings:
        if finding.cleared_by or finding.rule.context:
            continue
        finding.level = apply_modifiers(finding.rule.level, finding.modifiers)
    context = highest([prior_level, *(f.level for f in findings)])
    risky_context = distressed or level_rank(context) >= level_rank("low")
    for finding in findings:
        if finding.rule.context == "means" and not finding.cleared_by:
            level = finding.rule.level if risky_context else "none"
            finding.level = apply_modifiers(level, finding.modifiers) if level != "none" else "none"


def apply_modifiers(level: str, modifiers: list[tuple[str, str]]) -> str:
    kinds = {kind for kind, _ in modifiers}
    if kinds & set(SOFTENING_KINDS):
        return LEVELS[max(level_rank("low"), level_rank(level) - 1)]
    if "imminent" in kinds and level == "high":
        return "imminent"
    return level


def from_rules(findings: list[Finding], distress: bool) -> ScreenResult:
    flagged = [f for f in findings if not f.cleared_by and f.level != "none"]
    means = any(f.rule.context == "means" and not f.cleared_by for f in findings)
    if not flagged:
        cleared = [f.cleared_by for f in findings if f.cleared_by]
        pseudo = ("pseudo",) if cleared else ()
        means_rules = tuple(f.rule.id for f in findings if f.rule.context and not f.cleared_by)
        rules = tuple(dict.fromkeys(cleared)) + means_rules
        return ScreenResult("none", (), pseudo, rules, means, distress)
    # Highest level first; at one level the longest match first, as the most specific
    # ("want to stab him" says more than "want to stab"), then the category most of
    # the message's matches share ("blade in my hand … going to do it" is self-harm),
    # then the rule's name, so the order never depends on how matches were found.
    # The first names the crisis intent, and the modifiers reported are those of the
    # matches in its category.
    support = Counter(f.rule.categories[0] for f in flagged)
    flagged.sort(
        key=lambda f: (
            -level_rank(f.level),
            -(f.end - f.start),
            -support[f.rule.categories[0]],
            f.rule.id,
        )
    )
    level = flagged[0].level
    categories = dict.fromkeys(c for f in flagged for c in f.rule.categories)
    first = flagged[0].rule.categories[0]
    top = [f for f in flagged if f.level == level and first in f.rule.categories]
    modifiers = dict.fromkeys(k for f in top for k, _ in f.modifiers if k in REPORTED_KINDS)
    rules = dict.fromkeys(
        [f.rule.id for f in flagged] + [r for f in top for _, r in f.modifiers if r != f.rule.id]
    )
    return ScreenResult(level, tuple(categories), tuple(modifiers), tuple(rules), means, distress)


def classifier_threshold(words: int, settings: dict) -> float:
    """The probability at which the classifier raises a message of ``words`` words.
    Past ``max_words`` it must be surer: a long, personal message about a marriage or
    a job reads a little like a forum post about suicide, and long messages are where
    its probability is least sharp."""
    if words <= settings["max_words"]:
        return settings["threshold"]
    return settings["long_threshold"]


def classifier_raises(result: ScreenResult, threshold: float) -> bool:
    """Whether the classifier's probability raises a message no rule flagged to `low`:
    it is at the threshold or above, and no pseudo rule cleared a match. (The screen
    then looks for a pseudo phrase anywhere in the message, "kill a Python process",
    and keeps the flag only if the message still reads as risk without it.)"""
    return (
        result.level == "none"
        and result.probability is not None
        and result.probability >= threshold
        and "pseudo" not in result.modifiers
    )


def raised_by_classifier(
    result: ScreenResult, category: str, evidence: tuple[str, ...]
) -> ScreenResult:
    return replace(
        result,
        level="low",
        categories=(category,),
        rules=(*result.rules, CLASSIFIER_RULE),
        evidence=evidence,
    )
