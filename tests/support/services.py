"""The services some tests need, checked before those tests run.

Tests marked ``redis`` or ``postgres`` (see pyproject.toml) fail at once when the
service is down, with the command that starts it; tests/conftest.py does the check.
"""

import os

import pytest
from sqlalchemy.engine import make_url

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
START_REDIS = (
    '`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ""` '
    "or `service redis-server start`"
)
PG_TEST_URL = os.environ.get("PG_TEST_URL", "postgresql://postgres@127.0.0.1:5432/lantern")
START_POSTGRES = (
    "`pg_ctlcluster --skip-systemctl-redirect <version> main start` or `service postgresql start`"
)


def _address(url: str, default_port: int) -> str:
    parsed = make_url(url)
    return f"{parsed.host or '127.0.0.1'}:{parsed.port or default_port}"


def require_redis() -> str:
    """REDIS_TEST_URL, once Redis answers there; otherwise the test fails saying how to start it."""
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=3).ping()
        return REDIS_TEST_URL
    except redis.ConnectionError:
        pass  # failed below, outside the handler, so the report is this one line
    pytest.fail(
        f"Redis is not running at {_address(REDIS_TEST_URL, 6379)}: start it with "
        f"{START_REDIS} (or set REDIS_TEST_URL)",
        pytrace=False,
    )


def require_postgres() -> str:
    """PG_TEST_URL, once its server answers; otherwise the test fails saying how to start it."""
    import psycopg2

    try:
        psycopg2.connect(PG_TEST_URL, dbname="postgres", connect_timeout=3).close()
        return PG_TEST_URL
    except psycopg2.OperationalError as error:
        reason = str(error).strip()  # failed below, outside the handler: a one-line report
    pytest.fail(
        f"PostgreSQL is not running at {_address(PG_TEST_URL, 5432)}: start it with "
        f"{START_POSTGRES} (or set PG_TEST_URL); {reason}",
        pytrace=False,
    )
