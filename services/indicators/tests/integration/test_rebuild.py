"""The read models rebuilt from the event log give exactly the figures the live projector gave."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from smile_common.events import Consumer
from smile_common.events.payloads.catalogue import CoursePublished, CourseUpdated, CourseWithdrawn
from smile_common.service import Runtime
from smile_indicators.definition import DEFINITION
from smile_indicators.facts.registry import PROJECTOR
from smile_indicators.figures import clock
from smile_indicators.projection.consumer import ProjectorConsumer
from smile_indicators.projection.log import event_log
from smile_indicators.projection.rebuild import rebuild
from smile_indicators.projection.registry import Projector

from . import scenario
from .conftest import deliver, figure, snapshot, started
from .test_courses import T0, course


def _scripted_courses() -> list:  # type: ignore[type-arg]
    ids = [uuid.uuid4() for _ in range(6)]
    events = []
    for i, course_id in enumerate(ids):
        unit = "DROIT" if i % 2 else "ECO"
        at = T0 + timedelta(days=20 * i)
        events.append(course(CoursePublished, course_id, f"C-{i}", at=at, unit=unit, ects=3 + i))
        events.append(course(CourseUpdated, course_id, f"C-{i}", at=at + timedelta(hours=1), unit=unit, ects=4 + i))
    events.append(course(CourseWithdrawn, ids[0], "C-0", at=T0 + timedelta(days=200), unit="ECO", ects=4))
    return events


async def test_rebuild_gives_identical_figures(make_harness, smile_bus, monkeypatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: scenario.NOW)
    indicators = await started(make_harness)
    events = _scripted_courses() + scenario.scenario()
    late = events[::-1]  # reversed order, and everything delivered twice
    await deliver(indicators, smile_bus, late[:30] + late[:30])
    await deliver(indicators, smile_bus, late[30:] + late)
    before = await snapshot(indicators)
    assert before["figures"][("course-offer", "faculty")]["total"]["courses_published"] == 5
    assert before["figures"][("incoming-students", "country")]["total"]["students"] == 5

    report = await rebuild(indicators.runtime.database, PROJECTOR)
    assert report.applied == len(events)
    assert report.rows["course_fact"] == 6
    assert report.rows["mobility_fact"] == 8
    assert await snapshot(indicators) == before

    # the command does the same from the shell
    result = await _cli(indicators, "rebuild")
    assert json.loads(result)["rebuild"]["applied"] == len(events)
    assert await snapshot(indicators) == before


async def test_events_of_types_not_used_are_logged_without_payload_and_never_replayed(make_harness, smile_bus) -> None:
    def blind(runtime: Runtime) -> list[Consumer]:
        # a service that does not use the catalogue's events: it counts them and keeps nothing of them
        return [ProjectorConsumer("indicators.projector", runtime.database, runtime.definition.tables, Projector())]

    indicators = await make_harness(dataclasses.replace(DEFINITION, consumers=blind))
    await indicators.start_worker()
    events = _scripted_courses()
    await deliver(indicators, smile_bus, events)
    async with indicators.runtime.database.sessionmaker() as session:
        logged = (await session.execute(sa.select(event_log.c.data, event_log.c.stream_key))).all()
    assert logged == [({}, None)] * len(events)

    report = await rebuild(indicators.runtime.database, PROJECTOR)
    assert (report.applied, report.ignored, report.invalid) == (0, len(events), [])
    assert (await figure(indicators, "course-offer"))["total"]["courses_published"] == 0


async def _cli(harness, *args: str) -> str:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "SMILE_DATABASE_URL": harness.runtime.settings.resolved_database_url(),
        "SMILE_LOG_LEVEL": "WARNING",
    }
    env.pop("SMILE_AMQP_URL", None)
    command = Path(sys.executable).with_name("smile-indicators")
    process = await asyncio.create_subprocess_exec(
        str(command), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode().strip().splitlines()[-1]
