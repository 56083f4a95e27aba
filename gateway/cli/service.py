"""`smsprefs migrate`, `serve`, `worker` and `verify`: running the service, checking its
history."""

from __future__ import annotations

import sys
import threading

import click

from gateway.cli import LINE, main
from gateway.config import Config


@main.command()
def migrate() -> None:
    """Apply pending database migrations (safe to run again and again)."""
    from store.db import migrate as apply

    applied = apply()
    click.echo("applied: " + ", ".join(applied) if applied else "database is up to date")


@main.command()
def verify() -> None:
    """Replay every consent event against the current state, and recompute the chain of
    hashes (SPEC rule 12); exit 1 naming what does not hold."""
    from store.consent import chain_head, history_size, verify_chain
    from store.consent import verify as replay_all

    problems = 0
    for m in replay_all():
        problems += 1
        click.echo(f"{m.e164} {m.scope}: history says {m.expected}, state is {m.actual}")
    broken = verify_chain()
    if broken is not None:
        problems += 1
        click.echo(f"chain broken at event {broken.event_id}: {broken.problem}")
    phones, events = history_size()
    if problems:
        click.echo(f"{problems} problems among {phones} phones and {events} events", err=True)
        sys.exit(1)
    last_id, last_hash = chain_head()
    click.echo(f"ok: {phones} phones match the replay of their {events} events, "
               "and the chain of hashes holds")
    if last_id is not None:  # what a proof states as the store's head, to compare with
        click.echo(f"head: event {last_id}, hash {last_hash}")


def _logging() -> None:
    from gateway.logs import configure_logging

    configure_logging()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, type=LINE)
@click.option("--port", type=click.IntRange(1, 65535), help="Defaults to PORT (5000).")
@click.pass_obj
def serve(config: Config, host: str, port: int | None) -> None:
    """Run the web app and the send worker in one process (for local use)."""
    from werkzeug.serving import make_server

    from gateway.app import create_app
    from store.db import migrate as apply

    _logging()
    apply()
    app = create_app(config)
    server = make_server(host, port or config.port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="web", daemon=True).start()
    click.echo(f"smsprefs is listening on http://{host}:{server.port} (Ctrl-C stops it)", err=True)
    app.extensions["smsprefs.queue"].consumer(workers=1).run()


@main.command()
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads.")
@click.pass_obj
def worker(config: Config, workers: int) -> None:
    """Run the send worker: deliver queued texts, retry, sweep every minute."""
    from gateway.logs import announce
    from gateway.queue import Queue
    from store.db import pending

    _logging()
    waiting = pending()
    if waiting:  # the queue's tables too come from migrate: a worker never creates schema
        click.echo(f"smsprefs: the database needs `smsprefs migrate` first (not applied: "
                   f"{', '.join(waiting)})", err=True)
        sys.exit(1)
    announce(config, "worker")
    Queue(config).consumer(workers=workers).run()


