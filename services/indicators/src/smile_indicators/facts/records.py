"""Transcripts, quality surveys and SIS enrolment synchronisation, from the records service's events."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from smile_common.db import UTCDateTime
from smile_common.events.payloads.records import (
    EnrolmentCompleted,
    EnrolmentFailed,
    SurveyCompleted,
    TranscriptIssued,
)
from smile_indicators.db import metadata
from smile_indicators.facts.columns import state_columns, tenant_column
from smile_indicators.projection.apply import blank_row
from smile_indicators.projection.reducers import earliest, latest, stamp
from smile_indicators.projection.registry import EventMeta, Key, Projection, Projector, Row

__all__ = ["enrolment_sync_fact", "register", "survey_fact", "transcript_fact"]

transcript_fact = sa.Table(
    "transcript_fact",
    metadata,
    tenant_column(),
    sa.Column("transcript_id", sa.Uuid(), primary_key=True),
    sa.Column("mobility_id", sa.Uuid(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("first_issued_at", UTCDateTime(), nullable=False),
    sa.Column("ects_attempted", sa.Double(), nullable=False),
    sa.Column("ects_obtained", sa.Double(), nullable=False),
    sa.Column("components", sa.Integer(), nullable=False),
    sa.Column("components_passed", sa.Integer(), nullable=False),
    *state_columns(),
    comment="Each transcript of records: first issue, and the credits of its latest version",
)
sa.Index("ix_transcript_fact_mobility", transcript_fact.c.tenant, transcript_fact.c.mobility_id)

survey_fact = sa.Table(
    "survey_fact",
    metadata,
    tenant_column(),
    sa.Column("response_id", sa.Uuid(), primary_key=True),
    sa.Column("mobility_id", sa.Uuid(), nullable=True),
    sa.Column("anonymous", sa.Boolean(), nullable=False),
    sa.Column("sending_hei_id", sa.String(255), nullable=True),
    sa.Column("academic_year", sa.String(9), nullable=True),
    sa.Column("overall_satisfaction", sa.Integer(), nullable=True),
    sa.Column("satisfaction_scale_max", sa.Integer(), nullable=True),
    sa.Column("completed_at", UTCDateTime(), nullable=False),
    *state_columns(),
    comment="Each answer to a quality survey (anonymous ones name only the sending university and year)",
)

enrolment_sync_fact = sa.Table(
    "enrolment_sync_fact",
    metadata,
    tenant_column(),
    sa.Column("enrolment_id", sa.Uuid(), primary_key=True),
    sa.Column("mobility_id", sa.Uuid(), nullable=False),
    sa.Column("sis", sa.String(32), nullable=False),
    #: ``failed`` while the latest attempt failed, ``completed`` once the SIS holds the enrolment
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("status_at", UTCDateTime(), nullable=False),
    sa.Column("step", sa.String(32), nullable=True),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("first_failed_at", UTCDateTime(), nullable=True),
    sa.Column("last_completed_at", UTCDateTime(), nullable=True),
    *state_columns(),
    comment="SIS enrolment synchronisations: open failures and how they were resolved",
)


def _stream(envelope: EventMeta, payload: TranscriptIssued | EnrolmentCompleted | EnrolmentFailed) -> str:
    return f"mobility:{payload.mobility_id}"


def _transcript_key(envelope: EventMeta, payload: TranscriptIssued) -> Key:
    return (envelope.tenant, payload.transcript_id)


def reduce_transcript(old: Row | None, envelope: EventMeta, payload: TranscriptIssued) -> Row:
    """The first issue date is the earliest version's; the credits are the latest version's."""
    row = dict(old) if old else blank_row(transcript_fact, _transcript_key(envelope, payload))
    row["first_issued_at"] = earliest(row["first_issued_at"], payload.issued_at)
    current = (row["version"], row["state_at"], row["state_event"]) if old else None
    if current is None or (payload.version, envelope.time, envelope.id) > current:
        row.update(
            mobility_id=payload.mobility_id,
            version=payload.version,
            ects_attempted=float(payload.ects_attempted),
            ects_obtained=float(payload.ects_obtained),
            components=len(payload.components),
            components_passed=sum(1 for c in payload.components if c.passed),
            **stamp(envelope),
        )
    return row


def _survey_key(envelope: EventMeta, payload: SurveyCompleted) -> Key:
    return (envelope.tenant, payload.response_id)


def _survey_stream(envelope: EventMeta, payload: SurveyCompleted) -> str:
    return f"mobility:{payload.mobility_id}" if payload.mobility_id else f"survey:{payload.response_id}"


def reduce_survey(old: Row | None, envelope: EventMeta, payload: SurveyCompleted) -> Row:
    if old is not None and (envelope.time, envelope.id) <= (old["state_at"], old["state_event"]):
        return old
    row = blank_row(survey_fact, _survey_key(envelope, payload))
    row.update(
        mobility_id=payload.mobility_id,
        anonymous=payload.anonymous,
        sending_hei_id=payload.sending_hei_id,
        academic_year=payload.academic_year,
        overall_satisfaction=payload.overall_satisfaction,
        satisfaction_scale_max=payload.satisfaction_scale_max,
        completed_at=payload.completed_at,
        **stamp(envelope),
    )
    return row


def _enrolment_key(envelope: EventMeta, payload: EnrolmentCompleted | EnrolmentFailed) -> Key:
    return (envelope.tenant, payload.enrolment_id)


def _status_order(row: Row) -> tuple[datetime, datetime, str]:
    return (row["status_at"], row["state_at"], row["state_event"])


def reduce_enrolment(old: Row | None, envelope: EventMeta, payload: EnrolmentCompleted | EnrolmentFailed) -> Row:
    """The status is that of the latest attempt (by the attempt's own time); failures are counted."""
    row = dict(old) if old else blank_row(enrolment_sync_fact, _enrolment_key(envelope, payload))
    failed = isinstance(payload, EnrolmentFailed)
    at = payload.failed_at if isinstance(payload, EnrolmentFailed) else payload.completed_at
    row["failures"] = (row["failures"] or 0) + (1 if failed else 0)
    if isinstance(payload, EnrolmentFailed):
        row["first_failed_at"] = earliest(row["first_failed_at"], payload.failed_at)
    else:
        row["last_completed_at"] = latest(row["last_completed_at"], payload.completed_at)
    if old is None or (at, envelope.time, envelope.id) > _status_order(old):
        row.update(
            mobility_id=payload.mobility_id,
            sis=payload.sis,
            status="failed" if failed else "completed",
            status_at=at,
            step=payload.step if isinstance(payload, EnrolmentFailed) else None,
            error=payload.error[:2000] if isinstance(payload, EnrolmentFailed) else None,
            **stamp(envelope),
        )
    return row


def register(projector: Projector) -> None:
    projector.on(
        TranscriptIssued,
        stream=_stream,
        projections=[Projection(transcript_fact, _transcript_key, reduce_transcript)],
    )
    projector.on(
        SurveyCompleted, stream=_survey_stream, projections=[Projection(survey_fact, _survey_key, reduce_survey)]
    )
    for payload in (EnrolmentCompleted, EnrolmentFailed):
        projector.on(
            payload,
            stream=_stream,
            projections=[Projection(enrolment_sync_fact, _enrolment_key, reduce_enrolment)],
        )
