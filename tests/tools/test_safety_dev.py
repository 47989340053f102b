"""The development-set measurement: its summary arithmetic and its answers to bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.tools import safety_dev

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Eleven hand-made results: 5 must escalate (3 flagged), 6 harmless (2 flagged, 1 at high).
RESULTS = [
    ("suicide", "forum", "high"),
    ("suicide", "forum", "none"),
    ("suicide", "prompts", "low"),
    ("harm_to_others", "prompts", "imminent"),
    ("self_harm", "prompts", "none"),
    ("distress", "forum", "low"),
    ("distress", "forum", "none"),
    ("benign", "texts", "high"),
    ("benign", "texts", "none"),
    ("benign", "texts", "none"),
    ("benign", "forum", "none"),
]


def summary() -> list[str]:
    # Column widths are cosmetic: compare lines with runs of spaces collapsed.
    return [" ".join(line.split()) for line in safety_dev.summary_lines(RESULTS, 123.4)]


def block(lines: list[str], heading_start: str) -> list[str]:
    """The lines from the heading that starts with ``heading_start`` to the next blank line."""
    start = next(i for i, line in enumerate(lines) if line.startswith(heading_start))
    end = next((i for i in range(start, len(lines)) if not lines[i]), len(lines))
    return lines[start + 1 : end]


def test_recall_per_label_per_source_and_overall():
    recall = block(summary(), "must escalate")
    assert recall == [
        "suicide 0.667 2/3",
        "forum 0.500 1/2",
        "prompts 1.000 1/1",
        "self_harm 0.000 0/1",
        "prompts 0.000 0/1",
        "harm_to_others 1.000 1/1",
        "prompts 1.000 1/1",
        "all 0.600 3/5",
        "forum 0.500 1/2",
        "prompts 0.667 2/3",
    ]


def test_false_alarms_per_harmless_label_and_source():
    false_alarms = block(summary(), "must not escalate")
    assert false_alarms == [
        "distress any 0.500 high 0.000 n=2",
        "forum any 0.500 high 0.000 n=2",
        "benign any 0.250 high 0.250 n=4",
        "forum any 0.000 high 0.000 n=1",
        "texts any 0.333 high 0.333 n=3",
        "all any 0.333 high 0.167 n=6",
        "forum any 0.333 high 0.000 n=3",
        "texts any 0.333 high 0.333 n=3",
    ]


def test_speed_and_last_line():
    lines = summary()
    assert "speed: 123 rows/s" in lines
    assert lines[-1] == "safety-dev: recall=0.600 false_any=0.333 false_high=0.167 n=11"


def test_a_label_with_no_rows_is_reported_not_divided_by_zero():
    lines = safety_dev.summary_lines([("benign", "texts", "none")], 10.0)
    assert lines[-1] == "safety-dev: recall=n/a false_any=0.000 false_high=0.000 n=1"


def test_data_folder_comes_from_flag_then_environment_then_beside_the_repository(tmp_path):
    flag, env = tmp_path / "flag", tmp_path / "env"
    assert safety_dev.data_dir(str(flag), {"RISK_DEV_DIR": str(env)}) == flag
    assert safety_dev.data_dir(None, {"RISK_DEV_DIR": str(env)}) == env
    expected = PROJECT_DIR.parent / "shared" / "data" / "risk-dev"
    assert safety_dev.data_dir(None, {}).resolve() == expected.resolve()


def test_missing_data_folder_exits_2_and_says_what_to_set(tmp_path):
    env = {**os.environ, "RISK_DEV_DIR": str(tmp_path / "absent")}
    finished = subprocess.run(
        [sys.executable, "-m", "tests.tools.safety_dev"],
        capture_output=True,
        cwd=PROJECT_DIR,
        env=env,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 2
    message = finished.stderr.strip()
    assert len(message.splitlines()) == 1
    assert str(tmp_path / "absent") in message
    assert "--data" in message and "RISK_DEV_DIR" in message
    assert finished.stdout == ""


def test_missing_split_file_exits_2(tmp_path, capsys):
    (tmp_path / "dev.jsonl").write_text("")
    assert safety_dev.main(["--data", str(tmp_path), "--split", "train"]) == 2
    assert "train.jsonl" in capsys.readouterr().err


def test_a_malformed_row_is_named_by_line_and_nothing_is_screened(tmp_path, capsys):
    good = {"source": "s", "label": "benign", "label_raw": "x", "text": "hello"}
    rows = [json.dumps(good), "{not json", json.dumps({**good, "label": "angry"})]
    (tmp_path / "dev.jsonl").write_text("\n".join(rows) + "\n")
    assert safety_dev.main(["--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "dev.jsonl line 2" in err and "dev.jsonl line 3" in err
