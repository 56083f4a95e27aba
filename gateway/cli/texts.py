"""`smsprefs classify`, `inbound` and `send`: texts in and out, read and sent as the gateway
does."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import click

from gateway.cli import CLIENTS_TEXT, LINE, PROSE, fail, main
from gateway.config import Config
from store.errors import StoreError
from store.vocabulary import KINDS, MESSAGE_BLOCKED, QUEUED


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
@click.argument("text", type=CLIENTS_TEXT)
@click.option("--phone", type=LINE,
              help="Read YES in this phone's context (opted out, asked to opt in).")
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
        fail(exc)
    result = classify_for(e164, text)
    click.echo(json.dumps({"intent": result.intent, "scope": result.scope, "rule": result.rule,
                           "version": result.version}))


@main.command()
@click.option("--from", "sender", required=True, type=LINE,
              help="The client's phone, any format.")
@click.option("--text", required=True, type=CLIENTS_TEXT,
              help="What the client texted (control characters are removed, as from Vonage).")
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
        fail(exc)
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
    queue = Queue(config)
    if result.reply and result.reply.status == QUEUED:
        queue.wake()
    if result.alerts:  # as the webhook does: the alert goes now, not at the worker's next round
        queue.wake_alerts()


@main.command()
@click.option("--to", required=True, type=LINE, help="The client's phone, any format.")
@click.option("--text", required=True, type=PROSE)
@click.option("--kind", required=True,
              type=click.Choice(KINDS))
@click.option("--automation", type=LINE, help="The automation type, for --kind automation.")
@click.option("--actor", default="cli", show_default=True, type=LINE)
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
        fail(exc)
    click.echo(json.dumps({"id": message.id, "to": message.to, "status": message.status,
                           "reason": message.reason,
                           "send_at": message.send_at.isoformat() + "Z"}))
    if message.status == MESSAGE_BLOCKED:
        sys.exit(1)
    Queue(config).wake()
