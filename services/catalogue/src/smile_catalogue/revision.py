"""The catalogue revision of a university: grows with every change the public can see.

Public reads carry an ``ETag`` made of the revision and the request, and the search keeps results in
memory under the same key: both are valid exactly as long as the revision has not moved. Every write
that changes what a public read returns calls :func:`bump` in its transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.db import is_postgres, table_of
from smile_catalogue.institution.models import CatalogueRevision
from smile_common.db import utcnow

__all__ = ["bump", "current"]


async def bump(session: AsyncSession, tenant: str) -> None:
    table = table_of(CatalogueRevision)
    dialect = postgresql if is_postgres(session) else sqlite
    statement = dialect.insert(table).values(tenant=tenant, revision=1, changed_at=utcnow())
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.tenant],
        set_={"revision": table.c.revision + 1, "changed_at": statement.excluded.changed_at},
    )
    await session.execute(statement)


async def current(session: AsyncSession, tenant: str) -> int:
    value = await session.scalar(sa.select(CatalogueRevision.revision).where(CatalogueRevision.tenant == tenant))
    return int(value or 0)
