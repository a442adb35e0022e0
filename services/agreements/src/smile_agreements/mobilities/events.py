"""Mobility events: one builder for every ``agreements.mobility.*`` payload."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.db import outbox
from smile_agreements.mobilities.models import Mobility
from smile_common.events.payloads.mobility import MobilityEvent, MobilitySource, MobilityStatus, MobilityStudent

E = TypeVar("E", bound=MobilityEvent)


def student_of(mobility: Mobility) -> MobilityStudent:
    return MobilityStudent(
        given_names=mobility.student_given_names,
        family_name=mobility.student_family_name,
        email=mobility.student_email,
        birth_date=mobility.student_birth_date,
        citizenship=mobility.student_citizenship,
        gender=mobility.student_gender,
        esi=mobility.student_esi,
    )


def payload(event: type[E], mobility: Mobility, **extra: Any) -> E:
    return event(
        mobility_id=mobility.id,
        omobility_id=mobility.omobility_id,
        proposal_id=mobility.proposal_id,
        source=MobilitySource(mobility.source),
        status=MobilityStatus(mobility.status),
        programme=mobility.programme,
        sending_hei_id=mobility.sending_hei_id,
        sending_ounit_id=mobility.sending_ounit_id,
        receiving_hei_id=mobility.tenant,
        receiving_ounit_code=mobility.receiving_ounit_code,
        iia_id=mobility.iia_id,
        cooperation_condition_id=mobility.cooperation_condition_id,
        academic_year=mobility.academic_year,
        academic_term=mobility.academic_term,
        planned_arrival_date=mobility.planned_arrival_date,
        planned_departure_date=mobility.planned_departure_date,
        actual_arrival_date=mobility.actual_arrival_date,
        actual_departure_date=mobility.actual_departure_date,
        eqf_level=mobility.eqf_level,
        isced_code=mobility.isced_code,
        student=student_of(mobility),
        changed_by=mobility.status_changed_by,
        changed_at=mobility.updated_at,
        **extra,
    )


async def record(session: AsyncSession, event: type[E], mobility: Mobility, **extra: Any) -> None:
    await outbox.record(session, payload(event, mobility, **extra), tenant=mobility.tenant, subject=str(mobility.id))
