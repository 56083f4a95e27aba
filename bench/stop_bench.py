"""Time the STOP path alone: receive_text() of a STOP from phones the dealership texted.

The inbound benchmark (inbound_bench.py) measures the webhook under load, where STOPs are
5 % of the texts and the machine's noise hides a change to them; this one times the
consent change itself, one STOP at a time, on a fresh database: what the attribution of
an opt-out (a read of the outbox) and the chain of evidence (a lock, a read of the last
hash, a SHA-256 per event) add to it. Run it on two checkouts to compare them:

    .venv/bin/python bench/stop_bench.py --backend both
    PYTHONPATH=/path/to/other/checkout .venv/bin/python /path/to/other/checkout/bench/...
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

PG_URL = "postgres://postgres@127.0.0.1:5432/smsprefs_bench"


def fresh_database(backend: str, pg_url: str, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'stop.db'}"
    import psycopg

    name = pg_url.rsplit("/", 1)[1]
    admin = pg_url.rsplit("/", 1)[0].replace("postgres://", "postgresql://", 1) + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_url


def run(backend: str, *, stops: int, pg_url: str) -> dict[str, float]:
    from store.db import init_db, migrate
    from store.messaging import mark_sent, queue_message, receive_text

    with tempfile.TemporaryDirectory() as workdir:
        database = init_db(fresh_database(backend, pg_url, Path(workdir)))
        database.connect()
        migrate()
        phones = [f"+1212{n:07d}" for n in range(2 * stops)]
        for e164 in phones:  # every phone was texted: each STOP finds a cause
            message = queue_message(to=e164, text="Your car is ready", kind="manual",
                                    fallback_zone="America/New_York")
            mark_sent(message.id, vonage_message_id=f"v-{message.id}")
        timings = {}
        for label, batch, text in (("ordinary", phones[stops:], "Thanks, see you at 3"),
                                   ("stop", phones[:stops], "STOP")):
            took = []
            cpu = time.process_time()
            for n, e164 in enumerate(batch):
                began = time.perf_counter()
                receive_text(provider_id=f"{label}-{n}", from_number=e164.lstrip("+"), text=text)
                took.append(time.perf_counter() - began)
            # this process's CPU, steadier than the wall clock on a shared machine
            timings[f"{label} cpu"] = (time.process_time() - cpu) / len(batch) * 1000
            timings[label] = statistics.median(took) * 1000
            timings[f"{label} p90"] = statistics.quantiles(took, n=10)[-1] * 1000
        database.close()
        return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    print("| backend | ordinary text: median ms | p90 | CPU ms | STOP: median ms | p90 | CPU ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for backend in backends:
        t = run(backend, stops=args.stops, pg_url=args.pg_url)
        print(f"| {backend} | {t['ordinary']:.2f} | {t['ordinary p90']:.2f} | "
              f"{t['ordinary cpu']:.2f} | {t['stop']:.2f} | {t['stop p90']:.2f} | "
              f"{t['stop cpu']:.2f} |")


if __name__ == "__main__":
    main()
