"""The production profile (bot.production) started process by process, for cluster tests."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg2
import redis
from sqlalchemy.engine import make_url

from bot.production import Profile, nginx_conf, procfile
from tests.support.stack import Stack, free_port

PG_SERVER = os.environ.get("PG_TEST_URL", "postgresql://postgres@127.0.0.1:5432/lantern")
REDIS_SERVER = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = (
    "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' "
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


def database_url(name: str) -> str:
    return make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)


def recreate_database(name: str) -> None:
    connection = psycopg2.connect(database_url("postgres"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def check_services() -> None:
    """PostgreSQL and Redis must be up; say how to start them when they are not."""
    try:
        psycopg2.connect(database_url("postgres"), connect_timeout=3).close()
    except psycopg2.OperationalError as error:
        raise RuntimeError(f"PostgreSQL is down ({error}); start it: {START_POSTGRES}") from error
    try:
        redis.Redis.from_url(REDIS_SERVER, socket_connect_timeout=3).ping()
    except redis.ConnectionError as error:
        raise RuntimeError(f"Redis is down; start it: {START_REDIS}") from error
    if not Path("/usr/sbin/nginx").exists():
        raise RuntimeError("nginx is missing: apt-get install nginx-light")


class ProductionStack(Stack):
    """nginx, N Rasa and N action servers, the web process: as `make run-prod` runs them."""

    def __init__(self, var_dir: Path, instances: int = 2) -> None:
        check_services()
        for name in ("lantern_cluster_tracker", "lantern_cluster_web"):
            recreate_database(name)
        redis.Redis.from_url(REDIS_SERVER).flushdb()
        public_port = free_port()
        env = {
            **os.environ,
            "LANTERN_VAR_DIR": str(var_dir),
            "TRACKER_DB_URL": database_url("lantern_cluster_tracker"),
            "DATABASE_URL": database_url("lantern_cluster_web"),
            "REDIS_URL": REDIS_SERVER,
            "RASA_INSTANCES": str(instances),
            "PROD_PORT": str(public_port),
            "PROD_BASE_PORT": str(20000 + public_port % 20000),
            "RATE_LIMIT_PER_SECOND": "1000",  # the tests are one client sending a lot
            "LIVE_CHAT_HOURS": "mon-sun 00:00-24:00",  # live chat on, at any hour
            "PRACTICE_TIME_ZONE": "UTC",
            "DJANGO_SETTINGS_MODULE": "bot.web.settings",
            "RASA_TELEMETRY_ENABLED": "false",
        }
        self.profile = Profile.from_environment(env)
        self.profile.directory.mkdir(parents=True, exist_ok=True)
        (self.profile.directory / "nginx.conf").write_text(nginx_conf(self.profile))
        names = ["web"]
        for number in range(1, instances + 1):
            names += [f"actions{number}", f"rasa{number}"]
        names.append("nginx")  # ready last: its health check goes through to the web process
        super().__init__(var_dir, names=tuple(names))
        self.env = env
        lines = procfile(self.profile).splitlines()
        self.commands = dict(line.split(": ", 1) for line in lines)
        self.ports = {"nginx": public_port, "web": self.profile.web_port}
        for number, (rasa_port, action_port) in enumerate(
            zip(self.profile.rasa_ports, self.profile.action_ports, strict=True), start=1
        ):
            self.ports[f"rasa{number}"] = rasa_port
            self.ports[f"actions{number}"] = action_port

    def ready_path(self, name: str) -> str:
        if name.startswith("rasa"):
            return "/webhooks/rest/"
        if name.startswith("actions"):
            return "/health"
        return "/healthz"

    def restart(self, name: str) -> None:
        self.stop(name)
        self.start(name)
        self.wait_until_ready(name)

    def kill(self, name: str) -> None:
        """SIGKILL, as a crashed machine would: no clean shutdown."""
        process = self.processes.pop(name)
        os.killpg(process.pid, 9)
        process.wait()

    def tracker_events(self, conversation_id: str) -> list[tuple[str, str | None, str | None]]:
        """(type, intent or action, user text) of a conversation's events, in id order."""
        import json

        connection = psycopg2.connect(self.env["TRACKER_DB_URL"])
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT type_name, action_name, data FROM events WHERE sender_id = %s ORDER BY id",
                [conversation_id],
            )
            rows = cursor.fetchall()
        connection.close()
        return [(kind, action, json.loads(data).get("text")) for kind, action, data in rows]
