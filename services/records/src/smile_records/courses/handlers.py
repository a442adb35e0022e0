"""Keep the catalogue's courses (idempotent through the inbox, the newest event wins)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.events import Consumer, Envelope
from smile_common.events.payloads.catalogue import CoursePublished, CourseUpdated, CourseWithdrawn
from smile_records.courses.models import Course

_STATUS = {
    CoursePublished.event_type: "published",
    CourseUpdated.event_type: "published",
    CourseWithdrawn.event_type: "withdrawn",
}


async def apply_course_event(
    session: AsyncSession, envelope: Envelope, payload: CoursePublished | CourseUpdated | CourseWithdrawn
) -> None:
    course = await session.get(Course, (envelope.tenant, payload.code), with_for_update=True)
    if course is not None and course.as_of > envelope.time:
        return
    if course is None:
        course = Course(tenant=envelope.tenant, code=payload.code)
        session.add(course)
    course.course_id = payload.course_id
    course.title = dict(payload.title)
    course.ects = Decimal(str(payload.ects))
    course.isced_code = payload.isced_code
    course.eqf_level = payload.eqf_level
    course.term_codes = list(payload.term_codes)
    course.languages = list(payload.languages)
    course.organisational_unit_code = payload.organisational_unit_code
    course.status = _STATUS[envelope.type]
    course.as_of = envelope.time


async def courses_by_code(session: AsyncSession, tenant: str, codes: list[str]) -> dict[str, Course]:
    if not codes:
        return {}
    query = sa.select(Course).where(Course.tenant == tenant, Course.code.in_(codes))
    return {c.code: c for c in (await session.execute(query)).scalars()}


def register(consumer: Consumer) -> None:
    consumer.add_handler(CoursePublished, apply_course_event)
    consumer.add_handler(CourseUpdated, apply_course_event)
    consumer.add_handler(CourseWithdrawn, apply_course_event)
