"""Load the inbound webhook under the Procfile's gunicorn, beside a bare Flask endpoint.

    make bench INBOUND_BENCH_ARGS="--seconds 60"
    .venv/bin/python bench/inbound_bench.py --seconds 10 --backend sqlite

For each backend (a fresh, migrated SQLite file; a fresh PostgreSQL database at --pg-url),
three servers are started with the Procfile's web line (gunicorn.conf.py, 2 sync workers,
WEB_CONCURRENCY=2), side by side on the same machine: a bare Flask endpoint that parses
the same form and answers 204; that endpoint storing each text by one INSERT committed
before its answer (what the database allows a webhook that keeps every text before its
2xx, with smsprefs' durability settings; both in ceilings.py); and the real app
(`gateway.app:create_app()`). They are loaded in turn, --rounds times (each ratio is the
median of the rounds': this VM's speed drifts within minutes). A load generator keeps
--connections requests in flight: SMS API inbound texts posted as a form, path-token mode
(`?token=WEBHOOK_TOKEN`), 95 % ordinary replies and 5 % STOP (--stop-share) from 10,000
phones, every messageId new. It is wrk when installed (--loadgen wrk), else a small asyncio
generator in two processes. Prints req/s, p50/p99 latency, non-2xx answers, each server's
ratio to the bare endpoint and the app's to the durable INSERT, the CPU time a request cost
(the workers', and on PostgreSQL the server processes' too), the workers' RSS after the
warm-up and at the end, and the inbound rows the app committed (which must equal the 2xx it
answered). With --signed, a fourth server is the app as production runs it: no path
token, each webhook signed as Vonage signs one (HMAC-SHA256, a nonce each), made before
its load since wrk cannot sign.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import loadgen
from ceilings import connect, insert_table
from loadgen import PATH, SECRET, TOKEN, Load, python_load, request_bytes, wrk_load, wrk_signed_load

ROOT = Path(__file__).resolve().parents[1]
# ---- servers -----------------------------------------------------------------------

def web_command(port: int, target: str | None = None) -> list[str]:
    """Return the Procfile's web line for `port` (and another app `target`, if given)."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                if line.startswith("web:"))
    argv = shlex.split(line.partition(":")[2].replace("$PORT", str(port)))
    argv = ["127.0.0.1:" + str(port) if a == f"0.0.0.0:{port}" else a for a in argv]
    argv[0] = str(Path(sys.executable).with_name(argv[0]))
    if target:
        argv[-1:] = ["--pythonpath", str(ROOT / "bench"), target]
    return argv


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return sorted(int(p) for p in children.read_text().split())

    def rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def cpu_seconds(self, db_url: str | None = None) -> tuple[float, float]:
        """Return the CPU time the workers used, and the database's server processes."""
        return (sum(_cpu(pid) for pid in self.workers()),
                sum(_cpu(pid) for pid in postgres_backends(db_url)))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_backends(url: str | None) -> list[int]:
    """Return the pids of the PostgreSQL server processes serving the database `url`."""
    if not url or url.startswith("sqlite"):
        return []
    with connect(url) as conn:
        return [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name: str, env: dict[str, str], log: Path, target: str | None = None) -> Server:
    port = free_port()
    out = log.open("ab")
    process = subprocess.Popen(web_command(port, target), cwd=ROOT, env=env, stdout=out,
                               stderr=subprocess.STDOUT)
    server = Server(name, process, port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} did not start; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                pass
            if len(server.workers()) >= int(env["WEB_CONCURRENCY"]):
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{name} did not answer within 60 s; see {log}")


# ---- the Python load generator -------------------------------------------------------

def fresh_database(backend: str, pg_url: str, workdir: Path) -> str:
    """Return the URL of a new, migrated database for `backend`."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'inbound.db'}"
    else:
        with connect(pg_url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS smsprefs_inbound_bench")
            conn.execute("CREATE DATABASE smsprefs_inbound_bench")
        url = pg_url.rsplit("/", 1)[0] + "/smsprefs_inbound_bench"
    subprocess.run([str(Path(sys.executable).with_name("smsprefs")), "migrate"], cwd=ROOT,
                   env={**os.environ, "DATABASE_URL": url}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return url


def committed_inbound(url: str) -> int:
    """Return how many inbound texts the database holds."""
    with connect(url) as conn:
        return conn.execute("SELECT COUNT(*) FROM inbound_message").fetchone()[0]


# ---- one backend ------------------------------------------------------------------------

# (name, gunicorn target): None is smsprefs itself (gateway.app:create_app(), the Procfile's)
SERVERS = (("bare Flask", "ceilings:bare_app()"),
           ("bare + durable INSERT", "ceilings:bare_app(insert=True)"),
           ("inbound webhook", None))
SIGNED = "inbound webhook, signed"  # --signed: the app as production runs it (load below)

def bench_backend(backend: str, args, workdir: Path) -> list[dict]:
    """Run both servers at once and load them in turn, --rounds times: each round's ratio
    compares two loads a minute apart at most, so the machine's drift over a run (this VM's
    speed moves by ±15 % within minutes) falls on both sides of it."""
    url = fresh_database(backend, args.pg_url, workdir)
    env = {**os.environ, "DATABASE_URL": url, "WEBHOOK_TOKEN": TOKEN,
           "WEB_CONCURRENCY": str(args.workers), "SMS_TRANSPORT": "console"}
    for name in ("VONAGE_SIGNATURE_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET",
                 "ALLOW_UNSIGNED_WEBHOOKS", "GUNICORN_CMD_ARGS"):
        env.pop(name, None)
    log = workdir / f"gunicorn-{backend}.log"
    servers: list[tuple[str, str | None, Server]] = []
    rows, answered = [], 0
    try:
        insert_table(url)
        signed = {**env, "VONAGE_SIGNATURE_SECRET": SECRET, "VONAGE_SIGNATURE_METHOD": "sha256"}
        signed.pop("WEBHOOK_TOKEN")
        for name, target in SERVERS + ((SIGNED, None),) * args.signed:
            servers.append((name, target, start(name, signed if name == SIGNED else env,
                                                log, target)))
        for round_ in range(1, args.rounds + 1):
            for name, target, server in servers:
                tag = f"{backend}-{name.split()[0]}-{round_}-{int(time.time())}"
                signs = name == SIGNED
                warm = drive(args, server.port, tag + "-warm", args.warmup, workdir, signs)
                rss_start = server.rss_mb()
                db_url = None if target == SERVERS[0][1] else url
                cpu_start = server.cpu_seconds(db_url)
                load = drive(args, server.port, tag, args.seconds, workdir, signs)
                cpu = [b - a for a, b in zip(cpu_start, server.cpu_seconds(db_url), strict=True)]
                rows.append({"backend": backend, "what": name, "round": round_, "load": load,
                             "cpu": cpu, "rss": (rss_start, server.rss_mb())})
                if target is None:
                    answered += warm.ok + load.ok
    finally:
        for _, _, server in servers:
            server.stop()
    if args.count_rows:
        rows[-1]["committed"], rows[-1]["answered"] = committed_inbound(url), answered
    return rows


def drive(args, port: int, tag: str, seconds: float, workdir: Path,
          signed: bool = False) -> Load:
    if signed:
        return wrk_signed_load(port, tag, args.connections, seconds, workdir)
    if args.loadgen == "wrk":
        return wrk_load(port, tag, args.connections, seconds, workdir)
    return python_load(port, tag, args.connections, seconds)


def report(rows: list[dict], args) -> None:
    print(f"\n{args.workers} gunicorn workers (Procfile), {args.connections} connections, "
          f"{args.rounds} × {args.seconds:g} s a server after {args.warmup:g} s warm-up, "
          f"load generator {args.loadgen}, "
          f"{args.stop_share:.0%} STOP, "
          f"{'every ordinary reply unique, ' if args.unique_texts else ''}"
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}\n")
    # CPU ms a request: the workers' own, plus for the app on PostgreSQL its server
    # processes'; unlike req/s it hardly moves with what else the machine runs
    print("| backend | round | endpoint | req/s | p50 ms | p99 ms | non-2xx | ratio | "
          "CPU ms/req | worker RSS MB start → end | load generator CPU s |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|")
    rates, ratios = {}, {}
    for row in rows:
        load, key = row["load"], (row["backend"], row["round"])
        rates[(*key, row["what"])] = load.rate
        bare = rates.get((*key, "bare Flask"))
        ratio = load.rate / bare if bare else float("nan")
        if row["what"] != "bare Flask":
            ratios.setdefault((row["backend"], row["what"]), []).append(ratio)
        rss = ", ".join(f"{a:.0f} → {b:.0f}" for a, b in zip(*row["rss"], strict=False))
        workers, server = (seconds / max(load.requests, 1) * 1000 for seconds in row["cpu"])
        cpu = f"{workers:.2f} + {server:.2f}" if server else f"{workers:.2f}"
        print(f"| {row['backend']} | {row['round']} | {row['what']} | {load.rate:,.0f} | "
              f"{load.percentile(0.5):.1f} | {load.percentile(0.99):.1f} | "
              f"{load.non_2xx:,} | {ratio:.2f} | {cpu} | "
              f"{rss} | {load.generator_cpu:.1f} |")
    print()
    for (backend, what), found in ratios.items():
        print(f"{backend}: {what} ÷ bare Flask {statistics.median(found):.2f} (median of "
              f"{', '.join(f'{r:.2f}' for r in found)})")
    for backend in dict.fromkeys(b for b, _ in ratios):
        shares = [rate / rates[(b, n, "bare + durable INSERT")]
                  for (b, n, what), rate in rates.items()
                  if b == backend and what == "inbound webhook"
                  and (b, n, "bare + durable INSERT") in rates]
        if shares:
            print(f"{backend}: inbound webhook ÷ bare + durable INSERT "
                  f"{statistics.median(shares):.2f} (median of "
                  f"{', '.join(f'{r:.2f}' for r in shares)})")
    for row in rows:
        if "committed" in row:
            print(f"{row['backend']}: {row['committed']:,} inbound texts committed for "
                  f"{row['answered']:,} answered 2xx (warm-ups and rounds)")


def profile(args, workdir: Path) -> None:
    """Post --profile texts through the Flask test client under cProfile; print the top."""
    import cProfile
    import pstats
    from urllib.parse import parse_qsl

    backend = "postgres" if args.backend == "postgres" else "sqlite"
    url = fresh_database(backend, args.pg_url, workdir)
    from gateway.app import create_app

    app = create_app({"DATABASE_URL": url, "WEBHOOK_TOKEN": TOKEN, "SMS_TRANSPORT": "console"})
    client = app.test_client()
    rng = random.Random(1)

    def post(tag: str, n: int) -> int:
        raw = request_bytes(80, tag, n, rng)
        form = dict(parse_qsl(raw.partition(b"\r\n\r\n")[2].decode()))
        return client.post(PATH, data=form).status_code

    for n in range(200):  # warm: imports, the classifier's tables, the pool
        post("warm", n)
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    statuses = [post("profile", n) for n in range(args.profile)]
    profiler.disable()
    took = time.perf_counter() - began
    print(f"{args.profile} posts through the test client on {backend}: "
          f"{took / args.profile * 1000:.2f} ms each under cProfile, "
          f"statuses {sorted(set(statuses))}")
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
    stats.print_stats(45)


def postgres_reachable(pg_url: str) -> bool:
    try:
        connect(pg_url, connect_timeout=3).close()
        return True
    except Exception:
        return False


def share(text: str) -> float:
    """Return a command line's share, a number from 0 to 1."""
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3,
                        help="loads of each server, in turn (the ratio reported is the "
                             "median of the rounds')")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get(
        "SMSPREFS_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--loadgen", choices=["auto", "python", "wrk"], default="auto")
    parser.add_argument("--no-count-rows", dest="count_rows", action="store_false")
    parser.add_argument("--unique-texts", action="store_true",
                        help="end each ordinary reply with a random number, so that no "
                             "classifier answer is remembered from an earlier request")
    parser.add_argument("--stop-share", type=share, default=loadgen.STOP_SHARE,
                        help="the share of the texts that are STOP (default %(default)s; "
                             "0 measures the ordinary text alone)")
    parser.add_argument("--signed", action="store_true",
                        help="also load the app with webhooks signed as Vonage signs them "
                             "(no path token), as production runs it (needs wrk)")
    parser.add_argument("--profile", type=int, metavar="POSTS",
                        help="instead of the load: cProfile POSTS webhook posts through "
                             "the Flask test client (--backend sqlite or postgres)")
    args = parser.parse_args()
    loadgen.UNIQUE_TEXTS = args.unique_texts
    loadgen.STOP_SHARE = args.stop_share
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            profile(args, Path(tmp))
        return
    if args.loadgen == "auto":
        args.loadgen = "wrk" if shutil.which("wrk") else "python"
    if args.signed and not shutil.which("wrk"):
        parser.error("--signed needs wrk (apt-get install wrk): it replays signed bodies")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if args.backend == "both" and not postgres_reachable(args.pg_url):
        print(f"PostgreSQL at {args.pg_url} does not answer: SQLite only", file=sys.stderr)
        backends = ["sqlite"]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [r for b in backends for r in bench_backend(b, args, Path(tmp))]
    report(rows, args)


if __name__ == "__main__":
    main()
