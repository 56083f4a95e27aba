"""The chain of evidence (SPEC rule 12): each event hashed with the one before it, one
chain for the store, checked by verify_chain() and `smsprefs verify`."""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.consent.chain import CHAIN_FIELDS, GENESIS, canonical, link, verify_chain
from store.db import db
from store.models import ConsentEvent
from tests.factories import OTHER, PHONE, as_superuser, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
MIGRATION = Path(__file__).parents[3] / "store/migrations/0008_attribution_and_chain.py"


def some_history():
    client_texts(PHONE, "opt_out")
    staff_sets(OTHER, overall="opted_in", note="signed the form")
    client_texts(PHONE, "opt_in", text="START")
    staff_sets(OTHER, automations={"price_reduction": "off"})


def events():
    return list(ConsentEvent.select().order_by(ConsentEvent.id))


def test_every_event_links_to_the_one_before_from_the_genesis():
    some_history()
    written = events()
    assert len(written) >= 6
    assert written[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(written):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in written}) == len(written)
    assert verify_chain() is None


def test_a_hash_covers_the_phone_number_and_every_column_of_content():
    client_texts(PHONE, "opt_out")
    event = events()[0]
    values = [PHONE if f == "phone" else getattr(event, "corrects_id" if f == "corrects" else f)
              for f in CHAIN_FIELDS]
    assert event.hash == link(GENESIS, values)
    assert b'"+12125550100"' in canonical(values) and b'"STOP"' in canonical(values)


@pytest.mark.parametrize(("column", "value"), [
    ("raw_text", "START"), ("new_state", "unknown"), ("actor", "someone else"),
    ("occurred_at", "2020-01-01 00:00:00"), ("note", "added later"),
])
def test_a_row_edited_in_sql_breaks_the_chain_at_exactly_that_event(column, value):
    some_history()
    target = events()[3]
    as_superuser(f'UPDATE consent_event SET "{column}" = {db.obj.param} WHERE id = '
                 f'{db.obj.param}', (value, target.id))
    broken = verify_chain()
    assert broken is not None and broken.event_id == target.id
    assert "changed after it was written" in broken.problem


def test_an_event_deleted_in_sql_breaks_the_chain_at_the_next_event():
    some_history()
    gone, following = events()[2], events()[3]
    as_superuser(f"DELETE FROM consent_event WHERE id = {db.obj.param}", (gone.id,))
    broken = verify_chain()
    assert broken is not None and broken.event_id == following.id
    assert "removed, inserted or reordered" in broken.problem


def test_a_rehashed_edit_still_breaks_the_link_of_the_next_event():
    some_history()
    target, following = events()[1], events()[2]
    values = [PHONE if f == "phone" else getattr(target, "corrects_id" if f == "corrects"
                                                  else f) for f in CHAIN_FIELDS]
    values[CHAIN_FIELDS.index("actor")] = "forger"
    forged = link(target.prev_hash, values)
    as_superuser(f"UPDATE consent_event SET actor = 'forger', hash = {db.obj.param} "
                 f"WHERE id = {db.obj.param}", (forged, target.id))
    broken = verify_chain()
    assert broken is not None and broken.event_id == following.id


def test_the_migration_chains_existing_events_exactly_as_the_write_path_does():
    some_history()
    written = [(e.id, e.prev_hash, e.hash) for e in events()]
    as_superuser("UPDATE consent_event SET prev_hash = NULL, hash = NULL")
    assert verify_chain() is not None
    spec = importlib.util.spec_from_file_location("migration_0008", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration._chain_existing_events(db.obj)
    assert [(e.id, e.prev_hash, e.hash) for e in events()] == written
    assert verify_chain() is None
    with pytest.raises(Exception, match="append-only"), db.atomic():  # the trigger is back
        ConsentEvent.update(note="x").execute()



_values = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.text(max_size=40),
                    st.datetimes(min_value=datetime(1900, 1, 1)))


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_values, min_size=len(CHAIN_FIELDS), max_size=len(CHAIN_FIELDS)))
def test_the_encoding_is_json_dumps_of_the_values_with_times_in_microseconds(values):
    # the reference: how tools/check_proof.py and any JSON library read the content
    written = [v.isoformat(sep=" ", timespec="microseconds") if isinstance(v, datetime) else v
               for v in values]
    reference = json.dumps(written, ensure_ascii=False, separators=(",", ":")).encode()
    assert canonical(values) == canonical(tuple(values)) == canonical(iter(values)) == reference
    prev = "ab" * 32
    assert link(prev, values) == hashlib.sha256(prev.encode() + b"\n" + reference).hexdigest()
