"""One production-profile cluster (2 Rasa + 2 action servers behind nginx) for these tests."""

import pytest

from tests.cluster.production import ProductionStack


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/cluster/" in str(item.fspath):
            item.add_marker(pytest.mark.cluster)
            item.add_marker(pytest.mark.postgres)
            item.add_marker(pytest.mark.redis)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    with ProductionStack(tmp_path_factory.mktemp("cluster-var")) as running:
        yield running
