"""The durable log of every event the indicators received: the source of truth the rebuild replays."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import JSONType, UTCDateTime, utcnow
from smile_common.events import Envelope
from smile_indicators.db import metadata
from smile_indicators.privacy_log import minimise

__all__ = ["event_log", "log_events", "to_envelope"]

_BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

event_log = sa.Table(
    "event_log",
    metadata,
    sa.Column("seq", _BigIntPK, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(64), nullable=False, unique=True),
    sa.Column("event_type", sa.String(200), nullable=False),
    sa.Column("tenant", sa.String(255), nullable=False),
    sa.Column("source", sa.String(255), nullable=False),
    sa.Column("subject", sa.String(255), nullable=True),
    sa.Column("correlation_id", sa.String(64), nullable=True),
    sa.Column("occurred_at", UTCDateTime(), nullable=False),
    sa.Column("data", JSONType, nullable=False),
    #: groups the events the rebuild replays together; NULL for a type the indicators did not use when it
    #: arrived (logged without its payload, counted, never replayed).
    sa.Column("stream_key", sa.String(300), nullable=True),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
    comment="Every event received by the indicators, known or not, exactly once",
)
sa.Index("ix_event_log_stream", event_log.c.stream_key, event_log.c.seq)
sa.Index("ix_event_log_type", event_log.c.event_type)


def log_row(envelope: Envelope, stream_key: str | None) -> dict[str, Any]:
    """The log row of an event: its payload kept only if the indicators use its type (``stream_key``),
    and then only what the reducers read (see :mod:`smile_indicators.privacy`)."""
    return {
        "event_id": envelope.id,
        "event_type": envelope.type,
        "tenant": envelope.tenant,
        "source": envelope.source[:255],
        "subject": envelope.subject[:255] if envelope.subject else None,
        "correlation_id": envelope.correlationid[:64] if envelope.correlationid else None,
        "occurred_at": envelope.time,
        "data": minimise(envelope.data, projected=stream_key is not None),
        "stream_key": stream_key,
        "recorded_at": utcnow(),
    }


async def log_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(event_log), list(rows))


def to_envelope(row: Any) -> Envelope:
    """An envelope back from its log row (already validated when it was received)."""
    return Envelope.model_construct(
        specversion="1.0",
        id=row.event_id,
        source=row.source,
        type=row.event_type,
        time=row.occurred_at,
        datacontenttype="application/json",
        subject=row.subject,
        tenant=row.tenant,
        correlationid=row.correlation_id,
        data=row.data,
    )
