"""An event produced by the catalogue is consumed by the indicators: outbox → broker → inbox."""

from __future__ import annotations

import sqlalchemy as sa

from smile_catalogue.definition import DEFINITION as CATALOGUE
from smile_common.events import Envelope
from smile_indicators.definition import DEFINITION as INDICATORS

from .conftest import eventually, publish_course, published_figure


async def test_publishing_a_course_moves_the_indicator(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE)
    indicators = await make_harness(INDICATORS)
    await indicators.start_worker()
    await catalogue.start_worker()
    assert await published_figure(indicators) == 0

    course_id = await publish_course(catalogue, "DRT-EU-101")
    await eventually(lambda: _equals(published_figure(indicators), 1))

    withdrawn = await catalogue.client.post(f"/courses/{course_id}/withdraw", headers=catalogue.headers("coordinator"))
    assert withdrawn.status_code == 200
    await eventually(lambda: _equals(published_figure(indicators), 0))
    # another university's figures did not move
    assert await published_figure(indicators, hei="univ-rennes.fr") == 0


async def test_state_change_and_its_event_commit_together(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE)
    outbox = CATALOGUE.tables.outbox
    await publish_course(catalogue, "ECO-MAC-110")
    rows = await catalogue.count(outbox, outbox.c.event_type == "catalogue.course.published.v1")
    assert rows == 1
    # a failed publish (course of another university) leaves neither a change nor an event
    other = await catalogue.client.post(
        "/courses/00000000-0000-0000-0000-000000000001/publish", headers=catalogue.headers("coordinator")
    )
    assert other.status_code == 404
    assert await catalogue.count(outbox) == 1


async def test_correlation_id_follows_the_request_into_the_event(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE)
    editor = catalogue.headers("catalogue_editor")
    response = await catalogue.client.post(
        "/courses", json={"code": "X1", "title": {"en": "X"}, "ects": 3}, headers=editor
    )
    course_id = response.json()["id"]
    published = await catalogue.client.post(
        f"/courses/{course_id}/publish", headers={**editor, "X-Correlation-Id": "req-42"}
    )
    assert published.headers["x-correlation-id"] == "req-42"
    outbox = CATALOGUE.tables.outbox
    async with catalogue.runtime.database.sessionmaker() as session:
        stored = (await session.execute(sa.select(outbox.c.envelope))).scalar_one()
    assert Envelope.model_validate(stored).correlationid == "req-42"


async def _equals(value, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return (await value) == expected
