"""The chain of evidence (SPEC rule 12): every event hashed with the hash before it.

Each consent event stores `prev_hash`, the hash of the event before it in id order (64
zeros for the first), and `hash` = SHA-256 over `prev_hash`, a newline and the event's
canonical content (`canonical`). One chain runs through the whole store: changing,
removing or inserting any event by hand, or renumbering events, breaks the hash of that
event or the link of the one after it, and `smsprefs verify` names the first such event.

Order: on PostgreSQL ids come from a sequence that concurrent transactions draw from in
any order, so a writer takes `lock()` (a transaction-level advisory lock) before it draws
ids and reads the last hash, and holds it to its commit: the next writer then sees the
rows and continues from them. A writer takes it before any row lock (the inbound path, the
single changes, the import), so a transaction never waits for it while holding a row
another holder needs; a signed webhook's nonce alone comes first (messaging/inbound.py),
a row only another copy of the same request can want. SQLite already runs one writer at a
time (BEGIN IMMEDIATE).

The encoding is written so a program in any language can re-check a proof with only a
JSON library and SHA-256: tools/check_proof.py does it with Python's standard library.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from json.encoder import c_make_encoder, encode_basestring

from store.db import db, is_postgres, outermost_transaction, snapshot

GENESIS = "0" * 64
# The content of an event that its hash covers, in this order: every column but the id,
# the hashes themselves and the phone's row id (the phone is written as its E.164 number,
# so a proof for one phone is self-contained).
CHAIN_FIELDS = ("phone", "scope", "old_state", "new_state", "source", "outcome", "reason",
                "actor", "channel", "inbound_message_id", "raw_text", "rule",
                "classifier_version", "note", "corrects", "occurred_at", "recorded_at",
                "cause_message_id", "cause_kind", "cause_campaign_id", "cause_automation")
# A constant of this project: pg_advisory_xact_lock's key for the chain ("smsp" "chai").
_PG_CHAIN_KEY = 0x736D7370_63686169


@lru_cache(maxsize=4096)  # a batch's events share their times: each is written once
def encode_time(moment: datetime) -> str:
    """Return a stored time as the encoding writes it: naive UTC, always with microseconds,
    so both databases agree."""
    return moment.isoformat(sep=" ", timespec="microseconds")


def encode_value(value) -> str | int | None:
    """Return a column's value as the canonical encoding writes it."""
    return encode_time(value) if isinstance(value, datetime) else value


def _time_or_refuse(value):
    # JSON's `default`: the times (occurred_at, recorded_at) as encode_time() writes them
    if isinstance(value, datetime):
        return encode_time(value)
    raise TypeError(f"a chained value is not JSON: {type(value).__name__}")


def _array_writer():
    """Return a function writing a list or tuple as one JSON array, with no spaces and no
    escaping beyond JSON's own: json.dumps(values, ensure_ascii=False, separators=(",",
    ":"), default=_time_or_refuse), with CPython's C encoder built once instead of per call
    (the chain encodes every event: a third less per event)."""
    if c_make_encoder is None:  # an interpreter without the C encoder
        return json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                                default=_time_or_refuse).encode
    encode = c_make_encoder(None, _time_or_refuse, encode_basestring, None, ":", ",", False,
                            False, True)
    return lambda values: "".join(encode(values, 0))


_WRITE_ARRAY = _array_writer()


def canonical(values: Iterable) -> bytes:
    """Return the canonical encoding of an event's CHAIN_FIELDS values, in that order.

    A JSON array (UTF-8, no spaces, no escaping beyond JSON's own), so it is one
    unambiguous string whatever the texts hold; times as encode_time() writes them.
    """
    if not isinstance(values, list | tuple):
        values = list(values)
    return _WRITE_ARRAY(values).encode()


def link(prev_hash: str, values: Iterable) -> str:
    """Return the hash of an event whose content is `values` and whose predecessor's
    hash is `prev_hash`."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(values)).hexdigest()


def lock() -> None:
    """Take the chain's lock until the current transaction ends (PostgreSQL; SQLite's
    transactions already write one at a time). Taking it again is free."""
    # the outermost transaction of this thread remembers it holds the lock: no round trip
    outermost = outermost_transaction()
    if not is_postgres() or outermost is None or getattr(outermost, "holds_chain_lock", False):
        return
    db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_PG_CHAIN_KEY,))
    outermost.holds_chain_lock = True


_HEAD = 'SELECT "id", "hash" FROM "consent_event" ORDER BY "id" DESC LIMIT 1'


def chain_head() -> tuple[int | None, str | None]:
    """Return the id and hash of the store's last event ((None, GENESIS) when empty): what
    a writer continues from (under lock()), and what a proof states as the store's head.
    The hash is None only in a row written by hand."""
    return _head(db.execute_sql(_HEAD))


def _head(cursor) -> tuple[int | None, str | None]:
    row = cursor.fetchone()
    return (row[0], row[1]) if row else (None, GENESIS)


def head_to_seal():
    """Take the lock and ask for the head a seal() will continue from, without waiting for
    the answer: return what seal() takes as `head`. In PostgreSQL's pipeline mode
    (store/pipeline.py) the question then shares the round trip of the caller's next read:
    a STOP's transaction waits once less. The caller appends no event of its own before
    that seal()."""
    lock()
    return db.execute_sql(_HEAD)


def seal(contents: list[tuple], *, head=None) -> list[tuple[str, str]]:
    """Return (prev_hash, hash) for each event content (CHAIN_FIELDS order) about to be
    appended in this order; takes the lock and reads the head (or reads what
    head_to_seal() asked for)."""
    previous = _head(head if head is not None else head_to_seal())[1] or GENESIS
    sealed = []
    sha256, write = hashlib.sha256, _WRITE_ARRAY
    for values in contents:
        # link(previous, values) written out: the hashes are ASCII, so one encode() does
        current = sha256(f"{previous}\n{write(values)}".encode()).hexdigest()
        sealed.append((previous, current))
        previous = current
    return sealed


@dataclass(frozen=True)
class ChainBreak:
    """The first event where the chain does not hold, and how."""

    event_id: int
    problem: str


def first_break(events: Iterable[tuple]) -> ChainBreak | None:
    """Return the first break in `events`: (id, prev_hash, hash, *CHAIN_FIELDS values)
    in id order, from the first event of the store on."""
    previous = GENESIS
    for event_id, prev_hash, stored, *values in events:
        if prev_hash != previous:
            return ChainBreak(event_id, "its prev_hash is not the hash of the event before it "
                              "(an event was removed, inserted or reordered)")
        if link(previous, values) != stored:
            return ChainBreak(event_id, "its hash does not match its content "
                              "(the event was changed after it was written)")
        previous = stored
    return None


def verify_chain() -> ChainBreak | None:
    """Recompute the whole chain in one snapshot; return its first break, or None."""
    with snapshot():
        return first_break(chained_rows())


def chained_rows(batch_size: int = 5_000) -> Iterator[tuple]:
    """Yield every event as first_break() reads it, in id order, a batch at a time."""
    columns = ", ".join('"p"."e164"' if f == "phone" else f'"e"."{_column(f)}"'
                        for f in CHAIN_FIELDS)
    sql = (f'SELECT "e"."id", "e"."prev_hash", "e"."hash", {columns} FROM "consent_event" '
           f'AS "e" JOIN "phone" AS "p" ON "p"."id" = "e"."phone_id" WHERE "e"."id" > {{}} '
           f'ORDER BY "e"."id" LIMIT {batch_size}')
    param = db.obj.param
    read = _readers()
    after = 0
    while True:
        rows = db.execute_sql(sql.format(param), (after,)).fetchall()
        for row in rows:
            yield row[:3] + tuple(r(v) for r, v in zip(read, row[3:], strict=True))
        if len(rows) < batch_size:
            return
        after = rows[-1][0]


def _column(name: str) -> str:
    return "corrects_id" if name == "corrects" else name


def _readers() -> list:
    # the columns' own conversions (SQLite hands datetimes back as text)
    from store.models import ConsentEvent

    def same(v):
        return v

    fields = ConsentEvent._meta.fields
    return [same if f == "phone" else (fields[f].python_value if f in fields else same)
            for f in CHAIN_FIELDS]
