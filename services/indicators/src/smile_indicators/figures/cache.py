"""Records reused between requests until the read models change.

Computing a figure starts by reading a population of facts (every mobility of the university, say).
Dashboards ask for a dozen figures at once, and figures change only when an event is applied: each API
process keeps the records it read, tagged with the event log's last sequence number, and reads them
again only when that number moved (one indexed query per request), the day changed, or five minutes
passed. Records are shared between requests: indicators never modify them (they copy what they extend).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.figures import clock
from smile_indicators.projection.log import event_log

__all__ = ["RecordCache"]

_MAX_AGE = 300.0
_MAX_ENTRIES = 64


class RecordCache:
    def __init__(self, *, max_age: float = _MAX_AGE, max_entries: int = _MAX_ENTRIES) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], tuple[tuple[Any, ...], float, Any]] = OrderedDict()
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def get(self, session: AsyncSession, tenant: str, name: str, load: Callable[[], Awaitable[Any]]) -> Any:
        """``load()``'s result for ``(tenant, name)``, read again only if the read models changed."""
        version = (await session.scalar(sa.select(sa.func.max(event_log.c.seq))), clock.today())
        key = (tenant, name)
        async with self._locks.setdefault(key, asyncio.Lock()):
            cached = self._entries.get(key)
            if cached is not None and cached[0] == version and time.monotonic() - cached[1] < self.max_age:
                self._entries.move_to_end(key)
                return cached[2]
            value = await load()
            self._entries[key] = (version, time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            return value
