"""The course offer, from the catalogue's course events."""

from __future__ import annotations

import sqlalchemy as sa

from smile_common.db import JSONType, UTCDateTime
from smile_common.events import Envelope
from smile_common.events.payloads.catalogue import CoursePublished, CourseUpdated, CourseWithdrawn
from smile_indicators.db import metadata
from smile_indicators.facts.columns import state_columns, tenant_column
from smile_indicators.projection.apply import blank_row
from smile_indicators.projection.reducers import earliest, is_newer, latest, stamp
from smile_indicators.projection.registry import Key, Projection, Projector, Row

__all__ = ["course_fact", "register"]

course_fact = sa.Table(
    "course_fact",
    metadata,
    tenant_column(),
    sa.Column("course_id", sa.Uuid(), primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("ects", sa.Double(), nullable=False),
    sa.Column("organisational_unit_code", sa.String(64), nullable=True),
    sa.Column("isced_code", sa.String(4), nullable=True),
    sa.Column("eqf_level", sa.Integer(), nullable=True),
    sa.Column("term_codes", JSONType, nullable=True),
    sa.Column("first_published_at", UTCDateTime(), nullable=True),
    sa.Column("last_withdrawn_at", UTCDateTime(), nullable=True),
    *state_columns(),
    comment="The latest known state of each course offered to exchange students",
)

CourseEvent = CoursePublished | CourseUpdated | CourseWithdrawn
_STATUS = {
    CoursePublished.event_type: "published",
    CourseUpdated.event_type: "published",
    CourseWithdrawn.event_type: "withdrawn",
}


def _key(envelope: Envelope, payload: CourseEvent) -> Key:
    return (envelope.tenant, payload.course_id)


def reduce_course(old: Row | None, envelope: Envelope, payload: CourseEvent) -> Row:
    row = dict(old) if old else blank_row(course_fact, _key(envelope, payload))
    if isinstance(payload, CoursePublished):
        row["first_published_at"] = earliest(row["first_published_at"], payload.changed_at)
    if isinstance(payload, CourseWithdrawn):
        row["last_withdrawn_at"] = latest(row["last_withdrawn_at"], payload.changed_at)
    if is_newer(old, envelope):
        row.update(
            code=payload.code,
            status=_STATUS[envelope.type],
            ects=float(payload.ects),
            organisational_unit_code=payload.organisational_unit_code,
            isced_code=payload.isced_code,
            eqf_level=payload.eqf_level,
            term_codes=list(payload.term_codes),
            **stamp(envelope),
        )
    return row


def register(projector: Projector) -> None:
    for payload in (CoursePublished, CourseUpdated, CourseWithdrawn):
        projector.on(
            payload,
            stream=lambda envelope, p: f"course:{p.course_id}",
            projections=[Projection(course_fact, _key, reduce_course)],
        )
