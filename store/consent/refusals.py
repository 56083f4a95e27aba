"""Why a change was refused, in words a salesperson understands (rule 10 records the event;
this says it), as ConsentRefused carries it to every edge."""

from __future__ import annotations

from store.automations import AUTOMATIONS
from store.consent.misread import (
    ALREADY_CORRECTED,
    CONFIRMED_BY_CLIENT,
    NOT_CLIENT_OPT_OUT,
    NOT_NATURAL_LANGUAGE,
    NOTE_REQUIRED,
    STATE_CHANGED,
)
from store.consent.rules import WITH_REFUSED_PART, Plan
from store.errors import ConsentRefused
from store.vocabulary import EVIDENCE_REQUIRED


def refusal_of(plan: Plan) -> ConsentRefused:
    """Return the refusal a refused plan raises: one reason, and a sentence per scope."""
    refusals = {r.scope: r.reason for r in plan.refusals}
    causes = [r for r in plan.refusals if r.reason != WITH_REFUSED_PART]
    reasons = {r.reason for r in causes}
    # evidence_required is the one refusal the same person can fix by adding a note
    reason = EVIDENCE_REQUIRED if reasons == {EVIDENCE_REQUIRED} else sorted(
        reasons - {EVIDENCE_REQUIRED})[0]
    return ConsentRefused(reason, "; ".join(explain_refusal(r.scope, r.reason)
                                            for r in causes), refusals)


def explain_refusal(scope: str, reason: str) -> str:
    """Return a sentence a salesperson understands for one refused scope."""
    if scope in AUTOMATIONS:
        what, start = AUTOMATIONS[scope].label, f"START {AUTOMATIONS[scope].keyphrase}"
    else:  # overall (or, for a misread refused, an event of no consent scope)
        what, start = "the overall preference", "START"
    return {
        "locked": f"{what} was turned off by the client's own text (or an imported opt-out); "
        f"only the client can turn it back on, by texting {start}",
        "evidence_required": "opting a client in, or undoing an opt-out, needs a note of how "
        "and when the client consented",
        "opted_out": f"{what} cannot be turned on while the client is opted out",
        "import_never_relaxes": "the phone is opted out, and an import never relaxes consent",
        NOT_CLIENT_OPT_OUT: "only an opt-out the client's text made can be marked misread",
        NOT_NATURAL_LANGUAGE: "the client texted an opt-out word (such as STOP, a typo of it, "
        "or STOP with an automation's name); that is never a misreading, so only the client "
        f"can undo it, by texting {start}",
        ALREADY_CORRECTED: "this opt-out was already marked misread",
        CONFIRMED_BY_CLIENT: "the client texted an opt-out again after this one, which "
        f"confirms it; only the client can undo it, by texting {start}",
        STATE_CHANGED: "the preferences this opt-out changed have changed again since; "
        "undoing it now would undo that later change too",
        NOTE_REQUIRED: "marking an opt-out misread needs a note of what the client meant",
    }.get(reason, f"{what}: refused ({reason})")
