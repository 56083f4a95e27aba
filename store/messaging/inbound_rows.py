"""A text that asks for nothing, recorded in one statement: most of what clients write.

Outside a transaction, each statement committing on its own: one for a phone seen before
(where BEGIN, a read, the insert and COMMIT were four round trips to PostgreSQL), and on
PostgreSQL one for a new phone too, and one with a signed webhook's nonce (where BEGIN,
the nonce, the insert and COMMIT were four again). receive_text() (inbound.py) calls it
first, and reads the text in a transaction when it may change consent or needs a reply or
a review.
"""

from __future__ import annotations

from store.bulk import defaults_left_out
from store.clock import utcnow
from store.db import db, default_of, is_postgres, single_write
from store.leases import accept_nonce, nonce_key
from store.models import InboundMessage, Phone, WebhookNonce
from store.rows import cached_sql, get_by, insert_returning

# what the insert reads back: what the database chose (the rest is what was written)
RETURNED = '"id", "phone_id"'


def record_asking_nothing(values: dict, e164: str, *, nonce: str | None = None,
                          ) -> InboundMessage | None:
    """Record a text that asks for nothing from `e164` (`values` by InboundMessage field,
    its phone aside) and return its row; None, changing nothing, for a provider id seen
    before. Needs RETURNING (SQLite 3.35 or newer, see `db.obj.returning_clause`).

    A signed request's `nonce` (store.leases.accept_nonce) is remembered with the text:
    None, changing nothing, for a nonce seen before too. On PostgreSQL one statement, the
    phone made in it when new, the nonce remembered in it; on SQLite two for a repeated
    provider id, four (once) for a new phone, and a transaction with the nonce's insert.
    """
    if is_postgres():
        return _insert_with_phone(values, e164, make_phone=True, nonce=nonce)
    if nonce is not None:
        with db.atomic():
            return record_asking_nothing(values, e164) if accept_nonce(nonce) else None
    message = _insert_with_phone(values, e164)
    if message is None:
        if get_by(InboundMessage, InboundMessage.provider_id, values["provider_id"]):
            return None
        with single_write():  # a new phone (ensure_phones, which cannot say which it was)
            insert_returning(Phone, {"e164": e164}, conflict=Phone.e164)
        message = _insert_with_phone(values, e164)  # None: the same id, sent twice at once
    return message


def _insert_with_phone(values: dict, e164: str, *, make_phone: bool = False,
                       nonce: str | None = None) -> InboundMessage | None:
    """Insert the text with the id of its phone in one statement; None, inserting nothing,
    when the provider id is in the table, or the phone is not and `make_phone` is False.

    With `make_phone` (PostgreSQL: a data-modifying WITH) a phone not in the table is
    created by the same statement, as ensure_phones() would. Should another statement
    create it at the same instant, this one cannot see that row (its snapshot began before
    the other's commit) and stores the text without its phone; the phone is then set by a
    second statement, so every text of a known number carries its phone.

    With `nonce` (and `make_phone`), the statement also remembers it, as accept_nonce()
    would, and inserts nothing, the phone included, when it was remembered before.
    """
    sql, written, phone_extra = _statement(make_phone, nonce is not None)
    now = utcnow()
    values = {**values, "processed_at": now}
    params = [to_db(values[name]) for name, to_db in written]
    if make_phone:  # the new phone's other columns get their defaults, as peewee gives them
        params = [e164, e164, *(f.db_value(default_of(f)) for f in phone_extra), *params]
        if nonce is not None:
            params = [nonce_key(nonce), WebhookNonce.seen_at.db_value(now), *params]
    else:
        params.append(e164)
    with single_write():
        row = db.execute_sql(sql, params).fetchone()
        if row is None:
            return None
        message = _stored(values, *row)
        if message.phone_id is None:  # the phone was created by another text at once
            message.phone_id = get_by(Phone, Phone.e164, e164).id
            InboundMessage.update(phone=message.phone_id).where(
                InboundMessage.id == message.id).execute()
    return message


def _stored(values: dict, message_id: int, phone_id: int | None) -> InboundMessage:
    """Return the row the statement stored: the values it wrote, with the id and phone the
    database chose. Reading every column back cost a text ~45,000 instructions of psycopg's
    loaders and peewee's readers (3 % of its CPU) for values equal to those sent
    (tests/store/messaging/test_inbound.py compares the result with the stored row)."""
    message = InboundMessage(__no_default__=True)
    message.__data__ = {"id": message_id, "phone": phone_id, **values}
    return message


def _statement(make_phone: bool, nonce: bool = False) -> tuple[str, list, list]:
    """Return the insert's SQL, the (name, db_value) of each message value it binds, in
    order, and the Phone fields a new phone is given the default of beside its number:
    built once for each database class."""
    def build():
        fields = [f for f in InboundMessage._meta.sorted_fields if not f.primary_key]
        sql = _insert_making_phone(fields, nonce) if make_phone else _insert_from_phone(fields)
        extra = defaults_left_out(Phone, [Phone.e164])[0]
        return sql, [(f.name, f.db_value) for f in fields if f.name != "phone"], extra
    return cached_sql(("inbound", make_phone, nonce), build)


def _insert_from_phone(fields: list) -> str:
    param = db.obj.param
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    chosen = ", ".join('"p"."id"' if f.name == "phone" else param for f in fields)
    return (f'INSERT INTO "inbound_message" ({columns}) SELECT {chosen} FROM "phone" AS "p" '
            f'WHERE "p"."e164" = {param} ON CONFLICT ("provider_id") DO NOTHING '
            f"RETURNING {RETURNED}")


def _insert_making_phone(fields: list, nonce: bool) -> str:
    """PostgreSQL: the phone read or made (NOT EXISTS, so a known phone draws no id from
    the sequence) with the columns ensure_phones() gives a new phone, then the text with its
    id, in one statement; with `nonce`, first the nonce, and the rest only when it is new
    (a data-modifying WITH runs whether or not the statement reads it: each of its inserts
    asks for the nonce's row itself)."""
    param = db.obj.param
    first = remembered = only_new = ""
    if nonce:
        remembered = ' AND EXISTS (SELECT 1 FROM "nonce")'
        only_new = ' WHERE EXISTS (SELECT 1 FROM "nonce")'
        first = (f'"nonce" AS (INSERT INTO "webhook_nonce" ("nonce", "seen_at") '
                 f'VALUES ({param}, {param}) ON CONFLICT ("nonce") DO NOTHING RETURNING 1), ')
    phone_fields = [Phone.e164, *defaults_left_out(Phone, [Phone.e164])[0]]
    phone_columns = ", ".join(f'"{f.column_name}"' for f in phone_fields)
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    phone_id = 'COALESCE((SELECT "id" FROM "known"), (SELECT "id" FROM "made"))'
    chosen = ", ".join(phone_id if f.name == "phone" else param for f in fields)
    return (f'WITH {first}"known" AS (SELECT "id" FROM "phone" WHERE "e164" = {param}), '
            f'"made" AS (INSERT INTO "phone" ({phone_columns}) '
            f'SELECT {", ".join([param] * len(phone_fields))} '
            f'WHERE NOT EXISTS (SELECT 1 FROM "known"){remembered} '
            f'ON CONFLICT ("e164") DO NOTHING RETURNING "id") '
            f'INSERT INTO "inbound_message" ({columns}) SELECT {chosen}{only_new} '
            f'ON CONFLICT ("provider_id") DO NOTHING RETURNING {RETURNED}')
