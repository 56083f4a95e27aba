"""Reviews: the first decision wins and is an event; an undecided review is reminded once,
one business day later in the dealership's time zone."""

from __future__ import annotations

from datetime import datetime

import pytest

from store.consent.changes import get_state
from store.consent.history import list_events
from store.consent.replay import verify
from store.consent.reviews import decide_review, remind_overdue
from store.consent.rules import Actor
from store.errors import InvalidRequest, NotFound
from store.messaging.outbox import block_at_carrier
from store.models import Alert, ConsentEvent, Review
from tests.factories import API, PHONE, STAFF, client_texts, pending_review, staff_sets
from tests.store.test_concurrency import race

pytestmark = pytest.mark.usefixtures("database")
OTHER_EDITOR = Actor(source="staff", actor="U_OTHER", channel="slack")
NY = "America/New_York"


def review_events(e164: str = PHONE) -> list[ConsentEvent]:
    return [e for e in reversed(list_events(e164)) if e.scope == "review"]


def reminders() -> list[Alert]:
    return list(Alert.select().where(Alert.kind == "reminder"))


# --- decide_review ----------------------------------------------------------------------------

def test_an_opt_out_decision_opts_the_phone_out_as_the_staff_member():
    review = pending_review(provider_id="v-rv")
    decision = decide_review(review.id, decision="opt_out", actor=STAFF)
    assert (decision.applied, decision.decided_by) == (True, "U_STAFF")
    state = get_state(PHONE)
    assert (state.overall, state.overall_source, state.locked) == ("opted_out", "staff", False)
    assert {s.state for s in state.switches.values()} == {"off"}  # cascade, rule 2
    overall = next(e for e in list_events(PHONE) if e.scope == "overall")
    assert (overall.source, overall.actor, overall.channel, overall.outcome) == (
        "staff", "U_STAFF", "slack", "applied")
    assert (overall.inbound_message_id, overall.raw_text, overall.rule) == (
        "v-rv", "I'll stop by Friday", "review:text")
    assert overall.note == f"review {review.id} decided: opt_out"
    assert verify() == []


def test_a_decision_is_itself_an_event_by_the_staff_actor():
    review = pending_review()
    decide_review(review.id, decision="opt_out", actor=API)
    [event] = review_events()
    assert (event.old_state, event.new_state, event.outcome) == ("pending", "opted_out", "applied")
    assert (event.source, event.actor, event.channel) == ("staff", "crm", "api")
    stored = Review.get_by_id(review.id)
    assert (stored.status, stored.decided_by) == ("opted_out", "crm")
    assert stored.decided_at is not None


def test_not_an_opt_out_dismisses_the_review_and_changes_no_consent():
    staff_sets(PHONE, overall="opted_in", note="signed the form on Nov 2")
    before = get_state(PHONE)
    review = pending_review()
    decision = decide_review(review.id, decision="not_opt_out", actor=STAFF)
    assert decision.applied and Review.get_by_id(review.id).status == "dismissed"
    assert get_state(PHONE) == before
    newest = list_events(PHONE)[0]
    assert (newest.scope, newest.new_state) == ("review", "dismissed")
    assert [e.scope for e in list_events(PHONE)].count("overall") == 1  # the opt-in only
    assert verify() == []


def test_the_first_decision_wins_and_the_second_is_told_who_decided():
    review = pending_review()
    decide_review(review.id, decision="not_opt_out", actor=STAFF)
    events = ConsentEvent.select().count()
    second = decide_review(review.id, decision="opt_out", actor=OTHER_EDITOR)
    assert (second.applied, second.decided_by) == (False, "U_STAFF")
    assert (second.review.status, second.review.decided_by) == ("dismissed", "U_STAFF")
    assert get_state(PHONE).overall == "unknown"
    assert ConsentEvent.select().count() == events


def decide_at_once(review_id: int, *decisions: tuple[str, Actor]) -> list:
    """Let each (decision, actor) click on the review at the same moment; return the outcomes."""
    outcomes = []
    race(*(lambda d=d, a=a: outcomes.append(decide_review(review_id, decision=d, actor=a))
           for d, a in decisions))
    return outcomes


def test_two_editors_clicking_at_once_record_one_decision():
    for n in range(10):
        phone = f"+1212558{n:04d}"
        review = pending_review(phone)
        outcomes = decide_at_once(review.id, ("opt_out", STAFF), ("not_opt_out", OTHER_EDITOR))
        [winner] = [d for d in outcomes if d.applied]
        [loser] = [d for d in outcomes if not d.applied]
        assert loser.decided_by == winner.decided_by
        assert len(review_events(phone)) == 1
        expected = "opted_out" if winner.decided_by == "U_STAFF" else "unknown"
        assert get_state(phone).overall == expected
    assert verify() == []


def test_an_opt_out_decision_leaves_the_clients_own_locked_opt_out_as_it_is():
    review = pending_review()
    client_texts(PHONE, "opt_out")  # the client texted STOP before anyone looked
    decide_review(review.id, decision="opt_out", actor=STAFF)
    state = get_state(PHONE)
    assert (state.overall, state.overall_source, state.locked) == (
        "opted_out", "client_keyword", True)
    assert [e.scope for e in list_events(PHONE)].count("overall") == 1
    assert len(review_events()) == 1


def test_a_carrier_review_is_decided_the_same_way():
    block_at_carrier(PHONE)
    review = Review.get(Review.kind == "carrier")
    decide_review(review.id, decision="opt_out", actor=STAFF)
    [event] = review_events()
    assert (event.rule, event.inbound_message_id, event.raw_text) == ("review:carrier", None, None)
    assert get_state(PHONE).overall == "opted_out"


def test_a_decision_must_be_one_of_the_two_and_the_review_must_exist():
    review = pending_review()
    with pytest.raises(InvalidRequest):
        decide_review(review.id, decision="opted_out", actor=STAFF)
    with pytest.raises(NotFound):
        decide_review(review.id + 100, decision="opt_out", actor=STAFF)
    assert Review.get_by_id(review.id).status == "pending" and review_events() == []


# --- remind_overdue ---------------------------------------------------------------------------

def review_created_at(moment: datetime, e164: str = PHONE) -> Review:
    review = pending_review(e164)
    Review.update(created_at=moment).where(Review.id == review.id).execute()
    return review


FRIDAY_10AM_NY = datetime(2026, 11, 27, 15, 0)  # naive UTC, EST
MONDAY_10AM_NY = datetime(2026, 11, 30, 15, 0)


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 28, 15, 0),  # Saturday
    datetime(2026, 11, 29, 23, 0),  # Sunday
    datetime(2026, 11, 30, 14, 59),  # Monday, a minute early
])
def test_a_friday_review_is_not_reminded_over_the_weekend(now):
    review_created_at(FRIDAY_10AM_NY)
    assert remind_overdue(zone=NY, now=now) == []
    assert reminders() == []


def test_a_friday_review_is_reminded_once_on_monday():
    review = review_created_at(FRIDAY_10AM_NY)
    [alert_id] = remind_overdue(zone=NY, now=MONDAY_10AM_NY)
    alert = Alert.get_by_id(alert_id)
    assert (alert.kind, alert.review_id, alert.phone.e164, alert.status) == (
        "reminder", review.id, PHONE, "pending")
    assert Review.get_by_id(review.id).reminded_at == MONDAY_10AM_NY
    assert remind_overdue(zone=NY, now=datetime(2026, 12, 3, 15, 0)) == []  # once
    assert len(reminders()) == 1


def test_a_thursday_review_is_reminded_on_friday():
    review_created_at(datetime(2026, 11, 26, 15, 0))
    assert remind_overdue(zone=NY, now=datetime(2026, 11, 27, 14, 59)) == []
    assert len(remind_overdue(zone=NY, now=FRIDAY_10AM_NY)) == 1


def test_a_decided_review_is_never_reminded():
    review = review_created_at(FRIDAY_10AM_NY)
    decide_review(review.id, decision="not_opt_out", actor=STAFF)
    assert remind_overdue(zone=NY, now=MONDAY_10AM_NY) == []
    assert reminders() == []


def test_the_business_day_is_counted_in_the_zone_given():
    # Friday 15:00 in New York is already Saturday 05:00 in Tokyo
    review_created_at(datetime(2026, 11, 27, 20, 0))
    sunday_night_utc = datetime(2026, 11, 29, 21, 0)  # Monday 06:00 in Tokyo
    assert remind_overdue(zone=NY, now=sunday_night_utc) == []
    assert len(remind_overdue(zone="Asia/Tokyo", now=sunday_night_utc)) == 1


def test_the_business_day_keeps_the_local_hour_across_a_clock_change():
    # Friday Oct 30, 10:00 EDT; New York falls back on Sunday Nov 1: Monday 10:00 is 15:00 UTC
    review_created_at(datetime(2026, 10, 30, 14, 0))
    assert remind_overdue(zone=NY, now=datetime(2026, 11, 2, 14, 30)) == []
    assert len(remind_overdue(zone=NY, now=datetime(2026, 11, 2, 15, 0))) == 1


def test_each_overdue_review_gets_its_own_reminder():
    first = review_created_at(FRIDAY_10AM_NY, PHONE)
    second = review_created_at(FRIDAY_10AM_NY, "+12125550101")
    review_created_at(datetime(2026, 11, 30, 14, 0), "+12125550102")  # Monday: not yet due
    assert len(remind_overdue(zone=NY, now=MONDAY_10AM_NY)) == 2
    assert {a.review_id for a in reminders()} == {first.id, second.id}
