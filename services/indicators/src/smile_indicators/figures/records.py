"""Transcripts after the mobility, survey satisfaction and SIS synchronisation failures."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.facts.records import enrolment_sync_fact, survey_fact, transcript_fact
from smile_indicators.figures import clock
from smile_indicators.figures.filters import DIMENSIONS
from smile_indicators.figures.framework import Indicator, Measure, Record
from smile_indicators.figures.population import (
    ACCEPTED_STATUSES,
    dimensions_of,
    load_dimensions,
    mobility_records,
)
from smile_indicators.figures.stats import mean, percentile, ratio

__all__ = ["SIS_SYNC_FAILURES", "SURVEY_SATISFACTION", "TRANSCRIPT_DELAY"]

ALL = tuple(DIMENSIONS)
#: the transcript should be issued within five weeks of the end of the mobility.
TARGET_DAYS = 35


async def _first_issue(session: AsyncSession, tenant: str) -> dict[UUID, date]:
    query = (
        sa.select(transcript_fact.c.mobility_id, sa.func.min(transcript_fact.c.first_issued_at))
        .where(transcript_fact.c.tenant == tenant)
        .group_by(transcript_fact.c.mobility_id)
    )
    return {mobility_id: issued.date() for mobility_id, issued in (await session.execute(query)).all()}


async def _delay_records(session: AsyncSession, tenant: str) -> list[Record]:
    """Every accepted mobility whose end date has passed, with its first transcript if any."""
    mobilities = await mobility_records(session, tenant, await load_dimensions(session, tenant))
    issued = await _first_issue(session, tenant)
    today = clock.today()
    out = []
    for mobility_id, m in mobilities.items():
        end = m["departure"]
        if m["status"] not in ACCEPTED_STATUSES or end is None or end > today:
            continue
        first = issued.get(mobility_id)
        out.append(
            {
                **dimensions_of(m),
                "date": end,
                "days": (first - end).days if first else None,
                "waiting_days": (today - end).days if first is None else None,
            }
        )
    return out


def _summarise_delay(records: list[Record]) -> dict[str, Any]:
    issued = [r["days"] for r in records if r["days"] is not None]
    within = sum(1 for d in issued if d <= TARGET_DAYS)
    return {
        "mobilities_ended": len(records),
        "transcripts_issued": len(issued),
        "median_days": percentile(issued, 50),
        "p90_days": percentile(issued, 90),
        "within_target": within,
        "within_target_share": ratio(within, len(issued)),
        "awaiting": sum(1 for r in records if r["days"] is None),
        "overdue": sum(1 for r in records if r["waiting_days"] is not None and r["waiting_days"] > TARGET_DAYS),
    }


TRANSCRIPT_DELAY = Indicator(
    slug="transcript-delay",
    operation="TranscriptDelay",
    title="Time from the end of the mobility to the transcript",
    description="Days from the end of each mobility to the first issue of its transcript of records "
    f"(target: within {TARGET_DAYS} days, five weeks), and mobilities still waiting for theirs.",
    date_basis="end of the mobility (actual departure, else planned)",
    filters=ALL,
    measures=(
        Measure("mobilities_ended", "count", "Accepted mobilities whose end date has passed"),
        Measure("transcripts_issued", "count", "Of which a transcript was issued"),
        Measure("median_days", "days", "Median days from the end to the transcript (negative: before the end)"),
        Measure("p90_days", "days", "90th percentile of those days"),
        Measure("within_target", "count", f"Transcripts issued within {TARGET_DAYS} days of the end"),
        Measure("within_target_share", "rate", "within_target / transcripts_issued"),
        Measure("awaiting", "count", "Ended mobilities without a transcript yet"),
        Measure("overdue", "count", f"Of which the end was more than {TARGET_DAYS} days ago"),
    ),
    records=_delay_records,
    summarise=_summarise_delay,
    targets={"within_target_share": 1.0},
)


async def _survey_records(session: AsyncSession, tenant: str) -> list[Record]:
    dims = await load_dimensions(session, tenant)
    mobilities = await mobility_records(session, tenant, dims)
    out = []
    for s in (await session.execute(sa.select(survey_fact).where(survey_fact.c.tenant == tenant))).all():
        record = dimensions_of(mobilities.get(s.mobility_id)) if s.mobility_id else dimensions_of(None)
        record["partner"] = record["partner"] or s.sending_hei_id
        record["country"] = record["country"] or dims.country_of(s.sending_hei_id)
        record["academic_year"] = record["academic_year"] or s.academic_year
        score = None
        if s.overall_satisfaction is not None and s.satisfaction_scale_max:
            score = s.overall_satisfaction / s.satisfaction_scale_max
        out.append({**record, "date": s.completed_at.date(), "score": score, "anonymous": s.anonymous})
    return out


def _summarise_survey(records: list[Record]) -> dict[str, Any]:
    scores = [r["score"] for r in records if r["score"] is not None]
    satisfied = sum(1 for s in scores if s >= 0.8 - 1e-9)
    return {
        "responses": len(records),
        "anonymous_responses": sum(1 for r in records if r["anonymous"]),
        "rated": len(scores),
        "mean_score_5": mean([s * 5 for s in scores]),
        "satisfied": satisfied,
        "satisfied_share": ratio(satisfied, len(scores)),
    }


SURVEY_SATISFACTION = Indicator(
    slug="survey-satisfaction",
    operation="SurveySatisfaction",
    title="Survey satisfaction",
    description="Answers to the quality surveys and the overall satisfaction they give, brought to a "
    "five-point scale. Anonymous answers name only the sending university and the academic year: filters "
    "on faculty, term, ISCED, EQF or programme leave them out.",
    date_basis="answer",
    filters=ALL,
    measures=(
        Measure("responses", "count", "Survey answers"),
        Measure("anonymous_responses", "count", "Of which anonymous"),
        Measure("rated", "count", "Answers with an overall satisfaction"),
        Measure("mean_score_5", "score", "Mean overall satisfaction on a 1-5 scale (score / scale max x 5)"),
        Measure("satisfied", "count", "Answers at 80 % of the scale or more (4 or 5 out of 5)"),
        Measure("satisfied_share", "rate", "satisfied / rated"),
    ),
    records=_survey_records,
    summarise=_summarise_survey,
)


async def _sync_records(session: AsyncSession, tenant: str) -> list[Record]:
    mobilities = await mobility_records(session, tenant, await load_dimensions(session, tenant))
    query = sa.select(enrolment_sync_fact).where(
        enrolment_sync_fact.c.tenant == tenant, enrolment_sync_fact.c.failures > 0
    )
    out = []
    for e in (await session.execute(query)).all():
        resolved = e.status == "completed"
        out.append(
            {
                **dimensions_of(mobilities.get(e.mobility_id)),
                "date": e.first_failed_at.date() if e.first_failed_at else None,
                "step": e.step if not resolved else None,
                "sis": e.sis,
                "open": not resolved,
                "failures": e.failures,
                "first_failed_at": e.first_failed_at,
                "resolution_days": (e.status_at - e.first_failed_at).total_seconds() / 86400 if resolved else None,
            }
        )
    return out


def _summarise_sync(records: list[Record]) -> dict[str, Any]:
    now = clock.now()
    open_days = [(now - r["first_failed_at"]).total_seconds() / 86400 for r in records if r["open"]]
    return {
        "open": sum(1 for r in records if r["open"]),
        "resolved": sum(1 for r in records if not r["open"]),
        "failed_attempts": sum(r["failures"] for r in records),
        "oldest_open_days": round(max(open_days), 2) if open_days else None,
        "median_resolution_days": percentile([r["resolution_days"] for r in records if not r["open"]], 50),
    }


SIS_SYNC_FAILURES = Indicator(
    slug="sis-sync-failures",
    operation="SisSyncFailures",
    title="SIS synchronisation failures",
    description="Enrolments in the student information system (Pégase, Apogée or files) that failed: those "
    "still open (the latest attempt failed) and those resolved since.",
    date_basis="first failure",
    filters=ALL,
    measures=(
        Measure("open", "count", "Enrolments whose latest synchronisation attempt failed"),
        Measure("resolved", "count", "Enrolments that failed, then succeeded"),
        Measure("failed_attempts", "count", "Failed attempts in all"),
        Measure("oldest_open_days", "days", "Days since the first failure of the oldest open one"),
        Measure("median_resolution_days", "days", "Median days from first failure to success"),
    ),
    records=_sync_records,
    summarise=_summarise_sync,
    extra_breakdowns={"step": "Step of the open failure: learner, administrative or courses.", "sis": "SIS kind."},
)
