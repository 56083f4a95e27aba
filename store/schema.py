"""Applying the migrations in store/migrations with Peewee's own runner, safely repeated."""

from __future__ import annotations

from pathlib import Path

from playhouse.migrations import Runner

from store.db import db, is_postgres

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant will do: it only has to be the same in every process that migrates.
_PG_LOCK_KEY = 0x5D5_0C0A


def runner() -> Runner:
    """Return the migration runner for the bound database."""
    return Runner(db.obj, directory=str(MIGRATIONS))


def migrate() -> list[str]:
    """Apply every pending migration and return their names; a no-op when up to date.

    On PostgreSQL an advisory lock makes concurrent `smsprefs migrate` runs (two release
    phases, a web dyno starting) wait for each other instead of racing.
    """
    if not is_postgres():
        return runner().up()
    db.execute_sql("SELECT pg_advisory_lock(%s)", (_PG_LOCK_KEY,))
    try:
        return runner().up()
    finally:
        db.execute_sql("SELECT pg_advisory_unlock(%s)", (_PG_LOCK_KEY,))


def pending() -> list[str]:
    """Return the names of migrations not applied yet."""
    return [m.name for m in runner().status() if not m.applied]
