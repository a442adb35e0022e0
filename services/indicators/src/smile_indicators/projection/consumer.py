"""The projector: a consumer bound to every event that applies deliveries in small batches.

Each delivery still gets its own answer (applied, duplicate or ignored), and the inbox row of every event
commits in the same transaction as its effect, exactly as with :class:`smile_common.events.Consumer`.
What changes is that deliveries arriving together share one transaction: at 500 events a second a
transaction per event would spend its time in round trips. If a batch fails, its events are applied one
by one, so that only a poison event fails (and is retried, then dead-lettered, by the bus).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from smile_common.db import Database, utcnow
from smile_common.events import Consumer, Envelope, MessagingTables, Outcome
from smile_common.logging import correlation_id
from smile_common.observability import EVENTS_CONSUMED
from smile_indicators.metrics import BATCH_SIZE, PROJECTION_LAG
from smile_indicators.projection import pg
from smile_indicators.projection.apply import ParsedEvent, parse_events, project, project_postgres
from smile_indicators.projection.log import event_log, log_row
from smile_indicators.projection.registry import Projector

__all__ = ["ProjectorConsumer"]

_log = logging.getLogger("smile.indicators.projector")
_Pending = tuple[Envelope, "asyncio.Future[Outcome]"]


class ProjectorConsumer(Consumer):
    """``indicators.projector``: every event type, logged, projected when known, counted when not."""

    def __init__(
        self,
        name: str,
        database: Database,
        tables: MessagingTables,
        projector: Projector,
        *,
        max_batch: int = 200,
        linger_seconds: float = 0.002,
        concurrency: int | None = None,
    ) -> None:
        super().__init__(name, database, tables, accept_all=True, concurrency=concurrency)
        self.projector = projector
        self.max_batch = max_batch
        self.linger_seconds = linger_seconds
        self._pending: list[_Pending] = []
        self._flushing = False
        #: on PostgreSQL, the connection the flusher keeps while deliveries keep coming (checked out, and
        #: pinged by the pool, once per burst instead of once per batch)
        self._held: AsyncConnection | None = None

    @property
    def event_types(self) -> list[str]:
        return self.projector.event_types

    async def handle(self, envelope: Envelope) -> Outcome:
        """Apply ``envelope`` once, together with the deliveries that arrive at the same moment."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((envelope, future))
        if not self._flushing:
            await self._flush()
        return await future

    async def _flush(self) -> None:
        # The first delivery to find nobody flushing becomes the flusher until the queue is empty.
        self._flushing = True
        try:
            await asyncio.sleep(self.linger_seconds)
            if self.database.is_postgres:
                self._held = await self.database.engine.connect()
            while self._pending:
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                await self._apply(batch)
        except BaseException as exc:
            for _, future in self._pending:
                if not future.done():
                    future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("projector stopped"))
            self._pending = []
            raise
        finally:
            self._flushing = False
            held, self._held = self._held, None
            if held is not None:
                await held.close()

    async def _apply(self, batch: list[_Pending]) -> None:
        try:
            outcomes = await self._apply_with_retries([envelope for envelope, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch, exc)
                return
            _log.warning("batch of %d events failed (%s); applying them one by one", len(batch), exc)
            for item in batch:
                await self._apply([item])
            return
        for envelope, future in batch:
            outcome = outcomes[envelope.id]
            EVENTS_CONSUMED.labels(self.name, envelope.type, outcome.value).inc()
            if not future.done():
                future.set_result(outcome)

    async def _apply_with_retries(self, envelopes: Sequence[Envelope], attempts: int = 3) -> dict[str, Outcome]:
        for attempt in range(1, attempts + 1):
            try:
                return await self.apply_now(envelopes, connection=self._held)
            except (IntegrityError, DBAPIError, asyncpg.PostgresError) as exc:
                # a competing worker inserted the same row or event, or a deadlock: try again from scratch
                if attempt == attempts or not _retryable(exc):
                    raise
                await asyncio.sleep(0.01 * attempt)
        raise AssertionError("unreachable")

    async def apply_now(
        self, envelopes: Sequence[Envelope], *, connection: AsyncConnection | None = None
    ) -> dict[str, Outcome]:
        """Apply ``envelopes`` in one transaction; return each event's outcome.

        On PostgreSQL, ``connection`` is one the caller holds (else one is taken from the pool)."""
        unique = list({envelope.id: envelope for envelope in envelopes}.values())
        token = correlation_id.set(unique[0].correlationid or unique[0].id if unique else None)
        try:
            parsed = parse_events(self.projector, unique)  # a payload that does not validate raises here
            if self.database.is_postgres:
                inserted = await self._apply_postgres(parsed, connection)
            else:
                inserted = await self._apply_sqlalchemy(parsed)
        finally:
            correlation_id.reset(token)
        fresh = [event for event in parsed if event.envelope.id in inserted]
        outcomes = {
            event.envelope.id: (
                (Outcome.APPLIED if event.handling else Outcome.IGNORED)
                if event.envelope.id in inserted
                else Outcome.DUPLICATE
            )
            for event in parsed
        }
        _observe(fresh_envelopes=[e.envelope for e in fresh], size=len(unique))
        return outcomes

    async def _apply_sqlalchemy(self, parsed: list[ParsedEvent]) -> set[str]:
        """Apply ``parsed`` in one transaction through SQLAlchemy (SQLite); return the fresh events' ids."""
        async with self.database.sessionmaker() as session, session.begin():
            now = utcnow()
            rows: list[dict[str, object]] = [
                {
                    "consumer": self.name,
                    "event_id": event.envelope.id,
                    "event_type": event.envelope.type,
                    "outcome": _outcome(event).value,
                    "processed_at": now,
                }
                for event in parsed
            ]
            # one statement: the inbox rows that were not there yet are this batch's fresh events
            inserted = set(await _insert_new(session, self.tables.inbox, rows)) if rows else set()
            await project(session, self.projector, [event for event in parsed if event.envelope.id in inserted])
        return inserted

    async def _apply_postgres(self, parsed: list[ParsedEvent], held: AsyncConnection | None) -> set[str]:
        """Apply ``parsed`` in one transaction on the driver's connection; return the fresh events' ids.

        Round trips: BEGIN, inbox and log together, per touched table one read and one write, COMMIT."""
        if not parsed:
            return set()
        if held is None:
            async with self.database.engine.connect() as conn:
                return await self._apply_on(conn, parsed)
        try:
            return await self._apply_on(held, parsed)
        except _BROKEN:
            self._held = None  # invalidated: the next batch takes a fresh connection
            raise

    async def _apply_on(self, conn: AsyncConnection, parsed: list[ParsedEvent]) -> set[str]:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        try:
            async with raw.transaction():
                rows = [log_row(event.envelope, event.stream_key) for event in parsed]
                args = pg.log_and_inbox_args(rows, [_outcome(e).value for e in parsed], self.name, utcnow())
                records = await raw.fetch(pg.log_and_inbox_sql(self.tables.inbox, event_log), *args)
                inserted = {record[0] for record in records}
                await project_postgres(raw, [event for event in parsed if event.envelope.id in inserted])
        except _BROKEN:
            await conn.invalidate()  # a broken connection does not go back to the pool
            raise
        return inserted


#: errors after which a connection is not reused
_BROKEN = (OSError, asyncpg.InterfaceError, asyncpg.ConnectionDoesNotExistError)


def _outcome(event: ParsedEvent) -> Outcome:
    return Outcome.APPLIED if event.handling is not None else Outcome.IGNORED


async def _insert_new(session: AsyncSession, inbox: sa.Table, rows: list[dict[str, object]]) -> list[str]:
    """Insert the inbox rows that do not exist yet; return the event ids actually inserted."""
    dialect = session.bind.dialect.name if session.bind is not None else ""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(inbox).values(rows).on_conflict_do_nothing().returning(inbox.c.event_id)
    return list((await session.scalars(statement)).all())


def _observe(fresh_envelopes: list[Envelope], size: int) -> None:
    BATCH_SIZE.observe(size)
    now = time.time()
    for envelope in fresh_envelopes:
        PROJECTION_LAG.observe(max(0.0, now - envelope.time.timestamp()))


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError | asyncpg.IntegrityConstraintViolationError):
        return True
    if isinstance(exc, asyncpg.DeadlockDetectedError | asyncpg.SerializationError):
        return True
    text = str(exc).lower()
    return "deadlock" in text or "could not serialize" in text or "database is locked" in text


def _fail(batch: list[_Pending], exc: Exception) -> None:
    for envelope, future in batch:
        EVENTS_CONSUMED.labels("indicators.projector", envelope.type, "failed").inc()
        if not future.done():
            future.set_exception(exc)
