"""The projector's PostgreSQL connection: a batch on a connection that broke leaves nothing behind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from smile_common.events import Outcome
from smile_indicators.definition import DEFINITION
from smile_indicators.facts.catalogue import course_fact
from smile_indicators.facts.registry import PROJECTOR
from smile_indicators.projection.consumer import ProjectorConsumer
from smile_indicators.projection.log import event_log

from .test_rebuild import _scripted_courses


@pytest.mark.parametrize("smile_stack", ["infra"], indirect=True)  # PostgreSQL only: no embedded variant
async def test_a_batch_on_a_broken_connection_changes_nothing_and_its_redelivery_applies_once(make_harness) -> None:
    indicators = await make_harness(DEFINITION)
    database = indicators.runtime.database
    assert database.is_postgres  # the projector holds a connection between batches on PostgreSQL only
    consumer = ProjectorConsumer("indicators.projector", database, indicators.runtime.definition.tables, PROJECTOR)
    events = _scripted_courses()

    held = await database.engine.connect()
    try:
        raw = (await held.get_raw_connection()).driver_connection
        assert raw is not None
        async with database.engine.connect() as other:
            await other.execute(sa.select(sa.func.pg_terminate_backend(raw.get_server_pid())))
        with pytest.raises(Exception):  # noqa: B017,PT011 - whatever the driver says of a dead connection
            await consumer.apply_now(events, connection=held)
    finally:
        await held.close()
    assert await indicators.count(event_log) == 0
    assert await indicators.count(indicators.runtime.definition.tables.inbox) == 0

    # the broker redelivers: the pool gives a live connection, every event is applied once
    outcomes = await consumer.apply_now(events + events[:3])
    assert set(outcomes.values()) == {Outcome.APPLIED}
    assert len(outcomes) == len(events)
    again = await consumer.apply_now(events)
    assert set(again.values()) == {Outcome.DUPLICATE}
    assert await indicators.count(event_log) == len(events)
    assert await indicators.count(course_fact) == 6
