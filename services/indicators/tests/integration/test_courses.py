"""The course offer figure, from the catalogue's events, including late and repeated deliveries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from smile_common.events import new_envelope
from smile_common.events.payloads.catalogue import CoursePublished, CourseUpdated, CourseWithdrawn

from .conftest import HEI, deliver, figure, started

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def course(kind, course_id, code, *, at, ects=5.0, unit="DROIT", isced="0421", eqf=6, terms=("2026/2027-1/2",)):  # type: ignore[no-untyped-def]
    payload = kind(
        course_id=course_id,
        code=code,
        title={"en": code},
        ects=ects,
        organisational_unit_code=unit,
        isced_code=isced,
        eqf_level=eqf,
        term_codes=list(terms),
        changed_by="editor",
        changed_at=at,
    )
    return new_envelope(payload, source="/smile/catalogue", tenant=HEI, time=at)


async def test_course_offer_counts_published_courses_by_faculty(make_harness, smile_bus) -> None:
    indicators = await started(make_harness)
    law, eco, old = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    events = [
        course(CoursePublished, law, "DRT-1", at=T0, ects=6),
        course(CoursePublished, eco, "ECO-1", at=T0 + timedelta(days=40), unit="ECO", isced="0311", ects=4),
        course(CoursePublished, old, "DRT-0", at=T0, ects=3),
        course(CourseWithdrawn, old, "DRT-0", at=T0 + timedelta(days=2), ects=3),
    ]
    await deliver(indicators, smile_bus, events)

    body = await figure(indicators, "course-offer", by="faculty")
    assert body["total"] == {"courses_published": 2, "ects_offered": 10.0, "courses_withdrawn": 1}
    assert body["rows"] == [
        {"faculty": "DROIT", "courses_published": 1, "ects_offered": 6.0, "courses_withdrawn": 1},
        {"faculty": "ECO", "courses_published": 1, "ects_offered": 4.0, "courses_withdrawn": 0},
    ]
    series = await figure(indicators, "course-offer", by="month")
    assert [(r["month"], r["courses_published"]) for r in series["rows"]] == [("2026-09", 1), ("2026-10", 1)]
    only_law = await figure(indicators, "course-offer", faculty="DROIT", isced="04")
    assert only_law["total"]["courses_published"] == 1


async def test_late_and_repeated_course_events_leave_the_latest_state(make_harness, smile_bus) -> None:
    indicators = await started(make_harness)
    law = uuid.uuid4()
    published = course(CoursePublished, law, "DRT-1", at=T0, ects=6)
    updated = course(CourseUpdated, law, "DRT-1", at=T0 + timedelta(hours=1), ects=8)
    withdrawn = course(CourseWithdrawn, law, "DRT-1", at=T0 + timedelta(hours=2), ects=8)
    # the withdrawal arrives first, the publication last, the update twice
    await deliver(indicators, smile_bus, [withdrawn, updated, updated])
    await deliver(indicators, smile_bus, [published, updated])
    body = await figure(indicators, "course-offer")
    assert body["total"] == {"courses_published": 0, "ects_offered": 0, "courses_withdrawn": 1}
    series = await figure(indicators, "course-offer", by="month")
    assert series["rows"][0]["month"] == "2026-09"


async def test_a_figure_moves_as_soon_as_an_event_is_applied(make_harness, smile_bus) -> None:
    # the API keeps the records it read between requests: a new event must make it read them again
    indicators = await started(make_harness)
    await deliver(indicators, smile_bus, [course(CoursePublished, uuid.uuid4(), "A", at=T0)])
    assert (await figure(indicators, "course-offer"))["total"]["courses_published"] == 1
    assert (await figure(indicators, "course-offer"))["total"]["courses_published"] == 1
    await deliver(indicators, smile_bus, [course(CoursePublished, uuid.uuid4(), "B", at=T0)])
    assert (await figure(indicators, "course-offer"))["total"]["courses_published"] == 2
