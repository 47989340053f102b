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
from bot.safety import entities as screen_entities
from bot.safety.screen import crisis_intent, default_screen, is_crisis_intent

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
        # The rules and the risk classifier are read at start-up, not stored in Rasa's model.
        self.screen = default_screen()
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
        result = self.screen.screen(text)
        entities = list(message.get(ENTITIES) or [])
        entities += screen_entities.to_entities(result, len(text))
        region = region_from_metadata(message.get("metadata"))
        if region:
            entities.append(screen_entities.entity(screen_entities.REGION, region, len(text)))
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
            # The intent classifier alone does not decide a crisis: the screen, with
            # its own classifier, said this is not one, so route it elsewhere.
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
