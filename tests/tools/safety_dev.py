"""Measure the risk screen on the risk-dev set: real labelled text the project did not write.

.venv/bin/python -m tests.tools.safety_dev [--data DIR] [--split dev|train]

Recall per must-escalate label and source, false alarms on distress and benign rows per
source, the speed, and a last line `safety-dev: recall=... false_any=... false_high=... n=...`.
Measure on dev; read train (never dev) for rule ideas, and copy no row into rules or cases.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

# TensorFlow is imported by spaCy's dependencies; keep its start-up chatter off the output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = PROJECT_DIR.parent / "shared" / "data" / "risk-dev"
LONG_MESSAGES = Path(__file__).resolve().parent / "data" / "ordinary_long_check.yml"
MUST_ESCALATE = ("suicide", "self_harm", "harm_to_others")
MUST_NOT_ESCALATE = ("distress", "benign")
HIGH_LEVELS = ("high", "imminent")
# Group keys for all labels of a side together; "*" keeps them apart from any label.
ALL_ESCALATE, ALL_HARMLESS = "*must escalate", "*must not escalate"
EXIT_BAD_INPUT = 2

Result = tuple[str, str, str]  # (label, source, level)


def data_dir(flag: str | None, environ: Mapping[str, str]) -> Path:
    """--data, else RISK_DEV_DIR, else the shared risk-dev folder beside the repository."""
    if flag:
        return Path(flag)
    if environ.get("RISK_DEV_DIR"):
        return Path(environ["RISK_DEV_DIR"])
    return DEFAULT_DATA_DIR


def load_rows(path: Path) -> tuple[list[dict], list[str]]:
    """The rows of one split, and one message per malformed line (any of them stops the run:
    a measurement over silently skipped rows would not be the measurement it claims)."""
    rows, problems = [], []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                problems.append(f"{path.name} line {number}: not JSON ({error.msg})")
                continue
            problem = _row_problem(row)
            if problem:
                problems.append(f"{path.name} line {number}: {problem}")
            else:
                rows.append(row)
    return rows, problems


def _row_problem(row: object) -> str | None:
    if not isinstance(row, dict):
        return "not a JSON object"
    if row.get("label") not in MUST_ESCALATE + MUST_NOT_ESCALATE:
        labels = ", ".join(MUST_ESCALATE + MUST_NOT_ESCALATE)
        return f"label {row.get('label')!r} is not one of {labels}"
    if not all(isinstance(row.get(key), str) for key in ("source", "text")):
        return "source and text must be strings"
    return None


def screen_rows(rows: list[dict], rules_only: bool = False) -> tuple[list[Result], float]:
    """Screen every row in this process with the screen built once; results and rows/s."""
    from bot.safety.screen import default_screen, rules_only_screen

    screen = rules_only_screen() if rules_only else default_screen()
    started = time.perf_counter()
    levels = [result.level for result in screen.screen_many(row["text"] for row in rows)]
    seconds = time.perf_counter() - started
    results = [
        (row["label"], row["source"], level) for row, level in zip(rows, levels, strict=True)
    ]
    return results, len(rows) / seconds if seconds > 0 else 0.0


def summary_lines(results: Iterable[Result], rows_per_second: float) -> list[str]:
    """The report for (label, source, level) results; the last line is the headline."""
    results = list(results)
    counts = Counter()  # (group, source or "", "rows" | "any" | "high") -> rows
    for label, source, level in results:
        everything = ALL_ESCALATE if label in MUST_ESCALATE else ALL_HARMLESS
        tallies = {"rows": True, "any": level != "none", "high": level in HIGH_LEVELS}
        for group in (label, everything):
            for where in (source, ""):
                for tally, hit in tallies.items():
                    counts[group, where, tally] += hit
    sources = sorted({source for _, source, _ in results})
    width = 4 + max(len(name) for name in [*sources, *MUST_ESCALATE, *MUST_NOT_ESCALATE])

    def rows_of(groups: tuple[str, ...]):
        """(indented name, group, source): each group with data, then its sources."""
        for group in groups:
            if counts[group, "", "rows"]:
                yield f"  {'all' if group in (ALL_ESCALATE, ALL_HARMLESS) else group}", group, ""
                for source in sources:
                    if counts[group, source, "rows"]:
                        yield f"    {source}", group, source

    lines = ["must escalate: recall (share flagged at any level above none)"]
    for name, group, source in rows_of((*MUST_ESCALATE, ALL_ESCALATE)):
        hits, total = counts[group, source, "any"], counts[group, source, "rows"]
        lines.append(f"{name:<{width}} {_share(hits, total)}  {hits}/{total}")
    lines += ["", "must not escalate: share flagged at any level, and at high or imminent"]
    for name, group, source in rows_of((*MUST_NOT_ESCALATE, ALL_HARMLESS)):
        total = counts[group, source, "rows"]
        any_share = _share(counts[group, source, "any"], total)
        high_share = _share(counts[group, source, "high"], total)
        lines.append(f"{name:<{width}} any {any_share}  high {high_share}  n={total}")
    recall = _share(counts[ALL_ESCALATE, "", "any"], counts[ALL_ESCALATE, "", "rows"])
    harmless = counts[ALL_HARMLESS, "", "rows"]
    false_any = _share(counts[ALL_HARMLESS, "", "any"], harmless)
    false_high = _share(counts[ALL_HARMLESS, "", "high"], harmless)
    return [
        *lines,
        "",
        f"speed: {rows_per_second:.0f} rows/s",
        f"safety-dev: recall={recall} false_any={false_any} false_high={false_high} "
        f"n={len(results)}",
    ]


def _share(hits: int, total: int) -> str:
    return f"{hits / total:.3f}" if total else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.tools.safety_dev", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--data", help="the risk-dev folder (default: $RISK_DEV_DIR, else beside the repository)"
    )
    parser.add_argument(
        "--split",
        choices=("dev", "train"),
        default="dev",
        help="train is what the classifier learnt from: its figures flatter the screen",
    )
    parser.add_argument(
        "--rules-only", action="store_true", help="the rules without the classifier"
    )
    args = parser.parse_args(argv)

    folder = data_dir(args.data, os.environ)
    path = folder / f"{args.split}.jsonl"
    if not path.is_file():
        print(
            f"No {path.name} in {folder}: pass --data DIR or set RISK_DEV_DIR to the risk-dev "
            "folder that holds train.jsonl and dev.jsonl.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    rows, problems = load_rows(path)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(
            f"{len(problems)} malformed line(s) in {path}: nothing was screened.", file=sys.stderr
        )
        return EXIT_BAD_INPUT

    results, rows_per_second = screen_rows(rows, args.rules_only)
    signals = "rules only" if args.rules_only else "rules and classifier"
    print(f"risk-dev {path.name}: {len(rows)} rows, {signals}")
    *report, headline = summary_lines(results, rows_per_second)
    print("\n".join([*report, long_messages_line(args.rules_only), headline]))
    return 0


def long_messages_line(rules_only: bool = False) -> str:
    """The share flagged of the long, ordinary messages written as a check set, which
    the classifier never learns from: long messages give ambiguous words many chances."""
    from bot.safety.screen import default_screen, rules_only_screen

    messages = yaml.safe_load(LONG_MESSAGES.read_text(encoding="utf-8"))["messages"]
    screen = rules_only_screen() if rules_only else default_screen()
    levels = [result.level for result in screen.screen_many(m["text"] for m in messages)]
    flagged = sum(level != "none" for level in levels)
    high = sum(level in HIGH_LEVELS for level in levels)
    return (
        f"long ordinary messages ({LONG_MESSAGES.name}): "
        f"any {_share(flagged, len(levels))}  high {_share(high, len(levels))}  n={len(levels)}"
    )


if __name__ == "__main__":
    sys.exit(main())
