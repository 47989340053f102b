"""Build and report on the risk classifier (bot/safety/classifier.py).

python -m tests.tools.risk_classifier train [--model PATH]   build the model if its data changed
python -m tests.tools.risk_classifier report                 out-of-fold recall and false
                                                             alarms per threshold

`make train` runs the first. The model learns from the labelled corpus in
data/risk_corpus, the safety cases (tests/safety/*.yml, one-message cases) and the
intents' training examples; its fingerprint covers all of them and the rules that
normalise their words, so a change to any of them builds it again.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.safety import classifier, normalise
from bot.safety.classifier import Example, RiskClassifier
from bot.safety.rules import RULES_DIR
from tests.safety.cases import CASES_DIR, load_cases

NORMALISER = Path(normalise.__file__)


def training_files() -> list[Path]:
    """The data the model is built from, and the rules and code that normalise its words."""
    normalisation = [RULES_DIR / "normalise.yml", RULES_DIR / "vocabulary.yml", NORMALISER]
    cases, intents = sorted(CASES_DIR.glob("*.yml")), sorted(classifier.NLU_DIR.glob("*.yml"))
    return [classifier.CORPUS, classifier.WRITTEN, *cases, *intents, *normalisation]


def case_examples() -> list[Example]:
    """The safety cases of one message: a flagged case is risk in its first category."""
    examples = []
    for case in load_cases():
        if len(case.messages) == 1:
            risky = case.level != "none"
            category = case.categories[0] if risky and case.categories else None
            examples.append(Example(case.messages[0], risky, category))
    return examples


def all_examples() -> list[Example]:
    corpus = classifier.corpus_examples() + classifier.corpus_examples(classifier.WRITTEN)
    return corpus + case_examples() + classifier.nlu_examples()


def is_current(model: RiskClassifier | None) -> bool:
    return model is not None and model.fingerprint == classifier.fingerprint(training_files())


def build(path: Path = classifier.MODEL_PATH) -> RiskClassifier:
    """The saved model, built again first (about a minute) when missing or out of date."""
    model = classifier.load(path)
    if not is_current(model):
        print(f"risk classifier: building {path.name} from its data", file=sys.stderr)
        model = classifier.train(all_examples(), classifier.fingerprint(training_files()))
        classifier.save(model, path)
    return model


def _report(thresholds: Sequence[float]) -> None:
    examples = all_examples()
    probabilities = classifier.out_of_fold(examples)
    risky = np.array([example.risk for example in examples])
    print(f"out-of-fold, {len(examples)} examples ({int(risky.sum())} risk)")
    for threshold in thresholds:
        flagged = probabilities >= threshold
        recall = flagged[risky].mean()
        false_alarms = flagged[~risky].mean()
        print(f"threshold={threshold:.2f} recall={recall:.3f} false_alarms={false_alarms:.3f}")


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter
    parser = argparse.ArgumentParser(prog="python -m tests.tools.risk_classifier")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="build the model if its data changed")
    train.add_argument("--model", type=Path, default=classifier.MODEL_PATH, help="where it is kept")
    report = commands.add_parser("report", help="out-of-fold recall and false alarms")
    report.add_argument("--thresholds", type=float, nargs="+", default=[0.3, 0.4, 0.5, 0.6, 0.7])
    args = parser.parse_args(argv)
    if args.command == "train":
        model = build(args.model)
        size = args.model.stat().st_size / 1e6
        print(f"risk classifier: {args.model} ({size:.1f} MB, {model.fingerprint[:12]})")
    else:
        _report(args.thresholds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
