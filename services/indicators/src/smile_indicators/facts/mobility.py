"""Incoming mobilities and their learning agreements, from the agreements service's events.

Every event of a mobility (nomination, decisions, arrival, departure, its application file and its
learning agreements) belongs to the stream ``mobility:<id>``, so the rebuild folds them together.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from smile_common.db import UTCDateTime
from smile_common.events.payloads.mobility import (
    FileStepChanged,
    LaComponent,
    LearningAgreementApproved,
    LearningAgreementChanged,
    LearningAgreementEvent,
    LearningAgreementProposed,
    LearningAgreementRejected,
    MobilityAccepted,
    MobilityArrived,
    MobilityCancelled,
    MobilityDeparted,
    MobilityEvent,
    MobilityNominated,
    MobilityRejected,
)
from smile_indicators.db import metadata
from smile_indicators.facts.columns import state_columns, tenant_column
from smile_indicators.projection.apply import blank_row
from smile_indicators.projection.reducers import earliest, is_newer, stamp
from smile_indicators.projection.registry import EventMeta, Key, Projection, Projector, Row

__all__ = ["learning_agreement_fact", "mobility_fact", "register"]

mobility_fact = sa.Table(
    "mobility_fact",
    metadata,
    tenant_column(),
    sa.Column("mobility_id", sa.Uuid(), primary_key=True),
    sa.Column("status", sa.String(16), nullable=True),
    sa.Column("source", sa.String(16), nullable=True),
    sa.Column("sending_hei_id", sa.String(255), nullable=True),
    sa.Column("receiving_ounit_code", sa.String(64), nullable=True),
    sa.Column("iia_id", sa.Uuid(), nullable=True),
    sa.Column("cooperation_condition_id", sa.Uuid(), nullable=True),
    sa.Column("academic_year", sa.String(9), nullable=True),
    sa.Column("academic_term", sa.String(32), nullable=True),
    sa.Column("planned_arrival_on", sa.Date(), nullable=True),
    sa.Column("planned_departure_on", sa.Date(), nullable=True),
    sa.Column("actual_arrival_on", sa.Date(), nullable=True),
    sa.Column("actual_departure_on", sa.Date(), nullable=True),
    sa.Column("eqf_level", sa.Integer(), nullable=True),
    sa.Column("isced_code", sa.String(8), nullable=True),
    sa.Column("given_names", sa.String(255), nullable=True),
    sa.Column("family_name", sa.String(255), nullable=True),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("citizenship", sa.String(2), nullable=True),
    sa.Column("first_seen_at", UTCDateTime(), nullable=True),
    sa.Column("accepted_at", UTCDateTime(), nullable=True),
    sa.Column("rejected_at", UTCDateTime(), nullable=True),
    sa.Column("cancelled_at", UTCDateTime(), nullable=True),
    sa.Column("arrived_at", UTCDateTime(), nullable=True),
    sa.Column("departed_at", UTCDateTime(), nullable=True),
    #: the programme named by the mobility's own events (newer producers), else by its application file
    sa.Column("event_programme", sa.String(64), nullable=True),
    sa.Column("programme", sa.String(64), nullable=True),
    sa.Column("programme_at", UTCDateTime(), nullable=True),
    sa.Column("programme_event", sa.String(64), nullable=True),
    sa.Column("state_at", UTCDateTime(), nullable=True),
    sa.Column("state_event", sa.String(64), nullable=True),
    comment="Each incoming mobility: its latest state, its milestones and its application programme",
)

learning_agreement_fact = sa.Table(
    "learning_agreement_fact",
    metadata,
    tenant_column(),
    sa.Column("learning_agreement_id", sa.Uuid(), primary_key=True),
    sa.Column("version", sa.Integer(), primary_key=True),
    sa.Column("mobility_id", sa.Uuid(), nullable=False),
    sa.Column("source", sa.String(8), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("first_proposed_at", UTCDateTime(), nullable=True),
    sa.Column("approved_at", UTCDateTime(), nullable=True),
    sa.Column("rejected_at", UTCDateTime(), nullable=True),
    sa.Column("ects_studied", sa.Double(), nullable=True),
    sa.Column("components_studied", sa.Integer(), nullable=True),
    *state_columns(),
    comment="Each version of each learning agreement: proposal, approval or rejection, ECTS of table A",
)
sa.Index("ix_learning_agreement_fact_mobility", learning_agreement_fact.c.tenant, learning_agreement_fact.c.mobility_id)

_MILESTONE = {
    MobilityAccepted.event_type: "accepted_at",
    MobilityRejected.event_type: "rejected_at",
    MobilityCancelled.event_type: "cancelled_at",
    MobilityArrived.event_type: "arrived_at",
    MobilityDeparted.event_type: "departed_at",
}


def _mobility_key(envelope: EventMeta, payload: Any) -> Key:
    return (envelope.tenant, payload.mobility_id)


def _mobility_stream(envelope: EventMeta, payload: Any) -> str:
    return f"mobility:{payload.mobility_id}"


def reduce_mobility(old: Row | None, envelope: EventMeta, payload: MobilityEvent) -> Row:
    row = dict(old) if old else blank_row(mobility_fact, _mobility_key(envelope, payload))
    row["first_seen_at"] = earliest(row["first_seen_at"], payload.changed_at)
    milestone = _MILESTONE.get(envelope.type)
    if milestone:
        row[milestone] = earliest(row[milestone], payload.changed_at)
    if row["state_at"] is None or is_newer(old, envelope):
        student = payload.student
        row.update(
            status=payload.status.value,
            source=payload.source.value,
            sending_hei_id=payload.sending_hei_id,
            receiving_ounit_code=payload.receiving_ounit_code,
            iia_id=payload.iia_id,
            cooperation_condition_id=payload.cooperation_condition_id,
            academic_year=payload.academic_year,
            academic_term=payload.academic_term,
            planned_arrival_on=payload.planned_arrival_date,
            planned_departure_on=payload.planned_departure_date,
            actual_arrival_on=payload.actual_arrival_date,
            actual_departure_on=payload.actual_departure_date,
            eqf_level=payload.eqf_level,
            isced_code=payload.isced_code,
            # an anonymised student (retention, erasure) has empty names: nothing to keep
            given_names=student.given_names or None,
            family_name=student.family_name or None,
            email=student.email or None,
            citizenship=student.citizenship.upper() if student.citizenship else None,
            event_programme=payload.programme,
            **stamp(envelope),
        )
    return row


def reduce_programme(old: Row | None, envelope: EventMeta, payload: FileStepChanged) -> Row:
    """The application file names the mobility's programme; the latest file event wins."""
    row = dict(old) if old else blank_row(mobility_fact, _mobility_key(envelope, payload))
    previous = (row["programme_at"], row["programme_event"]) if row["programme_at"] else None
    if previous is None or (envelope.time, envelope.id) > previous:
        row.update(programme=payload.programme, programme_at=envelope.time, programme_event=envelope.id)
    return row


def _la_key(envelope: EventMeta, payload: LearningAgreementEvent) -> Key:
    return (envelope.tenant, payload.learning_agreement_id, payload.version)


def _studied(components: list[LaComponent]) -> tuple[float, int]:
    kept = [c for c in components if c.table == "studied" and c.status != "deleted"]
    return float(sum((c.credits for c in kept), Decimal(0))), len(kept)


_LA_STATUS = {
    LearningAgreementProposed.event_type: "proposed",
    LearningAgreementChanged.event_type: "proposed",
    LearningAgreementApproved.event_type: "approved",
    LearningAgreementRejected.event_type: "rejected",
}


def reduce_learning_agreement(old: Row | None, envelope: EventMeta, payload: LearningAgreementEvent) -> Row:
    row = dict(old) if old else blank_row(learning_agreement_fact, _la_key(envelope, payload))
    at = payload.changed_at
    if isinstance(payload, LearningAgreementProposed | LearningAgreementChanged):
        row["first_proposed_at"] = earliest(row["first_proposed_at"], at)
    elif isinstance(payload, LearningAgreementApproved):
        row["approved_at"] = earliest(row["approved_at"], at)
    elif isinstance(payload, LearningAgreementRejected):
        row["rejected_at"] = earliest(row["rejected_at"], at)
    # An approval is final for its version: later proposals or rejections of it change nothing, and
    # among approvals the latest wins. Table A's credits are those of the (latest) approval.
    approved_before = old is not None and old["approved_at"] is not None
    if isinstance(payload, LearningAgreementApproved):
        apply = not approved_before or is_newer(old, envelope)
    else:
        apply = not approved_before and is_newer(old, envelope)
    if apply:
        if isinstance(payload, LearningAgreementApproved):
            row["ects_studied"], row["components_studied"] = _studied(payload.components)
        row.update(
            mobility_id=payload.mobility_id,
            source=payload.source,
            kind=payload.kind,
            status=_LA_STATUS[envelope.type],
            **stamp(envelope),
        )
    return row


def register(projector: Projector) -> None:
    for payload in (
        MobilityNominated,
        MobilityAccepted,
        MobilityRejected,
        MobilityCancelled,
        MobilityArrived,
        MobilityDeparted,
    ):
        projector.on(
            payload, stream=_mobility_stream, projections=[Projection(mobility_fact, _mobility_key, reduce_mobility)]
        )
    projector.on(
        FileStepChanged,
        stream=_mobility_stream,
        projections=[Projection(mobility_fact, _mobility_key, reduce_programme)],
    )
    for la_payload in (
        LearningAgreementProposed,
        LearningAgreementChanged,
        LearningAgreementApproved,
        LearningAgreementRejected,
    ):
        projector.on(
            la_payload,
            stream=_mobility_stream,
            projections=[Projection(learning_agreement_fact, _la_key, reduce_learning_agreement)],
        )
