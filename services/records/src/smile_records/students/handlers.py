"""Apply the agreements service's mobility and learning-agreement events (idempotent through the inbox,
order-insensitive through each event's time)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import utcnow
from smile_common.events import Consumer, Envelope
from smile_common.events.payloads.mobility import (
    LearningAgreementApproved,
    MobilityAccepted,
    MobilityArrived,
    MobilityCancelled,
    MobilityDeparted,
    MobilityEvent,
)
from smile_records.enrolments.service import ACTIVE_MOBILITY, follow_mobility
from smile_records.locks import lock_name
from smile_records.students.models import Mobility
from smile_records.students.repository import MobilityRepository
from smile_records.students.service import register_student

#: how far each status is along the mobility's life; an older event never moves it back
_RANK = {"unknown": 0, "accepted": 1, "live": 2, "completed": 3, "cancelled": 4}
_STATUS = {
    MobilityAccepted.event_type: "accepted",
    MobilityArrived.event_type: "live",
    MobilityDeparted.event_type: "completed",
    MobilityCancelled.event_type: "cancelled",
}


async def _mobility(session: AsyncSession, tenant: str, mobility_id: Any) -> Mobility:
    await lock_name(session, "records.mobility", tenant, str(mobility_id))
    repo = MobilityRepository(session)
    mobility = await repo.get(tenant, mobility_id, for_update=True)
    if mobility is None:
        now = utcnow()
        mobility = Mobility(
            id=mobility_id, tenant=tenant, status="unknown", la_components=[], created_at=now, updated_at=now
        )
        repo.add(mobility)
    return mobility


def _copy_facts(mobility: Mobility, payload: MobilityEvent) -> None:
    mobility.omobility_id = payload.omobility_id
    mobility.sending_hei_id = payload.sending_hei_id
    mobility.sending_ounit_id = payload.sending_ounit_id
    mobility.receiving_ounit_code = payload.receiving_ounit_code
    mobility.academic_year = payload.academic_year
    mobility.academic_term = payload.academic_term
    mobility.planned_arrival_date = payload.planned_arrival_date
    mobility.planned_departure_date = payload.planned_departure_date
    mobility.actual_arrival_date = payload.actual_arrival_date or mobility.actual_arrival_date
    mobility.actual_departure_date = payload.actual_departure_date or mobility.actual_departure_date
    mobility.eqf_level = payload.eqf_level
    mobility.isced_code = payload.isced_code
    programme = getattr(payload, "programme", None)
    if isinstance(programme, str):
        mobility.programme = programme


async def apply_mobility_event(session: AsyncSession, envelope: Envelope, payload: MobilityEvent) -> None:
    mobility = await _mobility(session, envelope.tenant, payload.mobility_id)
    status = _STATUS[envelope.type]
    if mobility.status_as_of is None or envelope.time >= mobility.status_as_of:
        _copy_facts(mobility, payload)
        mobility.status_as_of = envelope.time
    if _RANK[status] > _RANK.get(mobility.status, 0):  # statuses only move forward; cancelled is final
        mobility.status = status
    mobility.updated_at = utcnow()
    if mobility.student_id is None and mobility.status in ACTIVE_MOBILITY:
        student = await register_student(
            session,
            envelope.tenant,
            payload.student,
            sending_hei_id=payload.sending_hei_id,
            mobility_id=payload.mobility_id,
            at=envelope.time,
        )
        mobility.student_id = student.id
    await session.flush()
    await follow_mobility(session, mobility)


async def apply_learning_agreement(
    session: AsyncSession, envelope: Envelope, payload: LearningAgreementApproved
) -> None:
    mobility = await _mobility(session, envelope.tenant, payload.mobility_id)
    if mobility.la_version is not None and (
        payload.version < mobility.la_version
        or (payload.version == mobility.la_version and mobility.la_as_of and envelope.time < mobility.la_as_of)
    ):
        return  # an older approved version arrived late
    mobility.la_version = payload.version
    mobility.la_as_of = envelope.time
    mobility.la_components = [
        {
            "code": c.code,
            "title": c.title,
            "credits": str(c.credits),
            "term": c.term,
            "course_id": str(c.course_id) if c.course_id else None,
        }
        for c in payload.components
        if c.table == "studied" and c.status != "deleted"
    ]
    mobility.updated_at = utcnow()
    await session.flush()
    await follow_mobility(session, mobility)


def register(consumer: Consumer) -> None:
    for event in (MobilityAccepted, MobilityArrived, MobilityDeparted, MobilityCancelled):
        consumer.add_handler(event, apply_mobility_event)
    consumer.add_handler(LearningAgreementApproved, apply_learning_agreement)
