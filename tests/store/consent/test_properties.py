"""Random sequences of client texts, staff actions, imports and carrier reports.

After every step: an opted-out phone can be sent nothing but system replies; a locked
state was relaxed by nobody but the client; the replayed history equals the state.
"""

from __future__ import annotations

import contextlib
import io
import itertools

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from store.automations import AUTOMATIONS
from store.consent.changes import get_state, set_carrier_block
from store.consent.replay import verify
from store.errors import ConsentRefused
from store.messaging.sending import block_reason
from store.records.imports import import_csv
from store.vocabulary import KINDS, SYSTEM_KINDS
from tests.factories import API, STAFF, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
_numbers = itertools.count()
SCOPES = ["all", *AUTOMATIONS]


class ConsentMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        base = next(_numbers) * 3
        self.phones = [f"+1212{5550000 + base + i:07d}" for i in range(3)]
        self.locks = {}

    phone = st.integers(min_value=0, max_value=2)

    def _remember_locks(self):
        self.locks = {}
        for p in self.phones:
            state = get_state(p)
            self.locks[p] = (state.locked,
                             {n for n in AUTOMATIONS if state.switch(n).locked})

    def _check_locks_kept(self):
        for p in self.phones:
            was_locked, locked_switches = self.locks.get(p, (False, set()))
            state = get_state(p)
            if was_locked:
                assert state.locked, f"{p}: a locked opt-out was relaxed by someone else"
            for name in locked_switches:
                assert state.switch(name).locked, f"{p}: locked {name} relaxed"

    @rule(i=phone, intent=st.sampled_from(["opt_out", "opt_in"]), scope=st.sampled_from(SCOPES),
          widen=st.booleans())
    def client_text(self, i, intent, scope, widen):
        client_texts(self.phones[i], intent, scope, text=f"{intent} {scope}",
                     widen_scoped_stop=widen)
        self._remember_locks()  # the client may lift a lock: that is the one allowed way

    @rule(i=phone, actor=st.sampled_from([STAFF, API]),
          overall=st.sampled_from([None, "unknown", "opted_in", "opted_out"]),
          switches=st.dictionaries(st.sampled_from(list(AUTOMATIONS)),
                                   st.sampled_from(["on", "off"]), max_size=2),
          note=st.sampled_from([None, "", "client consented by phone on Nov 26"]))
    def staff_change(self, i, actor, overall, switches, note):
        self._remember_locks()
        if overall is None and not switches:
            return
        with contextlib.suppress(ConsentRefused):
            staff_sets(self.phones[i], actor=actor, overall=overall, automations=switches,
                       note=note)
        self._check_locks_kept()

    @rule(i=phone, overall=st.sampled_from(["", "unknown", "opted_in", "opted_out"]))
    def import_row(self, i, overall):
        self._remember_locks()
        csv = f"phone,name,overall\n{self.phones[i]},Client {i},{overall}\n"
        report = import_csv(io.StringIO(csv), source_name="prop.csv")
        assert report.invalid == 0
        self._check_locks_kept()

    @rule(i=phone, blocked=st.booleans())
    def carrier_report(self, i, blocked):
        self._remember_locks()
        set_carrier_block(self.phones[i], blocked=blocked)
        self._check_locks_kept()

    @invariant()
    def opted_out_phones_get_only_system_replies(self):
        for p in self.phones:
            state = get_state(p)
            if state.overall != "opted_out":
                continue
            for kind in KINDS:
                for automation in AUTOMATIONS if kind == "automation" else [None]:
                    assert block_reason(state, kind=kind, automation=automation,
                                        include_unknown=True) is not None
            if not state.carrier_blocked:
                assert all(block_reason(state, kind=k) is None for k in SYSTEM_KINDS)
            assert all(state.switch(n).state == "off" for n in AUTOMATIONS)

    @invariant()
    def history_replays_to_the_state(self):
        assert list(verify()) == []


def test_random_sequences_keep_every_consent_invariant():
    run_state_machine_as_test(
        ConsentMachine,
        settings=settings(max_examples=30, stateful_step_count=15, deadline=None),
    )
