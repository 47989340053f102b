"""Button payloads a visitor may send: an allow-list generated from the domain.

Rasa reads any message that starts with ``/`` as ``/intent{"entity": "value"}``
and takes the intent and entities from it instead of from NLU, after every
pipeline component has run, so the risk screen's result is replaced. A visitor
types text; only the bot's own buttons send payloads. A payload is accepted when
its intent is one of the domain's (never a crisis intent: only the risk screen
routes to those, and never Rasa's own ``/restart`` and friends) and it carries
only the entities data/button_entities.yml lists for its intent, each a short
string. Anything else that starts with ``/`` is visitor text, and is screened and
understood like any other message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PAYLOAD = re.compile(r"^/(?P<intent>[a-z][a-z0-9_]*)(?P<entities>\{.*\})?$", re.DOTALL)
CRISIS_INTENT_PREFIX = "crisis_"
MAX_ENTITY_VALUE_CHARS = 100


@dataclass(frozen=True)
class Payload:
    intent: str
    entities: dict[str, str]

    @property
    def entity_text(self) -> str:
        """The entities' values as words, for the risk screen."""
        return ". ".join(self.entities.values())


@dataclass(frozen=True)
class PayloadAllowList:
    entities_by_intent: dict[str, frozenset[str]]

    @classmethod
    def from_files(cls, domain: str | Path, button_entities: str | Path) -> PayloadAllowList:
        return cls.build(_read_yaml(domain), _read_yaml(button_entities))

    @classmethod
    def build(
        cls, domain: dict[str, Any], button_entities: dict[str, list[str]]
    ) -> PayloadAllowList:
        """Every intent of the domain but the crisis ones, each with the entities listed for it.

        A listed intent or entity that the domain does not have is an error: the list is
        edited by hand and must not drift from the domain."""
        intents = [
            entry if isinstance(entry, str) else next(iter(entry))
            for entry in domain.get("intents") or []
        ]
        entities = {
            entry if isinstance(entry, str) else next(iter(entry))
            for entry in domain.get("entities") or []
        }
        for intent, names in button_entities.items():
            unknown = sorted(set(names) - entities) + ([] if intent in intents else [intent])
            if unknown or intent.startswith(CRISIS_INTENT_PREFIX):
                raise ValueError(
                    f"data/button_entities.yml: {intent!r} must be a non-crisis intent "
                    f"of the domain, with entities of the domain (not: {unknown})"
                )
        return cls(
            {
                intent: frozenset(button_entities.get(intent) or [])
                for intent in intents
                if not intent.startswith(CRISIS_INTENT_PREFIX)
            }
        )

    def parse(self, text: str) -> Payload | None:
        """The payload ``text`` encodes, or None when it is not an allowed payload."""
        match = PAYLOAD.match(text.strip())
        if not match or match["intent"] not in self.entities_by_intent:
            return None
        entities: Any = {}
        if match["entities"]:
            try:
                entities = json.loads(match["entities"])
            except ValueError:
                return None
        if not isinstance(entities, dict) or not self._entities_allowed(match["intent"], entities):
            return None
        return Payload(match["intent"], entities)

    def _entities_allowed(self, intent: str, entities: dict[str, Any]) -> bool:
        declared = self.entities_by_intent[intent]
        return all(
            name in declared
            and isinstance(value, str)
            and 0 < len(value) <= MAX_ENTITY_VALUE_CHARS
            and value.isprintable()
            for name, value in entities.items()
        )


def _read_yaml(path: str | Path) -> Any:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
