"""Command line for the risk screen.

python -m bot.safety screen            stdin lines in, one JSON object per line out
                                       (level, categories, modifiers, rules, probability)
python -m bot.safety explain "text"    the rules and modifiers that fired, the classifier's
                                       probability and the n-grams that weighed most
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys

# TensorFlow is imported by spaCy's dependencies; keep its start-up chatter off stdout/stderr.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.safety", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("screen", help="screen stdin, one message per line, JSON lines out")
    explain = commands.add_parser("explain", help="show why a message got its level")
    explain.add_argument("text")
    explain.add_argument("--prior-level", default="none", help="highest level earlier on")
    args = parser.parse_args(argv)

    from bot.safety.screen import default_screen

    screen = default_screen()
    if args.command == "screen":
        return _screen(screen)
    return _explain(screen, args.text, args.prior_level)


def _screen(screen) -> int:
    # Undecodable bytes become U+FFFD rather than stopping the stream: one
    # output line per input line, always.
    lines = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline=None)
    texts = (line.rstrip("\n") for line in lines)
    out = sys.stdout
    for result in screen.screen_many(texts):
        out.write(json.dumps(result.as_dict()) + "\n")
    out.flush()
    return 0


def _explain(screen, text: str, prior_level: str) -> int:
    result, findings = screen.explain(text, prior_level)
    print(f"normalised: {screen.normalise_text(text)!r}")
    for finding in findings:
        categories = "/".join(finding.rule.categories)
        print(f"- rule {finding.rule.id} ({categories}, base {finding.rule.level})")
        print(f"    matched: {finding.text!r}")
        if finding.cleared_by:
            print(f"    cleared by pseudo rule {finding.cleared_by}")
            continue
        for kind, rule_id in finding.modifiers:
            print(f"    modifier: {kind} ({rule_id})")
        print(f"    level: {finding.level}")
    if not findings:
        print("no rule matched")
    if result.probability is not None:
        raised = "raised the flag to low" if "classifier" in result.rules else "no flag of its own"
        print(
            f"- classifier: probability {result.probability:.3f} "
            f"(threshold {screen.classifier_threshold(screen.normaliser.parse(text))}): {raised}"
        )
        if result.evidence:
            print(f"    weighed most: {', '.join(repr(n) for n in result.evidence)}")
    print(json.dumps(result.as_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
