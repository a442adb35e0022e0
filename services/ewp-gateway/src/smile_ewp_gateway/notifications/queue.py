"""Claiming due rows of the persistent queues, the same way on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["backoff", "claim_due", "upsert_pending"]

M = TypeVar("M")


def backoff(attempts: int, base: float, ceiling: float) -> timedelta:
    """Exponential backoff: base, 2 x base, 4 x base... up to ``ceiling`` seconds."""
    return timedelta(seconds=min(ceiling, base * 2 ** max(0, attempts - 1)))


async def claim_due(session: AsyncSession, model: type[M], now: datetime, limit: int) -> Sequence[M]:
    """Rows due now, locked for this transaction (other workers skip them on PostgreSQL)."""
    table: Any = model
    query = (
        sa.select(model)
        .where(table.status == "pending", table.next_attempt_at <= now)
        .order_by(table.next_attempt_at, table.id)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return (await session.scalars(query)).all()


async def upsert_pending(
    session: AsyncSession, table: sa.Table, values: list[dict[str, Any]], merge: Sequence[str]
) -> None:
    """Insert queue rows; a row already pending with the same ``pending_key`` takes the new ``merge`` values."""
    if not values:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    statement = insert.values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.pending_key], set_={name: statement.excluded[name] for name in merge}
    )
    await session.execute(statement)
