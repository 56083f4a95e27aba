"""/api/v1 reports: opt-outs and opt-out rates per campaign, automation type and kind of text
(SPEC section 11), for the texts sent since a moment."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from gateway.api_answers import Reply, Source
from gateway.api_models import Query
from gateway.api_routes import operation
from gateway.fields import When
from store.automations import AUTOMATIONS
from store.clock import to_naive_utc, utcnow
from store.messaging import OptOutRate, opt_out_report, opt_outs_by_source
from store.vocabulary import KINDS

DEFAULT_SPAN = timedelta(days=30)  # since, when not given
LONGEST_SPAN = timedelta(days=366)  # the furthest back a report reaches
# A date, or a date and time (UTC unless it names an offset), ASCII digits only.
SINCE = (r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$")
_SINCE = re.compile(SINCE, re.ASCII)


def _since(raw: Any) -> datetime:
    """Read `since` as naive UTC, within the last LONGEST_SPAN and not in the future."""
    wanted = ("since must be a date (2026-11-01) or a time in ISO 8601 "
              "(2026-11-01T09:00:00Z), within the last 366 days")
    if not isinstance(raw, str) or not _SINCE.fullmatch(raw):
        raise PydanticCustomError("since", wanted)
    try:
        moment = to_naive_utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except (ValueError, OverflowError):  # 2026-02-30, or an offset past year 1 or 9999
        raise PydanticCustomError("since", wanted) from None
    now = utcnow()
    if moment > now:
        raise PydanticCustomError("since", "since is in the future: no text was sent after it")
    if moment < now - LONGEST_SPAN:
        raise PydanticCustomError("since", wanted)
    return moment


Since = Annotated[datetime, BeforeValidator(_since), WithJsonSchema({
    "type": "string", "pattern": SINCE, "maxLength": 32,
    "description": "a date or ISO 8601 time (UTC unless it names an offset) within the last "
                   "366 days; default 30 days ago"})]


class ReportQuery(Query):
    since: Since | None = Field(None, description="count the texts sent since then, and the "
                                "opt-outs answering them; default 30 days ago")


class Figures(Reply):
    sent: int = Field(description="texts sent (those with sent_at) since `since`")
    opt_outs: int = Field(description="recipients of those texts who opted out (of "
                          "everything or of one automation) in answer to them")
    opt_out_rate: float | None = Field(description="opt_outs / sent; null when none was sent")


class CampaignFigures(Figures):
    id: int
    name: str


class AutomationFigures(Figures):
    automation: Literal[tuple(AUTOMATIONS)]
    label: str


class KindFigures(Figures):
    kind: Literal[KINDS]


class OptOutsReport(Reply):
    """Opt-outs and opt-out rates of the texts sent since a moment.

    An opt-out answers the last text sent to the phone within the 7 days before it; one
    marked misread is not counted.
    """

    since: When
    campaigns: list[CampaignFigures] = Field(description="campaigns that sent texts since, "
                                             "newest first")
    automations: list[AutomationFigures] = Field(description="every automation type")
    kinds: list[KindFigures] = Field(description="every kind of text")
    by_source: dict[Source, int] = Field(description="every opt-out since, by source, "
                                         "whether or not it answered a text")


def _figures(rate: OptOutRate) -> dict:
    return {"sent": rate.sent, "opt_outs": rate.opt_outs, "opt_out_rate": rate.rate}


@operation("GET", "/reports/opt-outs", "Opt-outs and opt-out rates per campaign, "
           "automation type and kind of text", ok=(200, OptOutsReport, "The report"),
           errors=(400,), query=ReportQuery)
def get_opt_outs_report(query: ReportQuery) -> OptOutsReport:
    since = query.since or utcnow() - DEFAULT_SPAN
    report = opt_out_report(since=since)
    return OptOutsReport(
        since=since,
        campaigns=[CampaignFigures(id=int(r.key), name=r.name, **_figures(r))
                   for r in report.campaigns],
        automations=[AutomationFigures(automation=r.key, label=r.name, **_figures(r))
                     for r in report.automations if r.key in AUTOMATIONS],
        kinds=[KindFigures(kind=r.key, **_figures(r)) for r in report.kinds],
        by_source=opt_outs_by_source(since=since))
