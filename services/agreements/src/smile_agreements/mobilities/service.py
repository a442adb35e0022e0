"""Nominations and their life: create (EWP, CSV, by hand), decide, cancel, arrive, depart.

Every change and its event (and the notifications it causes) are written in the caller's transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.mobilities import events
from smile_agreements.mobilities.iia_port import ConditionView, directory
from smile_agreements.mobilities.models import Mobility
from smile_agreements.mobilities.repository import MobilityRepository
from smile_agreements.mobilities.schemas import NominationCreate
from smile_agreements.notifications.service import notify
from smile_common.db import utcnow
from smile_common.errors import Conflict, NotFound, Problem
from smile_common.events.payloads import mobility as ev
from smile_common.events.payloads.mobility import MobilitySource, MobilityStatus


class DuplicateNomination(Conflict):
    slug, title = "duplicate-nomination", "This student is already nominated for this term"


class StaleProposal(Conflict):
    slug, title = "stale-proposal", "The nomination changed since it was shown"


class InvalidTransition(Conflict):
    slug, title = "invalid-mobility-transition", "The mobility cannot move to this status"


class IiaMismatch(Problem):
    status, slug, title = 422, "iia-mismatch", "The nomination does not fit the agreement"


@dataclass(frozen=True)
class Origin:
    """Where a nomination comes from and who enters it."""

    source: MobilitySource
    actor: str
    omobility_id: str | None = None
    proposal_id: str | None = None
    ewp_iia_id: str | None = None
    activity_attributes: str | None = None


def student_key(data: NominationCreate) -> str:
    s = data.student
    if s.esi:
        return f"esi:{s.esi.lower()}"
    if s.email:
        return f"email:{s.email.lower()}"
    return f"name:{s.family_name.lower()}|{s.given_names.lower()}|{s.birth_date or ''}"


def content_proposal_id(mobility: Mobility) -> str:
    """For nominations entered in SMILE: a digest of the content, so it changes iff the content changes."""
    fields = [
        mobility.student_given_names,
        mobility.student_family_name,
        mobility.student_email,
        mobility.student_esi,
        mobility.sending_hei_id,
        mobility.receiving_ounit_code,
        mobility.academic_year,
        mobility.academic_term,
        mobility.planned_arrival_date,
        mobility.planned_departure_date,
        mobility.eqf_level,
        mobility.isced_code,
        str(mobility.cooperation_condition_id or ""),
    ]
    return hashlib.sha256(json.dumps(fields, default=str).encode()).hexdigest()[:40]


def terms_overlap(a: str | None, b: str | None) -> bool:
    if a is None or b is None or a == b:
        return True
    return a.endswith("-1/1") or b.endswith("-1/1")


async def check_not_duplicate(
    session: AsyncSession, tenant: str, data: NominationCreate, *, ignore: uuid.UUID | None = None
) -> None:
    for other in await MobilityRepository(session).active_for_student(tenant, student_key(data), data.academic_year):
        if other.id != ignore and terms_overlap(other.academic_term, data.academic_term):
            raise DuplicateNomination(
                f"{data.student.given_names} {data.student.family_name} already has a {other.status} mobility "
                f"for {other.academic_term or other.academic_year}.",
                mobility_id=str(other.id),
            )


def _year(value: str) -> int:
    return int(value[:4])


async def resolve_condition(
    session: AsyncSession, tenant: str, data: NominationCreate, ewp_iia_id: str | None
) -> ConditionView | None:
    """The IIA cooperation condition the nomination falls under; refuses one outside the IIA's years."""
    found = directory()
    if found is None or not (data.iia_id or data.cooperation_condition_id or ewp_iia_id):
        return None
    conditions = await found.student_conditions(session, tenant, iia_id=data.iia_id, ewp_iia_id=ewp_iia_id)
    if data.cooperation_condition_id:
        conditions = [c for c in conditions if c.condition_id == data.cooperation_condition_id]
    mine = [c for c in conditions if c.sending_hei_id == data.sending_hei_id] or conditions
    if not mine:
        raise IiaMismatch("No cooperation condition of this agreement covers students sent by this partner.")
    condition = mine[0]
    if not _year(condition.first_academic_year) <= _year(data.academic_year) <= _year(condition.last_academic_year):
        raise IiaMismatch(
            f"The agreement covers {condition.first_academic_year} to {condition.last_academic_year}; "
            f"a mobility in {data.academic_year} is outside its years.",
            slug="mobility-outside-iia-years",
        )
    return condition


async def create_nomination(
    session: AsyncSession,
    tenant: str,
    data: NominationCreate,
    origin: Origin,
    *,
    office_email: str,
    strict: bool = True,
) -> Mobility:
    """Store a nomination. ``strict`` (API, CSV) refuses duplicates and mobilities outside the IIA's
    years; EWP nominations are stored anyway and show these as failed checks."""
    condition = None
    if strict:
        await check_not_duplicate(session, tenant, data)
        condition = await resolve_condition(session, tenant, data, origin.ewp_iia_id)
    else:
        with contextlib.suppress(IiaMismatch):
            condition = await resolve_condition(session, tenant, data, origin.ewp_iia_id)
    now = utcnow()
    s = data.student
    mobility = Mobility(
        id=uuid.uuid4(),
        tenant=tenant,
        source=origin.source.value,
        omobility_id=origin.omobility_id,
        status=MobilityStatus.NOMINATED.value,
        programme=data.programme,
        student_given_names=s.given_names,
        student_family_name=s.family_name,
        student_email=s.email,
        student_birth_date=s.birth_date,
        student_citizenship=s.citizenship,
        student_gender=s.gender,
        student_esi=s.esi,
        student_key=student_key(data),
        student_language=s.preferred_language,
        language_skills=[skill.model_dump() for skill in data.language_skills],
        sending_hei_id=data.sending_hei_id,
        sending_ounit_id=data.sending_ounit_id,
        receiving_ounit_code=data.receiving_ounit_code,
        iia_id=condition.iia_id if condition else data.iia_id,
        cooperation_condition_id=condition.condition_id if condition else data.cooperation_condition_id,
        ewp_iia_id=origin.ewp_iia_id or (condition.ewp_iia_id if condition else None),
        academic_year=data.academic_year,
        academic_term=data.academic_term,
        planned_arrival_date=data.planned_arrival_date,
        planned_departure_date=data.planned_departure_date,
        eqf_level=data.eqf_level,
        isced_code=data.isced_code,
        activity_attributes=origin.activity_attributes,
        comment=data.comment,
        created_by=origin.actor,
        created_at=now,
        updated_at=now,
        status_changed_by=origin.actor,
        status_changed_at=now,
        version=1,
    )
    mobility.proposal_id = origin.proposal_id or content_proposal_id(mobility)
    MobilityRepository(session).add(mobility)
    await session.flush()
    await events.record(session, ev.MobilityNominated, mobility)
    await notify(
        session,
        tenant=tenant,
        recipient_email=office_email,
        recipient_role="coordinator",
        template="nomination_received",
        params=params_of(mobility),
        language="fr",
        mobility_id=mobility.id,
    )
    return mobility


def params_of(mobility: Mobility) -> dict[str, str]:
    return {
        "student": f"{mobility.student_given_names} {mobility.student_family_name}",
        "sending_hei": mobility.sending_hei_id,
        "term": mobility.academic_term or mobility.academic_year,
        "status": mobility.status,
        "mobility_id": str(mobility.id),
    }


async def get_mobility(
    session: AsyncSession, tenant: str, mobility_id: uuid.UUID, *, for_update: bool = False
) -> Mobility:
    mobility = await MobilityRepository(session).get(tenant, mobility_id, for_update=for_update)
    if mobility is None:
        raise NotFound(f"No mobility {mobility_id}.")
    return mobility


def _move(mobility: Mobility, status: MobilityStatus, actor: str, allowed: tuple[MobilityStatus, ...]) -> None:
    if mobility.status not in {a.value for a in allowed}:
        raise InvalidTransition(f"A {mobility.status} mobility cannot become {status.value}.", current=mobility.status)
    now = utcnow()
    mobility.status = status.value
    mobility.status_changed_by = actor
    mobility.status_changed_at = now
    mobility.updated_at = now
    mobility.version += 1


def _check_proposal(mobility: Mobility, proposal_id: str | None) -> None:
    if proposal_id is not None and proposal_id != mobility.proposal_id:
        raise StaleProposal(
            "The nomination changed since you saw it; reload it and decide again.",
            current_proposal_id=mobility.proposal_id,
        )


async def accept(session: AsyncSession, mobility: Mobility, actor: str, proposal_id: str | None) -> Mobility:
    _check_proposal(mobility, proposal_id)
    if mobility.status == MobilityStatus.ACCEPTED.value:
        return mobility
    _move(mobility, MobilityStatus.ACCEPTED, actor, (MobilityStatus.NOMINATED, MobilityStatus.REJECTED))
    mobility.rejection_reason = None
    await session.flush()
    await events.record(session, ev.MobilityAccepted, mobility)
    from smile_agreements.files.service import open_file  # files build on mobilities, not the reverse

    await open_file(session, mobility, actor)
    await notify(
        session,
        tenant=mobility.tenant,
        recipient_email=mobility.student_email,
        recipient_role="student",
        template="nomination_accepted",
        params=params_of(mobility),
        language=mobility.student_language,
        mobility_id=mobility.id,
    )
    return mobility


async def reject(
    session: AsyncSession, mobility: Mobility, actor: str, proposal_id: str | None, reason: str
) -> Mobility:
    _check_proposal(mobility, proposal_id)
    _move(mobility, MobilityStatus.REJECTED, actor, (MobilityStatus.NOMINATED, MobilityStatus.ACCEPTED))
    mobility.rejection_reason = reason
    await session.flush()
    await events.record(session, ev.MobilityRejected, mobility, reason=reason)
    return mobility


async def cancel(
    session: AsyncSession, mobility: Mobility, actor: str, reason: str | None, *, office_email: str
) -> Mobility:
    if mobility.status == MobilityStatus.CANCELLED.value:
        return mobility
    _move(
        mobility,
        MobilityStatus.CANCELLED,
        actor,
        (MobilityStatus.NOMINATED, MobilityStatus.ACCEPTED, MobilityStatus.REJECTED),
    )
    mobility.cancellation_reason = reason
    await session.flush()
    await events.record(session, ev.MobilityCancelled, mobility, reason=reason)
    params = {**params_of(mobility), "reason": reason or "-"}
    await notify(
        session,
        tenant=mobility.tenant,
        recipient_email=office_email,
        recipient_role="coordinator",
        template="mobility_cancelled",
        params=params,
        language="fr",
        mobility_id=mobility.id,
    )
    return mobility


async def arrive(session: AsyncSession, mobility: Mobility, actor: str, on: date) -> Mobility:
    if mobility.status == MobilityStatus.LIVE.value and mobility.actual_arrival_date == on:
        return mobility
    if mobility.status != MobilityStatus.LIVE.value:
        _move(mobility, MobilityStatus.LIVE, actor, (MobilityStatus.ACCEPTED,))
    mobility.actual_arrival_date = on
    mobility.updated_at = utcnow()
    await session.flush()
    await events.record(session, ev.MobilityArrived, mobility)
    return mobility


async def depart(session: AsyncSession, mobility: Mobility, actor: str, on: date) -> Mobility:
    if mobility.actual_arrival_date and on < mobility.actual_arrival_date:
        raise Problem("The departure cannot precede the arrival.", status=422, slug="departure-before-arrival")
    if mobility.status != MobilityStatus.COMPLETED.value:
        _move(mobility, MobilityStatus.COMPLETED, actor, (MobilityStatus.LIVE,))
    mobility.actual_departure_date = on
    mobility.updated_at = utcnow()
    await session.flush()
    await events.record(session, ev.MobilityDeparted, mobility)
    return mobility


async def reopen(session: AsyncSession, mobility: Mobility, actor: str, why: str, *, office_email: str) -> Mobility:
    """The decision could not be delivered to the partner (its proposal changed): decide again."""
    _move(mobility, MobilityStatus.NOMINATED, actor, (MobilityStatus.ACCEPTED, MobilityStatus.REJECTED))
    await session.flush()
    # no event: for everyone else the mobility was and stays nominated until a delivered decision
    await notify(
        session,
        tenant=mobility.tenant,
        recipient_email=office_email,
        recipient_role="coordinator",
        template="decision_not_delivered",
        params={**params_of(mobility), "reason": why},
        language="fr",
        mobility_id=mobility.id,
    )
    return mobility
