"""Live projection: log a batch of new events and bring the rows they touch up to date, in one transaction.

The rows a batch touches are loaded once (locked on PostgreSQL, so that two workers never interleave on
the same row), every event is folded in memory by the same reducers as the rebuild, and only the rows
that changed are written back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.events import Envelope, EventPayload
from smile_indicators.projection import pg
from smile_indicators.projection.log import log_events, log_row
from smile_indicators.projection.registry import EventHandling, Key, Projector, Row

__all__ = [
    "ParsedEvent",
    "blank_row",
    "changes",
    "fold",
    "parse_events",
    "project",
    "project_postgres",
    "row_key",
    "touched",
    "write_rows",
]

_CHUNK = 400


@dataclass(frozen=True)
class ParsedEvent:
    envelope: Envelope
    handling: EventHandling[Any] | None
    payload: EventPayload | None

    @property
    def stream_key(self) -> str | None:
        if self.handling is None or self.payload is None:
            return None
        return f"{self.envelope.tenant}|{self.handling.stream(self.envelope, self.payload)}"


def parse_events(projector: Projector, envelopes: Iterable[Envelope]) -> list[ParsedEvent]:
    """Parse each known event's payload (a payload that does not validate raises: the event is poison)."""
    parsed = []
    for envelope in envelopes:
        handling = projector.get(envelope.type)
        payload = handling.parse(envelope) if handling else None
        parsed.append(ParsedEvent(envelope, handling, payload))
    return parsed


@cache
def _shape(table: sa.Table) -> tuple[Row, tuple[str, ...]]:
    return {column.name: None for column in table.columns}, tuple(c.name for c in table.primary_key.columns)


def blank_row(table: sa.Table, key: Key) -> Row:
    """A row of ``table`` with every column empty but its primary key."""
    template, names = _shape(table)
    row = dict(template)
    for name, value in zip(names, key, strict=True):
        row[name] = value
    return row


def row_key(table: sa.Table, row: Row) -> Key:
    return tuple(row[name] for name in _shape(table)[1])


async def project(session: AsyncSession, projector: Projector, events: Sequence[ParsedEvent]) -> None:
    """Append ``events`` to the log and apply the known ones to the read models (caller commits)."""
    await log_events(session, [log_row(e.envelope, e.stream_key) for e in events])
    known = [e for e in events if e.handling is not None]
    if not known:
        return
    wanted, tables = touched(known)
    before = {name: await _load(session, tables[name], keys) for name, keys in wanted.items()}
    for name, (changed, stale) in changes(before, fold(before, known)).items():
        await write_rows(session, tables[name], changed, replace=stale)


async def project_postgres(raw: Any, events: Sequence[ParsedEvent]) -> None:
    """:func:`project` on PostgreSQL's driver connection, for events already logged (caller commits)."""
    known = [e for e in events if e.handling is not None]
    if not known:
        return
    wanted, tables = touched(known)
    before: dict[str, dict[Key, Row]] = {}
    for name, keys in wanted.items():
        table, sql = tables[name], pg.statements(tables[name])
        ordered = sorted(keys, key=lambda k: tuple(str(part) for part in k))
        records = await raw.fetch(sql.select, *sql.key_arrays(ordered))
        before[name] = {row_key(table, row): row for row in map(sql.row, records)}
    for name, (changed, _) in changes(before, fold(before, known)).items():
        if changed:
            sql = pg.statements(tables[name])
            await raw.executemany(sql.upsert, [sql.record(row) for row in changed])


def touched(known: Sequence[ParsedEvent]) -> tuple[dict[str, set[Key]], dict[str, sa.Table]]:
    """The keys of the rows ``known`` events change, by table; the tables by name."""
    wanted: dict[str, set[Key]] = defaultdict(set)
    tables: dict[str, sa.Table] = {}
    for event in known:
        assert event.handling is not None
        for projection in event.handling.projections:
            tables[projection.table.name] = projection.table
            wanted[projection.table.name].add(projection.key(event.envelope, event.payload))
    return wanted, tables


def fold(before: dict[str, dict[Key, Row]], known: Sequence[ParsedEvent]) -> dict[str, dict[Key, Row]]:
    """The rows after ``known`` events, folded in event order onto the rows as they were."""
    state = {name: dict(rows) for name, rows in before.items()}
    for event in sorted(known, key=lambda e: (e.envelope.time, e.envelope.id)):
        assert event.handling is not None
        for projection in event.handling.projections:
            rows = state[projection.table.name]
            key = projection.key(event.envelope, event.payload)
            rows[key] = projection.reduce(rows.get(key), event.envelope, event.payload)
    return state


def changes(
    before: dict[str, dict[Key, Row]], after: dict[str, dict[Key, Row]]
) -> dict[str, tuple[list[Row], list[Key]]]:
    """By table: the rows that changed, and the keys of those among them that existed before."""
    out = {}
    for name, rows in after.items():
        changed = {key: row for key, row in rows.items() if before[name].get(key) != row}
        out[name] = (list(changed.values()), [key for key in changed if key in before[name]])
    return out


async def _load(session: AsyncSession, table: sa.Table, keys: set[Key]) -> dict[Key, Row]:
    pk = list(table.primary_key.columns)
    found: dict[Key, Row] = {}
    ordered = sorted(keys, key=lambda k: tuple(str(part) for part in k))
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        query = sa.select(table).where(sa.tuple_(*pk).in_(chunk)).order_by(*pk)
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        for row in (await session.execute(query)).mappings():
            found[row_key(table, dict(row))] = dict(row)
    return found


async def write_rows(session: AsyncSession, table: sa.Table, rows: list[Row], *, replace: Sequence[Key] = ()) -> None:
    """Insert ``rows``, first deleting the existing rows with the keys in ``replace``."""
    pk = list(table.primary_key.columns)
    for start in range(0, len(replace), _CHUNK):
        await session.execute(sa.delete(table).where(sa.tuple_(*pk).in_(list(replace[start : start + _CHUNK]))))
    if rows:
        await session.execute(sa.insert(table), rows)
