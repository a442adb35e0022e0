"""RabbitMQ transport: topic exchange, one durable quorum queue per consumer, dead-letter queues.

Topology (all names derive from the exchange, ``smile.events`` by default):

* ``<exchange>`` — topic exchange; routing key = event type;
* ``<exchange>.<consumer>`` — quorum queue of one consumer, bound to its event types; a message that
  fails ``max_attempts`` times is dead-lettered by RabbitMQ itself (``x-delivery-limit``);
* ``<exchange>.dlx`` — direct exchange receiving those messages, routed to ``<queue>.dlq``.

Messages use the CloudEvents AMQP binding in binary mode: the payload is the body
(``application/json``), the attributes are ``cloudEvents_*`` headers, ``message_id`` is the event id.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from smile_common.events.bus import DeadLetterSink, EnvelopeHandler
from smile_common.events.envelope import Envelope, check_envelope

__all__ = ["DeadLetter", "RabbitMQBus", "decode_message", "encode_message"]

_log = logging.getLogger("smile.rabbitmq")
_CE = "cloudEvents_"


def encode_message(envelope: Envelope) -> aio_pika.Message:
    headers: dict[str, Any] = {
        f"{_CE}specversion": envelope.specversion,
        f"{_CE}id": envelope.id,
        f"{_CE}source": envelope.source,
        f"{_CE}type": envelope.type,
        f"{_CE}time": envelope.time.isoformat(),
        f"{_CE}tenant": envelope.tenant,
    }
    if envelope.subject:
        headers[f"{_CE}subject"] = envelope.subject
    if envelope.correlationid:
        headers[f"{_CE}correlationid"] = envelope.correlationid
    return aio_pika.Message(
        body=json.dumps(envelope.data, separators=(",", ":"), ensure_ascii=False).encode(),
        content_type=envelope.datacontenttype,
        message_id=envelope.id,
        correlation_id=envelope.correlationid,
        type=envelope.type,
        app_id=envelope.source,
        timestamp=envelope.time,
        headers=headers,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


def decode_message(message: AbstractIncomingMessage | aio_pika.Message) -> Envelope:
    headers = dict(message.headers or {})

    def attr(name: str) -> Any:
        value = headers.get(f"{_CE}{name}")
        return value.decode() if isinstance(value, bytes) else value

    return Envelope(
        specversion=attr("specversion") or "1.0",
        id=attr("id") or message.message_id or "",
        source=attr("source") or message.app_id or "",
        type=attr("type") or message.type or "",
        time=datetime.fromisoformat(attr("time")),
        subject=attr("subject"),
        tenant=attr("tenant") or "",
        correlationid=attr("correlationid") or message.correlation_id,
        datacontenttype=message.content_type or "application/json",
        data=json.loads(message.body or b"{}"),
    )


@dataclass(frozen=True)
class DeadLetter:
    envelope: Envelope | None
    reason: str
    raw_message_id: str | None


class RabbitMQBus:
    """Publisher (with confirms) and consumer runner over one robust connection."""

    def __init__(self, url: str, *, exchange: str = "smile.events", prefetch: int = 32, name: str = "smile") -> None:
        self.url = url
        self.exchange_name = exchange
        self.prefetch = prefetch
        self.name = name
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._consumer_channels: list[AbstractChannel] = []
        self._lock = asyncio.Lock()

    @property
    def dlx_name(self) -> str:
        return f"{self.exchange_name}.dlx"

    def queue_name(self, consumer: str) -> str:
        return f"{self.exchange_name}.{consumer}"

    async def _connect(self) -> AbstractRobustConnection:
        async with self._lock:
            if self._connection is None or self._connection.is_closed:
                self._connection = await aio_pika.connect_robust(
                    self.url, client_properties={"connection_name": self.name}, timeout=10
                )
                self._publish_channel = None
                self._exchange = None
            return self._connection

    async def _publisher_exchange(self) -> AbstractExchange:
        connection = await self._connect()
        if self._exchange is None or self._publish_channel is None or self._publish_channel.is_closed:
            self._publish_channel = await connection.channel(publisher_confirms=True)
            self._exchange = await self._declare_exchanges(self._publish_channel)
        return self._exchange

    async def _declare_exchanges(self, channel: AbstractChannel) -> AbstractExchange:
        await channel.declare_exchange(self.dlx_name, aio_pika.ExchangeType.DIRECT, durable=True)
        return await channel.declare_exchange(self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        if not envelopes:
            return
        for envelope in envelopes:
            check_envelope(envelope)
        try:
            exchange = await self._publisher_exchange()
            await asyncio.gather(
                *(exchange.publish(encode_message(env), routing_key=env.type, timeout=10) for env in envelopes)
            )
        except Exception:
            # Start from a fresh channel next time: a channel that saw a failure may be half-closed.
            self._exchange = None
            self._publish_channel = None
            raise

    async def declare_queue(self, consumer: str, binding_keys: Sequence[str], *, max_attempts: int) -> AbstractQueue:
        connection = await self._connect()
        channel = await connection.channel()
        try:
            return await self._declare_queue(channel, consumer, binding_keys, max_attempts=max_attempts)
        finally:
            await channel.close()

    async def _declare_queue(
        self, channel: AbstractChannel, consumer: str, binding_keys: Sequence[str], *, max_attempts: int
    ) -> AbstractQueue:
        exchange = await self._declare_exchanges(channel)
        name = self.queue_name(consumer)
        dlq = await channel.declare_queue(f"{name}.dlq", durable=True, arguments={"x-queue-type": "quorum"})
        await dlq.bind(self.dlx_name, routing_key=f"{name}.dlq")
        queue = await channel.declare_queue(
            name,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                # RabbitMQ dead-letters a message once it has been returned more often than this.
                "x-delivery-limit": max(0, max_attempts - 1),
                "x-dead-letter-exchange": self.dlx_name,
                "x-dead-letter-routing-key": f"{name}.dlq",
            },
        )
        for key in binding_keys:
            await queue.bind(exchange, routing_key=key)
        return queue

    async def subscribe(
        self,
        queue: str,
        binding_keys: Sequence[str],
        handler: EnvelopeHandler,
        *,
        max_attempts: int,
        concurrency: int = 8,
        dead_letters: DeadLetterSink | None = None,
        retry_delay: float = 0.2,
    ) -> None:
        """Consume ``queue``: ack on success; on failure return it after a short backoff.

        ``dead_letters`` is unused here: the broker moves exhausted messages to the DLQ.
        """
        connection = await self._connect()
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=max(concurrency, 1))
        declared = await self._declare_queue(channel, queue, binding_keys, max_attempts=max_attempts)
        self._consumer_channels.append(channel)

        async def on_message(message: AbstractIncomingMessage) -> None:
            try:
                envelope = decode_message(message)
            except Exception as exc:
                _log.error("undecodable message %s on %s: %s", message.message_id, queue, exc)
                await message.reject(requeue=False)
                return
            try:
                await handler(envelope)
            except Exception as exc:
                raw_count = (message.headers or {}).get("x-delivery-count", 0)
                count = raw_count if isinstance(raw_count, int) else 0
                _log.warning("consumer %s failed on %s (delivery %d): %s", queue, envelope.id, count + 1, exc)
                await asyncio.sleep(min(5.0, retry_delay * 2**count))
                await message.nack(requeue=True)
            else:
                await message.ack()

        await declared.consume(on_message)

    async def dead_letters(self, consumer: str, *, limit: int = 1000) -> list[DeadLetter]:
        """List the dead letters of ``consumer`` without removing them."""
        connection = await self._connect()
        channel = await connection.channel()
        seen: list[AbstractIncomingMessage] = []
        out: list[DeadLetter] = []
        try:
            dlq = await channel.get_queue(f"{self.queue_name(consumer)}.dlq", ensure=True)
            while len(seen) < limit:
                message = await dlq.get(no_ack=False, fail=False)
                if message is None:
                    break
                seen.append(message)
                out.append(_dead_letter(message))
        finally:
            for message in seen:
                await message.nack(requeue=True)
            await channel.close()
        return out

    async def replay_dead_letters(self, consumer: str, *, event_ids: Sequence[str] | None = None) -> int:
        """Put dead letters back on the consumer's queue (all, or only ``event_ids``); return how many."""
        connection = await self._connect()
        channel = await connection.channel(publisher_confirms=True)
        replayed = 0
        keep: list[AbstractIncomingMessage] = []
        queue_name = self.queue_name(consumer)
        try:
            dlq = await channel.get_queue(f"{queue_name}.dlq", ensure=True)
            while True:
                message = await dlq.get(no_ack=False, fail=False)
                if message is None:
                    break
                if event_ids is not None and message.message_id not in event_ids:
                    keep.append(message)
                    continue
                headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
                fresh = aio_pika.Message(
                    body=message.body,
                    headers=headers,
                    content_type=message.content_type,
                    message_id=message.message_id,
                    correlation_id=message.correlation_id,
                    type=message.type,
                    app_id=message.app_id,
                    timestamp=message.timestamp,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                )
                await channel.default_exchange.publish(fresh, routing_key=queue_name)
                await message.ack()
                replayed += 1
        finally:
            for message in keep:
                await message.nack(requeue=True)
            await channel.close()
        return replayed

    async def ping(self) -> None:
        connection = await self._connect()
        if connection.is_closed:
            raise ConnectionError("RabbitMQ connection is closed")
        if not connection.connected.is_set():
            raise ConnectionError("RabbitMQ is unreachable")

    async def delete_topology(self, consumers: Sequence[str]) -> None:
        """Remove the exchanges and queues (tests use unique names and clean up after themselves)."""
        connection = await self._connect()
        channel = await connection.channel()
        for consumer in consumers:
            name = self.queue_name(consumer)
            await channel.queue_delete(name)
            await channel.queue_delete(f"{name}.dlq")
        await channel.exchange_delete(self.exchange_name)
        await channel.exchange_delete(self.dlx_name)
        await channel.close()

    async def close(self) -> None:
        for channel in self._consumer_channels:
            if not channel.is_closed:
                try:
                    await channel.close()
                except Exception as exc:  # closing a channel of a dead connection
                    _log.debug("closing channel: %s", exc)
        self._consumer_channels.clear()
        if self._connection is not None and not self._connection.is_closed:
            await self._connection.close()
        self._connection = None


def _dead_letter(message: AbstractIncomingMessage) -> DeadLetter:
    deaths = (message.headers or {}).get("x-death") or []
    reason = ""
    if isinstance(deaths, list) and deaths:
        first = deaths[0]
        if isinstance(first, dict):
            reason = str(first.get("reason", ""))
    try:
        envelope: Envelope | None = decode_message(message)
    except Exception:
        envelope = None
    return DeadLetter(envelope=envelope, reason=reason, raw_message_id=message.message_id)
