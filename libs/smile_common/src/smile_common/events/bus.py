"""The bus abstraction and the in-process bus used by the embedded default.

The in-process bus behaves like the RabbitMQ topology it stands for: a topic exchange, one queue per
consumer bound with routing-key patterns, bounded retries, then a dead letter. Publishing returns once
every bound consumer has handled the event (or dead-lettered it durably), so the relay marks an outbox
row published only when nothing can be lost any more, even though the queues live in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from smile_common.events.envelope import Envelope, check_envelope

__all__ = [
    "Bus",
    "DeadLetterSink",
    "EnvelopeHandler",
    "InMemoryBus",
    "Publisher",
    "topic_matches",
]

_log = logging.getLogger("smile.bus")

EnvelopeHandler = Callable[[Envelope], Awaitable[object]]
#: called with the envelope, the error text and the number of attempts when a message is given up on.
DeadLetterSink = Callable[[Envelope, str, int], Awaitable[None]]


class Publisher(Protocol):
    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Publish and return only once the broker has confirmed every envelope."""


class Bus(Publisher, Protocol):
    async def subscribe(
        self,
        queue: str,
        binding_keys: Sequence[str],
        handler: EnvelopeHandler,
        *,
        max_attempts: int,
        concurrency: int,
        dead_letters: DeadLetterSink | None = None,
    ) -> None:
        """Start consuming ``queue`` (bound to ``binding_keys``) with ``handler`` until :meth:`close`."""

    async def ping(self) -> None:
        """Raise if the broker is unreachable."""

    async def close(self) -> None: ...


@lru_cache(maxsize=4096)
def topic_matches(binding_key: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is exactly one word, ``#`` zero or more words."""
    return _match(tuple(binding_key.split(".")), tuple(routing_key.split(".")))


def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])


@dataclass
class _Subscription:
    queue: str
    binding_keys: tuple[str, ...]
    handler: EnvelopeHandler
    max_attempts: int
    dead_letters: DeadLetterSink | None
    retry_delay: float
    inbox: asyncio.Queue[tuple[Envelope, asyncio.Future[None]]] = field(default_factory=asyncio.Queue)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def accepts(self, routing_key: str) -> bool:
        return any(topic_matches(key, routing_key) for key in self.binding_keys)


class InMemoryBus:
    """A topic exchange in this process, for the embedded default and for tests."""

    def __init__(self, *, retry_delay: float = 0.05) -> None:
        self.retry_delay = retry_delay
        self._subscriptions: dict[str, _Subscription] = {}
        self.published: list[Envelope] = []

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        waits: list[asyncio.Future[None]] = []
        loop = asyncio.get_running_loop()
        for envelope in envelopes:
            check_envelope(envelope)
            self.published.append(envelope)
            for sub in self._subscriptions.values():
                if sub.accepts(envelope.type):
                    done: asyncio.Future[None] = loop.create_future()
                    sub.inbox.put_nowait((envelope, done))
                    waits.append(done)
        if waits:
            await asyncio.gather(*waits)

    async def subscribe(
        self,
        queue: str,
        binding_keys: Sequence[str],
        handler: EnvelopeHandler,
        *,
        max_attempts: int,
        concurrency: int = 1,
        dead_letters: DeadLetterSink | None = None,
    ) -> None:
        if queue in self._subscriptions:
            raise ValueError(f"queue {queue} already has a consumer")
        sub = _Subscription(queue, tuple(binding_keys), handler, max_attempts, dead_letters, self.retry_delay)
        for _ in range(max(1, concurrency)):
            sub.tasks.append(asyncio.create_task(self._consume(sub), name=f"bus:{queue}"))
        self._subscriptions[queue] = sub

    async def _consume(self, sub: _Subscription) -> None:
        while True:
            envelope, done = await sub.inbox.get()
            try:
                await self._deliver(sub, envelope)
            except BaseException as exc:  # the relay must learn that the event was not handled
                if not done.done():
                    done.set_exception(exc)
                raise
            else:
                if not done.done():
                    done.set_result(None)

    async def _deliver(self, sub: _Subscription, envelope: Envelope) -> None:
        for attempt in range(1, sub.max_attempts + 1):
            try:
                await sub.handler(envelope)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                _log.warning("consumer %s failed on %s (attempt %d): %s", sub.queue, envelope.id, attempt, error)
                if attempt == sub.max_attempts:
                    if sub.dead_letters is None:
                        raise
                    await sub.dead_letters(envelope, error, attempt)
                    return
                await asyncio.sleep(sub.retry_delay * 2 ** (attempt - 1))

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        for sub in self._subscriptions.values():
            for task in sub.tasks:
                task.cancel()
            for task in sub.tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._subscriptions.clear()
