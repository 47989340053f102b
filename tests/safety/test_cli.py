"""`python -m bot.safety screen`: JSON lines in order, one process, the classifier's probability."""

import json
import subprocess
import sys

from tests.support.stack import PROJECT_DIR

KEYS = {"level", "categories", "modifiers", "rules", "probability"}


def cli(*arguments: str, data: bytes = b"") -> str:
    """What `python -m bot.safety ARGUMENTS` writes to stdout, given ``data`` on stdin."""
    finished = subprocess.run(
        [sys.executable, "-m", "bot.safety", *arguments],
        input=data,
        capture_output=True,
        cwd=PROJECT_DIR,
        timeout=300,
        check=True,
    )
    return finished.stdout.decode()


def screen_lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in cli("screen", data=data).splitlines()]


def test_thousands_of_lines_in_one_process_in_order():
    texts = ["hello there", "i want to kill myself", "", "how do I kill a python process"]
    lines = texts * 1000
    results = screen_lines(("\n".join(lines) + "\n").encode())
    assert len(results) == len(lines)
    assert all(set(result) == KEYS for result in results)
    levels = [result["level"] for result in results]
    assert levels == ["none", "high", "none", "none"] * 1000
    assert results[1]["categories"] == ["suicide"]
    assert "suicide.kill_self" in results[1]["rules"]
    assert all(0.0 <= result["probability"] <= 1.0 for result in results)
    assert results[1]["probability"] > results[0]["probability"]


def test_bad_bytes_and_odd_lines_still_get_one_answer_each():
    data = b"caf\xe9 is closed\n\x00\x01\n" + "😔 i wanna kms\n".encode() + b"x" * 50_000 + b"\n"
    results = screen_lines(data)
    assert [r["level"] for r in results] == ["none", "none", "high", "none"]


def test_explain_shows_rules_and_modifiers():
    out = cli("explain", "I'm not suicidal, just tired")
    assert "rule suicide.suicidal" in out
    assert "modifier: negated" in out
    assert json.loads(out.splitlines()[-1])["level"] == "low"


def test_explain_names_the_rules_and_the_classifiers_probability_and_ngrams():
    out = cli("explain", "i want to kill myself, no point living")
    assert "- rule suicide.kill_self" in out
    assert "- classifier: probability" in out
    assert "weighed most:" in out
