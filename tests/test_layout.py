"""The house rules of the source tree (README "Layout"), checked by reading its imports.

- The edges (gateway/, bot/) reach the store only through its front doors: a package's
  `__init__` (store.consent, store.messaging, store.records, store.classifier) or a
  plumbing module at store's top. Never store.models, peewee or playhouse.
- store/ writes no HTTP and no Slack: it imports neither Flask nor Slack's libraries, nor
  the edges.
- Inside store, imports point one way: records and messaging use consent, consent uses
  the classifier and the plumbing, never the other way round.
- Modules stay small enough to read in one sitting.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FRONT_DOORS = {"store.consent", "store.messaging", "store.records", "store.classifier"}
PLUMBING = {"store.db", "store.clock", "store.errors", "store.phones", "store.leases",
            "store.vocabulary", "store.automations", "store.controls",
            "store.request_connection"}
# store's packages, and which of the others each may import (the direction of imports)
STORE_PACKAGES = {
    "store.classifier": set(),
    "store.consent": {"store.classifier"},
    "store.messaging": {"store.consent", "store.classifier"},
    "store.records": {"store.consent"},
}
# Small on purpose: each is one idea that would be lost inside a bigger module.
SMALL_ON_PURPOSE = {
    "store/clock.py",  # the one clock, and the backoff built on it
    "store/errors.py",  # what the store raises, for every edge to map
    "store/heap.py",  # the collector paused for bulk work, used by imports and campaigns
    "store/pipeline.py",  # PostgreSQL's pipeline mode for a STOP's many small statements
    "store/classifier/spelling.py",  # STOP's typos, used by two stages
}


def modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py")
                  if "migrations" not in p.parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function, as a dotted name."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            # `from store import consent` imports the module store.consent
            names |= {f"{node.module}.{alias.name}" for alias in node.names
                      if node.module == "store"}
    return names


def name_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(module: str) -> str | None:
    return next((p for p in STORE_PACKAGES if module == p or module.startswith(p + ".")), None)


@pytest.mark.parametrize("path", modules("gateway", "bot"), ids=lambda p: name_of(p))
def test_the_edges_use_only_the_stores_front_doors(path):
    bad = sorted(m for m in imports_of(path)
                 if m.split(".")[0] in ("peewee", "playhouse")
                 or (m.startswith("store") and m not in FRONT_DOORS | PLUMBING))
    assert bad == [], f"{name_of(path)} reaches past store's front doors: {bad}"


@pytest.mark.parametrize("path", modules("store"), ids=lambda p: name_of(p))
def test_the_store_knows_nothing_of_http_slack_or_the_edges(path):
    bad = sorted(m for m in imports_of(path)
                 if m.split(".")[0] in ("flask", "werkzeug", "slack_sdk", "slack_bolt",
                                        "gateway", "bot"))
    assert bad == [], f"{name_of(path)} imports {bad}"


@pytest.mark.parametrize("path", modules("store"), ids=lambda p: name_of(p))
def test_imports_inside_the_store_point_one_way(path):
    own = package_of(name_of(path))
    # plumbing (own is None) may use no package at all
    allowed = set() if own is None else STORE_PACKAGES[own] | {own}
    used = {package_of(m) for m in imports_of(path)} - {None}
    assert used <= allowed, f"{name_of(path)} imports {sorted(used - allowed)}"


@pytest.mark.parametrize("path", modules("store", "gateway", "bot"), ids=lambda p: name_of(p))
def test_modules_stay_between_50_and_300_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 300, f"{name_of(path)} has {lines} lines: split it by what it owns"
    relative = path.relative_to(ROOT).as_posix()
    if path.name != "__init__.py" and relative not in SMALL_ON_PURPOSE:
        assert lines >= 50, f"{name_of(path)} has {lines} lines: fold it into what it serves"


def test_a_rule_broken_is_seen(tmp_path):
    """The checks above read real imports: a module that breaks a rule is caught."""
    edge = tmp_path / "edge.py"
    edge.write_text("def f():\n    from store.models import Phone\n    from peewee import fn\n"
                    "from store.messaging.outbox import claim_due\nfrom store import consent\n")
    assert imports_of(edge) >= {"store.models", "peewee", "store.messaging.outbox",
                                "store.consent"}
