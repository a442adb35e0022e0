"""The state of each mobility's SIS synchronisation, as the events and staff move it."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import utcnow
from smile_common.errors import Conflict, NotFound
from smile_records.enrolments.models import Enrolment, EnrolmentAttempt, EnrolmentState
from smile_records.students.models import Mobility

ACTIVE_MOBILITY = frozenset({"accepted", "live", "completed"})


class EnrolmentNotRetryable(Conflict):
    slug, title = "enrolment-not-retryable", "This synchronisation cannot be retried"


def table_a_codes(mobility: Mobility) -> list[str]:
    """The course codes of the learning agreement's table A in force (components without a code are
    courses outside the catalogue: they cannot be enrolled in automatically)."""
    return list(dict.fromkeys(str(c["code"]) for c in mobility.la_components if c.get("code")))


async def of_mobility(session: AsyncSession, tenant: str, mobility_id: uuid.UUID) -> Enrolment | None:
    query = sa.select(Enrolment).where(Enrolment.tenant == tenant, Enrolment.mobility_id == mobility_id)
    return (await session.execute(query.with_for_update())).scalar_one_or_none()


async def get(session: AsyncSession, tenant: str, enrolment_id: uuid.UUID, *, for_update: bool = False) -> Enrolment:
    query = sa.select(Enrolment).where(Enrolment.tenant == tenant, Enrolment.id == enrolment_id)
    if for_update:
        query = query.with_for_update()
    found = (await session.execute(query)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No enrolment {enrolment_id}.")
    return found


async def follow_mobility(session: AsyncSession, mobility: Mobility) -> Enrolment | None:
    """Create or update the synchronisation of ``mobility`` after one of its events."""
    if mobility.student_id is None:
        return None
    enrolment = await of_mobility(session, mobility.tenant, mobility.id)
    now = utcnow()
    if enrolment is None:
        enrolment = Enrolment(
            id=uuid.uuid4(),
            tenant=mobility.tenant,
            mobility_id=mobility.id,
            student_id=mobility.student_id,
            state=EnrolmentState.WAITING.value,
            wanted_courses=[],
            enrolled_courses=[],
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        session.add(enrolment)
    if mobility.status == "cancelled":
        _cancel(enrolment, now)
    elif mobility.status in ACTIVE_MOBILITY and mobility.la_version is not None:
        _schedule(enrolment, mobility, now)
    await session.flush()
    return enrolment


def _schedule(enrolment: Enrolment, mobility: Mobility, now: datetime) -> None:
    wanted = table_a_codes(mobility)
    in_step = enrolment.state == EnrolmentState.DONE.value and enrolment.enrolled_courses == wanted
    if enrolment.la_version == mobility.la_version and enrolment.state != EnrolmentState.WAITING.value:
        return  # this version is already scheduled or done
    enrolment.wanted_courses = wanted
    enrolment.la_version = mobility.la_version
    enrolment.updated_at = now
    if in_step:
        return
    enrolment.state = EnrolmentState.PENDING.value
    enrolment.attempts = 0
    enrolment.next_attempt_at = now
    enrolment.lease_until = None


def _cancel(enrolment: Enrolment, now: datetime) -> None:
    if enrolment.state == EnrolmentState.DONE.value:
        enrolment.note = "The mobility was cancelled after the SIS enrolment: cancel it in the SIS."
    enrolment.state = EnrolmentState.CANCELLED.value
    enrolment.next_attempt_at = None
    enrolment.updated_at = now


async def retry(session: AsyncSession, tenant: str, enrolment_id: uuid.UUID) -> Enrolment:
    """Staff fixed the cause (data, SIS configuration): run the synchronisation again now."""
    enrolment = await get(session, tenant, enrolment_id, for_update=True)
    if enrolment.state in (EnrolmentState.CANCELLED.value, EnrolmentState.WAITING.value):
        raise EnrolmentNotRetryable(
            f"The enrolment is {enrolment.state}: "
            + (
                "the mobility was cancelled."
                if enrolment.state == "cancelled"
                else "the learning agreement is not approved yet."
            )
        )
    now = utcnow()
    enrolment.state = EnrolmentState.PENDING.value
    enrolment.attempts = 0
    enrolment.next_attempt_at = now
    enrolment.lease_until = None
    enrolment.updated_at = now
    await session.flush()
    return enrolment


async def attempts_of(
    session: AsyncSession, tenant: str, enrolment_id: uuid.UUID, limit: int = 50
) -> list[EnrolmentAttempt]:
    query = (
        sa.select(EnrolmentAttempt)
        .where(EnrolmentAttempt.tenant == tenant, EnrolmentAttempt.enrolment_id == enrolment_id)
        .order_by(EnrolmentAttempt.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())
