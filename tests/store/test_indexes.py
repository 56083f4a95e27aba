"""Every partial index (store/models.py, migration 0010) serves the real queries that read its
column, on SQLite and PostgreSQL: each query is captured as the store runs it and EXPLAINed.

A partial index is used only when the query's conditions imply its WHERE; a query written
so that they don't (say `sent_at` compared through a function) would scan the table, and
these tests name the query that stopped using its index.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import timedelta

import pytest

from store.clock import utcnow
from store.consent.attribution import likely_causes
from store.db import db, is_postgres
from store.messaging.outbox import record_receipt
from store.messaging.reports import _sent_since, campaign_opt_outs, last_recipients_rate
from store.models import MODELS

pytestmark = pytest.mark.usefixtures("database")


class _Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple] = []

    def emit(self, record: logging.LogRecord) -> None:
        sql, params = record.msg if isinstance(record.msg, tuple) else (record.msg, ())
        if isinstance(sql, str) and sql.lstrip().upper().startswith("SELECT"):
            self.seen.append((sql, params or ()))


@contextmanager
def statements():
    """Yield the list of the SELECT statements (sql, params) peewee runs meanwhile."""
    logger, handler = logging.getLogger("peewee"), _Statements()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def plans(seen: list[tuple]) -> str:
    """Return the query plans of `seen`, one after the other, as text."""
    prefix = "EXPLAIN " if is_postgres() else "EXPLAIN QUERY PLAN "
    out = []
    with db.atomic():
        if is_postgres():  # an empty table is cheapest to scan: ask for the index
            db.execute_sql("SET LOCAL enable_seqscan = off")
        for sql, params in seen:
            out += [" ".join(map(str, row)) for row in db.execute_sql(prefix + sql, params)]
    return "\n".join(out)


def uses(index: str, run) -> None:
    with statements() as seen:
        run()
    assert seen, "the call ran no query"
    assert index in plans(seen), f"{index} is not used by:\n" + "\n".join(s for s, _ in seen)


def test_every_partial_index_is_named_here():
    partial = {i._name for m in MODELS for i in m._meta.fields_to_index() if i._where is not None}
    assert partial == set(CASES)


CASES = {
    "outbound_message_sent_at_when_set": lambda: _sent_since(utcnow() - timedelta(days=1)),
    "outbound_message_campaign_sent_at_when_set": lambda: campaign_opt_outs(7),
    "consent_event_cause_campaign_id_when_set": lambda: campaign_opt_outs(7),
    "consent_event_corrects_when_set": lambda: campaign_opt_outs(7),
    "outbound_message_automation_sent_at_when_set":
        lambda: last_recipients_rate("automation", "price_reduction", size=50),
    "consent_event_cause_message_id_when_set":
        lambda: last_recipients_rate("automation", "price_reduction", size=50),
    "outbound_message_to_sent_at_when_set":
        lambda: likely_causes({"+12125550100": utcnow(), "+12125550101": utcnow()}),
    "outbound_message_vonage_message_id_when_set":
        lambda: record_receipt(vonage_message_id="v-1", status="delivered"),
}


@pytest.mark.parametrize("index", sorted(CASES))
def test_the_queries_that_read_an_indexed_column_use_its_partial_index(index):
    uses(index, CASES[index])


def test_a_phone_deleted_finds_its_rows_by_the_composite_indexes():
    """The foreign keys whose own index went (migration 0010) are found by the composite
    index that starts with them, as a phone's erasure cascades."""
    checks = {"client": "phone_id_name_key", "automation_switch": "phone_id_automation",
              "consent_event": "phone_id_id", "outbound_message": "phone_id_kind_created_at",
              "review": "phone_id_status"}
    for table, index in checks.items():
        seen = [(f'SELECT "id" FROM "{table}" WHERE "phone_id" = {db.param}', (1,))]
        assert index in plans(seen), table
    seen = [(f'SELECT "id" FROM "outbound_message" WHERE "campaign_id" = {db.param}', (1,))]
    assert "campaign_id_id" in plans(seen)


def test_a_stop_finds_its_cause_by_the_partial_index_too():
    """One phone (a STOP) takes select_in's single-value form, not the array of an import."""
    uses("outbound_message_to_sent_at_when_set",
         lambda: likely_causes({"+12125550100": utcnow()}))


@pytest.mark.parametrize("phones", [["+12125550100"], ["+12125550100", "+12125550101"]])
def test_the_cause_lookup_is_the_same_statement_whatever_the_moment(phones):
    """Its time bound is a parameter: written into the SQL, it made every STOP's lookup a
    statement PostgreSQL had never seen, parsed and planned anew, never prepared."""
    with statements() as seen:
        likely_causes(dict.fromkeys(phones, utcnow()))
        likely_causes(dict.fromkeys(phones, utcnow() - timedelta(days=1)))
    assert len(seen) == 2
    assert seen[0][0] == seen[1][0]
    assert seen[0][1] != seen[1][1]
