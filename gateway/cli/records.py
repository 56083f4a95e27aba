"""`smsprefs import`, `export`, `prefs`, `misread` and `proof`: the client records, their cards
and consent records."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from gateway.cli import LINE, PROSE, fail, main
from gateway.config import Config
from store.errors import StoreError
from store.vocabulary import STAFF


@main.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(1, 100_000),
              help="Rows per batch of statements (the whole import is one transaction).")
@click.pass_obj
def import_(config: Config, file: Path, batch_size: int) -> None:
    """Import clients and prior opt-outs from FILE.csv (phone,name,crm_id,overall,opted_out_at).

    Any other column stops the import before anything is written, except the columns
    `export clients` adds, which are skipped: an export imports back unchanged. The import
    is all or nothing: a file found broken part-way, or any failure, changes nothing.

    Prints how many rows were created, updated, unchanged, skipped (a consent rule refused
    them) and invalid, then the skipped and invalid lines in line order. Exits 1 when any
    row was skipped or invalid (the rest are imported), 0 when every row was taken.
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
            fail(exc)
        if bar is not None:  # blank and invalid lines never reached a batch: the bar ends full
            bar.update(bar.length - bar.pos)
    click.echo(f"{report.rows} rows: {report.created} created, {report.updated} updated, "
               f"{report.rows_unchanged} unchanged, {report.skipped} skipped, "
               f"{report.invalid} invalid (consent changed on {report.applied}; client "
               f"records: {report.clients_created} created, {report.clients_updated} updated)")
    if report.ignored_columns:
        click.echo("  not imported (columns of `export clients` an import cannot set): "
                   + ", ".join(report.ignored_columns))
    for line, phone, reason in report.problems[:50]:
        click.echo(f"  line {line}: {phone or '(no phone)'}: {reason}")
    more = report.skipped + report.invalid - min(len(report.problems), 50)
    if more > 0:
        click.echo(f"  … and {more} more")
    if report.skipped or report.invalid:
        sys.exit(1)  # said in --help: a script must see that some rows were not taken


@main.command()
@click.argument("what", type=click.Choice(["clients", "events"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
def export(what: str, output: Path | None) -> None:
    """Export clients with their consent, or every consent event, as CSV."""
    from store.records import export_clients, export_events

    write = export_clients if what == "clients" else export_events
    if output is None:
        try:
            write(sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:
            # `export clients | head`: the reader has what it wanted, which is not an error.
            # Point stdout at /dev/null so Python's own flush at exit does not fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    with output.open("w", newline="", encoding="utf-8") as out:
        count = write(out)
    click.echo(f"wrote {count} {what} rows to {output}", err=True)


@main.command()
@click.argument("client", type=LINE)
@click.pass_obj
def prefs(config: Config, client: str) -> None:
    """Print the consent card of CLIENT: a phone in any format, or part of a name (as
    /smsprefs takes it). Several names matching: lists them; exits 1 when none matches."""
    from store.phones import try_parse_phone
    from store.records import card_lines, clients_of, find_phones, load_card

    try:
        phones = find_phones(client, region=config.default_region, limit=10)
    except StoreError as exc:
        fail(exc)
    if len(phones) > 1:
        click.echo(f"{len(phones)} clients match “{client}”; name one by its phone:")
        for e164 in phones:
            click.echo(f"  {e164}  {', '.join(c.name for c in clients_of(e164)) or 'no name'}")
        return
    if not phones and try_parse_phone(client, region=config.default_region) is None:
        fail(StoreError(f"no client's name contains “{client}”, and it is not a phone number"))
    try:  # one match, or a phone never seen: load_card says which in its own words
        card = load_card(phones[0] if phones else client, region=config.default_region)
    except StoreError as exc:
        fail(exc)
    for line in card_lines(card.state, clients=card.clients, events=card.events,
                           zone=config.dealership_timezone, pending_review=card.pending_review):
        click.echo(line)


@main.command()
@click.argument("phone", type=LINE)
@click.argument("event_id", type=click.IntRange(min=1, max=2**63 - 1))
@click.option("--note", required=True, type=PROSE, help="What the client meant (required).")
@click.option("--actor", required=True, type=LINE,
              help="Who marks it misread (recorded on the events).")
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
        fail(StoreError("--actor must name who marks it misread, in at most 120 characters"))
    try:
        e164 = parse_phone(phone, region=config.default_region)
        result = correct_misread(e164, event_id, note=note,
                                 actor=Actor(source=STAFF, actor=actor.strip(), channel="api"))
    except StoreError as exc:
        fail(exc)
    if result.refusal is not None:
        click.echo(f"not changed ({result.refusal.reason}): {result.refusal}", err=True)
        sys.exit(1)
    card = load_card(e164, region=config.default_region)
    click.echo(f"marked event {event_id} misread; consent is back to its state before it:")
    for line in card_lines(card.state, clients=card.clients, events=card.events,
                           zone=config.dealership_timezone, pending_review=card.pending_review):
        click.echo(line)


FORMATS = {".json": "json", ".html": "html", ".htm": "html"}


@main.command()
@click.argument("phone", type=LINE)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--format", "form", type=click.Choice(["json", "markdown", "html"]),
              help="json (what tools/check_proof.py checks), markdown or html (what a person "
                   "reads). Default: from the name of -o (.json, .html), else markdown.")
@click.pass_obj
def proof(config: Config, phone: str, output: Path | None, form: str | None) -> None:
    """Write the consent record of PHONE: every event with its hashes, and the consent now.

    What a dealership hands its lawyer. The JSON form is re-checked by tools/check_proof.py
    (Python's standard library only); the Markdown and HTML forms say how. Exits 1 when the
    phone is unknown, or when an event of the record does not match its hash (the record is
    written anyway: it is evidence; `smsprefs verify` says more).
    """
    import json

    from store.records import make_proof, proof_html, proof_markdown, unsound_events

    try:
        record = make_proof(phone, region=config.default_region,
                            dealership=config.dealership_name)
    except StoreError as exc:
        fail(exc)
    form = form or (FORMATS.get(output.suffix.lower(), "markdown") if output else "markdown")
    if form == "json":
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
    else:
        render = proof_html if form == "html" else proof_markdown
        text = render(record, zone=config.dealership_timezone)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote the consent record of {record['phone']} ({len(record['events'])} "
                   f"events, {form}) to {output}", err=True)
    unsound = unsound_events(record)
    if unsound:
        click.echo(f"warning: event {unsound[0]} does not match its hash: it was changed "
                   "after it was written; run `smsprefs verify`", err=True)
        sys.exit(1)
