"""The last line of `make nlu-eval`: weighted intent F1 from Rasa's cross-validation report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]


def summary(report_file: Path, nlu_dir: Path = PROJECT_DIR / "data" / "nlu") -> str:
    report = json.loads(report_file.read_text())
    examples: dict[str, int] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            if "intent" in block:
                lines = [line for line in block["examples"].splitlines() if line.strip()]
                examples[block["intent"]] = examples.get(block["intent"], 0) + len(lines)
    f1 = report["weighted avg"]["f1-score"]
    return f"nlu: intent_f1={f1:.3f} intents={len(examples)} examples={sum(examples.values())}"


if __name__ == "__main__":
    print(summary(Path(sys.argv[1])))
