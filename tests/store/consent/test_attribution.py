"""An opt-out's likely cause (SPEC section 11): the last text sent to the phone within 7
days, whatever its kind, recorded on the opt-out event itself."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from store.clock import utcnow
from store.consent.history import list_events
from store.errors import ConsentRefused
from store.messaging.campaigns import create_campaign
from store.messaging.inbound import receive_text
from store.messaging.outbox import mark_sent, queue_message
from store.models import ConsentEvent, OutboundMessage
from store.records.imports import import_csv
from tests.factories import PHONE, ZONE, client_texts, staff_sets

pytestmark = pytest.mark.usefixtures("database")
NOON = utcnow().replace(hour=17, minute=0)  # within every US zone's sending hours


def sent(kind: str = "manual", *, to: str = PHONE, ago: timedelta = timedelta(hours=2),
         automation: str | None = None) -> OutboundMessage:
    message = queue_message(to=to, text="Hello from the dealership", kind=kind,
                            automation=automation, fallback_zone=ZONE, now=NOON)
    mark_sent(message.id, vonage_message_id=f"v-{message.id}")
    OutboundMessage.update(sent_at=utcnow() - ago).where(OutboundMessage.id == message.id).execute()
    return message


def cause_of(event: ConsentEvent) -> tuple:
    return (event.cause_message_id, event.cause_kind, event.cause_campaign_id,
            event.cause_automation)


def opt_outs(e164: str = PHONE) -> list[ConsentEvent]:
    return [e for e in list_events(e164) if e.new_state in ("opted_out", "off")]


@pytest.mark.parametrize("kind", ["manual", "work_plan", "lead_autoresponder"])
def test_a_stop_records_the_last_text_of_any_kind_as_its_cause(kind):
    sent("manual", ago=timedelta(days=2))
    last = sent(kind)
    client_texts(PHONE, "opt_out")
    overall = next(e for e in opt_outs() if e.scope == "overall")
    assert cause_of(overall) == (last.id, kind, None, None)


def test_a_scoped_stop_answering_an_automation_names_the_automation():
    last = sent("automation", automation="price_reduction")
    client_texts(PHONE, "opt_out", "price_reduction", text="STOP PRICE DROP")
    [event] = opt_outs()
    assert cause_of(event) == (last.id, "automation", None, "price_reduction")


def test_a_stop_answering_a_campaign_names_the_campaign_even_for_a_number_never_seen():
    result = create_campaign(name="Holiday sale", text="Big sale!", recipients=[PHONE],
                             actor="crm", include_unknown=True, fallback_zone=ZONE, now=NOON)
    message = OutboundMessage.get(OutboundMessage.campaign == result.campaign.id)
    mark_sent(message.id, vonage_message_id="v-campaign")
    receive_text(provider_id="in-1", from_number=PHONE.lstrip("+"), text="STOP")
    overall = next(e for e in opt_outs() if e.scope == "overall")
    assert cause_of(overall) == (message.id, "campaign", result.campaign.id, None)


def test_a_stop_with_no_text_in_the_last_seven_days_has_no_cause():
    sent("manual", ago=timedelta(days=7, minutes=1))
    client_texts(PHONE, "opt_out")
    assert all(cause_of(e) == (None, None, None, None) for e in list_events(PHONE))


def test_a_stop_from_a_phone_never_texted_has_no_cause():
    receive_text(provider_id="in-2", from_number=PHONE.lstrip("+"), text="STOP")
    assert [cause_of(e) for e in opt_outs() if e.scope == "overall"] == [(None,) * 4]


def test_confirmations_and_unsent_texts_are_not_causes():
    answered = sent("manual", ago=timedelta(hours=5))
    queue_message(to=PHONE, text="Still queued", kind="manual", fallback_zone=ZONE, now=NOON)
    receive_text(provider_id="in-3", from_number=PHONE.lstrip("+"), text="STOP PRICE DROP")
    confirmation = OutboundMessage.get(OutboundMessage.kind == "confirmation")
    mark_sent(confirmation.id, vonage_message_id="v-conf")
    receive_text(provider_id="in-4", from_number=PHONE.lstrip("+"), text="STOP")
    overall = next(e for e in opt_outs() if e.scope == "overall")
    assert overall.cause_message_id == answered.id


def test_only_the_opt_out_itself_carries_the_cause_not_its_cascade_nor_refusals():
    sent("manual")
    client_texts(PHONE, "opt_out")
    with pytest.raises(ConsentRefused):
        staff_sets(PHONE, overall="unknown", note="asked on the phone")
    events = list_events(PHONE)
    assert any(e.outcome == "refused" for e in events)
    with_cause = [e.scope for e in events if e.cause_message_id is not None]
    assert with_cause == ["overall"]
    assert {e.source for e in events if e.scope != "overall"} == {"cascade"}


def test_staff_and_import_opt_outs_record_their_cause_too():
    other = "+12125550199"
    first, second = sent("manual"), sent("work_plan", to=other)
    staff_sets(PHONE, overall="opted_out")
    import_csv(io.StringIO(f"phone,name,crm_id,overall,opted_out_at\n{other},Ann,,opted_out,\n"),
               source_name="crm.csv")
    assert opt_outs()[-1].cause_message_id == first.id
    assert next(e for e in opt_outs(other) if e.scope == "overall").cause_kind == "work_plan"
    assert second.id == opt_outs(other)[-1].cause_message_id
