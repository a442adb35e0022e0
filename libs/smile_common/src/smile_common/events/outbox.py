"""The transactional outbox: events are rows written in the same transaction as the change they describe."""

from __future__ import annotations

import asyncio
import itertools
import weakref
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from smile_common.db.base import utcnow
from smile_common.events.envelope import Envelope, EventPayload, check_envelope, envelope_json, new_envelope
from smile_common.logging import correlation_id

__all__ = ["Outbox"]

_WRITTEN_KEY = "smile_outbox_written"
#: from this many events at once, :meth:`Outbox.record_many` copies them on PostgreSQL
_COPY_FROM = 100
_COPIED = ("event_id", "event_type", "tenant", "envelope", "created_at", "attempts")


def _asyncpg(session: AsyncSession) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "postgresql" and bind.dialect.driver == "asyncpg"


class Outbox:
    """Writes events to one service's outbox table and wakes the relay when they are committed."""

    def __init__(self, table: sa.Table, *, source: str) -> None:
        self.table = table
        self.source = source
        self.channel = f"smile_outbox_{table.schema}"
        self._waiters: weakref.WeakSet[asyncio.Event] = weakref.WeakSet()

    async def record(
        self,
        session: AsyncSession,
        payload: EventPayload,
        *,
        tenant: str,
        subject: str | None = None,
    ) -> Envelope:
        """Add ``payload`` to the outbox inside the caller's transaction and return its envelope."""
        envelope = new_envelope(
            payload, source=self.source, tenant=tenant, subject=subject, correlation_id=correlation_id.get()
        )
        await self.record_envelope(session, envelope)
        return envelope

    async def record_many(
        self, session: AsyncSession, events: Iterable[tuple[EventPayload, str | None]], *, tenant: str
    ) -> int:
        """Add many ``(payload, subject)`` events at once (bulk imports), like :meth:`record`; returns how
        many were added.

        On PostgreSQL many events are copied (``COPY``, several times cheaper than an ``INSERT`` for the
        thousands of events of a large import), their envelopes written as JSON text directly
        (:func:`envelope_json`); given as a generator, they are made while the server writes the previous
        ones."""
        correlation = correlation_id.get()
        if _asyncpg(session) and (not isinstance(events, Sized) or len(events) >= _COPY_FROM):
            return await self._copy(session, events, tenant, correlation)
        count = 0
        pending = (
            new_envelope(payload, source=self.source, tenant=tenant, subject=subject, correlation_id=correlation)
            for payload, subject in events
        )
        while chunk := list(itertools.islice(pending, 1000)):
            await self._insert(session, chunk)
            count += len(chunk)
        return count

    async def _copy(
        self, session: AsyncSession, events: Iterable[tuple[EventPayload, str | None]], tenant: str, correlation: Any
    ) -> int:
        now = utcnow()
        copied = 0

        def records() -> Iterator[tuple[Any, ...]]:
            nonlocal copied
            for payload, subject in events:
                event_id, text = envelope_json(
                    payload, source=self.source, tenant=tenant, subject=subject, correlation_id=correlation
                )
                copied += 1
                yield event_id, payload.event_type, tenant, text, now, 0

        raw: Any = (await (await session.connection()).get_raw_connection()).driver_connection
        await raw.copy_records_to_table(
            self.table.name, schema_name=self.table.schema, columns=list(_COPIED), records=records()
        )
        if copied:
            await self._written(session)
        return copied

    async def record_envelope(self, session: AsyncSession, envelope: Envelope) -> None:
        await self._insert(session, [envelope])

    async def _insert(self, session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        if not envelopes:
            return
        now = utcnow()
        rows = []
        for envelope in envelopes:
            check_envelope(envelope)
            rows.append(
                {
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "tenant": envelope.tenant,
                    "envelope": envelope.model_dump(mode="json"),
                    "created_at": now,
                    "attempts": 0,
                }
            )
        if len(rows) == 1:
            await session.execute(sa.insert(self.table).values(**rows[0]))
        else:
            await session.execute(sa.insert(self.table), rows)
        await self._written(session)

    async def _written(self, session: AsyncSession) -> None:
        written: set[Outbox] = session.info.setdefault(_WRITTEN_KEY, set())
        if self not in written and session.bind is not None and session.bind.dialect.name == "postgresql":
            # Delivered by PostgreSQL at commit only: relays in other processes wake up at once.
            await session.execute(sa.select(sa.func.pg_notify(self.channel, "")))
        written.add(self)

    def waiter(self) -> asyncio.Event:
        """An event set whenever a transaction that wrote to this outbox commits in this process."""
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        return waiter

    def notify(self) -> None:
        for waiter in list(self._waiters):
            waiter.set()


@event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    written: Any = session.info.pop(_WRITTEN_KEY, None)
    for outbox in written or ():
        outbox.notify()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_WRITTEN_KEY, None)
