"""Misread corrections racing each other and the client's own texts, under the phone's lock."""

from __future__ import annotations

import pytest

from store.consent.changes import correct_misread, get_state
from store.consent.history import list_events
from store.consent.replay import verify
from store.messaging.inbound import receive_text
from tests.factories import API, STAFF
from tests.store.test_concurrency import ROUNDS, race

pytestmark = pytest.mark.usefixtures("database")


def natural_opt_out(phone: str) -> int:
    receive_text(provider_id=f"nl-{phone}", from_number=phone.lstrip("+"),
                 text="take me off your list")
    return list_events(phone)[-1].id


def test_two_editors_correcting_at_once_apply_one_correction():
    outcomes = []
    for n in range(ROUNDS):
        phone = f"+1212558{n:04d}"
        opt_out = natural_opt_out(phone)

        def correct(actor, p=phone, e=opt_out):
            outcomes.append(correct_misread(p, e, actor=actor, note="meant the mailing list"))

        race(lambda: correct(STAFF), lambda: correct(API))
        corrections = [e for e in list_events(phone) if e.corrects_id == opt_out]
        assert sorted((e.outcome, e.reason) for e in corrections if e.scope == "overall") == [
            ("applied", "misread"), ("refused", "already_corrected")]
        assert get_state(phone).overall == "unknown"
    assert sorted(o.changed for o in outcomes) == [False] * ROUNDS + [True] * ROUNDS
    assert list(verify()) == []


def test_a_client_stop_racing_a_correction_always_ends_locked():
    for n in range(ROUNDS):
        phone = f"+1212559{n:04d}"
        opt_out = natural_opt_out(phone)
        race(lambda p=phone, e=opt_out: correct_misread(p, e, actor=STAFF, note="meant mail"),
             lambda p=phone: receive_text(provider_id=f"stop-{p}", from_number=p.lstrip("+"),
                                          text="STOP"))
        state = get_state(phone)
        # corrected then stopped again, or confirmed by the STOP and refused: locked either way
        assert (state.overall, state.overall_source) == ("opted_out", "client_keyword")
    assert list(verify()) == []
