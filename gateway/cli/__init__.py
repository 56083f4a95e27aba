"""The `smsprefs` command line (SPEC section 7): each command parses, calls the store, prints.

The commands live by what they serve: records.py (import, export, prefs, misread),
texts.py (classify, inbound, send) and service.py (migrate, serve, worker, verify). Each
imports what it needs inside the command, so `smsprefs --help` starts fast.

What a person types (a phone, a name, a note, an actor, a text) is read through one of the
Typed kinds below, as /api/v1 reads the same fields: bytes that are not UTF-8, and control
characters the field cannot hold, are a usage error naming the argument, before anything
is looked up or changed.
"""

from __future__ import annotations

import sys

import click

import store.controls as controls
from gateway.config import Config, ConfigError
from store.db import DatabaseError, close_connection, init_db, open_connection
from store.errors import StoreError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smsprefs", prog_name="smsprefs",
                      message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Keep a dealership's SMS consent honest."""
    try:
        config = Config.from_env()
    except ConfigError as exc:
        click.echo(f"smsprefs: {exc}", err=True)
        sys.exit(2)
    try:
        init_db(config.database_url.reveal())
    except ValueError as exc:
        click.echo(f"smsprefs: DATABASE_URL: {exc}", err=True)
        sys.exit(2)
    ctx.obj = config
    if open_connection():  # close only the connection this command opened
        ctx.call_on_close(close_connection)


def entry() -> None:
    """Run `smsprefs`, saying a database failure in one line instead of a traceback."""
    try:
        main()
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        click.echo(f"smsprefs: database error: {reason}. Check DATABASE_URL; a new database "
                   "needs `smsprefs migrate`.", err=True)
        sys.exit(1)


def fail(exc: StoreError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(1)


class Typed(click.ParamType):
    """Text a person typed, of one of the kinds of store/controls.py: refused when it is not
    UTF-8 or holds a control character its kind cannot hold."""

    name = "text"  # --help shows TEXT, as for click's own strings

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def convert(self, value, param, ctx) -> str:
        problem = controls.refusal(value, self.kind)
        if problem is None:
            return value
        if problem.startswith("is not valid UTF-8"):
            problem += "; check the encoding of the terminal or script"
        self.fail(problem, param, ctx)


# a client's text keeps its control characters here: the store removes them, as it does
# for the same text from the webhook or /api/v1/classify
LINE, PROSE, CLIENTS_TEXT = Typed(controls.LINE), Typed(controls.PROSE), Typed(controls.TEXT)


# the commands register themselves on `main` when their modules load
from gateway.cli import records, service, texts  # noqa: E402, F401
