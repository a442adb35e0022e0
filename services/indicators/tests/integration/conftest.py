"""Helpers of the indicators' integration tests: deliver events through the bus, read figures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from smile_common.events import Envelope, InMemoryBus, RabbitMQBus
from smile_common.testing.harness import ServiceHarness
from smile_indicators.definition import DEFINITION
from smile_indicators.facts.registry import PROJECTOR
from smile_indicators.figures.registry import INDICATORS
from smile_indicators.projection.log import event_log

HEI = "unicaen.fr"


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 20.0, interval: float = 0.05) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s (last value: {last!r})")


async def started(make_harness: Any) -> ServiceHarness:
    """The indicators service with its worker running and its queue bound."""
    harness: ServiceHarness = await make_harness(DEFINITION)
    await harness.start_worker()
    bus = harness.runtime.bus
    if isinstance(bus, RabbitMQBus):
        await eventually(lambda: _queue_exists(bus, "indicators.projector"))
    return harness


async def deliver(harness: ServiceHarness, bus: Any, envelopes: Sequence[Envelope]) -> None:
    """Publish ``envelopes`` (duplicates allowed) and wait until the projector has logged each one."""
    publisher = bus if isinstance(bus, InMemoryBus) else harness.runtime.bus
    expected = await harness.count(event_log) + len({e.id for e in envelopes} - await _logged(harness, envelopes))
    await publisher.publish(list(envelopes))
    await eventually(lambda: _count_is(harness, expected))


async def _logged(harness: ServiceHarness, envelopes: Sequence[Envelope]) -> set[str]:
    ids = [e.id for e in envelopes]
    async with harness.runtime.database.sessionmaker() as session:
        rows = await session.scalars(
            event_log.select().with_only_columns(event_log.c.event_id).where(event_log.c.event_id.in_(ids))
        )
        return set(rows.all())


async def _count_is(harness: ServiceHarness, expected: int) -> bool:
    return await harness.count(event_log) == expected


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


_TOKENS: dict[tuple[int, str], dict[str, str]] = {}


def headers(harness: ServiceHarness, role: str) -> dict[str, str]:
    """Bearer headers for ``role`` at unicaen.fr, minted once per harness (signing is slow)."""
    key = (id(harness), role)
    if key not in _TOKENS:
        _TOKENS[key] = harness.headers(role)
    return _TOKENS[key]


async def figure(harness: ServiceHarness, slug: str, role: str = "analyst", **params: Any) -> dict[str, Any]:
    response = await harness.client.get(f"/figures/{slug}", params=params, headers=headers(harness, role))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def snapshot(harness: ServiceHarness) -> dict[str, Any]:
    """Every indicator by every breakdown, and every row of every read model."""
    figures = {
        (item.slug, by): await figure(harness, item.slug, by=by) for item in INDICATORS for by in item.breakdowns
    }
    async with harness.runtime.database.sessionmaker() as session:
        rows = {
            table.name: sorted(
                json.dumps(dict(r._mapping), default=str, sort_keys=True)
                for r in (await session.execute(sa.select(table))).all()
            )
            for table in PROJECTOR.tables
        }
    return {"figures": figures, "rows": rows}
