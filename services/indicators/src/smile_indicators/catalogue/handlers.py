"""Apply the catalogue's course events to the course facts (idempotent and order-insensitive)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.events import Consumer, Envelope
from smile_common.events.payloads.catalogue import CoursePublished, CourseUpdated, CourseWithdrawn
from smile_indicators.catalogue.models import CourseFact

_STATUS = {
    CoursePublished.event_type: "published",
    CourseUpdated.event_type: "published",
    CourseWithdrawn.event_type: "withdrawn",
}


async def apply_course_event(
    session: AsyncSession, envelope: Envelope, payload: CoursePublished | CourseUpdated | CourseWithdrawn
) -> None:
    fact = await session.get(CourseFact, (envelope.tenant, payload.course_id), with_for_update=True)
    if fact is not None and fact.as_of > envelope.time:
        return  # a newer event already set this course's state
    if fact is None:
        fact = CourseFact(tenant=envelope.tenant, course_id=payload.course_id)
        session.add(fact)
    fact.code = payload.code
    fact.status = _STATUS[envelope.type]
    fact.ects = payload.ects
    fact.organisational_unit_code = payload.organisational_unit_code
    fact.isced_code = payload.isced_code
    fact.as_of = envelope.time


def register(consumer: Consumer) -> None:
    consumer.add_handler(CoursePublished, apply_course_event)
    consumer.add_handler(CourseUpdated, apply_course_event)
    consumer.add_handler(CourseWithdrawn, apply_course_event)


async def published_count(session: AsyncSession, tenant: str) -> int:
    query = sa.select(sa.func.count()).where(CourseFact.tenant == tenant, CourseFact.status == "published")
    return int(await session.scalar(query) or 0)
