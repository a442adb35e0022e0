"""Rebuild every read model from the event log, in one transaction.

The log is read in stream order (``stream_key``, then arrival), so only the rows of the current stream
and those of the small shared dimensions are held in memory; finished rows are written in large batches.
Readers see the old figures until the new ones commit. On PostgreSQL the log is locked against writes
for the duration, so live events wait (in RabbitMQ) and are applied after, never lost or applied twice.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from smile_common.db import Database
from smile_indicators.projection.apply import ParsedEvent, parse_events
from smile_indicators.projection.log import event_log, to_envelope
from smile_indicators.projection.registry import Key, Projector, Row

__all__ = ["RebuildReport", "rebuild"]

_log = logging.getLogger("smile.indicators.rebuild")
_FETCH = 5000
_WRITE = 5000


@dataclass
class RebuildReport:
    events: int = 0
    applied: int = 0
    ignored: int = 0
    invalid: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    rekeyed: int = 0
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
            "rekeyed": self.rekeyed,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second),
        }


class _Writer:
    """Buffers finished rows and inserts them in large batches."""

    def __init__(self, conn: AsyncConnection, tables: Sequence[sa.Table]) -> None:
        self.conn = conn
        self.tables = {t.name: t for t in tables}
        self.buffers: dict[str, list[Row]] = {name: [] for name in self.tables}
        self.counts: Counter[str] = Counter()

    async def add(self, name: str, rows: list[Row]) -> None:
        buffer = self.buffers[name]
        buffer.extend(rows)
        if len(buffer) >= _WRITE:
            await self.flush(name)

    async def flush(self, name: str) -> None:
        rows = self.buffers[name]
        if rows:
            await self.conn.execute(sa.insert(self.tables[name]), rows)
            self.counts[name] += len(rows)
            self.buffers[name] = []

    async def close(self) -> None:
        for name in self.tables:
            await self.flush(name)


async def rebuild(database: Database, projector: Projector) -> RebuildReport:
    """Empty the read models and replay the whole log into them; return what was done."""
    report = RebuildReport()
    started = time.perf_counter()
    tables = projector.tables
    async with database.engine.begin() as conn:
        if database.is_postgres:
            await conn.execute(sa.text(f'LOCK TABLE "{event_log.schema}"."{event_log.name}" IN SHARE MODE'))
        report.rekeyed = await _key_new_types(conn, projector)
        for table in tables:
            await conn.execute(sa.delete(table))
        writer = _Writer(conn, tables)
        await _replay(conn, projector, writer, report)
        await writer.close()
        report.rows = {name: writer.counts[name] for name in sorted(writer.tables)}
        report.ignored = int(
            await conn.scalar(sa.select(sa.func.count()).where(event_log.c.event_type.not_in(projector.event_types)))
            or 0
        )
        report.events = report.applied + report.ignored + len(report.invalid)
    report.seconds = time.perf_counter() - started
    _log.info("rebuilt the read models: %s", report.as_dict())
    return report


async def _replay(conn: AsyncConnection, projector: Projector, writer: _Writer, report: RebuildReport) -> None:
    query = (
        sa.select(event_log)
        .where(event_log.c.event_type.in_(projector.event_types))
        .order_by(event_log.c.stream_key, event_log.c.seq)
        .execution_options(yield_per=_FETCH)
    )
    local: dict[str, dict[Key, Row]] = {}
    shared: dict[str, dict[Key, Row]] = {}
    current: str | None = None
    result = await conn.stream(query)
    async for rows in result.partitions(_FETCH):
        for row in rows:
            if row.stream_key != current:
                await _emit(writer, local)
                current = row.stream_key
            event = _parse(projector, row, report)
            if event is not None:
                _fold(event, local, shared)
                report.applied += 1
    await _emit(writer, local)
    await _emit(writer, shared)


def _parse(projector: Projector, row: Any, report: RebuildReport) -> ParsedEvent | None:
    try:
        return parse_events(projector, [to_envelope(row)])[0]
    except ValidationError as exc:
        # accepted when it arrived, refused by today's model: reported, not applied
        _log.warning("event %s (%s) no longer validates: %s", row.event_id, row.event_type, exc)
        report.invalid.append(row.event_id)
        return None


def _fold(event: ParsedEvent, local: dict[str, dict[Key, Row]], shared: dict[str, dict[Key, Row]]) -> None:
    assert event.handling is not None
    for projection in event.handling.projections:
        rows = (shared if projection.shared else local).setdefault(projection.table.name, {})
        key = projection.key(event.envelope, event.payload)
        rows[key] = projection.reduce(rows.get(key), event.envelope, event.payload)


async def _emit(writer: _Writer, rows_by_table: dict[str, dict[Key, Row]]) -> None:
    for name, rows in rows_by_table.items():
        await writer.add(name, list(rows.values()))
    rows_by_table.clear()


async def _key_new_types(conn: AsyncConnection, projector: Projector) -> int:
    """Give a stream to logged events whose type this code learnt after they arrived."""
    query = sa.select(event_log).where(
        event_log.c.stream_key.is_(None), event_log.c.event_type.in_(projector.event_types)
    )
    updates: list[dict[str, Any]] = []
    for row in (await conn.execute(query)).all():
        try:
            key = projector.stream_key(to_envelope(row))
        except ValidationError:
            key = f"{row.tenant}|invalid:{row.event_id}"
        updates.append({"b_seq": row.seq, "b_key": key})
    if updates:
        statement = (
            sa.update(event_log)
            .where(event_log.c.seq == sa.bindparam("b_seq"))
            .values(stream_key=sa.bindparam("b_key"))
        )
        await conn.execute(statement, updates)
    return len(updates)
