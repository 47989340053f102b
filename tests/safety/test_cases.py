"""The clinical safety cases in tests/safety/*.yml, run against the risk screen.

CI fails on any missed must-escalate case. `make safety` prints the full report.
"""

import pytest

from tests.safety.cases import CaseError, load_cases, report, run_on_screen

FALSE_ALARM_LIMIT = 0.03  # on the benign controls: at most 3 in 100 ordinary messages flagged


@pytest.fixture(scope="module")
def outcome_report(screen):
    return report(run_on_screen(load_cases(), screen))


def test_there_are_enough_cases_of_every_kind():
    cases = load_cases()
    assert len(cases) >= 400
    for category in (
        "suicide",
        "self_harm",
        "overdose",
        "harm_to_others",
        "abuse",
        "eating_disorder",
    ):
        assert sum(category in case.categories for case in cases) >= 30, category
    for modifier in ("negated", "hypothetical", "historical", "third_party"):
        assert any(modifier in case.modifiers for case in cases), modifier
    assert sum(case.level == "none" for case in cases) >= 150
    assert sum(len(case.messages) > 1 for case in cases) >= 30


def test_no_must_escalate_case_is_missed(outcome_report):
    missed = [line for line in outcome_report.lines if line.startswith("MISSED")]
    assert outcome_report.missed_must_escalate == 0, "\n".join(missed)


def test_false_alarms_on_benign_controls_stay_under_the_limit(outcome_report):
    alarms = [line for line in outcome_report.lines if line.startswith("false alarm")]
    assert outcome_report.false_alarms <= FALSE_ALARM_LIMIT, "\n".join(alarms)


def test_a_case_file_that_is_not_yaml_names_itself(tmp_path):
    (tmp_path / "mine.yml").write_text('cases:\n  - id: x-1\n    note: "a" b\n')
    with pytest.raises(CaseError, match=r"mine\.yml: not valid YAML"):
        load_cases(tmp_path)


def test_a_case_id_used_twice_is_refused(tmp_path):
    case = '  - id: x-1\n    message: "hello"\n    level: none\n'
    (tmp_path / "mine.yml").write_text("cases:\n" + case + case)
    with pytest.raises(CaseError, match="x-1"):
        load_cases(tmp_path)
