"""The risk screen inside Rasa's NLU pipeline: every user message is screened.

The last component in config.yml (after FallbackClassifier, so nothing can
overwrite its intent). It stores the screen's result as entities on the user
message, so the flag is kept in the tracker store for staff, and routes any
flagged message to the matching crisis intent whatever the classifier said.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.regions import region_from_metadata
from bot.safety.screen import (
    ScreenResult,
    crisis_intent,
    default_screen,
    is_crisis_intent,
    with_classifier,
)

EXTRACTOR = "RiskScreen"
FALLBACK_INTENT = "nlu_fallback"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RiskScreenComponent(GraphComponent):
    """Screens every message; see bot/safety/screen.py for how the level is decided."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RiskScreenComponent:
        threshold = config.get("fallback_threshold")
        if not isinstance(threshold, (int, float)):
            raise ValueError(
                "RiskScreenComponent needs fallback_threshold in config.yml: "
                "FallbackClassifier's threshold (the same anchor)."
            )
        return cls(threshold)

    def __init__(self, fallback_threshold: float) -> None:
        self.screen = default_screen()  # rules are read at start-up, not stored in the model
        # Below this confidence an intent is the fallback, as FallbackClassifier decides.
        self.fallback_threshold = fallback_threshold

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._screen(message)
        return messages

    def _screen(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        intent = message.get(INTENT) or {}
        result = with_classifier(
            self.screen.screen(text), text, intent.get("name"), intent.get("confidence") or 0.0
        )
        entities = list(message.get(ENTITIES) or [])
        entities += _entities(result, len(text))
        if result.distress:
            entities.append(_entity("distress", "yes", len(text)))
        region = region_from_metadata(message.get("metadata"))
        if region:
            entities.append(_entity("region", region, len(text)))
        message.set(ENTITIES, entities, add_to_output=True)

        ranking = message.get(INTENT_RANKING_KEY) or []
        target = crisis_intent(result)
        if target:
            # The classifier's own ranking stays below, with its confidences, for staff.
            message.set(INTENT, {"name": target, "confidence": 1.0}, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [{"name": target, "confidence": 1.0}, *ranking],
                add_to_output=True,
            )
        elif is_crisis_intent(intent.get("name")):
            # The classifier alone, unsure or overruled by a pseudo rule: one
            # decision function says this is not a crisis, so route it elsewhere.
            best = _best_other_intent(ranking, self.fallback_threshold)
            message.set(INTENT, best, add_to_output=True)


def _best_other_intent(ranking: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    for candidate in ranking:
        name = candidate["name"]
        if not is_crisis_intent(name) and name != FALLBACK_INTENT:
            if candidate["confidence"] >= threshold:
                return {"name": name, "confidence": candidate["confidence"]}
            break
    return {"name": FALLBACK_INTENT, "confidence": 1.0}


def _entity(name: str, value: str, length: int) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": length, "extractor": EXTRACTOR}


def _entities(result: ScreenResult, length: int) -> list[dict[str, Any]]:
    """The result as entities: risk_level always, then categories, modifiers and rule ids."""
    entities = [_entity("risk_level", result.level, length)]
    entities += [_entity("risk_category", value, length) for value in result.categories]
    entities += [_entity("risk_modifier", value, length) for value in result.modifiers]
    entities += [_entity("risk_rule", value, length) for value in result.rules]
    return entities
