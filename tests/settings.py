"""Django settings for pytest: the project's own, with a temporary var/ folder per run.

pytest-django reads the settings before any conftest.py runs, so the folder is set
here: tests never touch the developer's var/, and two runs never share a database.
"""

import os
import tempfile

os.environ.setdefault("LANTERN_VAR_DIR", tempfile.mkdtemp(prefix="lantern-test-var-"))

from bot.web.settings import *  # noqa: E402, F403
