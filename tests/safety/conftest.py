"""One risk screen for the whole session: building its matchers takes a few seconds."""

import pytest

from bot.safety.screen import default_screen


@pytest.fixture(scope="session")
def screen():
    return default_screen()
