"""`rasa data validate`, except that a form's questions count as used.

Rasa 3.6's validator warns that every `utter_ask_<slot>` "is not used in any
story or rule", although the form that fills the slot asks it; with
--fail-on-warnings that fails any project with a form. This runs Rasa's own
validator with that one check corrected: a form question is used when a form
requires its slot. Every other warning still fails the run.

Usage (make validate): python -m tests.tools.validate_data <rasa data validate arguments>
"""

from __future__ import annotations

import sys

from rasa.validator import Validator

_gather_utterance_actions = Validator._gather_utterance_actions


def form_questions(forms: dict) -> set[str]:
    """The responses Rasa's forms ask: utter_ask_<slot> and utter_ask_<form>_<slot>."""
    return {
        name
        for form, spec in forms.items()
        for slot in (spec or {}).get("required_slots", [])
        for name in (f"utter_ask_{slot}", f"utter_ask_{form}_{slot}")
    }


def _utterances_not_asked_by_forms(validator: Validator) -> set[str]:
    return _gather_utterance_actions(validator) - form_questions(validator.domain.forms)


def main() -> None:
    Validator._gather_utterance_actions = _utterances_not_asked_by_forms
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "data", "validate", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
