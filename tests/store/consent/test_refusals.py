"""Rule 10 under a caller's transaction: the record of a refusal is never rolled back."""

from __future__ import annotations

import pytest

from store.consent.changes import change_consent, get_state, locked_state, record_change
from store.consent.history import list_events
from store.db import transaction
from store.errors import ConsentRefused
from tests.factories import PHONE, STAFF, client_texts

pytestmark = pytest.mark.usefixtures("database")


def refused_events():
    return [e for e in list_events(PHONE) if e.outcome == "refused"]


def test_change_consent_will_not_start_inside_a_callers_transaction():
    client_texts(PHONE, "opt_out", text="STOP")
    with pytest.raises(RuntimeError, match="record_change"), transaction():
        change_consent(PHONE, actor=STAFF, overall="opted_in", note="they asked")
    assert refused_events() == []  # nothing was attempted, so nothing to record
    assert get_state(PHONE).overall == "opted_out"


def test_a_refusal_raised_outside_a_transaction_is_recorded():
    client_texts(PHONE, "opt_out", text="STOP")
    with pytest.raises(ConsentRefused):
        change_consent(PHONE, actor=STAFF, overall="opted_in", note="they asked")
    assert [e.reason for e in refused_events()] == ["locked"]


def test_record_change_returns_a_refusal_that_commits_with_the_callers_transaction():
    client_texts(PHONE, "opt_out", text="STOP")
    with transaction():
        result = record_change(PHONE, actor=STAFF, overall="opted_in", note="they asked")
    assert result.refusal is not None and result.refusal.reason == "locked"
    assert not result.changed
    assert [e.reason for e in refused_events()] == ["locked"]
    assert get_state(PHONE).overall == "opted_out"


def test_a_state_read_beforehand_is_taken_only_inside_the_transaction_that_locked_it():
    with transaction():
        state = locked_state(PHONE)
        result = record_change(PHONE, actor=STAFF, overall="opted_out", state=state)
    assert result.changed and get_state(PHONE).overall == "opted_out"
    # outside it, the row lock is gone and the state may be stale: refused, nothing written
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_change(PHONE, actor=STAFF, overall="opted_in", state=result.state)
    assert get_state(PHONE).overall == "opted_out" and refused_events() == []
