"""The `smsprefs` command line (SPEC section 7): each command parses, calls the store, prints."""

from __future__ import annotations

import json
import sys
import threading
import uuid
from pathlib import Path

import click
from peewee import PeeweeException

from gateway.config import Config, ConfigError
from store.db import db, init_db
from store.errors import StoreError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    if db.connect(reuse_if_open=True):  # close only the connection this command opened
        ctx.call_on_close(db.close)


def entry() -> None:
    """Run `smsprefs`, saying a database failure in one line instead of a traceback."""
    try:
        main()
    except PeeweeException as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        click.echo(f"smsprefs: database error: {reason}. Check DATABASE_URL; a new database "
                   "needs `smsprefs migrate`.", err=True)
        sys.exit(1)


def _fail(exc: StoreError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(1)


@main.command()
def migrate() -> None:
    """Apply pending database migrations (safe to run again and again)."""
    from store.schema import migrate as apply

    applied = apply()
    click.echo("applied: " + ", ".join(applied) if applied else "database is up to date")


@main.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", default=2000, show_default=True, help="Rows per transaction.")
@click.pass_obj
def import_(config: Config, file: Path, batch_size: int) -> None:
    """Import clients and prior opt-outs from FILE.csv (phone,name,crm_id,overall,opted_out_at).

    Any other column stops the import before anything is written, except the columns
    `export clients` adds, which are skipped: an export imports back unchanged.
    """
    from contextlib import ExitStack

    from store.records import import_csv

    with file.open("rb") as raw:
        total = max(sum(1 for _ in raw) - 1, 0)
    with file.open(newline="", encoding="utf-8-sig") as stream, ExitStack() as bars:
        bar = None

        def progress(rows: int) -> None:
            nonlocal bar
            if bar is None:  # the bar appears once the file passed its checks, not before
                bar = bars.enter_context(click.progressbar(
                    length=total, label=f"Importing {file.name}", file=sys.stderr))
            bar.update(rows)

        try:
            report = import_csv(stream, source_name=file.name, region=config.default_region,
                                batch_size=batch_size, progress=progress)
        except StoreError as exc:
            _fail(exc)
    click.echo(f"{report.rows} rows: {report.applied} applied, {report.unchanged} unchanged, "
               f"{report.skipped} skipped, {report.invalid} invalid; client records: "
               f"{report.clients_created} created, {report.clients_updated} updated")
    if report.ignored_columns:
        click.echo("  not imported (columns of `export clients` an import cannot set): "
                   + ", ".join(report.ignored_columns))
    for line, phone, reason in report.problems[:50]:
        click.echo(f"  line {line}: {phone or '(no phone)'}: {reason}")
    more = report.skipped + report.invalid - min(len(report.problems), 50)
    if more > 0:
        click.echo(f"  … and {more} more")


@main.command()
@click.argument("what", type=click.Choice(["clients", "events"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
def export(what: str, output: Path | None) -> None:
    """Export clients with their consent, or every consent event, as CSV."""
    from store.records import export_clients, export_events

    write = export_clients if what == "clients" else export_events
    if output is None:
        write(sys.stdout)
        return
    with output.open("w", newline="", encoding="utf-8") as out:
        count = write(out)
    click.echo(f"wrote {count} {what} rows to {output}", err=True)


def _evaluate(ctx: click.Context, _param, files: tuple[Path, ...]) -> None:
    """Print how the classifier reads labelled corpus FILEs; exit 1 if a target is missed."""
    if not files or ctx.resilient_parsing:
        return
    from gateway.evaluation import CorpusError, evaluate, report

    met = True
    for path in files:
        try:
            evaluation = evaluate(path)
        except (CorpusError, OSError, UnicodeDecodeError) as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        click.echo("\n".join(report(path, evaluation)) + "\n")
        met = met and evaluation.meets_targets()
    ctx.exit(0 if met else 1)


@main.command()
@click.argument("text")
@click.option("--phone", help="Read YES in this phone's context (opted out, asked to opt in).")
@click.option("--eval", "eval_files", multiple=True, is_eager=True, expose_value=False,
              callback=_evaluate, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Instead, measure the classifier on a labelled corpus FILE.csv (columns "
                   "text,intent,scope,category,source; may repeat): precision and recall per "
                   "intent, scope, confusion matrix and misses. Exits 1 if a target is missed.")
@click.pass_obj
def classify(config: Config, text: str, phone: str | None) -> None:
    """Classify TEXT as an inbound text would be, and print the result as JSON.

    An empty TEXT (a picture message without words) is intent none, as SPEC section 4 says.
    """
    from store.consent import classify_for
    from store.phones import parse_phone

    try:
        e164 = parse_phone(phone, region=config.default_region) if phone else None
    except StoreError as exc:
        _fail(exc)
    result = classify_for(e164, text)
    click.echo(json.dumps({"intent": result.intent, "scope": result.scope, "rule": result.rule,
                           "version": result.version}))


@main.command()
@click.argument("phone")
@click.pass_obj
def prefs(config: Config, phone: str) -> None:
    """Print the consent card of PHONE."""
    from store.records import card_lines, load_card

    try:
        card = load_card(phone, region=config.default_region)
    except StoreError as exc:
        _fail(exc)
    for line in card_lines(card.state, clients=card.clients, events=card.events,
                           zone=config.dealership_timezone, pending_review=card.pending_review):
        click.echo(line)


@main.command()
@click.argument("phone")
@click.argument("event_id", type=click.IntRange(min=1, max=2**63 - 1))
@click.option("--note", required=True, help="What the client meant (required).")
@click.option("--actor", required=True, help="Who marks it misread (recorded on the events).")
@click.pass_obj
def misread(config: Config, phone: str, event_id: int, note: str, actor: str) -> None:
    """Mark the opt-out EVENT_ID of PHONE misread: undo it as staff (SPEC rule 11).

    Only an opt-out the classifier read from natural language, that the client has not
    confirmed by texting again, and that nothing changed since. Recorded with channel api
    (the command line is a program's interface, like the API). Exits 1 with the reason
    when the rule refuses it; the refused attempt is recorded too.
    """
    from store.consent import Actor, correct_misread
    from store.phones import parse_phone
    from store.records import card_lines, load_card

    if not actor.strip() or len(actor.strip()) > 120:  # the width of an event's actor
        _fail(StoreError("--actor must name who marks it misread, in at most 120 characters"))
    try:
        e164 = parse_phone(phone, region=config.default_region)
        result = correct_misread(e164, event_id, note=note,
                                 actor=Actor(source="staff", actor=actor.strip(), channel="api"))
    except StoreError as exc:
        _fail(exc)
    if result.refusal is not None:
        click.echo(f"not changed ({result.refusal.reason}): {result.refusal}", err=True)
        sys.exit(1)
    card = load_card(e164, region=config.default_region)
    click.echo(f"marked event {event_id} misread; consent is back to its state before it:")
    for line in card_lines(card.state, clients=card.clients, events=card.events,
                           zone=config.dealership_timezone, pending_review=card.pending_review):
        click.echo(line)


@main.command()
def verify() -> None:
    """Replay every consent event and report phones whose state differs from its history."""
    from store.consent import verify as replay_all
    from store.models import ConsentEvent, Phone

    problems = 0
    for m in replay_all():
        problems += 1
        click.echo(f"{m.e164} {m.scope}: history says {m.expected}, state is {m.actual}")
    phones, events = Phone.select().count(), ConsentEvent.select().count()
    if problems:
        click.echo(f"{problems} mismatches among {phones} phones and {events} events", err=True)
        sys.exit(1)
    click.echo(f"ok: {phones} phones match the replay of their {events} events")


def _logging() -> None:
    from gateway.logs import configure_logging

    configure_logging()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, help="Defaults to PORT (5000).")
@click.pass_obj
def serve(config: Config, host: str, port: int | None) -> None:
    """Run the web app and the send worker in one process (for local use)."""
    from werkzeug.serving import make_server

    from gateway import create_app
    from store.schema import migrate as apply

    _logging()
    apply()
    app = create_app(config)
    server = make_server(host, port or config.port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="web", daemon=True).start()
    click.echo(f"smsprefs is listening on http://{host}:{server.port} (Ctrl-C stops it)", err=True)
    app.extensions["smsprefs.queue"].consumer(workers=1).run()


@main.command()
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@click.pass_obj
def worker(config: Config, workers: int) -> None:
    """Run the send worker: deliver queued texts, retry, sweep every minute."""
    from gateway.logs import announce
    from gateway.queue import Queue
    from store.schema import pending

    _logging()
    waiting = pending()
    if waiting:  # the queue's tables too come from migrate: a worker never creates schema
        click.echo(f"smsprefs: the database needs `smsprefs migrate` first (not applied: "
                   f"{', '.join(waiting)})", err=True)
        sys.exit(1)
    announce(config, "worker")
    Queue(config).consumer(workers=workers).run()


@main.command()
@click.option("--from", "sender", required=True, help="The client's phone, any format.")
@click.option("--text", required=True, help="What the client texted.")
@click.pass_obj
def inbound(config: Config, sender: str, text: str) -> None:
    """Feed a client's text through the same path as the Vonage webhook."""
    from gateway.queue import Queue
    from gateway.webhooks import reply_settings
    from store.messaging import receive_text
    from store.phones import parse_phone

    try:
        e164 = parse_phone(sender, region=config.default_region)
    except StoreError as exc:
        _fail(exc)
    result = receive_text(provider_id=f"cli-{uuid.uuid4()}", from_number=e164.lstrip("+"),
                          text=text, settings=reply_settings(config))
    message = result.message
    click.echo(json.dumps({
        "intent": message.intent, "scope": message.scope, "rule": message.rule,
        "changes": [{"scope": c.scope, "from": c.old_state, "to": c.new_state,
                     "source": c.source} for c in (result.change.plan.changes
                                                   if result.change else [])],
        "reply": {"id": result.reply.id, "status": result.reply.status,
                  "text": result.reply.text} if result.reply else None,
        "review": result.review is not None,
    }, indent=2))
    if result.reply and result.reply.status == "queued":
        Queue(config).wake()


@main.command()
@click.option("--to", required=True, help="The client's phone, any format.")
@click.option("--text", required=True)
@click.option("--kind", required=True,
              type=click.Choice(["manual", "work_plan", "lead_autoresponder", "campaign",
                                 "automation"]))
@click.option("--automation", help="The automation type, for --kind automation.")
@click.option("--actor", default="cli", show_default=True)
@click.pass_obj
def send(config: Config, to: str, text: str, kind: str, automation: str | None,
         actor: str) -> None:
    """Queue a text if consent allows it; exit 1 with the reason when it does not."""
    from gateway.queue import Queue
    from store.messaging import queue_message

    try:
        message = queue_message(to=to, text=text, kind=kind, automation=automation, actor=actor,
                                region=config.default_region,
                                fallback_zone=config.dealership_timezone)
    except StoreError as exc:
        _fail(exc)
    click.echo(json.dumps({"id": message.id, "to": message.to, "status": message.status,
                           "reason": message.reason,
                           "send_at": message.send_at.isoformat() + "Z"}))
    if message.status == "blocked":
        sys.exit(1)
    Queue(config).wake()
