"""One running stack for all end-to-end tests (loading the model takes about 30 s)."""

import pytest

from tests.e2e.stack import PROJECT_DIR, Stack

MODEL = PROJECT_DIR / "models" / "lantern.tar.gz"


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make e2e does it for you).")
    with Stack(tmp_path_factory.mktemp("stack-var")) as running:
        yield running
