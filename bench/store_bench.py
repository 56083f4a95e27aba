"""Measure the store at scale: a batched CSV import and a 100,000-recipient campaign.

    make bench BENCH_ARGS="--rows 1000000 --recipients 100000 --backend both"

Each backend gets a fresh database (a temporary SQLite file; a new PostgreSQL database
`smsprefs_bench` at --pg-url). Prints a Markdown table: wall time, rows per second, the
number of SQL queries (which must not grow with the number of rows per batch) and, for
imports, the process's peak RSS. Beside each import, its ceiling: the same CSV read with
csv.reader and written by the bare driver's executemany into a plain five-column table,
one transaction, same SQLite pragmas. Each import and each ceiling runs in a fresh
process, so that its peak RSS is its own. Beside the campaign through the API, its
ceiling: the same body posted through the test client to a bare Flask endpoint.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playhouse.test_utils import count_queries

from store.db import db, init_db, migrate
from store.messaging.campaigns import create_campaign
from store.records.imports import import_csv

AREA_CODES = [201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218,
              219, 224, 225, 228, 229, 231, 234, 239, 240, 248, 251, 252, 253, 254, 256, 260,
              262, 267, 269, 270, 276, 281, 301, 302, 303, 304, 305, 307, 308, 309, 310, 312,
              313, 314, 315, 316, 317, 318, 319, 320, 321, 323, 325, 330, 334, 336, 337, 339,
              347, 351, 352, 360, 361, 385, 386, 401, 402, 404, 405, 406, 407, 408, 409, 410,
              412, 413, 414, 415, 417, 419, 423, 424, 425, 432, 434, 435, 440, 443, 469, 470,
              478, 479, 480, 484, 501, 502, 503, 504, 505, 507, 508, 509, 510, 512, 513, 515]


def phone(n: int) -> str:
    return f"+1{AREA_CODES[n % len(AREA_CODES)]}555{n // len(AREA_CODES):04d}"


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["phone", "name", "crm_id", "overall", "opted_out_at"])
        for n in range(rows):
            roll = rng.random()
            overall, when = "", ""
            if roll < 0.2:
                overall, when = "opted_out", f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00Z"
            elif roll < 0.3:
                overall = "opted_in"
            w.writerow([phone(n), f"Client {n}", f"CRM{n}", overall, when])


def open_backend(backend: str, pg_url: str, workdir: Path) -> str:
    if backend == "sqlite":
        path = workdir / "bench.db"
        for stale in workdir.glob("bench.db*"):
            stale.unlink()
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS smsprefs_bench")
        conn.execute("CREATE DATABASE smsprefs_bench")
    return pg_url.rsplit("/", 1)[0] + "/smsprefs_bench"


def peak_rss_mib() -> float:
    """Return this process's peak resident set size so far, in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class QueryCounter(logging.Handler):
    """Count peewee's statements without keeping them (count_queries keeps every record,
    with its parameters: megabytes per batch, which an RSS measurement would see)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def child_import(url: str, csv_path: Path, batch: int) -> dict:
    """Migrate `url`, then time the import of `csv_path` (run in a process of its own)."""
    init_db(url)
    with db.connection_context():
        migrate()
        before = peak_rss_mib()
        counter, logger = QueryCounter(), logging.getLogger("peewee")
        logger.addHandler(counter)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        with csv_path.open(newline="", encoding="utf-8-sig") as stream:
            t, cpu = time.perf_counter(), time.process_time()
            report = import_csv(stream, source_name=csv_path.name, batch_size=batch)
            took, cpu = time.perf_counter() - t, time.process_time() - cpu
    # this process's CPU beside the wall time: the rest is the database server's work (or,
    # on SQLite, waiting for a core)
    return {"seconds": took, "queries": counter.count, "rss_before": before,
            "rss": peak_rss_mib(),
            "outcome": f"{report.applied:,} applied, {report.unchanged:,} unchanged, "
                       f"client CPU {cpu:.2f} s"}


def child_ceiling(url: str, csv_path: Path) -> dict:
    """Time csv.reader plus the bare driver's executemany of the same rows, one transaction."""
    before = peak_rss_mib()
    ddl = ("CREATE TABLE raw_import (phone TEXT, name TEXT, crm_id TEXT, overall TEXT, "
           "opted_out_at TEXT)")
    with csv_path.open(newline="", encoding="utf-8-sig") as stream:
        rows = csv.reader(stream)
        next(rows)
        if url.startswith("sqlite"):
            import sqlite3

            from store.db import SQLITE_PRAGMAS

            conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            for name, value in SQLITE_PRAGMAS.items():
                conn.execute(f"PRAGMA {name} = {value}")
            conn.execute(ddl)
            t = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO raw_import VALUES (?, ?, ?, ?, ?)", rows)
            conn.execute("COMMIT")
            took = time.perf_counter() - t
            count = conn.execute("SELECT count(*) FROM raw_import").fetchone()[0]
            conn.close()
        else:
            import psycopg

            with psycopg.connect(url) as conn:
                conn.execute(ddl)
                conn.commit()
                t = time.perf_counter()
                with conn.cursor() as cursor:
                    cursor.executemany("INSERT INTO raw_import VALUES (%s, %s, %s, %s, %s)", rows)
                conn.commit()
                took = time.perf_counter() - t
                count = conn.execute("SELECT count(*) FROM raw_import").fetchone()[0]
    return {"seconds": took, "queries": 1, "rss_before": before, "rss": peak_rss_mib(),
            "outcome": f"{count:,} rows"}


def in_child(what: str, url: str, csv_path: Path, batch: int) -> dict:
    """Run child_import or child_ceiling in a fresh interpreter; return what it measured."""
    out = subprocess.run([sys.executable, __file__, "--child", what, "--url", url,
                          "--csv", str(csv_path), "--batch", str(batch)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench(backend: str, args, workdir: Path, csv_path: Path) -> list[tuple]:
    results = []
    for what, label in (("ceiling", f"ceiling: csv.reader + bare executemany, {args.rows:,} rows"),
                        ("import", f"import {args.rows:,} rows")):
        m = in_child(what, open_backend(backend, args.pg_url, workdir), csv_path, args.batch)
        results.append((backend, label, m["seconds"], args.rows / m["seconds"], m["queries"],
                        f"{m['rss']:,.0f} MiB ({m['rss_before']:,.0f} before)", m["outcome"]))
    if args.recipients:
        results += campaigns(backend, args, workdir)
    return results


def campaigns(backend: str, args, workdir: Path) -> list[tuple]:
    """Time a campaign on the database the import filled (the store's call, then the API)."""
    url = (f"sqlite:///{workdir / 'bench.db'}" if backend == "sqlite"
           else args.pg_url.rsplit("/", 1)[0] + "/smsprefs_bench")
    init_db(url)
    results = []
    with db.connection_context():
        recipients = [phone(n) for n in range(args.recipients)]
        recipients += ["not-a-number"] * (args.recipients // 100) + recipients[:100]
        with count_queries() as q:
            t = time.perf_counter()
            result = create_campaign(name="bench", text="Weekend sale. Reply STOP to end.",
                                     recipients=recipients, actor="bench",
                                     include_unknown=False, fallback_zone="America/New_York")
            took = time.perf_counter() - t
        results.append((backend, f"campaign of {len(recipients):,} recipients", took,
                        len(recipients) / took, q.count, "",
                        f"{result.queued + result.scheduled:,} to send, "
                        f"{sum(result.excluded.values()):,} excluded"))
        results.append(_api_campaign(db.obj.url, recipients))
        results.append(_bare_campaign(backend, recipients))
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    return results


def _api_campaign(url: str, recipients: list[str]) -> tuple:
    """Time the same campaign through the real Flask app's POST /api/v1/campaigns."""
    from gateway.app import create_app

    app = create_app({"DATABASE_URL": url, "SMSPREFS_API_TOKEN": "bench"})
    # count_queries turns peewee's logger up to DEBUG; keep those lines off the app's log
    logging.getLogger("peewee").propagate = False
    body = {"name": "bench", "text": "Weekend sale. Reply STOP to end.",
            "recipients": recipients, "actor": "bench"}
    with count_queries() as q:
        t = time.perf_counter()
        response = app.test_client().post("/api/v1/campaigns", json=body,
                                          headers={"Authorization": "Bearer bench"})
        took = time.perf_counter() - t
    counts = response.get_json()
    backend = "postgres" if url.startswith("postgres") else "sqlite"
    return (backend, f"API campaign of {len(recipients):,} recipients", took,
            len(recipients) / took, q.count, "",
            f"HTTP {response.status_code}, {counts['queued'] + counts['scheduled']:,} to send")


def _bare_campaign(backend: str, recipients: list[str]) -> tuple:
    """Time the ceiling: the same body posted through the test client to a bare Flask
    endpoint that parses it and answers 202."""
    from flask import Flask, request

    app = Flask("bare")

    @app.post("/api/v1/campaigns")
    def bare():
        return {"recipients": len(request.get_json()["recipients"])}, 202

    body = {"name": "bench", "text": "Weekend sale. Reply STOP to end.",
            "recipients": recipients, "actor": "bench"}
    t = time.perf_counter()
    response = app.test_client().post("/api/v1/campaigns", json=body)
    took = time.perf_counter() - t
    return (backend, f"ceiling: {len(recipients):,} recipients to a bare Flask endpoint", took,
            len(recipients) / took, 0, "", f"HTTP {response.status_code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--recipients", type=int, default=100_000,
                        help="Campaign size; 0 measures the import alone.")
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--child", choices=["import", "ceiling"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = child_import if args.child == "import" else child_ceiling
        measured = (run(args.url, args.csv, args.batch) if args.child == "import"
                    else run(args.url, args.csv))
        print(json.dumps(measured))
        return
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "clients.csv"
        write_csv(csv_path, args.rows)
        rows = [r for b in backends for r in bench(b, args, workdir, csv_path)]
    print("| backend | what | seconds | per second | SQL queries | peak RSS | outcome |")
    print("|---|---|---:|---:|---:|---:|---|")
    for backend, what, took, rate, queries, rss, outcome in rows:
        print(f"| {backend} | {what} | {took:.2f} | {rate:,.0f} | {queries:,} | {rss} "
              f"| {outcome} |")


if __name__ == "__main__":
    main()
