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
