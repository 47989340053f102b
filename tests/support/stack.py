"""Start the real processes from the Procfile on free ports, for end-to-end tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

PROJECT_DIR = Path(__file__).resolve().parents[2]
READY_PATHS = {"rasa": "/webhooks/rest/", "actions": "/health", "web": "/healthz"}
PORT_VARIABLES = {"rasa": "RASA_PORT", "actions": "ACTION_PORT", "web": "WEB_PORT"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_commands() -> dict[str, str]:
    lines = (PROJECT_DIR / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


class Stack:
    """The three processes, each started with its own Procfile line, as honcho would."""

    def __init__(self, var_dir: Path, names: tuple[str, ...] = ("actions", "web", "rasa")) -> None:
        self.var_dir = var_dir
        self.names = names  # the processes to start; the others' ports stay closed
        self.ports = {name: free_port() for name in PORT_VARIABLES}
        self.commands = procfile_commands()
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            **{PORT_VARIABLES[name]: str(port) for name, port in self.ports.items()},
            "ACTION_ENDPOINT": f"http://127.0.0.1:{self.ports['actions']}/webhook",
            "TRACKER_DB_URL": f"sqlite:///{var_dir}/tracker.db",
            "WEB_ORIGINS": f"http://localhost:{self.ports['web']}",
            "RASA_PUBLIC_URL": f"http://localhost:{self.ports['rasa']}",
            "LANTERN_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "bot.web.settings",
            "RASA_TELEMETRY_ENABLED": "false",
            # The tests are one client sending a lot; tests/rasa_server/test_channel_trust.py
            # checks the limits themselves.
            "RATE_LIMIT_PER_SECOND": "1000",
        }
        self.env.pop("RASA_API_TOKEN", None)

    def staff_account(self, username: str, password: str, role: str = "admin") -> str:
        """A console account made as an operator would, with `manage.py staff_user`."""
        subprocess.run(
            [str(PROJECT_DIR / ".venv/bin/python"), "-m", "django", "staff_user",
             "--username", username, "--role", role],
            env={**self.env, "STAFF_PASSWORD": password},
            cwd=PROJECT_DIR,
            check=True,
            capture_output=True,
        )  # fmt: skip
        return username

    def console_session(self, username: str, password: str, role: str = "admin"):
        """A requests.Session logged in to the console as a new account with ``role``;
        send its POSTs with ``headers=csrf(session)``."""
        self.staff_account(username, password, role)
        session = requests.Session()
        login = self.url("web", "/console/login/")
        page = session.get(login, timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        answer = session.post(
            login,
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": login},
            timeout=30,
        )
        assert answer.ok and "/console/login/" not in answer.url, answer.url
        return session

    def url(self, name: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def start(self, name: str) -> None:
        # The process writes to its own copy of the file descriptor; ours closes here.
        with open(self.var_dir / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(
                ["bash", "-c", f"exec {self.commands[name]}"],
                cwd=PROJECT_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_ready(self, name: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode}: {self.log_tail(name)}"
                )
            try:
                if requests.get(self.url(name, self.ready_path(name)), timeout=2).ok:
                    return
            except requests.RequestException:  # not listening yet, or still loading
                pass
            time.sleep(1)
        raise TimeoutError(f"{name} was not ready after {timeout} s: {self.log_tail(name)}")

    def ready_path(self, name: str) -> str:
        return READY_PATHS[name]

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.var_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Stack:
        try:
            for name in self.names:
                self.start(name)
            for name in self.names:
                self.wait_until_ready(name)
        except BaseException:
            self.__exit__()  # no orphans when one of them fails to start
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        for name in list(self.processes):
            self.stop(name)


def csrf(session) -> dict[str, str]:
    """The headers a logged-in console session's POST needs."""
    return {"X-CSRFToken": session.cookies.get("csrftoken", "")}
