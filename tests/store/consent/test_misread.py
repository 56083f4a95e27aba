"""SPEC rule 11, the misread correction: each allowed case and each refusal, by name."""

from __future__ import annotations

import pytest

from store.automations import AUTOMATIONS
from store.consent.changes import apply_client_intent, correct_misread, get_state
from store.consent.history import EventContext, list_events
from store.consent.misread import NATURAL_LANGUAGE_RULES
from store.consent.replay import verify
from store.db import db
from store.errors import ConsentRefused, NotFound
from store.messaging.inbound import receive_text
from store.models import ConsentEvent
from tests.factories import API, OTHER, PHONE, STAFF, can_send, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
ALL = list(AUTOMATIONS)
NOTE = "She meant the trade-in mailing list, not texts (called back Nov 26)"


def client_says(text: str, scope: str = "all", *, rule: str = "natural_language",
                e164: str = PHONE):
    """Apply an opt-out the classifier read from `text` with `rule`; return its event id."""
    context = EventContext(inbound_message_id=f"msg-{text}"[:100], raw_text=text, rule=rule,
                           classifier_version="test")
    result = apply_client_intent(e164, intent="opt_out", scope=scope, context=context)
    return result.event_ids[0]


def switches(e164=PHONE):
    state = get_state(e164)
    return {name: (state.switch(name).state, state.switch(name).source) for name in ALL}


def refused(event_id: int, note: str | None = NOTE, actor=STAFF) -> ConsentRefused:
    """Ask for the correction, expect a refusal; return it."""
    result = correct_misread(PHONE, event_id, actor=actor, note=note)
    assert result.refusal is not None, "the correction was applied"
    assert not result.changed
    return result.refusal


def test_the_natural_language_rules_are_the_classifiers_names_for_a_request_in_words():
    assert sorted(NATURAL_LANGUAGE_RULES) == ["natural_language", "natural_language_widened",
                                              "scoped_natural_language"]


def test_rule_11_a_natural_language_opt_out_marked_misread_returns_every_scope():
    staff_sets(PHONE, overall="opted_in", note="signed the consent form")
    staff_sets(PHONE, automations={"new_vehicle_arrival": "off"})
    opt_out = client_says("take me off your list")
    assert get_state(PHONE).locked
    result = correct_misread(PHONE, opt_out, actor=STAFF, note=f"  {NOTE} ")
    assert result.refusal is None and result.changed
    state = get_state(PHONE)
    assert (state.overall, state.overall_source, state.locked) == ("opted_in", "staff", False)
    # price drops come back on; new arrivals were off before the opt-out and stay off
    assert switches() == {"price_reduction": ("on", "staff"),
                          "new_vehicle_arrival": ("off", "staff")}
    new = [e for e in list_events(PHONE) if e.id in result.event_ids]
    assert sorted((e.scope, e.old_state, e.new_state) for e in new) == [
        ("overall", "opted_out", "opted_in"), ("price_reduction", "off", "on")]
    assert {(e.source, e.outcome, e.reason, e.note, e.corrects_id, e.actor, e.channel)
            for e in new} == {("staff", "applied", "misread", NOTE, opt_out, "U_STAFF", "slack")}
    assert can_send(PHONE, kind="campaign").allowed
    assert list(verify()) == []


def test_rule_11_a_scoped_natural_language_opt_out_is_undone_alone():
    staff_sets(PHONE, automations={"new_vehicle_arrival": "off"})
    opt_out = client_says("no more price drop alerts", "price_reduction",
                          rule="scoped_natural_language")
    result = correct_misread(PHONE, opt_out, actor=API, note=NOTE)
    assert result.refusal is None
    assert get_state(PHONE).overall == "unknown"
    assert switches() == {"price_reduction": ("on", "staff"),
                          "new_vehicle_arrival": ("off", "staff")}
    assert [e.channel for e in list_events(PHONE) if e.id in result.event_ids] == ["api"]
    assert list(verify()) == []


def test_rule_11_a_widened_request_returns_a_staff_opt_out_to_staff():
    staff_sets(PHONE, overall="opted_out", note="asked at the desk")
    opt_out = client_says("stop the price drop texts and everything else",
                          rule="natural_language_widened")
    assert get_state(PHONE).overall_source == "client_keyword"
    assert correct_misread(PHONE, opt_out, actor=STAFF, note=NOTE).refusal is None
    state = get_state(PHONE)
    # still opted out, as before the text, but by staff again: staff may undo it with a note
    assert (state.overall, state.overall_source, state.locked) == ("opted_out", "staff", False)
    assert switches() == {name: ("off", "cascade") for name in ALL}
    staff_sets(PHONE, overall="opted_in", note="signed the consent form again")
    assert list(verify()) == []


@pytest.mark.parametrize("rule", ["keyword", "keyword_with_filler", "keyword_line",
                                  "starts_with_stop", "typo", "scope_widened"])
def test_rule_11_an_opt_out_word_or_a_stop_typo_is_never_misread(rule):
    opt_out = client_says("STOPP please", rule=rule)
    refusal = refused(opt_out)
    assert refusal.reason == "not_natural_language"
    assert "only the client can undo it, by texting START" in str(refusal)
    assert get_state(PHONE).locked
    last = list_events(PHONE)[0]
    assert (last.scope, last.outcome, last.reason, last.old_state, last.new_state) == (
        "overall", "refused", "not_natural_language", "opted_out", "unknown")
    assert (last.source, last.actor, last.note, last.corrects_id) == (
        "staff", "U_STAFF", NOTE, opt_out)


def test_rule_11_a_stop_keyphrase_is_never_misread():
    opt_out = client_says("STOP PRICE DROP", "price_reduction", rule="scoped_keyword")
    refusal = refused(opt_out)
    assert refusal.reason == "not_natural_language"
    assert "by texting START PRICE DROP" in str(refusal)
    assert switches()["price_reduction"] == ("off", "client_keyword")


@pytest.mark.parametrize("which", ["staff_opt_out", "cascade", "refused", "opt_in"])
def test_rule_11_only_an_applied_opt_out_by_the_clients_text_may_be_marked_misread(which):
    if which == "staff_opt_out":
        event = staff_sets(PHONE, overall="opted_out").event_ids[0]
    elif which == "cascade":
        event = apply_client_intent(PHONE, intent="opt_out", scope="all", context=EventContext(
            rule="natural_language")).event_ids[1]
    elif which == "refused":
        client_says("take me off your list")
        with pytest.raises(ConsentRefused):
            staff_sets(PHONE, overall="opted_in", note="n")
        event = list_events(PHONE)[0].id
    else:
        event = client_texts(PHONE, "opt_in", text="START").event_ids[0]
    assert refused(event).reason == "not_client_opt_out"


def test_rule_11_an_opt_out_is_corrected_once():
    opt_out = client_says("take me off your list")
    assert correct_misread(PHONE, opt_out, actor=STAFF, note=NOTE).refusal is None
    assert refused(opt_out).reason == "already_corrected"
    assert list(verify()) == []


def test_rule_11_an_opt_out_the_client_confirmed_by_text_stays():
    receive_text(provider_id="t1", from_number=PHONE.lstrip("+"), text="take me off your list")
    opt_out = list_events(PHONE)[-1]
    assert opt_out.rule in NATURAL_LANGUAGE_RULES
    # the repeated STOP changes nothing (the phone is locked already): no event, but a text
    receive_text(provider_id="t2", from_number=PHONE.lstrip("+"), text="STOP")
    assert list_events(PHONE)[0].id == opt_out.id + 2  # overall and its two cascades only
    refusal = refused(opt_out.id)
    assert refusal.reason == "confirmed_by_client"
    assert "confirms it; only the client can undo it" in str(refusal)
    assert get_state(PHONE).locked


def test_rule_11_a_later_opt_out_event_by_text_confirms_a_scoped_one():
    opt_out = client_says("no more price drop alerts", "price_reduction",
                          rule="scoped_natural_language")
    client_texts(PHONE, "opt_out", "new_vehicle_arrival", text="STOP NEW ARRIVALS")
    assert refused(opt_out).reason == "confirmed_by_client"


def test_rule_11_a_text_that_is_not_an_opt_out_confirms_nothing():
    receive_text(provider_id="t1", from_number=PHONE.lstrip("+"), text="take me off your list")
    opt_out = list_events(PHONE)[-1].id
    receive_text(provider_id="t2", from_number=PHONE.lstrip("+"), text="I'll stop by Friday")
    receive_text(provider_id="t3", from_number=OTHER.lstrip("+"), text="STOP")
    assert correct_misread(PHONE, opt_out, actor=STAFF, note=NOTE).refusal is None


@pytest.mark.parametrize("since", ["client_start", "scoped_start", "staff_untick"])
def test_rule_11_refused_once_what_it_changed_has_changed_again(since):
    opt_out = client_says("take me off your list")
    if since == "client_start":
        client_texts(PHONE, "opt_in", text="START")
    elif since == "scoped_start":
        client_texts(PHONE, "opt_in", "price_reduction", text="START PRICE DROP")
    else:  # staff keep new arrivals off even after the opt-out ends
        staff_sets(PHONE, automations={"new_vehicle_arrival": "off"})
    before = switches(), get_state(PHONE).overall
    refusal = refused(opt_out)
    assert refusal.reason == "state_changed"
    assert "would undo that later change too" in str(refusal)
    assert (switches(), get_state(PHONE).overall) == before
    assert list(verify()) == []


def test_rule_11_a_switch_never_turns_back_on_while_the_client_is_opted_out():
    opt_out = client_says("no more price drop alerts", "price_reduction",
                          rule="scoped_natural_language")
    staff_sets(PHONE, overall="opted_out", note="asked at the desk")
    refusal = refused(opt_out)
    assert refusal.reason == "opted_out"
    assert switches()["price_reduction"] == ("off", "client_keyword")


@pytest.mark.parametrize("note", [None, "", "   \n "])
def test_rule_11_a_note_is_required(note):
    opt_out = client_says("take me off your list")
    refusal = refused(opt_out, note=note)
    assert refusal.reason == "note_required"
    assert get_state(PHONE).locked
    last = list_events(PHONE)[0]
    assert (last.outcome, last.reason, last.note, last.corrects_id) == (
        "refused", "note_required", None, opt_out)


def test_rule_11_an_unknown_phone_or_an_event_of_another_phone_is_not_found():
    other = client_says("take me off your list", e164=OTHER)
    events = ConsentEvent.select().count()
    with pytest.raises(NotFound):
        correct_misread(PHONE, other, actor=STAFF, note=NOTE)  # no such phone yet
    staff_sets(PHONE, overall="opted_out")
    with pytest.raises(NotFound):
        correct_misread(PHONE, other, actor=STAFF, note=NOTE)  # OTHER's event
    with pytest.raises(NotFound):
        correct_misread(PHONE, 10**6, actor=STAFF, note=NOTE)
    assert ConsentEvent.select().count() == events + 3  # the staff opt-out only
    assert get_state(OTHER).locked


def test_rule_11_a_refusal_survives_a_callers_transaction():
    # issue 10: a refusal raised out of a caller's transaction would roll its event back
    opt_out = client_says("STOP", rule="keyword")
    with db.atomic():
        result = correct_misread(PHONE, opt_out, actor=STAFF, note=NOTE)
    assert result.refusal.reason == "not_natural_language"
    assert list_events(PHONE)[0].reason == "not_natural_language"


def test_an_export_of_events_names_the_opt_out_a_correction_undid():
    import csv
    import io

    from store.records.exports import export_events

    event = client_says("take me off your list")
    assert correct_misread(PHONE, event, actor=STAFF, note=NOTE).refusal is None
    out = io.StringIO()
    export_events(out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    corrections = [r for r in rows if r["reason"] == "misread"]
    assert corrections and {r["corrects_id"] for r in corrections} == {str(event)}
