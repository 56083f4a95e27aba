"""Client records (CRM people) on phones: create, update, and find by phone or name."""

from __future__ import annotations

from collections import Counter

from peewee import fn

from store.bulk import write_rows
from store.clock import utcnow
from store.consent.changes import ensure_phones
from store.db import db
from store.errors import InvalidRequest
from store.models import Client, Phone
from store.phones import try_parse_phone

MAX_NAME = 200
MAX_CRM_ID = 100


def name_key(name: str) -> str:
    """Return the form of `name` that lookups compare: casefolded, spaces collapsed."""
    return " ".join(name.casefold().split())


def clean_client(name: str | None, crm_id: str | None) -> tuple[str, str | None]:
    """Return (name, crm_id) trimmed, or raise InvalidRequest with the reason."""
    name = " ".join((name or "").split())
    crm_id = (crm_id or "").strip() or None
    if not name:
        raise InvalidRequest("a client needs a name")
    if len(name) > MAX_NAME:
        raise InvalidRequest(f"a client name has at most {MAX_NAME} characters")
    if crm_id and len(crm_id) > MAX_CRM_ID:
        raise InvalidRequest(f"a crm_id has at most {MAX_CRM_ID} characters")
    return name, crm_id


def upsert_clients(rows: list[dict], *, existing: dict[int, tuple] | None = None,
                   new_phones: frozenset[int] | set[int] = frozenset()) -> None:
    """Create or update clients from rows of {phone_id, name, crm_id}, set-based.

    A client is one (phone, name) pair; a new crm_id replaces the old, a missing one keeps it.
    A known crm_id under a new name renames that record rather than adding a second one.
    `existing`, when the caller has read it in this transaction, is every client on these
    phones ({id: (phone id, name, name key, crm_id)}): only a row that may rename one of
    them then goes through the rename statement. `new_phones` are phones this transaction
    created: their clients are plain inserts (COPY on PostgreSQL), nothing to conflict with.
    """
    now = utcnow()
    unique = {}
    for r in rows:  # one row per (phone, name): PostgreSQL refuses to upsert a row twice
        unique[(r["phone_id"], name_key(r["name"]))] = r
    items = sorted(unique.items())  # one lock order for everyone
    _rename(items if existing is None else _may_rename(items, existing), now)
    fields = [Client.phone, Client.name, Client.name_key, Client.crm_id, Client.created_at,
              Client.updated_at]
    values = [(pid, r["name"], key, r.get("crm_id"), now, now) for (pid, key), r in items
              if pid not in new_phones]
    write_rows(Client, fields, [(pid, r["name"], key, r.get("crm_id"), now, now)
                                for (pid, key), r in items if pid in new_phones])
    write_rows(Client, fields, values, conflict=[Client.phone, Client.name_key],
               update={"name": 'EXCLUDED."name"',
                       "crm_id": 'COALESCE(EXCLUDED."crm_id", "client"."crm_id")',
                       "updated_at": 'EXCLUDED."updated_at"'})


def _may_rename(items, existing: dict[int, tuple]) -> list:
    """Return the items whose rename statement could change a record of `existing`.

    The statement renames a record with the row's phone and crm_id under another name key.
    Renames change names only, so a record can be renamed by a row of its own (phone,
    crm_id) alone: when every such record already has the row's key and no other row of the
    batch has that (phone, crm_id), the statement would match nothing.
    """
    keys: dict[tuple, set] = {}
    for pid, _name, key, crm_id in existing.values():
        if crm_id:
            keys.setdefault((pid, crm_id), set()).add(key)
    repeated = Counter((pid, r.get("crm_id")) for (pid, _key), r in items)
    return [((pid, key), r) for (pid, key), r in items
            if r.get("crm_id") and (pid, r["crm_id"]) in keys
            and (keys[(pid, r["crm_id"])] != {key} or repeated[(pid, r["crm_id"])] > 1)]


def _rename(items, now) -> None:
    """Rename the records whose crm_id comes back under another name (one batch statement)."""
    renames = [(r["name"], key, now, pid, r["crm_id"], key, pid, key)
               for (pid, key), r in items if r.get("crm_id")]
    if not renames:
        return
    p = db.obj.param
    # hand-written: peewee has no executemany; a name another record on the phone already
    # has is left to the upsert below
    # One record a row: two records on a phone may share a crm_id (a name that existed took
    # it), and renaming both to one name would break (phone, name) uniqueness
    sql = (f'UPDATE "client" SET "name" = {p}, "name_key" = {p}, "updated_at" = {p} '
           f'WHERE "id" = (SELECT MIN("id") FROM "client" WHERE "phone_id" = {p} '
           f'AND "crm_id" = {p} AND "name_key" <> {p}) AND NOT EXISTS '
           f'(SELECT 1 FROM "client" AS "other" WHERE "other"."phone_id" = {p} '
           f'AND "other"."name_key" = {p})')
    db.cursor().executemany(sql, renames)


def upsert_client(e164: str, *, name: str, crm_id: str | None = None) -> Client:
    """Create or update one client on `e164` (never touching consent); return it.

    A crm_id already on this phone under another name renames that client (the oldest,
    should two records share it).
    """
    name, crm_id = clean_client(name, crm_id)
    with db.atomic():
        ensure_phones([e164])
        phone = Phone.get(Phone.e164 == e164)
        if crm_id:
            # as in a batch: a name another record on the phone has already is not taken
            other, first = Client.alias(), Client.alias()
            taken = other.select().where(other.phone == phone.id,
                                         other.name_key == name_key(name))
            oldest = first.select(fn.MIN(first.id)).where(
                first.phone == phone.id, first.crm_id == crm_id,
                first.name_key != name_key(name))
            renamed = (Client.update(name=name, name_key=name_key(name), updated_at=utcnow())
                       .where(Client.id == oldest, ~fn.EXISTS(taken)).execute())
            if renamed:
                return Client.get(Client.phone == phone, Client.name_key == name_key(name))
        upsert_clients([{"phone_id": phone.id, "name": name, "crm_id": crm_id}])
        return Client.get(Client.phone == phone, Client.name_key == name_key(name))


def clients_of(e164: str) -> list[Client]:
    """Return the clients on `e164`, by name."""
    return list(Client.select().join(Phone).where(Phone.e164 == e164).order_by(Client.name))


def find_phones(query: str, *, region: str = "US", limit: int = 10) -> list[str]:
    """Return the known phones matching `query`: a phone in any format, or part of a name."""
    query = (query or "").strip()
    if not query:
        raise InvalidRequest("give a phone number or a name to look up")
    e164 = try_parse_phone(query, region=region)
    if e164:
        return [e164] if Phone.select().where(Phone.e164 == e164).exists() else []
    key = name_key(query)
    matches = (Phone.select(Phone.e164, fn.MIN(Client.name_key).alias("first"))
               .join(Client).where(Client.name_key.contains(key))
               .group_by(Phone.e164).order_by(fn.MIN(Client.name_key), Phone.e164).limit(limit))
    return [p.e164 for p in matches]
