"""A client's STOP racing a staff opt-in, many times: the rules hold, the history explains."""

from __future__ import annotations

import contextlib
import io
import threading

import pytest

from store.consent.changes import get_state
from store.consent.history import list_events
from store.consent.replay import verify
from store.db import db
from store.errors import ConsentRefused
from tests.factories import client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
ROUNDS = 25


def race(*actions):
    """Run `actions` at the same moment in their own threads, each with its own connection."""
    barrier = threading.Barrier(len(actions))
    errors = []

    def run(action):
        try:
            with db.connection_context():
                barrier.wait()
                with contextlib.suppress(ConsentRefused):  # a legitimate outcome of the race
                    action()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []


def test_client_stop_racing_a_staff_opt_in_always_ends_opted_out_and_locked():
    for n in range(ROUNDS):
        phone = f"+1212555{n:04d}"
        race(lambda p=phone: client_texts(p, "opt_out"),
             lambda p=phone: staff_sets(p, overall="opted_in", note="form on file"))
        state = get_state(phone)
        assert (state.overall, state.overall_source) == ("opted_out", "client_keyword")
        history = [(e.source, e.outcome) for e in reversed(list_events(phone))
                   if e.scope == "overall"]
        assert history in (
            [("staff", "applied"), ("client_keyword", "applied")],
            [("client_keyword", "applied"), ("staff", "refused")],
        )
    assert list(verify()) == []


def test_scoped_stop_racing_a_staff_switch_on_always_ends_off_and_locked():
    for n in range(ROUNDS):
        phone = f"+1212556{n:04d}"
        staff_sets(phone, automations={"price_reduction": "off"})
        race(lambda p=phone: client_texts(p, "opt_out", "price_reduction", text="STOP PRICE DROP"),
             lambda p=phone: staff_sets(p, automations={"price_reduction": "on"}))
        switch = get_state(phone).switch("price_reduction")
        assert (switch.state, switch.source) == ("off", "client_keyword")
        history = [(e.source, e.new_state, e.outcome) for e in reversed(list_events(phone))]
        assert history[1:] in (
            [("staff", "on", "applied"), ("client_keyword", "off", "applied")],
            [("client_keyword", "off", "applied"), ("staff", "on", "refused")],
        )
    assert list(verify()) == []


def test_many_writers_on_one_phone_never_lose_an_event():
    phone = "+12125557777"
    actions = [lambda: client_texts(phone, "opt_out"),
               lambda: client_texts(phone, "opt_in", text="START")] * 4
    race(*actions)
    assert list(verify()) == []
    events = list_events(phone, limit=1000)
    assert sum(e.scope == "overall" for e in events) >= 1


def test_the_chain_holds_with_many_writers_at_once():
    """Writers on different phones append to the one chain at the same moment (on
    PostgreSQL each on its own connection): no two events may claim the same predecessor."""
    from store.consent.chain import verify_chain
    from store.models import ConsentEvent
    from store.records.imports import import_csv

    def changes(n):
        phone = f"+1212558{n:04d}"
        for _ in range(6):
            client_texts(phone, "opt_out")
            client_texts(phone, "opt_in", text="START")

    def an_import():
        rows = "".join(f"+1212559{i:04d},Client {i},,opted_out,\n" for i in range(300))
        import_csv(io.StringIO("phone,name,crm_id,overall,opted_out_at\n" + rows),
                   source_name="crm.csv", batch_size=50)

    race(*(lambda n=n: changes(n) for n in range(6)), an_import)
    prev_hashes = [e.prev_hash for e in ConsentEvent.select()]
    assert len(prev_hashes) > 6 * 12 + 300
    assert len(set(prev_hashes)) == len(prev_hashes)
    assert verify_chain() is None
    assert list(verify()) == []
