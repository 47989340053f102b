"""Speed-ups for Rasa 3.6.21 that change no behaviour; the REST channel installs them
when the Rasa server builds it.

They replace Rasa functions, so install() refuses any other Rasa version: each
replacement must first be checked against that version's source.

Found with py-spy on the Rasa server under make bench:

- Action server replies: Rasa checks every reply with ``jsonschema.validate``,
  which first checks the *schema itself* against JSON Schema's 2020-12
  metaschema: about 13 ms per custom action, a third of the server's CPU. Rasa's
  schema is a constant, so a validator built once gives the same verdicts in
  0.2 ms. A reply it rejects goes through Rasa's own check, so invalid replies
  fail exactly as before, with Rasa's message.
- Event types: reading a conversation turns each stored event's type name into
  its class by walking every subclass of ``Event``, once per event: a fifth of a
  turn late in a long conversation. The walk is done once and remembered; a name
  it does not know goes to Rasa's own lookup (old names, defaults, errors).
- Dialogue states: before each action, every policy (and the rule policy twice)
  rebuilds the states of the whole conversation by replaying all its events, so
  a turn costs more the longer the conversation. A tracker now keeps the states
  it built until its next event and hands out copies (Rasa's featurizer edits
  the states it is given).
"""

from __future__ import annotations

import json
from typing import Any

import rasa
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

_rasa_validate_action_result = RemoteAction._validate_action_result
_rasa_resolve_by_type = Event.resolve_by_type
_rasa_past_states = DialogueStateTracker.past_states
STATES_KEPT = "_lantern_past_states"
PINNED_RASA = "3.6.21"  # requirements.lock's; a test checks the two agree
_installed = False


def install() -> None:
    """Replace the three Rasa functions; once only, and only on the pinned Rasa."""
    global _installed
    if rasa.__version__ != PINNED_RASA:
        raise RuntimeError(
            f"bot.rasa_speedups is written for Rasa {PINNED_RASA}, not {rasa.__version__}: "
            "check each function it replaces (RemoteAction._validate_action_result, "
            "Event.resolve_by_type, DialogueStateTracker.past_states) against the new "
            "Rasa's source before changing PINNED_RASA."
        )
    if _installed:
        return
    RemoteAction._validate_action_result = _validate_with_one_validator()
    Event.resolve_by_type = staticmethod(_remembered_event_classes())
    DialogueStateTracker.past_states = _past_states_until_the_next_event
    _installed = True


def _validate_with_one_validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, instead of on every reply
    validator = validator_class(schema)

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if validator.is_valid(result):
            return True
        return _rasa_validate_action_result(self, result)  # raises Rasa's ValidationError

    return validate_action_result


def _remembered_event_classes():
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):  # Rasa's order: the first class with a name wins
        classes.setdefault(cls.type_name, cls)

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> Any:
        return classes.get(type_name) or _rasa_resolve_by_type(type_name, default)

    return resolve_by_type


def _past_states_until_the_next_event(
    self: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    # The states depend only on the events and the arguments; an event changes both the
    # length and the last event (which stays alive, so its id cannot be reused).
    events_now = (len(self.events), id(self.events[-1]) if self.events else None)
    kept = self.__dict__.get(STATES_KEPT)
    if kept is None or kept[0] != events_now:
        kept = self.__dict__[STATES_KEPT] = (events_now, {})
    # The rule policy builds a new rule_only_data for each call: compare its contents.
    rule_only = json.dumps(rule_only_data, sort_keys=True)
    arguments = (id(domain), omit_unset_slots, ignore_rule_only_turns, rule_only)
    if arguments not in kept[1]:
        kept[1][arguments] = _rasa_past_states(
            self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
    states = kept[1][arguments]
    return [{name: dict(sub_state) for name, sub_state in state.items()} for state in states]
