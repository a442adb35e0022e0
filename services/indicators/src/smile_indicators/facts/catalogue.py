"""The course offer and the organisational units, from the catalogue's events."""

from __future__ import annotations

import sqlalchemy as sa

from smile_common.db import JSONType, UTCDateTime
from smile_common.events.payloads.catalogue import (
    CoursePublished,
    CourseUpdated,
    CourseWithdrawn,
    OrganisationalUnitCreated,
    OrganisationalUnitUpdated,
)
from smile_indicators.db import metadata
from smile_indicators.facts.columns import state_columns, tenant_column
from smile_indicators.projection.apply import blank_row
from smile_indicators.projection.reducers import earliest, is_newer, latest, stamp
from smile_indicators.projection.registry import EventMeta, Key, Projection, Projector, Row

__all__ = ["course_fact", "organisational_unit_dim", "register", "register_units"]

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


def _key(envelope: EventMeta, payload: CourseEvent) -> Key:
    return (envelope.tenant, payload.course_id)


def reduce_course(old: Row | None, envelope: EventMeta, payload: CourseEvent) -> Row:
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


organisational_unit_dim = sa.Table(
    "organisational_unit_dim",
    metadata,
    tenant_column(),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("organisational_unit_id", sa.Uuid(), nullable=False),
    sa.Column("name", sa.String(512), nullable=True),
    sa.Column("kind", sa.String(32), nullable=True),
    sa.Column("parent_code", sa.String(64), nullable=True),
    sa.Column("city", sa.String(255), nullable=True),
    *state_columns(),
    comment="The university's organisational units: faculty of each unit (through parents) and campus city",
)

UnitEvent = OrganisationalUnitCreated | OrganisationalUnitUpdated


def _unit_key(envelope: EventMeta, payload: UnitEvent) -> Key:
    return (envelope.tenant, payload.code)


def reduce_unit(old: Row | None, envelope: EventMeta, payload: UnitEvent) -> Row:
    if not is_newer(old, envelope):
        assert old is not None
        return old
    row = dict(old) if old else blank_row(organisational_unit_dim, _unit_key(envelope, payload))
    name = payload.name.get("en") or payload.name.get("fr") or next(iter(payload.name.values()), None)
    row.update(
        organisational_unit_id=payload.organisational_unit_id,
        name=name,
        kind=payload.kind,
        parent_code=payload.parent_code,
        city=payload.city,
        **stamp(envelope),
    )
    return row


def register_units(projector: Projector) -> None:
    for payload in (OrganisationalUnitCreated, OrganisationalUnitUpdated):
        projector.on(
            payload,
            stream=lambda envelope, p: f"unit:{p.code}",
            projections=[Projection(organisational_unit_dim, _unit_key, reduce_unit)],
        )
