"""Writing finished rows in large batches: COPY on PostgreSQL, multi-row INSERT elsewhere."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from smile_indicators.projection.registry import Row

__all__ = ["RowWriter"]

_BATCH = 5000


def _adapter(column: sa.Column[Any]) -> Callable[[Any], Any] | None:
    """How a value goes into COPY: JSON columns as text (the driver's jsonb codec takes text)."""
    if isinstance(column.type, sa.JSON) or isinstance(getattr(column.type, "impl", None), sa.JSON):
        return lambda value: None if value is None else json.dumps(value)
    return None


@cache
def _layout(table: sa.Table) -> tuple[list[str], Callable[[Row], Any], list[tuple[int, Callable[[Any], Any]]]]:
    """The columns of ``table``, a getter of a row's values in that order, and the columns to adapt."""
    columns = [c.name for c in table.columns]
    adapters = [(i, adapter) for i, c in enumerate(table.columns) if (adapter := _adapter(c)) is not None]
    getter = itemgetter(*columns)
    if len(columns) == 1:
        return columns, lambda row: (getter(row),), adapters
    return columns, getter, adapters


def _records(table: sa.Table, rows: list[Row]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The COPY records of ``rows`` (values in column order, JSON columns as text)."""
    columns, getter, adapters = _layout(table)
    records = list(map(getter, rows))
    if adapters:
        for n, record in enumerate(records):
            values = list(record)
            for i, adapter in adapters:
                values[i] = adapter(values[i])
            records[n] = tuple(values)
    return columns, records


class RowWriter:
    """Buffers the rows of each table and writes them ``_BATCH`` at a time, in the caller's transaction."""

    def __init__(self, conn: AsyncConnection, tables: Sequence[sa.Table], raw: Any) -> None:
        self.conn = conn
        self.raw = raw
        self.tables = {t.name: t for t in tables}
        self.buffers: dict[str, list[Row]] = {name: [] for name in self.tables}
        self.counts: Counter[str] = Counter()

    @classmethod
    async def open(cls, conn: AsyncConnection, tables: Sequence[sa.Table]) -> RowWriter:
        raw = None
        if conn.dialect.name == "postgresql":
            raw = (await conn.get_raw_connection()).driver_connection
        return cls(conn, tables, raw)

    async def add(self, name: str, rows: Iterable[Row]) -> None:
        buffer = self.buffers[name]
        buffer.extend(rows)
        if len(buffer) >= _BATCH:
            await self.flush(name)

    async def flush(self, name: str) -> None:
        rows = self.buffers[name]
        if not rows:
            return
        table = self.tables[name]
        if self.raw is not None:
            await self._copy(table, rows)
        else:
            await self.conn.execute(sa.insert(table), rows)
        self.counts[name] += len(rows)
        self.buffers[name] = []

    async def _copy(self, table: sa.Table, rows: list[Row]) -> None:
        columns, records = _records(table, rows)
        await self.raw.copy_records_to_table(table.name, schema_name=table.schema, columns=columns, records=records)

    async def close(self) -> None:
        for name in self.tables:
            await self.flush(name)
