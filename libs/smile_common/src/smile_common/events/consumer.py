"""Idempotent consumers: the inbox row and the handler's effect commit in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db.base import utcnow
from smile_common.db.engine import Database
from smile_common.events.envelope import Envelope, EventPayload
from smile_common.events.tables import MessagingTables
from smile_common.logging import correlation_id
from smile_common.observability import EVENTS_CONSUMED

__all__ = ["ENVELOPE_KEY", "Consumer", "Handler", "Outcome"]

#: ``session.info`` key of the event a handler applies (the audit trail records it as the cause).
ENVELOPE_KEY = "smile_envelope"

P = TypeVar("P", bound=EventPayload)
Handler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]

_log = logging.getLogger("smile.consumer")


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


class Consumer:
    """A named consumer of one service: its handlers by event type, applied at most once per event.

    ``accept_all=True`` binds the consumer to every event (``#``); events it has no handler for are
    recorded as ignored and counted, never failing (the indicators service wants to see everything).
    ``concurrency`` overrides ``SMILE_CONSUMER_CONCURRENCY`` for this consumer (deliveries handled at once).
    """

    def __init__(
        self,
        name: str,
        database: Database,
        tables: MessagingTables,
        *,
        accept_all: bool = False,
        concurrency: int | None = None,
    ) -> None:
        self.name = name
        self.concurrency = concurrency
        self.database = database
        self.tables = tables
        self.accept_all = accept_all
        self._handlers: dict[str, tuple[type[EventPayload], Handler]] = {}

    def on(self, payload_type: type[P]) -> Callable[[Callable[[AsyncSession, Envelope, P], Awaitable[None]]], Any]:
        """Register the handler of ``payload_type`` events."""

        def register(handler: Callable[[AsyncSession, Envelope, P], Awaitable[None]]) -> Any:
            self.add_handler(payload_type, handler)
            return handler

        return register

    def add_handler(
        self, payload_type: type[P], handler: Callable[[AsyncSession, Envelope, P], Awaitable[None]]
    ) -> None:
        if payload_type.event_type in self._handlers:
            raise ValueError(f"{self.name} already handles {payload_type.event_type}")
        self._handlers[payload_type.event_type] = (payload_type, handler)

    @property
    def event_types(self) -> list[str]:
        return sorted(self._handlers)

    def binding_keys(self) -> list[str]:
        return ["#"] if self.accept_all else self.event_types

    async def handle(self, envelope: Envelope) -> Outcome:
        """Apply ``envelope`` once: a redelivered event finds its inbox row and changes nothing."""
        token = correlation_id.set(envelope.correlationid or envelope.id)
        try:
            outcome = await self._handle(envelope)
        except Exception:
            EVENTS_CONSUMED.labels(self.name, envelope.type, "failed").inc()
            raise
        finally:
            correlation_id.reset(token)
        EVENTS_CONSUMED.labels(self.name, envelope.type, outcome.value).inc()
        return outcome

    async def _handle(self, envelope: Envelope) -> Outcome:
        entry = self._handlers.get(envelope.type)
        inbox = self.tables.inbox
        async with self.database.sessionmaker() as session:
            session.info[ENVELOPE_KEY] = envelope
            try:
                async with session.begin():
                    seen = await session.scalar(
                        sa.select(inbox.c.outcome).where(inbox.c.consumer == self.name, inbox.c.event_id == envelope.id)
                    )
                    if seen is not None:
                        return Outcome.DUPLICATE
                    outcome = Outcome.APPLIED if entry else Outcome.IGNORED
                    await session.execute(
                        sa.insert(inbox).values(
                            consumer=self.name,
                            event_id=envelope.id,
                            event_type=envelope.type,
                            outcome=outcome.value,
                            processed_at=utcnow(),
                        )
                    )
                    if entry is not None:
                        payload_type, handler = entry
                        await handler(session, envelope, envelope.payload(payload_type))
                    return outcome
            except IntegrityError:
                # A competing consumer applied the same event between our check and our insert.
                if await self._already_processed(envelope.id):
                    return Outcome.DUPLICATE
                raise

    async def _already_processed(self, event_id: str) -> bool:
        inbox = self.tables.inbox
        async with self.database.sessionmaker() as session:
            found = await session.scalar(
                sa.select(sa.func.count()).where(inbox.c.consumer == self.name, inbox.c.event_id == event_id)
            )
            return bool(found)

    async def store_dead_letter(self, envelope: Envelope, error: str, attempts: int) -> None:
        """Keep an event the consumer gave up on (used by the in-process bus; RabbitMQ has its own DLQ)."""
        async with self.database.sessionmaker() as session, session.begin():
            await session.execute(
                sa.insert(self.tables.dead_letter).values(
                    consumer=self.name,
                    event_id=envelope.id,
                    event_type=envelope.type,
                    envelope=envelope.model_dump(mode="json"),
                    error=error[:4000],
                    attempts=attempts,
                    created_at=utcnow(),
                )
            )
        _log.error("event %s (%s) dead-lettered by %s: %s", envelope.id, envelope.type, self.name, error)
