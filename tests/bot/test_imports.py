"""The bot's imports: no cycle with its package, only the store's front doors and plumbing,
and Slack's libraries only once Slack is configured."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
MODULES = sorted(f"bot.{p.stem}" for p in BOT.glob("*.py") if p.stem != "__init__")
# what an edge may import from store (STYLE.md): the front doors and the plumbing
STORE = {"store.consent", "store.messaging", "store.records", "store.classifier",
         "store.vocabulary", "store.errors", "store.phones", "store.clock", "store.db",
         "store.leases", "store.controls", "store.request_connection"}


def imported(path: Path) -> list[tuple[str, list[str]]]:
    """Return (module, names) of every import in `path`, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found.append((module, [alias.name for alias in node.names]))
    return found


def python(code: str, cache: Path) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter, its bytecode cached in `cache` (not in the tree)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return subprocess.run([sys.executable, "-c", code], cwd=BOT.parent, capture_output=True,
                          text=True, timeout=120, env={**env, "PYTHONPYCACHEPREFIX": str(cache)})


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("pycache")


@pytest.mark.parametrize("module", MODULES)
def test_each_bot_module_imports_on_its_own_in_a_fresh_interpreter(module, cache):
    done = python(f"import {module}", cache)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("path", sorted(BOT.glob("*.py")), ids=lambda p: p.name)
def test_bot_submodules_never_import_the_bot_package(path):
    if path.name == "__init__.py":
        return  # the package imports its modules, never the other way round
    for module, names in imported(path):
        assert not module.startswith("."), f"{path.name}: relative import {module}"
        assert module != "bot", f"{path.name}: imports {names} from the bot package"


@pytest.mark.parametrize("path", sorted(BOT.glob("*.py")), ids=lambda p: p.name)
def test_the_bot_uses_only_the_stores_front_doors(path):
    for module, names in imported(path):
        top = module.split(".")[0]
        assert top not in ("peewee", "playhouse"), f"{path.name} imports {module}"
        if top != "store":
            continue
        wanted = [module] if module != "store" else [f"store.{n}" for n in names]
        for name in wanted:
            assert name in STORE, f"{path.name} imports {name}, not a front door of store"


def test_slack_libraries_load_only_with_slack_configured(cache):
    done = python("import sys, bot, bot.alerts; print(sorted(m for m in sys.modules "
                  "if m.startswith(('slack_bolt', 'slack_sdk'))))", cache)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
