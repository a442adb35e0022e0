"""Rebuild every read model from the event log, in one transaction.

The log is read in stream order (``stream_key``, then arrival), so only the rows of the current stream
and those of the small shared dimensions are held in memory; finished rows are written in large batches.
Readers see the old figures until the new ones commit. On PostgreSQL the log is locked against writes
for the duration, so live events wait (in RabbitMQ) and are applied after, never lost or applied twice;
there the log is read with a server-side cursor and the rows written with COPY.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from smile_common.db import Database
from smile_indicators.projection.log import event_log
from smile_indicators.projection.registry import EventHandling, Key, LoggedEvent, Projector, Row
from smile_indicators.projection.writer import RowWriter

__all__ = ["RebuildReport", "rebuild"]

_log = logging.getLogger("smile.indicators.rebuild")
_FETCH = 5000
#: what the rebuild reads of each logged event: id, type, tenant, time, payload as JSON text, stream.
_Logged = tuple[str, str, str, datetime, str, str]


@dataclass
class RebuildReport:
    events: int = 0
    applied: int = 0
    ignored: int = 0
    invalid: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "applied": self.applied,
            "ignored": self.ignored,
            "invalid": self.invalid,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second),
        }


async def rebuild(database: Database, projector: Projector) -> RebuildReport:
    """Empty the read models and replay the whole log into them; return what was done."""
    # Millions of short-lived rows and payloads, no reference cycles: the cycle collector would spend
    # more time scanning the rows in the buffers than the rebuild spends building them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return await _rebuild(database, projector)
    finally:
        if collecting:
            gc.enable()


async def _rebuild(database: Database, projector: Projector) -> RebuildReport:
    report = RebuildReport()
    started = time.perf_counter()
    tables = projector.tables
    async with database.engine.begin() as conn:
        if database.is_postgres:
            await conn.execute(sa.text(f'LOCK TABLE "{event_log.schema}"."{event_log.name}" IN SHARE MODE'))
        for table in tables:
            await conn.execute(sa.delete(table))
        writer = await RowWriter.open(conn, tables)
        await _replay(_read_log(conn, projector, postgres=database.is_postgres), projector, writer, report)
        await writer.close()
        report.rows = {name: writer.counts[name] for name in sorted(writer.tables)}
        # events of types not used when they arrived were logged without their payload: never replayed
        ignored = await conn.scalar(
            sa.select(sa.func.count()).where(
                sa.or_(event_log.c.stream_key.is_(None), event_log.c.event_type.not_in(projector.event_types))
            )
        )
        report.ignored = int(ignored or 0)
        report.events = report.applied + report.ignored + len(report.invalid)
    report.seconds = time.perf_counter() - started
    _log.info("rebuilt the read models: %s", report.as_dict())
    return report


async def _read_log(conn: AsyncConnection, projector: Projector, *, postgres: bool) -> AsyncIterator[list[_Logged]]:
    """The known events of the log in stream order, in chunks, payloads as JSON text."""
    if postgres:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        sql = (
            f'SELECT event_id, event_type, tenant, occurred_at, data::text, stream_key FROM "{event_log.schema}".'
            f'"{event_log.name}" WHERE stream_key IS NOT NULL AND event_type = ANY($1::text[]) '
            "ORDER BY stream_key, seq"
        )
        # fetched a chunk at a time (records unpack like tuples: no copy, no per-record await)
        cursor = await raw.cursor(sql, projector.event_types)
        while records := await cursor.fetch(_FETCH):
            yield records
        return
    c = event_log.c
    query = (
        sa.select(c.event_id, c.event_type, c.tenant, c.occurred_at, sa.cast(c.data, sa.Text), c.stream_key)
        .where(c.stream_key.is_not(None), c.event_type.in_(projector.event_types))
        .order_by(c.stream_key, c.seq)
        .execution_options(yield_per=_FETCH)
    )
    result = await conn.stream(query)
    async for rows in result.partitions(_FETCH):
        yield [tuple(row) for row in rows]


async def _replay(
    chunks: AsyncIterator[list[_Logged]], projector: Projector, writer: RowWriter, report: RebuildReport
) -> None:
    local: dict[str, dict[Key, Row]] = {}
    shared: dict[str, dict[Key, Row]] = {}
    current: str | None = None
    handlings = projector.handlings
    async for chunk in chunks:
        for event_id, event_type, tenant, occurred_at, data, stream_key in chunk:
            if stream_key != current:
                await _emit(writer, local)
                current = stream_key
            handling = handlings[event_type]
            try:
                payload = handling.parse_json(data)
            except ValidationError as exc:
                # accepted when it arrived, refused by today's model: reported, not applied
                _log.warning("event %s (%s) no longer validates: %s", event_id, event_type, exc)
                report.invalid.append(event_id)
                continue
            _fold(LoggedEvent(event_id, event_type, tenant, occurred_at), handling, payload, local, shared)
            report.applied += 1
    await _emit(writer, local)
    await _emit(writer, shared)


def _fold(
    event: LoggedEvent,
    handling: EventHandling[Any],
    payload: Any,
    local: dict[str, dict[Key, Row]],
    shared: dict[str, dict[Key, Row]],
) -> None:
    for projection in handling.projections:
        rows = (shared if projection.shared else local).setdefault(projection.table.name, {})
        key = projection.key(event, payload)
        rows[key] = projection.reduce(rows.get(key), event, payload)


async def _emit(writer: RowWriter, rows_by_table: dict[str, dict[Key, Row]]) -> None:
    for name, rows in rows_by_table.items():
        await writer.add(name, rows.values())
    rows_by_table.clear()
