"""Boot: `smsprefs migrate` on a brand new PostgreSQL database, then the Procfile's web line
(gunicorn, two workers) and `smsprefs worker` started at the same moment, all come up (SPEC
section 5: processes that start together on a fresh database all start)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.fakes.gunicorn import child_pids, free_port, with_bytecode_cache

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("SMSPREFS_TEST_DATABASE_URL")
BOOTS = 20
WEB_WORKERS = 2
BIN = Path(sys.executable).parent

needs_postgres = pytest.mark.skipif(not PG_URL, reason="SMSPREFS_TEST_DATABASE_URL is not set")


def procfile_line(name: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        key, sep, command = line.partition(":")
        if sep and key.strip() == name:
            return command.strip()
    raise AssertionError(f"no {name} line in the Procfile")


def database_url(name: str) -> str:
    """Return PG_URL pointing at the database `name` on the same server."""
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def fresh_database(name: str):
    """Create the empty database `name` on the test server; drop it afterwards."""
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield database_url(name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(url: str, **extra: str) -> dict[str, str]:
    return with_bytecode_cache({
        **os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DATABASE_URL": url, "WEB_CONCURRENCY": str(WEB_WORKERS),
        "SMSPREFS_API_TOKEN": "boot-token", "WEBHOOK_TOKEN": "boot-webhook-token",
        "SMS_TRANSPORT": "console", **extra})


class Boot:
    """The Procfile's web line and `smsprefs worker`, started together on one database."""

    def __init__(self, url: str, logs: Path):
        self.port = free_port()
        env = environment(url, PORT=str(self.port))
        self.web_log, self.worker_log = logs / "web.log", logs / "worker.log"
        web = f"exec {procfile_line('web')} --workers {WEB_WORKERS}"
        with self.web_log.open("wb") as out:
            self.web = subprocess.Popen(["bash", "-c", web], env=env, cwd=ROOT, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        with self.worker_log.open("wb") as out:
            self.worker = subprocess.Popen(["bash", "-c", f"exec {procfile_line('worker')}"],
                                           env=env, cwd=logs, stdout=out,
                                           stderr=subprocess.STDOUT, start_new_session=True)

    def logs(self) -> str:
        return (f"--- web ---\n{self.web_log.read_text(errors='replace')[-4000:]}\n"
                f"--- worker ---\n{self.worker_log.read_text(errors='replace')[-4000:]}")

    def healthz(self) -> int | None:
        try:
            url = f"http://127.0.0.1:{self.port}/healthz"
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            return None

    def up(self) -> bool:
        """Return whether every process is up: both web workers built the app, the worker
        checked the schema and announced itself (just before it consumes), and /healthz
        answers 200."""
        web_log = self.web_log.read_text(errors="replace")
        return (web_log.count("smsprefs gateway:") >= WEB_WORKERS
                and "smsprefs worker:" in self.worker_log.read_text(errors="replace")
                and self.healthz() == 200)

    def wait_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.web.poll() is None, f"gunicorn exited\n{self.logs()}"
            assert self.worker.poll() is None, f"the worker exited\n{self.logs()}"
            if self.up():
                return
            time.sleep(0.1)
        raise AssertionError(f"not up within {timeout}s\n{self.logs()}")

    def assert_healthy(self) -> None:
        assert self.web.poll() is None, f"gunicorn exited\n{self.logs()}"
        assert len(child_pids(self.web.pid)) == WEB_WORKERS, self.logs()
        assert self.worker.poll() is None, f"the worker exited\n{self.logs()}"
        assert self.healthz() == 200, self.logs()
        for log in (self.web_log, self.worker_log):
            assert "Traceback" not in log.read_text(errors="replace"), self.logs()

    def stop(self) -> None:
        """Kill every process at once: nothing they hold outlives the dropped database."""
        for process in (self.web, self.worker):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # own sessions: workers included
            process.wait()


def forbid_schema_changes(url: str) -> None:
    """Make any DDL in the database `url` fail from now on (an event trigger).

    The race needs processes to collide within milliseconds, so a boot may pass by luck;
    this makes the rule itself hold on every boot: after `migrate`, nothing creates schema.
    """
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""
            CREATE FUNCTION forbid_schema_changes() RETURNS event_trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'schema change after migrate: %', tg_tag;
            END $$""")
        # event triggers need a superuser; without one, the boots alone must tell
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE EVENT TRIGGER forbid_schema_changes ON ddl_command_start "
                         "EXECUTE FUNCTION forbid_schema_changes()")


def boot_once(n: int, tmp_path: Path) -> None:
    logs = tmp_path / f"boot-{n}"
    logs.mkdir()
    with fresh_database(f"smsprefs_boot_test_{os.getpid()}_{n}") as url:
        done = subprocess.run(["bash", "-c", procfile_line("release")], env=environment(url),
                              cwd=logs, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        forbid_schema_changes(url)
        boot = Boot(url, logs)
        try:
            boot.wait_up(timeout=45)
            time.sleep(0.3)  # a process that failed right after its start line is gone now
            boot.assert_healthy()
        finally:
            boot.stop()


@needs_postgres
def test_migrate_then_web_and_worker_started_together_all_come_up(tmp_path):
    # two boots at a time, each on its own database: one overlaps the other's waits
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        for future in [pool.submit(boot_once, n, tmp_path) for n in range(BOOTS)]:
            future.result()
    finally:
        pool.shutdown(cancel_futures=True)


@needs_postgres
def test_migrate_creates_the_queue_tables_exactly_as_huey_would(tmp_path):
    from huey.storage import PostgresStorage

    from gateway.queue import HUEY_TABLE_PREFIX

    with fresh_database(f"smsprefs_huey_test_{os.getpid()}") as by_huey, \
            fresh_database(f"smsprefs_migrate_test_{os.getpid()}") as by_migrate:
        PostgresStorage("smsprefs", dsn=by_huey, table_prefix=HUEY_TABLE_PREFIX).close()
        done = subprocess.run([str(BIN / "smsprefs"), "migrate"], cwd=tmp_path, text=True,
                              env=environment(by_migrate), capture_output=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert queue_schema(by_migrate) == queue_schema(by_huey)
        assert len(queue_schema(by_huey)["tables"]) == 4


def queue_schema(url: str) -> dict:
    """Return the columns, constraints and indexes of huey's tables in the database `url`."""
    import psycopg

    with psycopg.connect(url) as conn:
        def rows(sql: str) -> list[tuple]:
            return sorted(conn.execute(sql, ("huey\\_%",)).fetchall())

        return {
            "tables": rows("SELECT table_name FROM information_schema.tables "
                           "WHERE table_schema = 'public' AND table_name LIKE %s"),
            "columns": rows("SELECT table_name, column_name, data_type, is_nullable, "
                            "column_default FROM information_schema.columns "
                            "WHERE table_schema = 'public' AND table_name LIKE %s"),
            "constraints": rows("SELECT conrelid::regclass::text, conname, "
                                "pg_get_constraintdef(oid) FROM pg_constraint "
                                "WHERE conrelid::regclass::text LIKE %s"),
            "indexes": rows("SELECT tablename, indexname, indexdef FROM pg_indexes "
                            "WHERE schemaname = 'public' AND tablename LIKE %s"),
        }


def test_a_worker_on_a_database_not_migrated_says_so_and_stops(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    done = subprocess.run([str(BIN / "smsprefs"), "worker"], cwd=tmp_path, text=True,
                          env=environment(url), capture_output=True, timeout=60)
    assert done.returncode == 1
    assert "needs `smsprefs migrate` first" in done.stderr
    assert "0005_queue_tables" in done.stderr
