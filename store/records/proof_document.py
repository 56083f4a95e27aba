"""The consent record of one phone as a document a person reads: its words, in blocks.

proof_blocks() says the record made by proof.make_proof() in words, as a list of blocks
(headings, paragraphs, tables); proof_render.py writes the blocks as Markdown or HTML. Only
what the record holds is said, so the document and the JSON a program checks cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from store.automations import AUTOMATIONS
from store.clock import to_aware
from store.records.card import OVERALL_WORDS
from store.vocabulary import CARRIER, CASCADE, CLIENT_KEYWORD, IMPORT, OVERALL, REVIEW_SCOPE

SOURCE_WORDS = {CLIENT_KEYWORD: "by the client's own text", "staff": "by staff",
                IMPORT: "by an import", "carrier": "by the carrier network",
                CASCADE: "with the overall preference", "default": "by default"}
SCOPE_WORDS = {OVERALL: "Overall", CARRIER: "Carrier block", REVIEW_SCOPE: "Review decision",
               **{name: a.label for name, a in AUTOMATIONS.items()}}

ALGORITHMS = {"sha256": "SHA-256"}


@dataclass(frozen=True)
class Block:
    """One piece of the document.

    kind: "title", "heading", "subheading", "para" (text of ours: `code` marks a command or
    a hash), "note" (text that may hold a client's words), or "rows" (label, value, style)
    with style "plain", "quote" (a client's words, shown exactly) or "code" (a hash).
    """

    kind: str
    text: str = ""
    rows: tuple[tuple[str, str, str], ...] = ()


def proof_blocks(proof: dict, *, zone: str) -> list[Block]:
    """Return the document of a consent record, in the dealership's time zone `zone`."""
    phone, events, store = proof["phone"], proof["events"], proof["store"]
    made = stamp(proof["generated_at"], zone)
    by = f" for {proof['dealership']}" if proof.get("dealership") else ""
    blocks = [
        Block("title", f"Consent record of {phone}"),
        Block("note", f"Made by smsprefs{by} on {made}. It lists every consent event the "
              f"dealership's store holds for {phone}, oldest first ({len(events)} events), "
              "and the consent in force when it was made. Times are in "
              f"{zone}, with the exact UTC time the event holds in brackets."),
        Block("heading", "Consent now"),
        Block("rows", rows=state_rows(proof["state"], zone)),
        Block("heading", "Events, oldest first"),
    ]
    if not events:
        blocks.append(Block("para", "No consent event is recorded for this number: it has "
                            "its defaults (overall unknown, every automation on)."))
    for event in events:
        blocks += [Block("subheading", headline(event, zone)),
                   Block("rows", rows=event_rows(event, zone))]
    head = store["head_event_id"]
    blocks += [
        Block("heading", "How to check this record"),
        *(Block("para", p) for p in how_to_check(phone, store, head)),
        Block("heading", "How the hashes are made"),
        Block("para", f"Algorithm: {ALGORITHMS.get(proof['chain']['algorithm'], '?')}. "
              + proof["chain"]["hash"] + "."),
        Block("para", proof["chain"]["content"] + ". The fields, in order: `"
              + "`, `".join(proof["chain"]["fields"]) + "`."),
        Block("para", "One chain runs through the whole store in the order events are "
              "written, so the event before one of this number's events is often another "
              "number's: each event's own hash is checked from its prev_hash, and "
              "`smsprefs verify` checks every link of the chain."),
    ]
    return blocks


def how_to_check(phone: str, store: dict, head) -> list[str]:
    """Return the paragraphs that tell a lawyer or an auditor how to check the record."""
    return [
        "1. Get the same record as JSON (`smsprefs proof " + phone + " --format json -o "
        "proof.json`, or `GET /api/v1/clients/" + phone + "/proof`) and run "
        "`python3 check_proof.py proof.json`. The script is `tools/check_proof.py` in "
        "smsprefs' source; it needs only Python 3 and reads nothing but the file. It "
        "recomputes every event's SHA-256 hash from its content, checks that the fields "
        "shown here are the content that was hashed, that the events are in the order "
        "they were written, and that the consent now follows from them. It prints `ok`, "
        "or names the first event that fails and exits with status 1.",
        "2. The hashes tie this record to the dealership's whole history: each event's "
        "hash covers the event and, through its prev_hash, every event written before "
        "it. On the dealership's system `smsprefs verify` recomputes the whole chain and "
        "replays every event; `ok` means no event, of this number or any other, was "
        "changed, removed or inserted after it was written.",
        f"3. When this record was made the store held {store['events']} events; the last "
        f"was event {head if head is not None else '(none)'}, with hash "
        f"`{hex_only(store['head_hash'])}`. Keep that hash (this file does): "
        "later, that event must still carry it (in the database, "
        "`SELECT hash FROM consent_event WHERE id = "
        f"{head if head is not None else 0}`) and `smsprefs verify` must still say ok; "
        "then nothing written up to this record's making has changed since.",
    ]


def hex_only(value: str | None) -> str:
    """Return a hash as it can be quoted in our own words (a hand-made row may hold anything)."""
    return value if value and all(c in "0123456789abcdef" for c in value) else "(not a hash)"


def state_rows(state: dict, zone: str) -> tuple:
    clients = "; ".join(c["name"] + (f" (CRM {c['crm_id']})" if c["crm_id"] else "")
                        for c in state["clients"])
    overall = OVERALL_WORDS.get(state["overall"], state["overall"])
    rows = [("Clients on this number", clients or "none recorded", "plain"),
            ("Overall", f"{overall}: "
             + since(state["overall_source"], state["overall_changed_at"], zone)
             + (" — locked: only the client's own text can lift it" if state["locked"] else ""),
             "plain")]
    for name, switch in state["automations"].items():
        rows.append((SCOPE_WORDS.get(name, name), f"{switch['state']}: "
                     + since(switch["source"], switch["changed_at"], zone)
                     + (" — locked by the client's text" if switch["locked"] else ""), "plain"))
    blocked = (f"blocked since {stamp(state['carrier_blocked_at'], zone)}"
               if state["carrier_blocked"] else "none")
    rows += [("Carrier block", blocked, "plain"),
             ("Waiting for a decision", "a text that may be an opt-out" if
              state["pending_review"] else "nothing", "plain")]
    return tuple(rows)


def since(source: str, moment: str | None, zone: str) -> str:
    words = SOURCE_WORDS.get(source, source)
    return f"{words} ({source})" + (f", since {stamp(moment, zone)}" if moment else "")


def headline(event: dict, zone: str) -> str:
    scope = SCOPE_WORDS.get(event["scope"], event["scope"])
    outcome = "refused" if event["outcome"] == "refused" else "applied"
    return (f"Event {event['id']}, {stamp(event['occurred_at'], zone)}: {scope} "
            f"{event['old_state']} → {event['new_state']} ({outcome})")


def event_rows(event: dict, zone: str) -> tuple:
    cause = None
    if event["cause_message_id"] is not None:
        of = (f"campaign {event['cause_campaign_id']}" if event["cause_campaign_id"]
              else event["cause_automation"] or "")
        cause = f"replying to text {event['cause_message_id']} ({event['cause_kind']}" \
                + (f", {of})" if of else ")")
    rows = [
        ("Outcome", event["outcome"] + (f" ({event['reason']})" if event["reason"] else ""),
         "plain"),
        ("Source", f"{SOURCE_WORDS.get(event['source'], event['source'])} ({event['source']})",
         "plain"),
        ("Actor, channel", f"{event['actor']}, {event['channel']}", "plain"),
        ("Client's text", event["raw_text"], "quote"),
        ("Inbound message", event["inbound_message_id"], "plain"),
        ("Rule, classifier version", ", ".join(
            v for v in (event["rule"], event["classifier_version"]) if v) or None, "plain"),
        ("Note", event["note"], "quote"),
        ("Corrects event", None if event["corrects"] is None
         else f"{event['corrects']} (marked misread)", "plain"),
        ("Likely cause", cause, "plain"),
        ("Happened", stamp(event["occurred_at"], zone), "plain"),
        ("Recorded", stamp(event["recorded_at"], zone), "plain"),
        ("Previous hash", event["prev_hash"] or "(none)", "code"),
        ("Hash", event["hash"] or "(none)", "code"),
    ]
    return tuple(r for r in rows if r[1] is not None)


def stamp(moment: str | None, zone: str) -> str:
    """Return a record's time as "Nov 30, 2026, 9:47 AM (2026-11-30 14:47:51.028123 UTC)"."""
    if not moment:
        return ""
    try:
        utc = to_aware(datetime.fromisoformat(moment.removesuffix("Z")))
    except ValueError:  # a row written by hand: say what it holds
        return moment
    local = utc.astimezone(ZoneInfo(zone))
    return (f"{local:%b} {local.day}, {local.year}, {local.hour % 12 or 12}:{local:%M} "
            f"{local:%p} ({utc:%Y-%m-%d %H:%M:%S.%f} UTC)")
