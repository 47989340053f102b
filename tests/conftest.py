"""Shared pytest set-up: the web tests get a temporary var/ folder of their own."""

import os
import tempfile

import pytest

# Set before Django reads its settings, so tests never touch the developer's var/.
os.environ.setdefault("LANTERN_VAR_DIR", tempfile.mkdtemp(prefix="lantern-test-var-"))


@pytest.fixture
def anyio_backend():
    """Async tests run on asyncio, as Rasa and the action server do."""
    return "asyncio"


def pytest_terminal_summary(terminalreporter):
    """Crisis numbers unchecked for a year are a warning for staff, not a failed build."""
    from datetime import date

    from bot.safety.resources import CrisisResources

    stale = CrisisResources.load().stale_entries(date.today())
    if stale:
        terminalreporter.write_sep("=", "crisis resources due for checking", yellow=True)
        for region, name in stale:
            terminalreporter.write_line(
                f"{region}: {name}: check against its source and update verified_on"
            )
