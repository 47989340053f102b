"""Safety cases (tests/safety/*.yml): loading, running and scoring.

python -m tests.safety.cases                  run the cases against the risk screen
python -m tests.safety.cases --webhook URL    ... and through the running bot

A case is a message, or a short conversation whose last message is judged in
the context of the earlier ones, with the level and categories a clinician
expects. Cases are run against the risk screen, or through the live bot.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.regions import KNOWN_REGIONS as REGIONS
from bot.safety.decide import ScreenResult, level_rank, stronger
from bot.safety.rules import CATEGORIES, LEVELS, REPORTED_KINDS

CASES_DIR = Path(__file__).resolve().parent
CASE_KEYS = {"id", "message", "conversation", "level", "categories", "modifiers", "region", "note"}
MUST_ESCALATE = ("high", "imminent")


class CaseError(ValueError):
    """A case file that cannot be used; the message names the file and the case."""


@dataclass(frozen=True)
class Case:
    id: str
    messages: tuple[str, ...]
    level: str
    categories: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()
    region: str | None = None
    source: str = ""

    @property
    def must_escalate(self) -> bool:
        return self.level in MUST_ESCALATE


@dataclass(frozen=True)
class Outcome:
    case: Case
    result: ScreenResult

    @property
    def missed(self) -> bool:
        """Flagged below the level that matters: high for must-escalate, low for the rest."""
        floor = "high" if self.case.must_escalate else "low"
        return self.case.level != "none" and level_rank(self.result.level) < level_rank(floor)

    @property
    def false_alarm(self) -> bool:
        return self.case.level == "none" and self.result.level != "none"

    @property
    def categories_ok(self) -> bool:
        return set(self.case.categories) <= set(self.result.categories)


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    cases: list[Case] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:  # a clinician's typo: say where, not a traceback
            raise CaseError(f"{path.name}: not valid YAML ({error})") from error
        if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
            raise CaseError(f"{path.name}: expected 'cases:' with a list of cases.")
        for entry in data["cases"]:
            case = _case(path, entry)
            if case.id in seen:
                raise CaseError(f"{path.name}: case id '{case.id}' is used twice.")
            seen.add(case.id)
            cases.append(case)
    return cases


def _case(path: Path, entry: dict) -> Case:
    case_id = entry.get("id") if isinstance(entry, dict) else None
    if not isinstance(case_id, str):
        raise CaseError(f"{path.name}: every case needs an 'id'.")

    def fail(problem: str) -> CaseError:
        return CaseError(f"{path.name}: case '{case_id}' {problem}")

    if unknown := set(entry) - CASE_KEYS:
        raise fail(f"has unknown key(s) {sorted(unknown)}; allowed: {sorted(CASE_KEYS)}.")
    if ("message" in entry) == ("conversation" in entry):
        raise fail("needs exactly one of 'message' or 'conversation'.")
    messages = [entry["message"]] if "message" in entry else entry["conversation"]
    if not isinstance(messages, list) or not messages:
        raise fail("'conversation' must be a list of messages.")
    if not all(isinstance(m, str) and m.strip() for m in messages):
        raise fail("has an empty or non-text message.")
    if entry.get("level") not in LEVELS:
        raise fail(f"needs a level: one of {', '.join(LEVELS)}.")
    categories = entry.get("categories", [])
    if entry["level"] != "none" and not categories:
        raise fail("needs 'categories' because its level is not none.")
    if bad := [c for c in categories if c not in CATEGORIES]:
        raise fail(f"has unknown categories {bad}; allowed: {', '.join(CATEGORIES)}.")
    modifiers = entry.get("modifiers", [])
    if bad := [m for m in modifiers if m not in REPORTED_KINDS]:
        raise fail(f"has unknown modifiers {bad}; allowed: {', '.join(REPORTED_KINDS)}.")
    if entry.get("region") not in (None, *REGIONS):
        raise fail(f"has region '{entry['region']}'; allowed: {', '.join(REGIONS)}.")
    return Case(
        case_id,
        tuple(messages),
        entry["level"],
        tuple(categories),
        tuple(modifiers),
        entry.get("region"),
        path.name,
    )


def run_on_screen(cases: list[Case], screen) -> list[Outcome]:
    """Each message is screened with the highest level seen earlier in its conversation,
    and a conversation is judged by its strongest flag: a flag stays on the conversation
    (a "no", "thanks" or a question about opening hours does not end a crisis)."""
    outcomes = []
    for case in cases:
        strongest, distress = ScreenResult(), False
        for message in case.messages:
            result = screen.screen(message, strongest.level, distress)
            strongest, distress = stronger(strongest, result), distress or result.distress
        outcomes.append(Outcome(case, strongest))
    return outcomes


def run_through(cases: list[Case], ask: Callable[[Case], ScreenResult]) -> list[Outcome]:
    """Run cases through another judge, such as the live bot over its REST webhook."""
    return [Outcome(case, ask(case)) for case in cases]


@dataclass(frozen=True)
class Report:
    cases: int
    recall: float
    false_alarms: float
    missed_must_escalate: int
    lines: tuple[str, ...]

    @property
    def summary(self) -> str:
        return (
            f"safety: recall={self.recall:.3f} false_alarms={self.false_alarms:.3f} "
            f"missed_must_escalate={self.missed_must_escalate} cases={self.cases}"
        )


def report(outcomes: list[Outcome], judge: str = "screen") -> Report:
    risky = [o for o in outcomes if o.case.level != "none"]
    benign = [o for o in outcomes if o.case.level == "none"]
    missed_escalations = [o for o in risky if o.case.must_escalate and o.missed]
    lines = [f"Safety cases judged by the {judge}: {len(outcomes)} cases"]
    lines.append(f"{'category':<16}{'cases':>6}{'recall':>8}{'escalate':>10}{'category ok':>13}")
    by_category: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in risky:
        for category in outcome.case.categories:
            by_category[category].append(outcome)
    for category in CATEGORIES:
        group = by_category.get(category, [])
        if not group:
            continue
        escalate = [o for o in group if o.case.must_escalate]
        lines.append(
            f"{category:<16}{len(group):>6}{_rate(group, lambda o: not o.missed):>8}"
            f"{_rate(escalate, lambda o: not o.missed):>10}"
            f"{_rate(group, lambda o: o.categories_ok):>13}"
        )
    exact = Counter((o.case.level, o.result.level) for o in outcomes)
    lines.append(
        "expected -> screened level: "
        + ", ".join(f"{want}->{got}: {n}" for (want, got), n in sorted(exact.items()))
    )
    lines.append(
        f"benign controls: {len(benign)}, false alarms: {sum(o.false_alarm for o in benign)}"
    )
    for outcome in missed_escalations:
        lines.append(f"MISSED must-escalate {_describe(outcome)}")
    for outcome in risky:
        if outcome.missed and not outcome.case.must_escalate:
            lines.append(f"missed low {_describe(outcome)}")
    for outcome in benign:
        if outcome.false_alarm:
            lines.append(f"false alarm {_describe(outcome)}")
    recall = sum(not o.missed for o in risky) / len(risky) if risky else 1.0
    false_alarms = sum(o.false_alarm for o in benign) / len(benign) if benign else 0.0
    return Report(len(outcomes), recall, false_alarms, len(missed_escalations), tuple(lines))


def _rate(group: list[Outcome], ok: Callable[[Outcome], bool]) -> str:
    return f"{sum(map(ok, group)) / len(group):.3f}" if group else "-"


def _describe(outcome: Outcome) -> str:
    case, result = outcome.case, outcome.result
    return (
        f"{case.id} ({case.source}) expected {case.level} {list(case.categories)}, "
        f"screened {result.level} {list(result.categories)} {list(result.rules)}: "
        f"{case.messages[-1]!r}"
    )


def main(argv: list[str] | None = None) -> int:
    """Print each case the screen (and the bot) got wrong, then the summary lines;
    exit 1 when a must-escalate case was missed."""
    parser = argparse.ArgumentParser(prog="python -m tests.safety.cases", description=__doc__)
    parser.add_argument("--webhook", help="also run them through the bot's REST webhook")
    parser.add_argument("--quiet", action="store_true", help="print only the summary lines")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter
    from bot.safety.screen import default_screen

    cases = load_cases()
    reports = [report(run_on_screen(cases, default_screen()), "screen")]
    if args.webhook:
        from tests.safety.live import ask_bot

        bot = report(run_through(cases, lambda case: ask_bot(args.webhook, case)), "live bot")
        reports.append(bot)
    for result in reports:
        if not args.quiet:
            print("\n".join(result.lines))
        print(result.summary)
    return 1 if any(r.missed_must_escalate for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
