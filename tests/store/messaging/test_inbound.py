"""Inbound texts, read once: recorded, classified, applied, answered, and sent to review."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from playhouse.test_utils import count_queries

from store.clock import utcnow
from store.consent.changes import (
    ensure_phones,
    get_state,
    mark_opt_in_requested,
    set_carrier_block,
)
from store.consent.history import list_events
from store.consent.replay import verify
from store.db import db, is_postgres
from store.leases import accept_nonce
from store.messaging.inbound import (
    MAX_INBOUND_TEXT,
    assemble_stale_parts,
    clean_text,
    plausible_time,
    receive_part,
    receive_text,
)
from store.messaging.replies import CONFIRM_WITHIN, ReplySettings
from store.models import (
    Alert,
    ConsentEvent,
    InboundMessage,
    InboundPart,
    OutboundMessage,
    Phone,
    Review,
)
from tests.factories import PHONE, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
MSISDN = PHONE.lstrip("+")  # as Vonage sends it
ACME = ReplySettings(dealership_name="Acme Motors", dealership_phone="(212) 555-0199")


def text_in(text: str, provider_id: str | None = None, **kw):
    return receive_text(provider_id=provider_id or f"id-{text}"[:100], from_number=MSISDN,
                        text=text, settings=kw.pop("settings", ACME), **kw)


def confirmations(e164: str = PHONE) -> list[OutboundMessage]:
    return list(OutboundMessage.select().where(OutboundMessage.to == e164,
                                               OutboundMessage.kind == "confirmation")
                .order_by(OutboundMessage.id))


def part_in(part: int, text: str, *, total: int, ref: str = "ab", provider_id: str | None = None):
    return receive_part(provider_id=provider_id or f"{ref}-{part}", from_number=MSISDN,
                        concat_ref=ref, part=part, total=total, text=text, settings=ACME)


# --- receive_text -----------------------------------------------------------------------------

def test_a_text_is_recorded_once_with_what_the_classifier_read():
    result = text_in("Stop!", provider_id="v-1", to_number="12125550199")
    stored = InboundMessage.get(InboundMessage.provider_id == "v-1")
    assert result.message.id == stored.id and not result.duplicate
    assert (stored.phone.e164, stored.from_number, stored.to_number, stored.text) == (
        PHONE, MSISDN, "12125550199", "Stop!")
    assert (stored.intent, stored.scope, stored.rule) == ("opt_out", "all", "keyword")
    assert stored.classifier_version and stored.processed_at is not None


def test_stop_opts_out_locked_with_the_text_on_the_event():
    result = text_in("STOP", provider_id="v-stop")
    state = get_state(PHONE)
    assert (state.overall, state.overall_source, state.locked) == (
        "opted_out", "client_keyword", True)
    assert {s.state for s in state.switches.values()} == {"off"}  # cascade
    overall = ConsentEvent.get_by_id(result.change.event_ids[0])
    assert (overall.scope, overall.new_state, overall.actor, overall.channel) == (
        "overall", "opted_out", "client", "sms")
    assert (overall.inbound_message_id, overall.raw_text, overall.rule) == (
        "v-stop", "STOP", "keyword")
    assert overall.occurred_at == result.message.received_at
    assert verify() == []


def test_stop_queues_one_plain_confirmation_that_expires_five_minutes_after_the_text():
    result = text_in("STOP")
    [reply] = confirmations()
    assert result.reply.id == reply.id and reply.reply_to_id == result.message.id
    assert (reply.status, reply.reason, reply.kind) == ("queued", None, "confirmation")
    assert reply.text == ("Acme Motors: you're unsubscribed and will get no more texts. "
                          "Reply START to rejoin.")
    assert reply.expires_at == result.message.received_at + CONFIRM_WITHIN


def test_stop_records_an_opt_out_alert_for_its_event():
    result = text_in("STOP")
    [alert] = Alert.select()
    assert (alert.kind, alert.phone.e164, alert.event_id) == (
        "opt_out", PHONE, result.change.event_ids[0])
    assert result.alerts == [alert.id]


def test_start_after_stop_opts_in_and_confirms_with_the_rates_line():
    text_in("STOP")
    result = text_in("START")
    state = get_state(PHONE)
    assert (state.overall, state.overall_source) == ("opted_in", "client_keyword")
    assert {s.state for s in state.switches.values()} == {"on"}  # the cascade comes back
    assert "Msg&data rates may apply." in result.reply.text
    assert "HELP" in result.reply.text and "STOP" in result.reply.text
    assert [a.kind for a in Alert.select().order_by(Alert.id)] == ["opt_out", "opt_in"]


def test_a_scoped_stop_turns_one_switch_off_and_says_other_texts_continue():
    result = text_in("stop price drop")
    state = get_state(PHONE)
    assert state.overall == "unknown"
    assert (state.switch("price_reduction").state, state.switch("price_reduction").source) == (
        "off", "client_keyword")
    assert state.switch("new_vehicle_arrival").state == "on"
    assert result.reply.text == ("Acme Motors: price drop alerts are off. Other texts continue. "
                                 "Reply STOP to end all texts.")


def test_a_scoped_stop_from_an_opted_out_phone_gets_no_other_texts_continue_reply():
    text_in("STOP")
    result = text_in("STOP PRICE DROP")
    assert result.reply is None
    assert len(confirmations()) == 1


def test_a_scoped_stop_widens_to_all_when_the_setting_says_so():
    settings = ReplySettings(dealership_name="Acme Motors", widen_scoped_stop=True)
    result = text_in("STOP PRICE DROP", settings=settings)
    assert get_state(PHONE).overall == "opted_out"
    assert "you're unsubscribed" in result.reply.text


def test_a_repeated_stop_within_24_hours_is_not_confirmed_again():
    first = text_in("STOP", provider_id="s1")
    second = text_in("STOP", provider_id="s2")
    assert first.reply is not None and second.reply is None
    assert len(confirmations()) == 1
    assert InboundMessage.select().count() == 2  # both texts are on record


def test_a_stop_repeated_after_24_hours_is_confirmed_again():
    text_in("STOP", provider_id="s1")
    (OutboundMessage.update(created_at=utcnow() - timedelta(hours=25))
     .where(OutboundMessage.kind == "confirmation").execute())
    assert text_in("STOP", provider_id="s2").reply is not None
    assert len(confirmations()) == 2


@pytest.mark.parametrize("owner", ["vonage", "carrier"])
def test_the_network_confirms_a_global_stop_when_it_owns_confirmations(owner):
    settings = ReplySettings(dealership_name="Acme Motors", confirmation_owner=owner)
    result = text_in("STOP", settings=settings)
    assert get_state(PHONE).overall == "opted_out"
    assert result.reply is None and confirmations() == []
    # a scoped STOP the network knows nothing about is still ours to confirm
    other = receive_text(provider_id="scoped", from_number="12125550101",
                         text="STOP NEW ARRIVALS", settings=settings)
    assert "new arrival alerts are off" in other.reply.text


def test_a_duplicate_provider_id_changes_nothing():
    text_in("STOP", provider_id="v-dup")
    events = ConsentEvent.select().count()
    again = receive_text(provider_id="v-dup", from_number=MSISDN, text="START")
    assert (again.duplicate, again.message, again.change, again.reply) == (True, None, None, None)
    assert get_state(PHONE).overall == "opted_out"
    assert InboundMessage.select().count() == 1 and ConsentEvent.select().count() == events
    assert len(confirmations()) == 1 and Alert.select().count() == 1


def test_an_ambiguous_text_creates_a_pending_review_and_its_alert_and_changes_nothing():
    result = text_in("I'll stop by Friday", provider_id="v-rv")
    review = Review.get()
    assert result.review.id == review.id
    assert (review.kind, review.status, review.inbound.provider_id, review.text) == (
        "text", "pending", "v-rv", "I'll stop by Friday")
    [alert] = Alert.select()
    assert (alert.kind, alert.review_id, alert.event_id) == ("review", review.id, None)
    assert get_state(PHONE).overall == "unknown" and list_events(PHONE) == []
    assert result.reply is None and OutboundMessage.select().count() == 0


def test_help_is_answered_even_to_an_opted_out_phone():
    client_texts(PHONE, "opt_out")
    result = text_in("HELP")
    assert (result.reply.kind, result.reply.status, result.reply.reason) == ("help", "queued", None)
    assert "Call (212) 555-0199." in result.reply.text
    assert "Msg&data rates may apply." in result.reply.text
    assert get_state(PHONE).overall == "opted_out"


def test_a_text_that_asks_nothing_is_recorded_and_does_nothing():
    result = text_in("see you at 5")
    assert result.message.intent == "none"
    assert (result.change, result.reply, result.review, result.alerts) == (None, None, None, [])
    assert ConsentEvent.select().count() == 0 and OutboundMessage.select().count() == 0


def test_yes_is_nothing_unless_the_phone_opted_out_by_its_own_keyword():
    staff_sets(PHONE, overall="opted_out")
    assert text_in("YES", provider_id="y1").message.intent == "none"
    assert get_state(PHONE).overall == "opted_out"
    client_texts(PHONE, "opt_out")
    assert text_in("yes", provider_id="y2").message.intent == "opt_in"
    assert get_state(PHONE).overall == "opted_in"


def test_yes_opts_in_within_24_hours_of_our_asking_and_not_from_a_new_phone():
    assert text_in("YES", provider_id="y-new").message.intent == "none"
    mark_opt_in_requested(PHONE, at=utcnow() - timedelta(hours=23))
    assert text_in("YES", provider_id="y-asked").message.intent == "opt_in"
    assert get_state(PHONE).overall == "opted_in"
    mark_opt_in_requested("+12125550177", at=utcnow() - timedelta(hours=25))
    late = receive_text(provider_id="y-late", from_number="12125550177", text="yes")
    assert late.message.intent == "none"


def test_an_ordinary_text_from_a_known_phone_costs_one_statement(monkeypatch):
    text_in("see you at 5", provider_id="q-1")  # the phone row exists from here on
    begun = []
    begin = db.obj.begin
    monkeypatch.setattr(db.obj, "begin", lambda *a, **k: begun.append(1) or begin(*a, **k))
    with count_queries() as new_phone:
        receive_text(provider_id="q-0", from_number="12125550188", text="see you at 5")
    with count_queries() as known:
        result = text_in("see you at 5", provider_id="q-2")
    with count_queries() as repeated:
        again = text_in("see you at 5", provider_id="q-2")
    # insert the text with its phone's id, returning it, in one statement and no
    # transaction; PostgreSQL makes a new phone in that same statement and says a repeated
    # id by returning nothing; SQLite adds the read that finds a repeated id, and for a new
    # phone that read, its creation and the insert again
    assert known.count == 1
    if is_postgres():
        assert new_phone.count == 1 and repeated.count == 1
    else:
        assert new_phone.count == 4 and repeated.count == 2
    assert not begun  # each statement commits on its own
    assert result.message.provider_id == "q-2" and again.duplicate
    stored = InboundMessage.get(InboundMessage.provider_id == "q-2")
    assert result.message.__data__ == stored.__data__
    assert Phone.get(Phone.e164 == "+12125550188").id == InboundMessage.get(
        InboundMessage.provider_id == "q-0").phone_id


def test_a_signed_text_that_asks_nothing_is_one_statement_with_its_nonce(monkeypatch):
    """A signed webhook's nonce is remembered in the text's own statement on PostgreSQL
    (where BEGIN, the nonce, the insert and COMMIT were four round trips), in the text's
    transaction on SQLite; a nonce seen before changes nothing, not even a new phone."""
    text_in("see you at 5", provider_id="sn-0")  # the phone is known from here on
    begun = []
    begin = db.obj.begin
    monkeypatch.setattr(db.obj, "begin", lambda *a, **k: begun.append(1) or begin(*a, **k))
    with count_queries() as known:
        first = text_in("see you at 5", provider_id="sn-1", nonce="sms:one")
    with count_queries() as new_phone:
        made = receive_text(provider_id="sn-2", from_number="12125550189", text="ok",
                            nonce="sms:two")
    if is_postgres():
        assert (known.count, new_phone.count, len(begun)) == (1, 1, 0)
    assert first.message.provider_id == "sn-1" and made.message.phone_id == Phone.get(
        Phone.e164 == "+12125550189").id
    # the same signed request again, even under another message id or from a new number
    replayed = text_in("see you at 5", provider_id="sn-3", nonce="sms:one")
    from_new = receive_text(provider_id="sn-4", from_number="12125550190", text="ok",
                            nonce="sms:two")
    assert replayed.duplicate and from_new.duplicate
    assert replayed.message is None and from_new.message is None
    assert not InboundMessage.select().where(
        InboundMessage.provider_id.in_(["sn-3", "sn-4"])).exists()
    assert not Phone.select().where(Phone.e164 == "+12125550190").exists()
    # a message id seen before under a new nonce: nothing more stored, the nonce remembered
    again = text_in("see you at 5", provider_id="sn-1", nonce="sms:three")
    assert again.duplicate and InboundMessage.select().where(
        InboundMessage.provider_id == "sn-1").count() == 1
    assert not accept_nonce("sms:three")
    assert accept_nonce("sms:four")


def test_a_signed_stop_remembers_its_nonce_with_its_change():
    text_in("see you at 5", provider_id="ss-0")
    stop = text_in("STOP", provider_id="ss-1", nonce="sms:stop")
    assert stop.change.changed and stop.reply is not None
    events, replies = ConsentEvent.select().count(), OutboundMessage.select().count()
    replayed = text_in("STOP", provider_id="ss-2", nonce="sms:stop")
    assert replayed.duplicate and replayed.change is None and replayed.message is None
    assert (ConsentEvent.select().count(), OutboundMessage.select().count()) == (
        events, replies)
    assert not InboundMessage.select().where(InboundMessage.provider_id == "ss-2").exists()
    assert not accept_nonce("sms:stop")


@pytest.mark.parametrize("text", ["STOP", "START", "YES"])
def test_a_signed_replay_is_answered_while_another_holds_the_chains_lock(database, text):
    """An import holds the chain's lock for seconds: a replay of a text that takes it is
    answered without waiting for it (a wait past the web's lock_timeout was a 503, and
    Vonage resending the request again and again)."""
    if not is_postgres():
        pytest.skip("SQLite runs one writer at a time, whatever it locks")
    import psycopg

    from store.consent.chain import _PG_CHAIN_KEY

    text_in(text, provider_id="h-1", nonce="sms:held")
    done = {}

    def replay():
        db.connect(reuse_if_open=True)
        try:
            done["result"] = text_in(text, provider_id="h-2", nonce="sms:held")
        finally:
            db.close()

    with psycopg.connect(database.url.replace("postgres://", "postgresql://", 1)) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_CHAIN_KEY,))
        worker = threading.Thread(target=replay)
        worker.start()
        worker.join(5)
        waited = worker.is_alive()
        other.rollback()  # the lock goes with the transaction
    worker.join(10)
    assert not waited, "the replay waited for the chain's lock"
    assert done["result"].duplicate and done["result"].message is None


def test_a_stop_from_a_known_phone_takes_no_savepoint_and_makes_no_phone():
    text_in("see you at 5", provider_id="k-1")  # the phone is known from here on
    with count_queries() as stop:
        result = text_in("STOP", provider_id="k-2")
    sql = [str(q.msg[0] if isinstance(q.msg, tuple) else q.msg) for q in stop.get_queries()]
    assert result.change.changed and result.reply is not None
    # one transaction: the consent change joins the text's, no nested savepoint
    assert not any("SAVEPOINT" in q for q in sql), sql
    # the phone is read (locked) as it is, not inserted ON CONFLICT DO NOTHING first
    assert not any(q.startswith('INSERT INTO "phone"') and "DO NOTHING" in q for q in sql)
    # the phone is read once, locked with its switches, for the message and for the change,
    # and the confirmation takes the state the change holds instead of reading it again
    phone_reads = [q for q in sql if q.startswith("SELECT") and 'FROM "phone"' in q]
    assert len(phone_reads) == 1 and 'LEFT JOIN "automation_switch"' in phone_reads[0], sql
    assert not any('FROM "automation_switch"' in q for q in sql if q not in phone_reads)
    if is_postgres():
        assert phone_reads[0].endswith('FOR UPDATE OF "p"')


def test_a_phone_first_seen_in_an_ordinary_text_is_the_phone_any_other_path_makes():
    made = receive_text(provider_id="n-1", from_number="12125550161", text="see you at 5")
    ensure_phones(["+12125550162"])
    first, other = (Phone.get(Phone.e164 == e) for e in ("+12125550161", "+12125550162"))
    assert made.message.phone_id == first.id and made.message.__data__ == InboundMessage.get(
        InboundMessage.provider_id == "n-1").__data__
    ignore = {"id", "e164", "created_at"}
    assert {k: v for k, v in first.__data__.items() if k not in ignore} == {
        k: v for k, v in other.__data__.items() if k not in ignore}
    assert get_state("+12125550161").overall == "unknown"
    # a repeated id from a new number records nothing more, and the phone stays one row
    again = receive_text(provider_id="n-1", from_number="12125550163", text="see you at 5")
    assert again.duplicate and InboundMessage.select().count() == 1
    assert Phone.select().where(Phone.e164 == "+12125550161").count() == 1


def test_a_known_phone_draws_no_id_for_a_phone_it_does_not_make():
    for n in range(5):
        text_in("see you at 5", provider_id=f"s-{n}")
    newcomer = receive_text(provider_id="s-new", from_number="12125550164", text="ok")
    ids = sorted(p.id for p in Phone.select())
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # no id burnt by the known phone
    assert newcomer.message.phone_id == ids[-1]


def test_a_phone_made_by_another_text_at_the_same_instant_is_still_the_texts_phone(
        database):
    """PostgreSQL: the other statement's phone is not in this one's snapshot; the text is
    stored with it all the same."""
    if not is_postgres():
        pytest.skip("SQLite writes one statement at a time")
    import psycopg

    other = psycopg.connect(database.url.replace("postgres://", "postgresql://", 1))
    other.execute("INSERT INTO phone (e164, overall, overall_source, carrier_blocked, "
                  "created_at) VALUES ('+12125550165', 'unknown', 'default', false, now())")
    done = {}

    def text():
        db.connect(reuse_if_open=True)
        try:
            done["result"] = receive_text(provider_id="race-1", from_number="12125550165",
                                          text="see you at 5")
        finally:
            db.close()

    worker = threading.Thread(target=text)
    worker.start()
    worker.join(0.5)  # waits for the other transaction's phone: the same number
    assert worker.is_alive()
    other.commit()
    other.close()
    worker.join(10)
    phone = Phone.get(Phone.e164 == "+12125550165")
    assert done["result"].message.phone_id == phone.id
    assert InboundMessage.get(InboundMessage.provider_id == "race-1").phone_id == phone.id


def test_a_sender_that_is_not_a_phone_is_recorded_and_nothing_acts_on_it():
    result = receive_text(provider_id="sc", from_number="AcmeBank", text="STOP")
    assert result.message.phone_id is None and result.message.intent == "opt_out"
    assert result.change is None and result.reply is None
    assert ConsentEvent.select().count() == 0


def test_control_characters_are_removed_before_the_text_is_read():
    result = text_in("ST\x00OP\x07", provider_id="ctl")
    assert result.message.text == "STOP"
    assert get_state(PHONE).overall == "opted_out"


def test_an_absurd_sender_time_is_replaced_by_the_receipt_time():
    before = utcnow()
    result = text_in("hello", received_at=datetime(1999, 1, 1, tzinfo=UTC))
    assert before <= result.message.received_at <= utcnow()


def test_the_confirmation_to_a_carrier_blocked_phone_is_recorded_blocked():
    set_carrier_block(PHONE, blocked=True)
    result = text_in("STOP")
    assert (result.reply.status, result.reply.reason) == ("blocked", "carrier_blocked")


def test_start_lifts_the_carrier_block_so_its_confirmation_may_go():
    set_carrier_block(PHONE, blocked=True)
    result = text_in("START")
    assert get_state(PHONE).carrier_blocked is False
    assert (result.reply.status, result.reply.reason) == ("queued", None)
    assert verify() == []


def test_a_sender_clock_ahead_does_not_stretch_the_five_minutes_of_a_confirmation():
    before = utcnow()
    result = text_in("STOP", received_at=before + timedelta(hours=12))
    assert result.reply.expires_at <= utcnow() + CONFIRM_WITHIN
    assert ConsentEvent.get_by_id(result.change.event_ids[0]).occurred_at <= utcnow()


# --- receive_part and assemble_stale_parts ----------------------------------------------------

def test_parts_wait_for_each_other_then_are_read_as_one_text():
    first = part_in(1, "please stop sending me the ", total=2)
    assert (first.message, first.duplicate) == (None, False)
    assert InboundMessage.select().count() == 0 and ConsentEvent.select().count() == 0
    whole = part_in(2, "price drop texts", total=2)
    assert whole.message.text == "please stop sending me the price drop texts"
    assert whole.message.provider_id == "concat:ab-1"
    assert (whole.message.intent, whole.message.scope) == ("opt_out", "price_reduction")
    assert get_state(PHONE).switch("price_reduction").state == "off"
    assert {p.assembled_into_id for p in InboundPart.select()} == {whole.message.id}


def test_parts_arriving_in_any_order_are_joined_in_part_order():
    assert part_in(3, "drop", total=3).message is None
    assert part_in(1, "STOP ", total=3).message is None
    whole = part_in(2, "PRICE ", total=3)
    assert whole.message.text == "STOP PRICE drop"
    assert whole.message.provider_id == "concat:ab-1"  # named after part 1, whenever it came
    assert whole.message.scope == "price_reduction"


def test_a_keyword_split_across_parts_is_still_read():
    part_in(2, "OP", total=2)
    whole = part_in(1, "ST", total=2)
    assert whole.message.text == "STOP"
    assert get_state(PHONE).overall == "opted_out"


def test_a_part_delivered_twice_is_kept_once():
    part_in(1, "STOP ", total=2, provider_id="p1")
    again = part_in(1, "STOP ", total=2, provider_id="p1")
    assert again.duplicate and InboundPart.select().count() == 1


def test_a_second_copy_of_a_part_is_not_read_again_once_its_text_was_assembled():
    part_in(1, "please stop ", total=2, provider_id="p1")
    part_in(1, "please stop ", total=2, provider_id="p1-copy")
    assert part_in(2, "texting me", total=2).message.text == "please stop texting me"
    InboundPart.update(received_at=utcnow() - timedelta(minutes=3)).execute()
    assert assemble_stale_parts() == []
    assert InboundMessage.select().count() == 1


def test_a_reused_concat_ref_starts_a_new_text_once_the_first_is_assembled():
    part_in(1, "STOP ", total=2, provider_id="a1")
    part_in(2, "PRICE DROP", total=2, provider_id="a2")
    assert part_in(1, "START ", total=2, provider_id="b1").message is None
    second = part_in(2, "PRICE DROP", total=2, provider_id="b2")
    assert second.message.text == "START PRICE DROP"
    assert get_state(PHONE).switch("price_reduction").state == "on"


def test_a_stale_partial_text_is_read_from_the_parts_that_came():
    part_in(1, "STOP", total=3, ref="late")
    part_in(1, "hello", total=2, ref="fresh")
    assert assemble_stale_parts() == []  # both arrived just now
    (InboundPart.update(received_at=utcnow() - timedelta(minutes=3))
     .where(InboundPart.concat_ref == "late").execute())
    [result] = assemble_stale_parts()
    assert result.message.text == "STOP" and result.message.provider_id == "concat:late-1"
    assert get_state(PHONE).overall == "opted_out"
    assert InboundPart.get(InboundPart.concat_ref == "late").assembled_into_id == result.message.id
    assert InboundPart.get(InboundPart.concat_ref == "fresh").assembled_into_id is None
    assert assemble_stale_parts() == []  # read once


def test_a_stale_text_with_a_gap_joins_the_parts_it_has_in_order():
    part_in(3, " and everything", total=3)
    part_in(1, "STOP PRICE DROP", total=3)
    InboundPart.update(received_at=utcnow() - timedelta(minutes=3)).execute()
    [result] = assemble_stale_parts()
    assert result.message.text == "STOP PRICE DROP and everything"
    assert (result.message.intent, result.message.scope) == ("opt_out", "all")


# --- clean_text and plausible_time ------------------------------------------------------------

@pytest.mark.parametrize(("raw", "clean"), [
    (None, ""),
    ("", ""),
    ("STOP\x00\x1b[31m", "STOP[31m"),
    ("st\x7fop\x85\x9f", "stop"),
    ("line one\nline\ttwo\r\n", "line one\nline\ttwo\r\n"),  # what a client can type stays
    ("más ☺ \u200b", "más ☺ \u200b"),  # not a control character: the classifier folds it
])
def test_clean_text_removes_control_characters_only(raw, clean):
    assert clean_text(raw) == clean


def test_clean_text_cuts_a_huge_body_instead_of_refusing_it():
    assert clean_text("a" * (MAX_INBOUND_TEXT + 5)) == "a" * MAX_INBOUND_TEXT
    # control characters are removed before the cut
    assert clean_text("\x00" * 10 + "b" * MAX_INBOUND_TEXT) == "b" * MAX_INBOUND_TEXT


NOW = datetime(2026, 11, 26, 17, 0)


@pytest.mark.parametrize(("moment", "expected"), [
    (None, NOW),
    (NOW - timedelta(hours=23), NOW - timedelta(hours=23)),
    (NOW + timedelta(days=1), NOW + timedelta(days=1)),  # exactly a day off is believed
    (NOW - timedelta(days=1, seconds=1), NOW),
    (NOW + timedelta(days=400), NOW),
    (datetime(2026, 11, 26, 12, 30, tzinfo=timezone(timedelta(hours=-5))),
     datetime(2026, 11, 26, 17, 30)),  # aware: converted to naive UTC
    (datetime.min.replace(tzinfo=timezone(timedelta(hours=5))), NOW),  # overflows: not believed
])
def test_plausible_time_believes_a_sender_clock_within_a_day(moment, expected):
    assert plausible_time(moment, NOW) == expected


def test_a_reply_to_a_carrier_blocked_phone_is_recorded_blocked():
    text_in("see you at 5", provider_id="cb-0")
    set_carrier_block(PHONE, blocked=True)
    result = text_in("HELP", provider_id="cb-1")
    assert (result.reply.kind, result.reply.status) == ("help", "blocked")
    assert result.reply.reason == "carrier_blocked"
