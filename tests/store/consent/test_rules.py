"""Every rule of SPEC section 2, one named test each, on every test database."""

from __future__ import annotations

import pytest

from store.automations import AUTOMATIONS
from store.consent.changes import get_state, set_carrier_block
from store.consent.history import list_events
from store.consent.replay import verify
from store.errors import ConsentRefused, InvalidRequest, UnknownAutomation
from store.models import ConsentEvent
from tests.factories import API, IMPORTER, PHONE, STAFF, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
ALL = list(AUTOMATIONS)


def switches(e164=PHONE):
    state = get_state(e164)
    return {name: (state.switch(name).state, state.switch(name).source) for name in ALL}


def assert_history_matches():
    assert list(verify()) == []


def test_new_phone_is_unknown_with_every_switch_on():
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("unknown", "default")
    assert switches() == {name: ("on", "default") for name in ALL}


def test_rule_1_anyone_may_opt_out_or_turn_a_switch_off():
    staff_sets(PHONE, automations={"price_reduction": "off"})
    assert get_state(PHONE).switch("price_reduction").state == "off"
    client_texts(PHONE, "opt_in", text="START")
    staff_sets(PHONE, actor=API, overall="opted_out")
    assert get_state(PHONE).overall == "opted_out"
    staff_sets(PHONE, actor=IMPORTER, overall="opted_out")  # re-stating is never refused
    assert_history_matches()


def test_rule_2_opt_out_turns_every_on_switch_off_by_cascade():
    staff_sets(PHONE, automations={"new_vehicle_arrival": "off"})
    staff_sets(PHONE, overall="opted_out")
    assert switches() == {"price_reduction": ("off", "cascade"),
                          "new_vehicle_arrival": ("off", "staff")}
    cascade = [e for e in list_events(PHONE) if e.source == "cascade"]
    assert [(e.scope, e.old_state, e.new_state) for e in cascade] == [
        ("price_reduction", "on", "off")]
    assert_history_matches()


@pytest.mark.parametrize("lock", ["client_keyword", "import"])
@pytest.mark.parametrize("actor", [STAFF, API], ids=["slack", "api"])
@pytest.mark.parametrize("target", ["opted_in", "unknown"])
def test_rule_3_keyword_or_import_opt_out_is_locked_against_staff(lock, actor, target):
    if lock == "client_keyword":
        client_texts(PHONE, "opt_out")
    else:
        staff_sets(PHONE, actor=IMPORTER, overall="opted_out")
    with pytest.raises(ConsentRefused) as refused:
        staff_sets(PHONE, actor=actor, overall=target, note="client said yes on the phone")
    assert refused.value.reason == "locked"
    assert "only the client" in str(refused.value)
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("opted_out", lock)
    last = list_events(PHONE)[0]
    assert (last.outcome, last.reason, last.actor, last.new_state) == (
        "refused", "locked", actor.actor, target)
    assert_history_matches()


def test_rule_3_staff_opt_out_may_be_reversed_by_staff():
    staff_sets(PHONE, overall="opted_out")
    staff_sets(PHONE, actor=API, overall="opted_in", note="Signed consent form, Nov 26")
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("opted_in", "staff")
    staff_sets(PHONE, overall="opted_out")
    staff_sets(PHONE, overall="unknown", note="client asked by phone to hear from us again")
    assert get_state(PHONE).overall == "unknown"
    assert_history_matches()


@pytest.mark.parametrize("target", ["unknown", "opted_in"])
def test_rule_3_undoing_a_staff_opt_out_needs_a_note_of_renewed_consent(target):
    staff_sets(PHONE, overall="opted_out")
    with pytest.raises(ConsentRefused) as refused:
        staff_sets(PHONE, overall=target)
    assert refused.value.reason == "evidence_required"
    assert get_state(PHONE).overall == "opted_out"


@pytest.mark.parametrize("note", [None, "", "   "])
def test_rule_4_staff_opt_in_needs_an_evidence_note(note):
    with pytest.raises(ConsentRefused) as refused:
        staff_sets(PHONE, overall="opted_in", note=note)
    assert refused.value.reason == "evidence_required"
    assert get_state(PHONE).overall == "unknown"
    staff_sets(PHONE, overall="opted_in", note="Client asked in person on Nov 26")
    applied = list_events(PHONE)[0]
    assert (applied.new_state, applied.note) == ("opted_in", "Client asked in person on Nov 26")
    assert_history_matches()


def test_rule_5_keyword_switch_off_is_locked_against_staff():
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    with pytest.raises(ConsentRefused) as refused:
        staff_sets(PHONE, automations={"price_reduction": "on"})
    assert refused.value.reason == "locked"
    assert switches()["price_reduction"] == ("off", "client_keyword")
    assert_history_matches()


def test_rule_5_staff_may_turn_on_a_switch_staff_or_cascade_turned_off():
    staff_sets(PHONE, automations={"price_reduction": "off"})
    staff_sets(PHONE, automations={"price_reduction": "on"})
    assert switches()["price_reduction"] == ("on", "staff")
    staff_sets(PHONE, overall="opted_out")
    staff_sets(PHONE, overall="opted_in", note="renewed consent by phone call")
    staff_sets(PHONE, automations={"price_reduction": "off"})
    staff_sets(PHONE, automations={"price_reduction": "on"})
    assert switches()["price_reduction"] == ("on", "staff")
    assert_history_matches()


def test_rule_5_staff_never_turns_a_switch_on_while_opted_out():
    staff_sets(PHONE, overall="opted_out")
    with pytest.raises(ConsentRefused) as refused:
        staff_sets(PHONE, automations={"price_reduction": "on"})
    assert refused.value.reason == "opted_out"
    assert switches()["price_reduction"] == ("off", "cascade")


def test_rule_6_client_start_restores_cascade_switches_only():
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    client_texts(PHONE, "opt_out")
    assert switches() == {"price_reduction": ("off", "client_keyword"),
                          "new_vehicle_arrival": ("off", "cascade")}
    client_texts(PHONE, "opt_in", text="START")
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("opted_in", "client_keyword")
    assert switches() == {"price_reduction": ("off", "client_keyword"),
                          "new_vehicle_arrival": ("on", "cascade")}
    assert_history_matches()


def test_rule_6_staff_switch_off_stays_off_after_client_start():
    staff_sets(PHONE, automations={"new_vehicle_arrival": "off"})
    client_texts(PHONE, "opt_out")
    client_texts(PHONE, "opt_in", text="START")
    assert switches()["new_vehicle_arrival"] == ("off", "staff")
    assert switches()["price_reduction"] == ("on", "cascade")


def test_rule_6_client_start_lifts_a_keyword_lock():
    client_texts(PHONE, "opt_out")
    client_texts(PHONE, "opt_in", text="START")
    staff_sets(PHONE, overall="opted_out")
    staff_sets(PHONE, overall="opted_in", note="client re-consented at the desk")
    assert get_state(PHONE).overall == "opted_in"


def test_rule_7_scoped_start_turns_the_switch_on_and_opts_in():
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    client_texts(PHONE, "opt_out")
    client_texts(PHONE, "opt_in", "price_reduction", text="START PRICE DROP")
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("opted_in", "client_keyword")
    assert switches() == {"price_reduction": ("on", "client_keyword"),
                          "new_vehicle_arrival": ("off", "cascade")}
    assert_history_matches()


def test_rule_7_scoped_start_leaves_unknown_overall_alone():
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    client_texts(PHONE, "opt_in", "price_reduction", text="START PRICE DROP")
    state = get_state(PHONE)
    assert state.overall == "unknown"
    assert state.switch("price_reduction").state == "on"


def test_rule_8_scoped_stop_turns_only_that_switch_off_and_locks_it():
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    state = get_state(PHONE)
    assert state.overall == "unknown"
    assert switches() == {"price_reduction": ("off", "client_keyword"),
                          "new_vehicle_arrival": ("on", "default")}
    assert state.switch("price_reduction").locked


def test_rule_8_scoped_stop_widens_to_all_when_configured():
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP",
                 widen_scoped_stop=True)
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("opted_out", "client_keyword")
    assert all(s == "off" for s, _ in switches().values())


def test_rule_8_client_stop_strengthens_a_staff_opt_out_into_a_lock():
    staff_sets(PHONE, overall="opted_out")
    client_texts(PHONE, "opt_out")
    assert get_state(PHONE).overall_source == "client_keyword"
    with pytest.raises(ConsentRefused):
        staff_sets(PHONE, overall="opted_in", note="they said it was fine")


def test_rule_9_import_never_opts_in_an_opted_out_phone():
    staff_sets(PHONE, overall="opted_out")
    with pytest.raises(ConsentRefused) as refused:
        staff_sets(PHONE, actor=IMPORTER, overall="opted_in")
    assert refused.value.reason == "import_never_relaxes"
    assert get_state(PHONE).overall == "opted_out"


def test_rule_9_import_never_turns_on_a_locked_switch():
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    with pytest.raises(ConsentRefused):
        staff_sets(PHONE, actor=IMPORTER, automations={"price_reduction": "on"})
    assert switches()["price_reduction"] == ("off", "client_keyword")


def test_rule_10_every_change_and_refusal_is_an_event_with_its_context():
    result = client_texts(PHONE, "opt_out", text="Stop please")
    with pytest.raises(ConsentRefused):
        staff_sets(PHONE, overall="opted_in", note="n")
    events = list_events(PHONE)
    assert [(e.scope, e.outcome) for e in reversed(events)] == [
        ("overall", "applied"), ("price_reduction", "applied"),
        ("new_vehicle_arrival", "applied"), ("overall", "refused")]
    first = events[-1]
    assert first.id == result.event_ids[0]
    assert (first.old_state, first.new_state, first.source, first.actor, first.channel) == (
        "unknown", "opted_out", "client_keyword", "client", "sms")
    assert (first.inbound_message_id, first.raw_text, first.rule, first.classifier_version) == (
        "msg-Stop please", "Stop please", "keyword", "test")
    assert first.occurred_at is not None and first.recorded_at is not None
    assert (events[0].actor, events[0].channel, events[0].reason) == ("U_STAFF", "slack", "locked")


def test_rule_10_a_refused_request_applies_nothing_at_all():
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    staff_sets(PHONE, overall="opted_out")
    before = ConsentEvent.select().count()
    with pytest.raises(ConsentRefused) as refused:
        # leaving the staff opt-out alone would be allowed; the locked switch is refused,
        # so neither applies
        staff_sets(PHONE, overall="unknown", automations={"price_reduction": "on"},
                   note="the client asked to hear from us again")
    assert refused.value.refusals == {"price_reduction": "locked",
                                      "overall": "with_refused_part"}
    assert refused.value.reason == "locked"
    assert get_state(PHONE).overall == "opted_out"
    new = list(ConsentEvent.select().order_by(ConsentEvent.id).offset(before))
    assert sorted((e.scope, e.outcome, e.reason, e.note is not None) for e in new) == [
        ("overall", "refused", "with_refused_part", True),
        ("price_reduction", "refused", "locked", True)]
    assert_history_matches()


def test_carrier_block_is_recorded_and_cleared_by_client_start():
    set_carrier_block(PHONE, blocked=True)
    assert get_state(PHONE).carrier_blocked
    assert list_events(PHONE)[0].scope == "carrier"
    client_texts(PHONE, "opt_in", text="START")
    assert not get_state(PHONE).carrier_blocked
    assert_history_matches()


def test_unknown_automation_and_bad_states_are_clear_errors():
    with pytest.raises(UnknownAutomation, match="unknown automation 'deals'"):
        staff_sets(PHONE, automations={"deals": "off"})
    with pytest.raises(InvalidRequest, match="overall must be one of"):
        staff_sets(PHONE, overall="maybe")
    with pytest.raises(InvalidRequest, match="'on' or 'off'"):
        staff_sets(PHONE, automations={"price_reduction": "yes"})
    with pytest.raises(InvalidRequest, match="nothing to change"):
        staff_sets(PHONE)
    assert ConsentEvent.select().count() == 0


def test_carrier_block_time_survives_later_changes():
    set_carrier_block(PHONE, blocked=True)
    from store.models import Phone

    blocked_at = Phone.get(Phone.e164 == PHONE).carrier_blocked_at
    staff_sets(PHONE, overall="opted_out")
    phone = Phone.get(Phone.e164 == PHONE)
    assert phone.carrier_blocked and phone.carrier_blocked_at == blocked_at


def test_rule_5_an_opt_out_that_keeps_a_switch_on_is_refused_whole():
    with pytest.raises(ConsentRefused) as refused:
        staff_sets(PHONE, overall="opted_out", automations={"price_reduction": "on"})
    assert refused.value.refusals == {"price_reduction": "opted_out",
                                      "overall": "with_refused_part"}
    assert get_state(PHONE).overall == "unknown"


def test_rule_6_start_restores_cascade_switches_even_after_a_scoped_start():
    client_texts(PHONE, "opt_out")
    client_texts(PHONE, "opt_in", "price_reduction", text="START PRICE DROP")
    assert switches()["new_vehicle_arrival"] == ("off", "cascade")
    client_texts(PHONE, "opt_in", text="START")
    assert switches()["new_vehicle_arrival"] == ("on", "cascade")
    assert_history_matches()
