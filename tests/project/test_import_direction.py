"""Imports point down: the bot's code never imports the tests, the actions or the web site.

Read with ``ast``, never imported, so the check is quick and has no side effects. The
layers, top down: tests; actions/ (the action server) and bot/web/ (the web site and
staff console), side by side; the rest of bot/. Outside bot/web/, Django is set up
through bot.django_setup, not the web site's modules.

Files read as data (the safety cases under tests/safety/) are not imports: not checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def python_files() -> list[str]:
    """Every .py under bot/ and actions/, as a path from the repository's root."""
    paths = sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "actions").rglob("*.py"))
    return [path.relative_to(ROOT).as_posix() for path in paths]


def imports(source: str, file: str) -> list[tuple[int, tuple[str, ...]]]:
    """(line, modules) for every import statement in the source, at any depth, relative
    ones resolved. ``from a import b`` names ``a`` and ``a.b`` (b may be a module)."""
    package = file.split("/")[:-1]
    found = []
    for node in ast.walk(ast.parse(source, file)):
        if isinstance(node, ast.Import):
            found.append((node.lineno, tuple(alias.name for alias in node.names)))
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names = tuple(f"{module}.{alias.name}" for alias in node.names)
            found.append((node.lineno, (module, *names)))
        elif (
            isinstance(node, ast.Call)
            and _called_name(node.func) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, (node.args[0].value,)))
    return found


def _called_name(function: ast.expr) -> str | None:
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return None


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def forbidden(file: str, module: str) -> str | None:
    """Why this file may not import this module; None when it may."""
    if file.startswith("bot/"):
        if within(module, "tests"):
            return "bot/ imports the tests"
        if within(module, "actions"):
            return "bot/ imports the action server's actions"
        if within(module, "bot.web") and not file.startswith("bot/web/"):
            return "bot/ outside bot/web/ imports the web site (use bot.django_setup for Django)"
    if file.startswith("actions/") and within(module, "bot.web"):
        return "actions/ imports the web site (use bot.django_setup for Django)"
    return None


def violations(file: str, source: str) -> list[tuple[int, str, str]]:
    """(line, module, why) for each import statement that points the wrong way."""
    found = []
    for line, modules in imports(source, file):
        for module in modules:
            reason = forbidden(file, module)
            if reason:
                found.append((line, module, reason))
                break  # one report a statement
    return found


def all_violations() -> list[str]:
    """Each wrong-way import in the whole code base, as "file:line imports module: why"."""
    return [
        f"{file}:{line} imports {module}: {reason}"
        for file in python_files()
        for line, module, reason in violations(file, (ROOT / file).read_text(encoding="utf-8"))
    ]


def test_imports_only_point_down():
    assert all_violations() == []


@pytest.mark.parametrize(
    ("file", "source", "reason"),
    [
        ("bot/x.py", "import tests.safety", "bot/ imports the tests"),
        ("bot/x.py", "from tests import settings", "bot/ imports the tests"),
        ("bot/safety/x.py", "from bot.web.models import AuditEvent", "imports the web site"),
        ("bot/safety/x.py", "from bot import web", "imports the web site"),
        ("bot/referral/x.py", "from ..web import views", "imports the web site"),
        ("bot/x.py", "def f():\n    from actions.crisis import give", "action server's"),
        ("bot/x.py", "importlib.import_module('bot.web.settings')", "imports the web site"),
        ("actions/x.py", "from bot.web.standalone import setup_django", "imports the web site"),
        ("bot/web/x.py", "from bot.web.models import AuditEvent", None),
        ("bot/safety/x.py", "from bot.alerts.models import StaffAlert", None),
        ("bot/web/console/x.py", "from .. import tracker", None),
        ("actions/x.py", "from bot import django_setup", None),
        ("bot/x.py", "import testsuite", None),
    ],
)
def test_the_check_finds_what_it_should(file, source, reason):
    assert imports(source, file), "the example imports something"
    found = violations(file, source)
    if reason is None:
        assert found == []
    else:
        assert len(found) == 1 and reason in found[0][2], found
