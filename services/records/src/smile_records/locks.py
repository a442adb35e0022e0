"""Transaction-scoped locks on a name, for get-or-create paths that rows cannot lock yet.

On PostgreSQL an advisory lock held until the transaction ends; on SQLite nothing is needed, because
every write transaction already starts with ``BEGIN IMMEDIATE`` and so runs alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["lock_name"]


async def lock_name(session: AsyncSession, *parts: str) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    name = "|".join(parts)
    await session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name})
