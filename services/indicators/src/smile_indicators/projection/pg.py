"""The live projector's statements on PostgreSQL, run on the driver's connection (asyncpg).

A batch costs a fixed number of round trips whatever its size: one statement inserts the inbox rows
and logs the events that are new (returning them), one per touched table loads and locks its rows, one
per table writes the changed rows (an upsert sent as one pipelined ``executemany``). Each statement's
text depends only on its table, so PostgreSQL and asyncpg prepare it once per connection; nothing is
compiled per batch. Values go to the driver as the rebuild's COPY sends them (JSON as text); rows come
back as the SQLAlchemy path gives them (JSON decoded), so the reducers see the same values on both
paths (the embedded SQLite stack keeps :mod:`smile_indicators.projection.apply`'s SQLAlchemy path).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from smile_indicators.projection.registry import Key, Row

__all__ = ["TableStatements", "log_and_inbox_sql", "statements"]

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def _name(table: sa.Table) -> str:
    return f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'


def _is_json(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, sa.JSON) or isinstance(getattr(column.type, "impl", None), sa.JSON)


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


@dataclass(frozen=True)
class TableStatements:
    """The two statements of one read model, and how its rows go to and come from the driver."""

    columns: tuple[str, ...]
    key_columns: tuple[str, ...]
    #: the rows of the keys given as one array per key column, locked, in key order
    select: str
    #: insert or replace whole rows (every column)
    upsert: str
    #: per column: how a value goes to the driver / comes back from it (JSON columns only)
    encoders: tuple[Callable[[Any], Any] | None, ...]
    decoded: tuple[tuple[str, Callable[[Any], Any]], ...]

    def record(self, row: Row) -> tuple[Any, ...]:
        return tuple(e(row[c]) if e else row[c] for c, e in zip(self.columns, self.encoders, strict=True))

    def row(self, record: Any) -> Row:
        row = dict(record)
        for name, decode in self.decoded:
            if isinstance(row[name], str):
                row[name] = decode(row[name])
        return row

    def key_arrays(self, keys: Sequence[Key]) -> list[list[Any]]:
        return [[key[i] for key in keys] for i in range(len(self.key_columns))]


@cache
def statements(table: sa.Table) -> TableStatements:
    columns = tuple(c.name for c in table.columns)
    pk = tuple(c.name for c in table.primary_key.columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    keys = ", ".join(f'"{c}"' for c in pk)
    arrays = ", ".join(f"${i}::{table.c[name].type.compile(dialect=_DIALECT)}[]" for i, name in enumerate(pk, start=1))
    select = (
        f"SELECT {quoted} FROM {_name(table)} WHERE ({keys}) IN (SELECT * FROM unnest({arrays})) "
        f"ORDER BY {keys} FOR UPDATE"
    )
    values = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c not in pk)
    upsert = f"INSERT INTO {_name(table)} ({quoted}) VALUES ({values}) ON CONFLICT ({keys}) DO UPDATE SET {updates}"
    json_columns = [c for c in table.columns if _is_json(c)]
    return TableStatements(
        columns=columns,
        key_columns=pk,
        select=select,
        upsert=upsert,
        encoders=tuple(_dumps if _is_json(c) else None for c in table.columns),
        decoded=tuple((c.name, json.loads) for c in json_columns),
    )


@cache
def log_and_inbox_sql(inbox: sa.Table, log: sa.Table) -> str:
    """One statement: the inbox rows of a batch that are not there yet, and the log rows of exactly those
    events (in the batch's order); returns the ids of the events inserted, i.e. the batch's fresh events.

    Parameters: ten arrays (event id, type, inbox outcome, tenant, source, subject, correlation id, time,
    payload as JSON text, stream key), then the consumer's name and the time of processing."""
    return f"""
WITH batch AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::timestamptz[], $9::text[], $10::text[]) WITH ORDINALITY
        AS b(event_id, event_type, outcome, tenant, source, subject, correlation_id, occurred_at, data,
             stream_key, n)
), fresh AS (
    INSERT INTO {_name(inbox)} (consumer, event_id, event_type, outcome, processed_at)
    SELECT $11::text, event_id, event_type, outcome, $12::timestamptz FROM batch ORDER BY n
    ON CONFLICT DO NOTHING
    RETURNING event_id
), logged AS (
    INSERT INTO {_name(log)} (event_id, event_type, tenant, source, subject, correlation_id, occurred_at, data,
                              stream_key, recorded_at)
    SELECT b.event_id, b.event_type, b.tenant, b.source, b.subject, b.correlation_id, b.occurred_at,
           b.data::jsonb, b.stream_key, $12::timestamptz
    FROM batch b JOIN fresh f ON f.event_id = b.event_id ORDER BY b.n
)
SELECT event_id FROM fresh"""


def log_and_inbox_args(
    rows: Sequence[dict[str, Any]], outcomes: Sequence[str], consumer: str, now: datetime
) -> list[Any]:
    """The parameters of :func:`log_and_inbox_sql` from the log rows of a batch (see ``log_row``)."""
    return [
        [r["event_id"] for r in rows],
        [r["event_type"] for r in rows],
        list(outcomes),
        [r["tenant"] for r in rows],
        [r["source"] for r in rows],
        [r["subject"] for r in rows],
        [r["correlation_id"] for r in rows],
        [r["occurred_at"] for r in rows],
        [json.dumps(r["data"]) for r in rows],
        [r["stream_key"] for r in rows],
        consumer,
        now,
    ]
