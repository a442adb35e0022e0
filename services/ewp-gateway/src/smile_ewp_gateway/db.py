"""The ewp_gateway service's schema: registry cache, traffic log, notification queues, sync state."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from smile_common.dataprotection import data_protection_tables
from smile_common.db import JSONType, UTCDateTime, make_metadata
from smile_common.events import Outbox, messaging_tables

SCHEMA = "ewp_gateway"
metadata = make_metadata(SCHEMA)
tables = messaging_tables(metadata)
#: audit trail, scheduled job runs and data-subject request answers (smile_common.dataprotection).
data_protection = data_protection_tables(metadata)
outbox = Outbox(tables.outbox, source="/smile/ewp-gateway")

_BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        dict[str, str]: JSONType,
        list[str]: JSONType,
        uuid.UUID: sa.Uuid(),
    }


class RegistrySnapshot(Base):
    """The last good copy of the registry catalogue (shared by every process of the gateway)."""

    __tablename__ = "registry_snapshot"

    url: Mapped[str] = mapped_column(sa.String(500), primary_key=True)
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary())
    digest: Mapped[str | None] = mapped_column(sa.String(64))
    etag: Mapped[str | None] = mapped_column(sa.String(200))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    max_age: Mapped[int | None] = mapped_column(sa.Integer())
    #: last time the registry confirmed this copy (200 or 304)
    fetched_at: Mapped[datetime | None]
    checked_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(sa.Text())


class KnownInstitution(Base):
    """What was last announced (``ewp.institution.updated.v1``) about an institution, per tenant."""

    __tablename__ = "known_institution"

    tenant: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    hei_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime]


class Traffic(Base):
    """One EWP exchange, inbound (a partner called SMILE) or outbound (SMILE called a partner)."""

    __tablename__ = "traffic"
    __table_args__ = (
        sa.Index("ix_traffic_started_at", "started_at"),
        sa.Index("ix_traffic_local_partner", "local_hei_id", "partner_hei_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(_BigIntPK, primary_key=True, autoincrement=True)
    direction: Mapped[str] = mapped_column(sa.String(3))
    local_hei_id: Mapped[str | None] = mapped_column(sa.String(255))
    partner_hei_id: Mapped[str | None] = mapped_column(sa.String(255))
    api: Mapped[str] = mapped_column(sa.String(64))
    endpoint: Mapped[str | None] = mapped_column(sa.String(32))
    method: Mapped[str] = mapped_column(sa.String(10))
    url: Mapped[str] = mapped_column(sa.Text())
    status: Mapped[int | None] = mapped_column(sa.Integer())
    duration_ms: Mapped[float] = mapped_column(sa.Float())
    error: Mapped[str | None] = mapped_column(sa.Text())
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    key_id: Mapped[str | None] = mapped_column(sa.String(64))
    signed_response: Mapped[bool | None] = mapped_column(sa.Boolean())
    started_at: Mapped[datetime]
    request_headers: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    request_body: Mapped[bytes | None] = mapped_column(sa.LargeBinary())
    response_headers: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    response_body: Mapped[bytes | None] = mapped_column(sa.LargeBinary())
    #: kept for non-repudiation (approvals, decisions): whole signed request and response.
    archived: Mapped[bool] = mapped_column(sa.Boolean(), default=False)


class InboundChange(Base):
    """A partner's entity to fetch: notified by a CNR (or found by a resync), fetched by the worker."""

    __tablename__ = "inbound_change"
    __table_args__ = (sa.Index("ix_inbound_change_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(_BigIntPK, primary_key=True, autoincrement=True)
    local_hei_id: Mapped[str] = mapped_column(sa.String(255))
    partner_hei_id: Mapped[str] = mapped_column(sa.String(255))
    #: iias, iias-approval, omobilities, omobility-las
    api: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    #: unique while pending, NULL afterwards: a second notification of the same id is merged
    pending_key: Mapped[str | None] = mapped_column(sa.String(700), unique=True)
    received_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(sa.Integer(), default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(sa.Text())
    done_at: Mapped[datetime | None]


class OutboundCall(Base):
    """A CNR or an update SMILE must deliver to a partner, retried until delivered or expired."""

    __tablename__ = "outbound_call"
    __table_args__ = (sa.Index("ix_outbound_call_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(_BigIntPK, primary_key=True, autoincrement=True)
    local_hei_id: Mapped[str] = mapped_column(sa.String(255))
    partner_hei_id: Mapped[str] = mapped_column(sa.String(255))
    #: iia-cnr, iia-approval-cnr, imobility-cnr, imobility-tor-cnr, omobilities-update, omobility-las-update
    api: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    pending_key: Mapped[str | None] = mapped_column(sa.String(700), unique=True)
    source_event_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    not_before: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(sa.Integer(), default=0)
    last_status: Mapped[int | None] = mapped_column(sa.Integer())
    last_error: Mapped[str | None] = mapped_column(sa.Text())
    finished_at: Mapped[datetime | None]


class SyncState(Base):
    """When SMILE last resynchronised an API of a partner through its ``index`` endpoint."""

    __tablename__ = "sync_state"

    local_hei_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    partner_hei_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    api: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    #: the ``modified_since`` to use next time (the start of the last successful run)
    modified_since: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text())


class IiaGeneration(Base):
    """How many times agreements announced a change of an IIA (any ``agreements.iia.*`` event), for the
    fragments the API processes keep in memory: a fragment read at generation N is served while the row
    still says N (see ``iias.fragments``)."""

    __tablename__ = "iia_generation"

    tenant: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    iia_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    generation: Mapped[int] = mapped_column(sa.Integer())
    changed_at: Mapped[datetime]
