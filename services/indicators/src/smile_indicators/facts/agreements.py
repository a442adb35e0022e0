"""Inter-institutional agreements and partner institutions, from the agreements service's events."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from smile_common.db import JSONType, UTCDateTime
from smile_common.events.payloads.agreements import (
    IiaApproved,
    IiaCreated,
    IiaDeleted,
    IiaPartnerApproved,
    IiaTerminated,
    IiaUpdated,
    PartnerCreated,
    PartnerUpdated,
)
from smile_indicators.db import metadata
from smile_indicators.facts.columns import state_columns, tenant_column
from smile_indicators.projection.apply import blank_row
from smile_indicators.projection.reducers import is_newer, stamp
from smile_indicators.projection.registry import EventMeta, Key, Projection, Projector, Row

__all__ = ["iia_fact", "partner_dim", "register"]

iia_fact = sa.Table(
    "iia_fact",
    metadata,
    tenant_column(),
    sa.Column("iia_id", sa.Uuid(), primary_key=True),
    sa.Column("iia_code", sa.String(255), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("in_effect", sa.Boolean(), nullable=False),
    sa.Column("partner_hei_id", sa.String(255), nullable=False),
    sa.Column("partner_name", sa.String(512), nullable=True),
    sa.Column("partner_country", sa.String(2), nullable=True),
    sa.Column("first_academic_year", sa.String(9), nullable=True),
    sa.Column("last_academic_year", sa.String(9), nullable=True),
    #: the cooperation conditions of the latest version (id, type, direction, years, places, fields, levels)
    sa.Column("conditions", JSONType, nullable=False),
    *state_columns(),
    comment="Each inter-institutional agreement as its latest event describes it",
)

partner_dim = sa.Table(
    "partner_dim",
    metadata,
    tenant_column(),
    sa.Column("hei_id", sa.String(255), primary_key=True),
    sa.Column("name", sa.String(512), nullable=True),
    sa.Column("country", sa.String(2), nullable=True),
    sa.Column("city", sa.String(255), nullable=True),
    sa.Column("state_at", UTCDateTime(), nullable=True),
    sa.Column("state_event", sa.String(64), nullable=True),
    #: what the IIAs say of the partner, used when no partner event gave a country
    sa.Column("iia_name", sa.String(512), nullable=True),
    sa.Column("iia_country", sa.String(2), nullable=True),
    sa.Column("iia_state_at", UTCDateTime(), nullable=True),
    sa.Column("iia_state_event", sa.String(64), nullable=True),
    comment="Partner institutions: name and country (for the country filter and the roster)",
)

IiaEvent = IiaCreated | IiaUpdated | IiaApproved | IiaPartnerApproved | IiaTerminated | IiaDeleted


def _iia_key(envelope: EventMeta, payload: IiaEvent) -> Key:
    return (envelope.tenant, payload.iia_id)


def _condition(condition: Any) -> dict[str, Any]:
    return {
        "id": str(condition.cooperation_condition_id),
        "type": condition.type.value,
        "direction": condition.direction,
        "first_academic_year": condition.first_academic_year,
        "last_academic_year": condition.last_academic_year,
        "mobilities_per_year": condition.mobilities_per_year,
        "isced_f_codes": list(condition.isced_f_codes),
        "eqf_levels": list(condition.eqf_levels),
    }


def reduce_iia(old: Row | None, envelope: EventMeta, payload: IiaEvent) -> Row:
    if not is_newer(old, envelope):
        assert old is not None
        return old
    row = dict(old) if old else blank_row(iia_fact, _iia_key(envelope, payload))
    row.update(
        iia_code=payload.iia_code,
        status=payload.status.value,
        in_effect=payload.in_effect,
        partner_hei_id=payload.partner_hei_id,
        partner_name=payload.partner_name,
        partner_country=payload.partner_country,
        first_academic_year=payload.first_academic_year,
        last_academic_year=payload.last_academic_year,
        conditions=[_condition(c) for c in payload.conditions],
        **stamp(envelope),
    )
    return row


def _partner_key_from_iia(envelope: EventMeta, payload: IiaEvent) -> Key:
    return (envelope.tenant, payload.partner_hei_id)


def _partner_key(envelope: EventMeta, payload: PartnerCreated | PartnerUpdated) -> Key:
    return (envelope.tenant, payload.hei_id)


def _newer(row: Row, at: str, event: str, envelope: EventMeta) -> bool:
    return row[at] is None or (envelope.time, envelope.id) > (row[at], row[event])


def reduce_partner(old: Row | None, envelope: EventMeta, payload: PartnerCreated | PartnerUpdated) -> Row:
    row = dict(old) if old else blank_row(partner_dim, _partner_key(envelope, payload))
    if _newer(row, "state_at", "state_event", envelope):
        row.update(
            name=payload.name,
            country=payload.country,
            city=payload.city,
            state_at=envelope.time,
            state_event=envelope.id,
        )
    return row


def reduce_partner_from_iia(old: Row | None, envelope: EventMeta, payload: IiaEvent) -> Row:
    row = dict(old) if old else blank_row(partner_dim, _partner_key_from_iia(envelope, payload))
    if _newer(row, "iia_state_at", "iia_state_event", envelope):
        row.update(
            iia_name=payload.partner_name,
            iia_country=payload.partner_country,
            iia_state_at=envelope.time,
            iia_state_event=envelope.id,
        )
    return row


def register(projector: Projector) -> None:
    for payload in (IiaCreated, IiaUpdated, IiaApproved, IiaPartnerApproved, IiaTerminated, IiaDeleted):
        projector.on(
            payload,
            stream=lambda envelope, p: f"iia:{p.iia_id}",
            projections=[
                Projection(iia_fact, _iia_key, reduce_iia),
                Projection(partner_dim, _partner_key_from_iia, reduce_partner_from_iia, shared=True),
            ],
        )
    for partner_payload in (PartnerCreated, PartnerUpdated):
        projector.on(
            partner_payload,
            stream=lambda envelope, p: f"partner:{p.hei_id}",
            projections=[Projection(partner_dim, _partner_key, reduce_partner, shared=True)],
        )
