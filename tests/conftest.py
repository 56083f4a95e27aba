"""Fixtures: a migrated database per test, on SQLite always and on PostgreSQL when
SMSPREFS_TEST_DATABASE_URL is set (CI sets it; a missing server fails, never skips)."""

from __future__ import annotations

import os
import shutil

import pytest

from store.db import db, migrate, open_database
from store.models import MODELS

pytest_plugins = ["tests.fakes.vonage_server", "tests.fakes.slack_server"]

PG_URL = os.environ.get("SMSPREFS_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


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
