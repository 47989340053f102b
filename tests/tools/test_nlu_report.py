"""The last line of `make nlu-eval`."""

import json

from tests.tools.nlu_report import summary


def test_summary_reads_weighted_f1_and_counts_examples(tmp_path):
    report = tmp_path / "intent_report.json"
    report.write_text(json.dumps({"weighted avg": {"f1-score": 0.9137}, "greet": {}}))
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "a.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: greet\n    examples: |\n      - hi\n      - hello\n'
        "  - synonym: x\n    examples: |\n      - y\n"
    )
    (nlu / "b.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: bye\n    examples: |\n      - bye\n'
        "  - intent: greet\n    examples: |\n      - hey\n"
    )
    assert summary(report, nlu) == "nlu: intent_f1=0.914 intents=2 examples=4"
