"""store.bulk: a bulk write stores what peewee's own insert of the same rows stores.

SQLite statements bind a column with one value in every row once (numbered parameters);
these tests would see a row shifted, a value bound to the wrong column, 1.0 stored for 1,
a time written another way or a RETURNING row lost.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from store.bulk import STATEMENT_ROWS, _one_value, insert_new, write_rows
from store.copying import _binary_types
from store.db import db, is_postgres
from store.models import Alert, Client, Phone

pytestmark = pytest.mark.usefixtures("database")
NOW = datetime(2026, 11, 30, 21, 0, 0, 123456)
FIELDS = [Phone.e164, Phone.overall, Phone.overall_source, Phone.overall_changed_at,
          Phone.carrier_blocked, Phone.carrier_blocked_at]


def phone_rows(n: int, start: int = 0) -> list[tuple]:
    """Rows where some columns vary, some hold one value throughout, and one mixes
    None with times."""
    return [(f"+1212555{start + i:04d}", "opted_out" if i % 3 else "unknown", "import",
             datetime(2025, 1 + i % 12, 1, 10) if i % 2 else None, False,
             NOW if i == n - 1 else None) for i in range(n)]


def stored_phones() -> list[tuple]:
    return [(p.e164, p.overall, p.overall_source, p.overall_changed_at, p.carrier_blocked,
             p.carrier_blocked_at) for p in Phone.select().order_by(Phone.id)]


@pytest.mark.parametrize("n", [1, STATEMENT_ROWS - 1, STATEMENT_ROWS, 2 * STATEMENT_ROWS + 7])
def test_written_rows_read_back_as_given_in_order(n):
    rows = phone_rows(n)
    write_rows(Phone, FIELDS, rows)
    assert stored_phones() == rows
    assert all(p.created_at is not None for p in Phone.select())  # the default filled in


def test_only_a_column_of_one_value_and_one_type_is_bound_once():
    # SQLite keeps 1, 1.0 and True apart where a column has no affinity to merge them
    assert _one_value((1, 1, 1)) and _one_value(("a", "a")) and _one_value((None, None))
    assert not _one_value((1, 1.0)) and not _one_value((1, True)) and not _one_value((1, 2))


def test_an_upsert_sees_the_rows_before_it_and_updates_only_what_it_names():
    write_rows(Phone, FIELDS, phone_rows(STATEMENT_ROWS + 3))
    phone_ids = [p.id for p in Phone.select().order_by(Phone.id)][:STATEMENT_ROWS + 1]
    rows = [(pid, "Ana", "ana", "C1", NOW, NOW) for pid in phone_ids]
    fields = [Client.phone, Client.name, Client.name_key, Client.crm_id, Client.created_at,
              Client.updated_at]
    write_rows(Client, fields, rows)
    later = datetime(2026, 12, 1)
    renamed = [(pid, "ANA", "ana", None, later, later) for pid in phone_ids]
    write_rows(Client, fields, renamed, conflict=[Client.phone, Client.name_key],
               update={"name": 'EXCLUDED."name"', "updated_at": 'EXCLUDED."updated_at"'})
    clients = list(Client.select().order_by(Client.id))
    assert [(c.phone_id, c.name, c.crm_id, c.created_at, c.updated_at) for c in clients] == [
        (pid, "ANA", "C1", NOW, later) for pid in phone_ids]


@pytest.mark.parametrize("n", [1, STATEMENT_ROWS + 1, 3 * STATEMENT_ROWS])
def test_insert_new_returns_the_id_of_each_row_it_inserted_and_skips_the_others(n):
    stored = phone_rows(3, start=5000)
    write_rows(Phone, FIELDS, stored)
    rows = phone_rows(n) + stored
    ids = insert_new(Phone, FIELDS, rows)
    assert ids == {p.e164: p.id for p in Phone.select() if not p.e164.startswith("+12125555")}
    assert len(ids) == n
    assert stored_phones() == stored + phone_rows(n)


def test_insert_new_twice_in_one_transaction_keeps_each_batch_and_the_order():
    """As an import's batches do: each batch's rows once, ids in the rows' order."""
    with db.atomic():
        first = insert_new(Phone, FIELDS, phone_rows(5))
        second = insert_new(Phone, FIELDS, phone_rows(4, start=100))
    assert list(first) == [r[0] for r in phone_rows(5)]
    assert list(second) == [r[0] for r in phone_rows(4, start=100)]
    assert sorted(first.values()) == list(first.values()) < list(second.values())
    assert stored_phones() == phone_rows(5) + phone_rows(4, start=100)


def test_a_copy_into_a_table_with_a_column_of_another_type_falls_back_to_text():
    """Binary COPY only for the types psycopg writes in C; a JSON column goes as text, and
    the rows land all the same (a write_rows into alert, on PostgreSQL a COPY)."""
    write_rows(Phone, FIELDS, phone_rows(1))
    phone_id = Phone.get().id
    fields = [Alert.kind, Alert.phone, Alert.figures, Alert.created_at]
    rows = [("opt_out", phone_id, '{"sent": 10}', NOW), ("opt_out", None, None, NOW)]
    write_rows(Alert, fields, rows)  # values as the driver takes them: JSON as its text
    assert [(a.kind, a.phone_id, a.figures, a.created_at) for a in
            Alert.select().order_by(Alert.id)] == [("opt_out", phone_id, {"sent": 10}, NOW),
                                                   ("opt_out", None, None, NOW)]
    if is_postgres():
        assert _binary_types("alert", ["kind", "figures"]) is None
        assert _binary_types("phone", ["e164", "overall_changed_at", "carrier_blocked"])


def test_a_column_whose_type_changed_is_copied_as_its_new_type():
    """A binary COPY names each column's type; a migration may change one while a process
    runs, so the types are read again in each transaction (store/copying.py)."""
    if not is_postgres():
        pytest.skip("PostgreSQL's binary COPY")
    fields = [Client.phone, Client.name, Client.name_key, Client.created_at, Client.updated_at]
    with db.atomic():
        write_rows(Phone, FIELDS, phone_rows(1))
        phone_id = Phone.get().id
        write_rows(Client, fields, [(phone_id, "Ana", "ana", NOW, NOW)])
    with db.atomic() as transaction:  # rolled back: the schema is the session's
        db.execute_sql('ALTER TABLE "client" ALTER COLUMN "phone_id" TYPE bigint')
        write_rows(Client, fields, [(phone_id, "Bo", "bo", NOW, NOW)])
        assert [c.name for c in Client.select().order_by(Client.id)] == ["Ana", "Bo"]
        transaction.rollback()
