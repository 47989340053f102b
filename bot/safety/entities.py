"""A screen result as entities on a Rasa user message, and back.

The one encoding of the flag that the Rasa component writes, the tracker store
keeps, and the crisis actions, the staff console and the benchmarks read.
"""

from __future__ import annotations

from typing import Any

from bot.safety.decide import ScreenResult

EXTRACTOR = "RiskScreen"
LEVEL = "risk_level"
CATEGORY = "risk_category"
MODIFIER = "risk_modifier"
RULE = "risk_rule"
PROBABILITY = "risk_probability"
EVIDENCE = "risk_evidence"  # an n-gram that weighed most when the classifier raised the flag
DISTRESS = "distress"
REGION = "region"
# Every entity name the screen writes: anything else on a message came from elsewhere.
NAMES = frozenset({LEVEL, CATEGORY, MODIFIER, RULE, PROBABILITY, EVIDENCE, DISTRESS, REGION})
_LISTS = {CATEGORY: "categories", MODIFIER: "modifiers", RULE: "rules", EVIDENCE: "evidence"}


def entity(name: str, value: str, length: int) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": length, "extractor": EXTRACTOR}


def to_entities(result: ScreenResult, length: int) -> list[dict[str, Any]]:
    """risk_level always, then categories, modifiers, rule ids, the classifier's
    probability and evidence, and whether distress was voiced."""
    entities = [entity(LEVEL, result.level, length)]
    for name, attribute in _LISTS.items():
        entities += [entity(name, value, length) for value in getattr(result, attribute)]
    if result.probability is not None:
        entities.append(entity(PROBABILITY, f"{result.probability:.3f}", length))
    if result.distress:
        entities.append(entity(DISTRESS, "yes", length))
    return entities


def from_entities(entities: list[dict[str, Any]]) -> ScreenResult:
    """The result stored on a message; a message without one reads as level none."""
    level = "none"
    lists: dict[str, list[str]] = {attribute: [] for attribute in _LISTS.values()}
    probability = None
    distress = False
    for found in entities:
        name, value = found.get("entity"), found.get("value")
        if not isinstance(value, str):
            continue
        if name == LEVEL and level == "none":
            level = value
        elif name in _LISTS:
            lists[_LISTS[name]].append(value)
        elif name == PROBABILITY:
            probability = _probability(value)
        elif name == DISTRESS:
            distress = value == "yes"
    return ScreenResult(
        level,
        tuple(lists["categories"]),
        tuple(lists["modifiers"]),
        tuple(lists["rules"]),
        distress=distress,
        probability=probability,
        evidence=tuple(lists["evidence"]),
    )


def _probability(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0.0 <= number <= 1.0 else None
