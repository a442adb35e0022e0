"""The queries behind the fact datasets: one ordered pass over a table, summaries joined in SQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from smile_indicators.facts.catalogue import course_fact
from smile_indicators.facts.mobility import learning_agreement_fact, mobility_fact
from smile_indicators.facts.records import enrolment_sync_fact, survey_fact, transcript_fact

__all__ = [
    "course_rows",
    "enrolment_rows",
    "learning_agreement_rows",
    "mobility_rows",
    "survey_rows",
    "transcript_rows",
]


def mobility_rows(tenant: str) -> sa.Select[Any]:
    """Mobilities with their transcripts' totals and the ECTS of their latest approved LA version."""
    t = transcript_fact
    transcripts = (
        sa.select(
            t.c.mobility_id,
            sa.func.min(t.c.first_issued_at).label("first_issued_at"),
            sa.func.sum(t.c.ects_attempted).label("ects_attempted"),
            sa.func.sum(t.c.ects_obtained).label("ects_obtained"),
        )
        .where(t.c.tenant == tenant)
        .group_by(t.c.mobility_id)
        .subquery()
    )
    la = learning_agreement_fact
    approved = sa.and_(la.c.tenant == tenant, la.c.approved_at.is_not(None))
    latest = (
        sa.select(la.c.mobility_id, sa.func.max(la.c.version).label("version"))
        .where(approved)
        .group_by(la.c.mobility_id)
        .subquery()
    )
    planned = (
        sa.select(la.c.mobility_id, sa.func.sum(la.c.ects_studied).label("ects_planned"))
        .join(latest, sa.and_(latest.c.mobility_id == la.c.mobility_id, latest.c.version == la.c.version))
        .where(approved)
        .group_by(la.c.mobility_id)
        .subquery()
    )
    m = mobility_fact
    return (
        sa.select(
            m,
            transcripts.c.first_issued_at,
            transcripts.c.ects_attempted,
            transcripts.c.ects_obtained,
            planned.c.ects_planned,
        )
        .outerjoin(transcripts, transcripts.c.mobility_id == m.c.mobility_id)
        .outerjoin(planned, planned.c.mobility_id == m.c.mobility_id)
        .where(m.c.tenant == tenant, m.c.state_at.is_not(None))
        .order_by(m.c.mobility_id)
    )


def learning_agreement_rows(tenant: str) -> sa.Select[Any]:
    la = learning_agreement_fact
    return sa.select(la).where(la.c.tenant == tenant).order_by(la.c.learning_agreement_id, la.c.version)


def transcript_rows(tenant: str) -> sa.Select[Any]:
    return (
        sa.select(transcript_fact).where(transcript_fact.c.tenant == tenant).order_by(transcript_fact.c.transcript_id)
    )


def survey_rows(tenant: str) -> sa.Select[Any]:
    return sa.select(survey_fact).where(survey_fact.c.tenant == tenant).order_by(survey_fact.c.response_id)


def enrolment_rows(tenant: str) -> sa.Select[Any]:
    e = enrolment_sync_fact
    return sa.select(e).where(e.c.tenant == tenant).order_by(e.c.enrolment_id)


def course_rows(tenant: str) -> sa.Select[Any]:
    return sa.select(course_fact).where(course_fact.c.tenant == tenant).order_by(course_fact.c.code)
