"""The outbox relay: publishes committed events with broker confirms, then marks them published.

Safe with several replicas on PostgreSQL: each batch is claimed with ``FOR UPDATE SKIP LOCKED`` so two
relays never publish the same rows at the same time. If publishing fails the batch's transaction rolls
back, the rows stay pending and the relay retries with backoff: a broker outage delays events, never
loses them. A row published but not yet marked (crash in between) is published again; consumers are
idempotent, so that costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from smile_common.db.base import utcnow
from smile_common.db.engine import Database
from smile_common.events.bus import Publisher
from smile_common.events.envelope import Envelope
from smile_common.events.outbox import Outbox
from smile_common.observability import EVENTS_PUBLISHED, OUTBOX_PENDING

__all__ = ["OutboxRelay"]

_log = logging.getLogger("smile.relay")


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        publisher: Publisher,
        *,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        retention: timedelta = timedelta(days=7),
        max_backoff: float = 30.0,
    ) -> None:
        self.database = database
        self.outbox = outbox
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.retention = retention
        self.max_backoff = max_backoff
        self.table = outbox.table
        self._service = outbox.table.schema or "smile"

    async def publish_pending(self) -> int:
        """Publish one batch of pending events; return how many were published."""
        if self.database.is_postgres:
            count = await self._publish_claimed_batch()
        else:
            count = await self._publish_batch_unlocked()
        if count:
            EVENTS_PUBLISHED.labels(self._service).inc(count)
        return count

    def _pending_query(self) -> sa.Select[Any]:
        table = self.table
        return (
            sa.select(table.c.seq, table.c.envelope)
            .where(table.c.published_at.is_(None))
            .order_by(table.c.seq)
            .limit(self.batch_size)
        )

    async def _publish_claimed_batch(self) -> int:
        # PostgreSQL: the rows stay locked while they are published, so replicas skip them.
        async with self.database.sessionmaker() as session, session.begin():
            rows = (await session.execute(self._pending_query().with_for_update(skip_locked=True))).all()
            if not rows:
                return 0
            seqs = [row.seq for row in rows]
            try:
                await self.publisher.publish([Envelope.model_validate(row.envelope) for row in rows])
            except Exception as exc:
                await session.rollback()
                await self._record_failure(seqs, exc)
                raise
            await self._mark_published(session, seqs)
        return len(seqs)

    async def _publish_batch_unlocked(self) -> int:
        # SQLite (one relay per service): never hold the file's write lock while the in-process bus runs
        # consumers, some of which may write to this same file.
        async with self.database.sessionmaker() as session:
            rows = (await session.execute(self._pending_query())).all()
            await session.rollback()
        if not rows:
            return 0
        seqs = [row.seq for row in rows]
        try:
            await self.publisher.publish([Envelope.model_validate(row.envelope) for row in rows])
        except Exception as exc:
            await self._record_failure(seqs, exc)
            raise
        async with self.database.sessionmaker() as session, session.begin():
            await self._mark_published(session, seqs)
        return len(seqs)

    async def _mark_published(self, session: Any, seqs: list[int]) -> None:
        await session.execute(
            sa.update(self.table).where(self.table.c.seq.in_(seqs)).values(published_at=utcnow(), last_error=None)
        )

    async def _record_failure(self, seqs: list[int], exc: Exception) -> None:
        with contextlib.suppress(Exception):
            async with self.database.sessionmaker() as session, session.begin():
                await session.execute(
                    sa.update(self.table)
                    .where(self.table.c.seq.in_(seqs))
                    .values(attempts=self.table.c.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000])
                )

    async def pending(self) -> int:
        async with self.database.sessionmaker() as session:
            count = await session.scalar(
                sa.select(sa.func.count()).select_from(self.table).where(self.table.c.published_at.is_(None))
            )
        OUTBOX_PENDING.labels(self._service).set(count or 0)
        return int(count or 0)

    async def drain(self) -> int:
        """Publish until nothing is pending (tests and the one-shot CLI use it)."""
        total = 0
        while published := await self.publish_pending():
            total += published
        return total

    async def purge_published(self) -> int:
        """Delete rows published longer ago than the retention period."""
        cutoff = utcnow() - self.retention
        async with self.database.sessionmaker() as session, session.begin():
            result: Any = await session.execute(
                sa.delete(self.table).where(self.table.c.published_at.is_not(None), self.table.c.published_at < cutoff)
            )
        return int(result.rowcount or 0)

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set: wake on local commits, PostgreSQL notifications or the poll timer."""
        wake = self.outbox.waiter()
        listener = await self._listen(wake)
        backoff = 0.0
        last_purge = 0.0
        loop = asyncio.get_running_loop()
        try:
            while not stop.is_set():
                wake.clear()
                try:
                    published = await self.publish_pending()
                    backoff = 0.0
                except Exception as exc:
                    backoff = min(self.max_backoff, max(0.2, backoff * 2))
                    _log.warning("relay of %s cannot publish (%s); retrying in %.1fs", self._service, exc, backoff)
                    await _wait_either(stop, None, backoff)
                    continue
                if loop.time() - last_purge > 3600:
                    last_purge = loop.time()
                    with contextlib.suppress(Exception):
                        await self.purge_published()
                if published < self.batch_size:
                    await _wait_either(stop, wake, self.poll_seconds)
        finally:
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()

    async def _listen(self, wake: asyncio.Event) -> Any:
        """On PostgreSQL, LISTEN to the outbox channel so that commits in other processes wake us."""
        if not self.database.is_postgres:
            return None
        try:
            conn = await self.database.engine.connect()
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            await driver.add_listener(self.outbox.channel, lambda *_: wake.set())
            return conn
        except Exception as exc:  # polling still works without it
            _log.warning("cannot LISTEN on %s: %s", self.outbox.channel, exc)
            return None


async def _wait_either(stop: asyncio.Event, wake: asyncio.Event | None, timeout: float) -> None:
    waiters = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waiters.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
