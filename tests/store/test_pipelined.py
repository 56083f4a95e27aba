"""store.pipeline.pipelined_transaction: one transaction, its statements pipelined on PostgreSQL,
all or nothing, its failures peewee's, and the connection sound after any of them."""

from __future__ import annotations

import logging

import pytest
from peewee import IntegrityError, InterfaceError

from store.db import db, is_postgres, transaction
from store.messaging import receive_text
from store.models import InboundMessage, Phone
from store.pipeline import pipelined_transaction
from store.request_connection import reusable_connection

INSERT = ('INSERT INTO "phone" ("e164", "overall", "overall_source", "carrier_blocked", '
          '"created_at") VALUES (%s, \'unknown\', \'default\', false, CURRENT_TIMESTAMP)')


def _insert(e164: str, *, read: bool = False):
    sql = INSERT.replace("%s", db.obj.param)
    cursor = db.execute_sql(sql + (' RETURNING "id"' if read else ""), [e164])
    return cursor.fetchone() if read else None


def _fail_unread():
    _insert("+12125550100")  # a duplicate, its failure not read here…
    db.execute_sql('SELECT COUNT(*) FROM "phone"').fetchone()  # …but with the next result


def _fail_read():
    _insert("+12125550100", read=True)


def _python_error():
    raise KeyError("not the database's")


@pytest.mark.parametrize(("step", "error"), [(_fail_unread, IntegrityError),
                                             (_fail_read, IntegrityError),
                                             (_python_error, KeyError)])
def test_a_failure_keeps_nothing_raises_as_ever_and_leaves_the_connection_sound(
        database, step, error):
    _insert("+12125550100")
    with pytest.raises(error), pipelined_transaction():
        _insert("+12125550101")
        step()
    assert reusable_connection() and not db.in_transaction()
    assert [p.e164 for p in Phone.select()] == ["+12125550100"]


def test_a_block_that_ends_well_is_committed(database):
    with pipelined_transaction():
        _insert("+12125550101")
        assert _insert("+12125550102", read=True)[0]
    assert reusable_connection()
    assert sorted(p.e164 for p in Phone.select()) == ["+12125550101", "+12125550102"]


def test_a_stops_statements_go_in_a_pipeline(database):
    """PostgreSQL: every statement of a STOP's transaction is sent in pipeline mode."""
    if not is_postgres():
        pytest.skip("SQLite has no pipeline")
    from psycopg.pq import PipelineStatus

    receive_text(provider_id="p-0", from_number="12125550100", text="see you at 5")
    modes = []

    class Mode(logging.Handler):
        def emit(self, record):
            modes.append(PipelineStatus(db.connection().pgconn.pipeline_status).name)

    handler, peewee_log = Mode(), logging.getLogger("peewee")
    peewee_log.addHandler(handler)
    level = peewee_log.level
    peewee_log.setLevel(logging.DEBUG)
    try:
        result = receive_text(provider_id="p-1", from_number="12125550100", text="STOP")
    finally:
        peewee_log.removeHandler(handler)
        peewee_log.setLevel(level)
    assert result.change.changed and result.reply is not None
    assert len(modes) >= 8 and set(modes) == {"ON"}, modes
    assert InboundMessage.select().count() == 2


def test_inside_a_callers_transaction_a_failure_ends_only_the_block(database):
    """A savepoint, as db.atomic() makes: the caller's writes before and after stay."""
    _insert("+12125550100")
    with transaction():
        _insert("+12125550101")
        with pytest.raises(IntegrityError), pipelined_transaction():
            _insert("+12125550102")
            _insert("+12125550100", read=True)
        _insert("+12125550103")
    assert sorted(p.e164 for p in Phone.select()) == [
        "+12125550100", "+12125550101", "+12125550103"]
    assert reusable_connection()


def test_with_no_connection_open_it_refuses_and_opens_none(database):
    database.close()
    with pytest.raises(InterfaceError), pipelined_transaction():
        pass
    assert database.is_closed()
