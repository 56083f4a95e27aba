"""The test harness itself: it says when PostgreSQL is skipped, and never drops the schema of a
database that is not for tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_pytest(**env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "SMSPREFS_TEST_DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly",
                           "tests/test_layout.py::test_a_rule_broken_is_seen"],
                          cwd=ROOT, env={**environ, **env}, capture_output=True, text=True,
                          timeout=120)


def test_a_database_whose_name_does_not_say_test_is_refused_before_anything_runs():
    # the server need not even exist: the name is refused before any connection
    done = run_pytest(SMSPREFS_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:1/production")
    assert done.returncode == 4, done.stdout + done.stderr  # pytest's usage error
    assert "names the database 'production'" in done.stderr
    assert "passed" not in done.stdout


def test_a_run_without_postgresql_says_how_to_run_its_variants():
    done = run_pytest()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PostgreSQL variants skipped" in done.stdout
    assert "SMSPREFS_TEST_DATABASE_URL" in done.stdout
