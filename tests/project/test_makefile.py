"""The Makefile explains itself: every described target is phony and listed once by make help."""

import os
import re
import subprocess
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
MAKEFILE = (PROJECT_DIR / "Makefile").read_text()
GROUPS = ["Run", "Test", "Data", "Benchmarks", "Operations"]


def described_targets() -> list[str]:
    """Targets whose rule line carries a `## description`, in file order."""
    return re.findall(r"^([A-Za-z0-9_.-]+):[^=\n]*?## ", MAKEFILE, flags=re.MULTILINE)


def phony_targets() -> set[str]:
    joined = MAKEFILE.replace("\\\n", " ")  # a .PHONY list may continue over lines
    return {
        name
        for names in re.findall(r"^\.PHONY:(.*)$", joined, flags=re.MULTILINE)
        for name in names.split()
    }


def rule_targets() -> set[str]:
    """Every target with a rule of its own (not variables or paths built from them)."""
    return set(re.findall(r"^([A-Za-z0-9_-]+):(?!=)", MAKEFILE, flags=re.MULTILINE))


def help_groups() -> dict[str, list[str]]:
    """`make -s help` read back: each heading and the targets printed under it."""
    # A make running the tests would hand its flags and level down to this one.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    output = subprocess.run(
        ["make", "-s", "--no-print-directory", "help"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    groups: dict[str, list[str]] = {}
    heading = None
    for line in output.splitlines():
        listed = re.match(r"\s+make (\S+)\s", line)
        if listed:
            assert heading, f"{listed[1]} is listed before any heading"
            groups[heading].append(listed[1])
        elif line.strip() and not line.startswith(" ") and not line.startswith("make "):
            heading = line.strip()
            groups[heading] = []
    return groups


def test_the_rule_pattern_finds_the_targets():
    # Guards the regular expressions above: an empty list would pass every other test.
    assert {"help", "run", "test", "e2e", "bench-screen"} <= set(described_targets())


def test_every_described_target_is_phony():
    missing = [name for name in described_targets() if name not in phony_targets()]
    assert not missing, f"add to .PHONY: {missing}"


def test_every_phony_name_is_a_target():
    assert not phony_targets() - rule_targets()


def test_help_lists_every_described_target_under_exactly_one_group():
    groups = help_groups()
    assert list(groups) == GROUPS
    listed = [name for names in groups.values() for name in names]
    assert sorted(listed) == sorted(described_targets())
    assert len(listed) == len(set(listed)), "a target is listed twice"
