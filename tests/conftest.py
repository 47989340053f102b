"""Shared pytest set-up: the running stack, the services marked tests need, action fixtures.

tests/settings.py gives tests their own var/; tests/support/ holds the helpers.
"""

from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from tests.support import services

DOMAIN_FILE = Path(__file__).resolve().parents[1] / "domain.yml"


@pytest.fixture(autouse=True)
def marked_services_are_running(request):
    """A test marked ``redis`` or ``postgres`` fails at once, saying how to start the service."""
    if request.node.get_closest_marker("redis"):
        services.require_redis()
    if request.node.get_closest_marker("postgres"):
        services.require_postgres()


@pytest.fixture
def redis_url():
    """The Redis database for tests (REDIS_TEST_URL), checked to be running."""
    return services.require_redis()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The three real processes for end-to-end and browser tests (the model loads in ~30 s)."""
    from tests.support.stack import PROJECT_DIR, Stack

    model = PROJECT_DIR / "models" / "lantern.tar.gz"
    if not model.exists():
        pytest.fail(f"{model} is missing: run `make train` (make e2e and make browser do it).")
    with Stack(tmp_path_factory.mktemp("stack-var")) as running:
        yield running


@pytest.fixture
def events():
    """Rasa's own SQLTrackerStore on the test tracker database, emptied afterwards."""
    from tests import tracker_events

    store = tracker_events.tracker_store()
    yield store
    tracker_events.empty(store)
    store.engine.dispose()  # else its pooled connections keep the test database open


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """Collects what an action says, for action tests (tests/support/action_trackers.py)."""
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> dict:
    """domain.yml, as action tests hand it to an action."""
    return yaml.safe_load(DOMAIN_FILE.read_text())


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
