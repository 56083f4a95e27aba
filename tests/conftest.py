"""Fixtures: a migrated database per test, on SQLite always and on PostgreSQL when
SMSPREFS_TEST_DATABASE_URL is set (CI sets it; a missing server fails, never skips)."""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

import pytest

from store.db import db, migrate, open_database
from store.models import MODELS

pytest_plugins = ["tests.fakes.vonage_server", "tests.fakes.slack_server"]

PG_URL = os.environ.get("SMSPREFS_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


def checked_name(url: str) -> str:
    """Return the database `url` names; refuse one whose name does not say it is for tests.

    The PostgreSQL fixture drops the `public` schema of the database it is given: pointing
    SMSPREFS_TEST_DATABASE_URL at a real database by mistake must not erase it.
    """
    name = urlsplit(url).path.lstrip("/")
    # Heroku CI's in-dyno database is made for the run and thrown away: app.json says so
    disposable = os.environ.get("SMSPREFS_TEST_DATABASE_DISPOSABLE") == "true"
    if "test" not in name.lower() and not disposable:
        raise pytest.UsageError(
            f"SMSPREFS_TEST_DATABASE_URL names the database {name!r}: the tests drop its whole "
            "schema, so its name must contain 'test' (for example smsprefs_test)")
    return name


def pytest_configure(config):
    if PG_URL:
        checked_name(PG_URL)


def pytest_report_header(config):
    if PG_URL:
        return f"databases: SQLite and PostgreSQL ({checked_name(PG_URL)})"
    return ("databases: SQLite only; the PostgreSQL variants are skipped. Run them with "
            "SMSPREFS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/smsprefs_test "
            "make test (a database whose name contains 'test'; its schema is rebuilt)")


def pytest_terminal_summary(terminalreporter):
    if not PG_URL:
        terminalreporter.write_line("PostgreSQL variants skipped: set SMSPREFS_TEST_DATABASE_URL "
                                    "to a database whose name contains 'test' to run them")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """Return the path of a migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = open_database(f"sqlite:///{path}")
    db.initialize(database)
    with database.connection_context():
        migrate()
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return path


@pytest.fixture(scope="session")
def postgres_database():
    """Return the PostgreSQL database, its schema rebuilt and migrated once per session."""
    database = open_database(PG_URL, max_connections=40)
    db.initialize(database)
    with database.connection_context():
        database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
        migrate()
    yield database
    database.close_all()


def _truncate_postgres(database) -> None:
    tables = ", ".join(m._meta.table_name for m in MODELS)
    with database.connection_context():
        # replica mode skips triggers: only the test harness may empty the append-only history
        database.execute_sql("SET session_replication_role = replica")
        database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        database.execute_sql("SET session_replication_role = DEFAULT")


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    """Bind the store to an empty, migrated database and open this thread's connection."""
    if request.param == "sqlite":
        path = tmp_path / "smsprefs.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = open_database(f"sqlite:///{path}")
        url = f"sqlite:///{path}"
    else:
        database = request.getfixturevalue("postgres_database")
        _truncate_postgres(database)
        url = PG_URL
    db.initialize(database)
    database.url = url
    database.connect()
    yield database
    if not database.is_closed():
        database.close()
    if request.param == "sqlite":
        database.close()
