"""At-least-once delivery made exactly-once in effect: duplicates, poison messages, broker outages."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from smile_catalogue.definition import DEFINITION as CATALOGUE
from smile_common.events import Consumer, Envelope, InMemoryBus, RabbitMQBus, new_envelope
from smile_common.events.payloads.catalogue import CoursePublished
from smile_common.service import Runtime
from smile_common.testing.proxy import TcpProxy
from smile_indicators.definition import DEFINITION as INDICATORS
from smile_indicators.facts.registry import PROJECTOR
from smile_indicators.projection.apply import parse_events, project

from .conftest import eventually, publish_course, published_figure


def _course_event(code: str, hei: str = "unicaen.fr") -> Envelope:
    payload = CoursePublished(
        course_id=uuid.uuid4(), code=code, title={"en": code}, ects=5, changed_by="t", changed_at=datetime.now(UTC)
    )
    return new_envelope(payload, source="/smile/catalogue", tenant=hei)


async def test_an_event_delivered_twice_is_applied_once(make_harness, smile_bus) -> None:
    indicators = await make_harness(INDICATORS)
    await indicators.start_worker()
    publisher = smile_bus if isinstance(smile_bus, InMemoryBus) else indicators.runtime.bus
    first, second = _course_event("A-1"), _course_event("A-2")
    await _published_to_queues(indicators)
    await publisher.publish([first, first, second])
    await publisher.publish([first])
    await eventually(lambda: _inbox_count(indicators, 2))
    assert await published_figure(indicators) == 2
    inbox = INDICATORS.tables.inbox
    assert await indicators.count(inbox, inbox.c.event_id == first.id) == 1


async def test_a_poison_message_is_dead_lettered_and_the_rest_flows(make_harness, smile_bus) -> None:
    broken = {"on": True}

    async def fragile(session, envelope, payload):  # type: ignore[no-untyped-def]
        if payload.code == "POISON" and broken["on"]:
            raise RuntimeError("cannot digest this course")
        await project(session, PROJECTOR, parse_events(PROJECTOR, [envelope]))

    def consumers(runtime: Runtime) -> list[Consumer]:
        consumer = Consumer("indicators.projector", runtime.database, runtime.definition.tables)
        consumer.add_handler(CoursePublished, fragile)
        return [consumer]

    indicators = await make_harness(dataclasses.replace(INDICATORS, consumers=consumers))
    await indicators.start_worker()
    await _published_to_queues(indicators)
    publisher = smile_bus if isinstance(smile_bus, InMemoryBus) else indicators.runtime.bus
    poison = _course_event("POISON")
    await publisher.publish([_course_event("OK-1"), poison, _course_event("OK-2")])

    await eventually(lambda: _dead_letter_ids(indicators), timeout=30)
    assert await _dead_letter_ids(indicators) == [poison.id]
    assert await published_figure(indicators) == 2

    broken["on"] = False  # the bug is fixed: replaying the dead letter applies it
    await _replay(indicators)
    await eventually(lambda: _equals_figure(indicators, 3))
    assert await _dead_letter_ids(indicators) == []


@pytest.mark.parametrize("smile_stack", ["infra"], indirect=True)
async def test_writes_during_a_broker_outage_are_delivered_exactly_once_after(make_harness, smile_stack) -> None:
    amqp = make_url(smile_stack.amqp_url.replace("amqp://", "postgresql://"))  # parse host and port
    proxy = await TcpProxy(amqp.host or "127.0.0.1", amqp.port or 5672).start()
    via_proxy = smile_stack.amqp_url.replace(f"{amqp.host}:{amqp.port}", f"127.0.0.1:{proxy.port}")
    try:
        catalogue = await make_harness(CATALOGUE, amqp_url=via_proxy)
        indicators = await make_harness(INDICATORS, amqp_url=via_proxy)
        await indicators.start_worker()
        await catalogue.start_worker()
        await publish_course(catalogue, "BEFORE-0")
        await eventually(lambda: _equals_figure(indicators, 1))

        await proxy.cut()
        writes = 12
        for i in range(writes):
            await publish_course(catalogue, f"DURING-{i}")  # the API keeps accepting writes
        outbox = CATALOGUE.tables.outbox
        assert await catalogue.count(outbox, outbox.c.published_at.is_(None)) == writes
        assert await published_figure(indicators) == 1

        await proxy.restore()
        await eventually(lambda: _equals_figure(indicators, 1 + writes), timeout=60)
        await eventually(lambda: _pending_is_zero(catalogue), timeout=30)
        inbox = INDICATORS.tables.inbox
        assert await indicators.count(inbox) == 1 + writes
    finally:
        await proxy.close()


# --- helpers -----------------------------------------------------------------------------------------
async def _published_to_queues(harness) -> None:  # type: ignore[no-untyped-def]
    """On RabbitMQ, wait until the consumer's queue exists so that published events are routed to it."""
    bus = harness.runtime.bus
    if isinstance(bus, RabbitMQBus):
        for consumer in harness.runtime.consumers():
            await eventually(lambda c=consumer: _queue_exists(bus, c.name))


async def _queue_exists(bus: RabbitMQBus, consumer: str) -> bool:
    connection = await bus._connect()
    channel = await connection.channel()
    try:
        await channel.get_queue(bus.queue_name(consumer), ensure=True)
        return True
    except Exception:
        return False
    finally:
        if not channel.is_closed:
            await channel.close()


async def _inbox_count(harness, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return await harness.count(INDICATORS.tables.inbox) == expected


async def _equals_figure(harness, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return await published_figure(harness) == expected


async def _pending_is_zero(harness) -> bool:  # type: ignore[no-untyped-def]
    outbox = harness.definition.tables.outbox
    return await harness.count(outbox, outbox.c.published_at.is_(None)) == 0


async def _dead_letter_ids(harness) -> list[str]:  # type: ignore[no-untyped-def]
    bus = harness.runtime.bus
    if isinstance(bus, RabbitMQBus):
        letters = await bus.dead_letters("indicators.projector")
        return [letter.envelope.id for letter in letters if letter.envelope]
    table = harness.definition.tables.dead_letter
    async with harness.runtime.database.sessionmaker() as session:
        return list((await session.execute(sa.select(table.c.event_id))).scalars())


async def _replay(harness) -> None:  # type: ignore[no-untyped-def]
    from smile_common.cli import _dead_letters  # the code behind `smile-indicators dead-letters replay`

    class Args:
        action = "replay"
        consumer = "indicators.projector"
        event_id = None

    await _dead_letters(harness.runtime, Args())  # type: ignore[arg-type]
