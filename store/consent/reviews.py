"""Reviews: texts that may be opt-outs, and carrier blocks, decided by a person.

A decision is recorded once (the first click wins), as an event in the history; deciding
"opt out" also opts the phone out as a staff change. A review nobody decides within one
business day gets one reminder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from store.clock import now_or, to_aware, to_naive_utc, utcnow
from store.consent import chain
from store.consent.changes import ensure_phones, load_states, record_change
from store.consent.history import EventContext, persist_plans
from store.consent.rules import Actor, Change, Plan
from store.db import db
from store.errors import InvalidRequest, NotFound
from store.models import Alert, Review
from store.vocabulary import ALERT_REMINDER, DISMISSED, OPT_OUT, OPTED_OUT, PENDING, REVIEW_SCOPE

DECISIONS = {OPT_OUT: OPTED_OUT, "not_opt_out": DISMISSED}  # what a person decides: status


@dataclass
class ReviewDecision:
    review: Review
    applied: bool  # False when someone had already decided it
    decided_by: str | None


def decide_review(review_id: int, *, decision: str, actor: Actor) -> ReviewDecision:
    """Record `actor`'s decision on a pending review; the first decision wins."""
    if decision not in DECISIONS:
        raise InvalidRequest(f"a decision is one of {', '.join(DECISIONS)}, not {decision!r}")
    status = DECISIONS[decision]
    with db.atomic():
        chain.lock()  # before any row lock (chain.py)
        review = Review.get_or_none(Review.id == review_id)
        if review is None:
            raise NotFound(f"no review has id {review_id}")
        now = utcnow()
        won = (Review.update(status=status, decided_by=actor.actor, decided_at=now)
               .where(Review.id == review_id, Review.status == PENDING).execute())
        review = Review.get_by_id(review_id)
        if not won:
            return ReviewDecision(review, False, review.decided_by)
        e164 = review.phone.e164
        context = EventContext(inbound_message_id=review.inbound.provider_id
                               if review.inbound_id else None, raw_text=review.text,
                               rule=f"review:{review.kind}",
                               note=f"review {review.id} decided: {decision}")
        _record_decision(e164, review, status, actor, context)
        if decision == OPT_OUT and load_states([e164])[e164].overall != OPTED_OUT:
            record_change(e164, actor=actor, overall=OPTED_OUT, context=context)
        return ReviewDecision(review, True, actor.actor)


def _record_decision(e164: str, review: Review, status: str, actor: Actor, context) -> None:
    ensure_phones([e164])
    state = load_states([e164])[e164]
    plan = Plan(before=state, changes=[Change(REVIEW_SCOPE, PENDING, status, actor.source)])
    persist_plans([(plan, actor, context)])


def next_business_day(moment: datetime, zone: str) -> datetime:
    """Return `moment` (naive UTC) plus one business day in `zone` (Saturday, Sunday skipped)."""
    local = to_aware(moment).astimezone(ZoneInfo(zone))
    step = local + timedelta(days=1)
    while step.weekday() >= 5:
        step += timedelta(days=1)
    return to_naive_utc(step)


def remind_overdue(*, zone: str, now: datetime | None = None) -> list[int]:
    """Record one reminder alert for each review pending past one business day."""
    now = now_or(now)
    created = []
    with db.atomic():
        for review in Review.select().where(Review.status == PENDING,
                                            Review.reminded_at.is_null()):
            if next_business_day(review.created_at, zone) > now:
                continue
            Review.update(reminded_at=now).where(Review.id == review.id).execute()
            inserted = (Alert.insert(kind=ALERT_REMINDER, phone=review.phone_id, review=review.id)
                        .on_conflict_ignore().execute())
            if inserted:
                created.append(inserted)
    return created
