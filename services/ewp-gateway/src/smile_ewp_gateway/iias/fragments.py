"""The ``<iia>`` fragments the gateway serves, kept in each API process until agreements changes the IIA.

Serving a signed IIAs ``get`` of 100 ids must cost at most twice a signed Echo. Asking agreements for 100
IIAs on every ``get`` (an HTTP call, a token check, a database session on its side) costs more than the whole
Echo, so each API process keeps what it served: per (institution, partner, IIA id) the checked fragment
(hash verified, serialized, ready to embed; or nothing when the IIA is not the partner's to fetch), the
*revision* agreements gave it, and the *generation* of the IIA when it was read.

The generation is how many ``agreements.iia.*`` events (created, updated, approved, partner approved,
terminated, deleted) the gateway's worker has consumed for that IIA (table ``iia_generation``, bumped in the
transaction that also queues the CNR to the partner). A ``get`` reads the generations of the asked ids
(one query on the gateway's own database) and serves the fragments read at the current generation; the
others are asked from agreements in one call, which sends the XML only of revisions the gateway does not
hold. A change is therefore never served stale once its event is consumed (before the partner is notified),
and an entry is re-read from agreements after ``MAX_AGE_SECONDS`` in any case.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import Database
from smile_ewp_gateway.db import IiaGeneration

__all__ = ["MAX_AGE_SECONDS", "Entry", "FragmentCache", "bump_generation", "generations"]

#: an entry is read again from agreements after this, even without any event (a safety net)
MAX_AGE_SECONDS = 600.0
_T = cast(sa.Table, IiaGeneration.__table__)
_GENERATIONS = sa.select(_T.c.iia_id, _T.c.generation).where(
    _T.c.tenant == sa.bindparam("tenant"), _T.c.iia_id.in_(sa.bindparam("ids", expanding=True))
)


@dataclass(frozen=True)
class Entry:
    generation: int
    #: agreements' revision of the IIA; None when the IIA is not the partner's to fetch
    revision: str | None
    fragment: bytes | None
    read_at: float


class FragmentCache:
    """Entries by (institution, partner, IIA id); the least recently used go beyond ``size``."""

    def __init__(self, size: int = 50_000, max_age: float = MAX_AGE_SECONDS) -> None:
        self.size = size
        self.max_age = max_age
        self._entries: OrderedDict[tuple[str, str, str], Entry] = OrderedDict()

    def get(self, tenant: str, partner: str, iia_id: str) -> Entry | None:
        return self._entries.get((tenant, partner, iia_id))

    def current(self, tenant: str, partner: str, iia_id: str, generation: int) -> Entry | None:
        """The entry if it was read at this generation and is not too old."""
        key = (tenant, partner, iia_id)
        entry = self._entries.get(key)
        if entry is None or entry.generation != generation or time.monotonic() - entry.read_at > self.max_age:
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, tenant: str, partner: str, iia_id: str, entry: Entry) -> None:
        key = (tenant, partner, iia_id)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


async def generations(database: Database, tenant: str, iia_ids: Sequence[str]) -> dict[str, int]:
    """The current generation of each id (0 for an IIA never announced)."""
    if not iia_ids:
        return {}
    async with database.engine.connect() as connection:
        if database.sqlite_path is None:
            rows = (await connection.execute(_GENERATIONS, {"tenant": tenant, "ids": list(iia_ids)})).all()
        else:
            # The embedded engine opens every transaction with BEGIN IMMEDIATE (the write lock), which
            # would queue this read behind the traffic log's writes: read outside a transaction instead
            # (WAL readers never wait for the writer).
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            marks = ", ".join("?" * len(iia_ids))
            sql = (
                f'SELECT iia_id, generation FROM "{database.schema}".{_T.name} WHERE tenant = ? AND iia_id IN ({marks})'
            )
            rows = list(await raw.execute_fetchall(sql, (tenant, *iia_ids)))  # one trip to its thread
    return {str(row[0]): int(row[1]) for row in rows}


async def bump_generation(session: AsyncSession, tenant: str, iia_id: str) -> None:
    """An IIA changed: the fragments read before are no longer served (in the consumer's transaction)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert(_T) if dialect == "postgresql" else sqlite.insert(_T)
    now = datetime.now(UTC)
    statement = insert.values(tenant=tenant, iia_id=iia_id, generation=1, changed_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[_T.c.tenant, _T.c.iia_id],
        set_={"generation": _T.c.generation + 1, "changed_at": statement.excluded.changed_at},
    )
    await session.execute(statement)
