"""Nominations that arrive through EWP (the gateway's events): create, update, cancel; failed pushes.

Idempotent (inbox) and order-insensitive: a copy older than the one held (``received_at``) changes nothing.
An EWP nomination is always stored, even when it looks wrong (duplicate, outside the IIA's years): the
partner waits for an answer, so the coordinator sees the failed checks and rejects it with a reason.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.mobilities import service
from smile_agreements.mobilities.models import Mobility
from smile_agreements.mobilities.repository import MobilityRepository
from smile_agreements.mobilities.schemas import NominationCreate, StudentIn
from smile_agreements.notifications.service import notify
from smile_agreements.settings import AgreementsSettings
from smile_common.db import utcnow
from smile_common.events import Consumer, Envelope
from smile_common.events.payloads.ewp import NominationDeleted, NominationReceived, PartnerUpdateFailed
from smile_common.events.payloads.mobility import MobilitySource, MobilityStatus

_log = logging.getLogger("smile.agreements.ewp")


def _nomination(p: NominationReceived) -> NominationCreate:
    term = p.sending_academic_term_ewp_id
    if term and not term.startswith(p.receiving_academic_year_id):
        term = None  # the sender's own calendar: keep the receiving year only
    gender = p.student.gender if p.student.gender in (0, 1, 2, 9) else None
    return NominationCreate.model_construct(
        student=_student(p, gender),
        sending_hei_id=p.sending_hei.hei_id,
        sending_ounit_id=p.sending_hei.ounit_id,
        receiving_ounit_code=None,
        iia_id=None,
        cooperation_condition_id=None,
        programme="erasmus",
        academic_year=p.receiving_academic_year_id,
        academic_term=term,
        planned_arrival_date=None,
        planned_departure_date=None,
        eqf_level=p.eqf_level_studied_at_departure if 1 <= p.eqf_level_studied_at_departure <= 8 else None,
        isced_code=p.nominee_isced_f_code or p.agreement_isced_f_code,
        language_skills=[],
        comment=p.comment,
    )


def _student(p: NominationReceived, gender: int | None) -> StudentIn:
    return StudentIn.model_construct(
        given_names=p.student.given_names,
        family_name=p.student.family_name,
        email=p.student.email,
        birth_date=p.student.birth_date,
        citizenship=(p.student.nationality or "")[:2].upper() or None,
        gender=gender,  # type: ignore[arg-type]  # checked against ISO 5218 above
        esi=p.student.global_id,
        preferred_language="en",
    )


class EwpNominations:
    """Handlers of the gateway's nomination events; ``settings`` give the office mailboxes."""

    def __init__(self, settings: AgreementsSettings) -> None:
        self.settings = settings

    def register(self, consumer: Consumer) -> None:
        consumer.add_handler(NominationReceived, self.on_nomination)
        consumer.add_handler(NominationDeleted, self.on_nomination_deleted)
        consumer.add_handler(PartnerUpdateFailed, self.on_update_failed)

    async def on_nomination(self, session: AsyncSession, envelope: Envelope, p: NominationReceived) -> None:
        await on_nomination(session, envelope, p, self.settings.office_email(envelope.tenant))

    async def on_nomination_deleted(self, session: AsyncSession, envelope: Envelope, p: NominationDeleted) -> None:
        await on_nomination_deleted(session, envelope, p, self.settings.office_email(envelope.tenant))

    async def on_update_failed(self, session: AsyncSession, envelope: Envelope, p: PartnerUpdateFailed) -> None:
        await on_update_failed(session, envelope, p, self.settings.office_email(envelope.tenant))


async def on_nomination(session: AsyncSession, envelope: Envelope, p: NominationReceived, office: str) -> None:
    repo = MobilityRepository(session)
    existing = await repo.by_omobility(envelope.tenant, p.sending_hei.hei_id, p.omobility_id, for_update=True)
    if existing is not None and existing.source_as_of and existing.source_as_of >= p.received_at:
        return
    if existing is None:
        if p.status == "cancelled":
            return
        origin = service.Origin(
            source=MobilitySource.EWP,
            actor=f"ewp:{p.sending_hei.hei_id}",
            omobility_id=p.omobility_id,
            proposal_id=p.proposal_id,
            ewp_iia_id=p.receiving_hei.iia_id,
            activity_attributes=p.activity_attributes,
        )
        mobility = await service.create_nomination(
            session, envelope.tenant, _nomination(p), origin, office_email=office, strict=False
        )
        mobility.receiving_ounit_id = p.receiving_hei.ounit_id
        mobility.source_as_of = p.received_at
        return
    await _update(session, existing, p, office)


async def _update(session: AsyncSession, mobility: Mobility, p: NominationReceived, office: str) -> None:
    mobility.source_as_of = p.received_at
    if p.status == "cancelled":
        if mobility.status != MobilityStatus.CANCELLED.value:
            await service.cancel(
                session,
                mobility,
                f"ewp:{mobility.sending_hei_id}",
                "Cancelled by the sending institution.",
                office_email=office,
            )
        return
    if p.proposal_id == mobility.proposal_id:
        return
    data = _nomination(p)
    s = data.student
    mobility.proposal_id = p.proposal_id
    mobility.student_given_names, mobility.student_family_name = s.given_names, s.family_name
    mobility.student_email, mobility.student_birth_date, mobility.student_esi = s.email, s.birth_date, s.esi
    mobility.student_citizenship, mobility.student_gender = s.citizenship, s.gender
    mobility.academic_year, mobility.academic_term = data.academic_year, data.academic_term
    mobility.eqf_level, mobility.isced_code, mobility.comment = data.eqf_level, data.isced_code, data.comment
    mobility.receiving_ounit_id = p.receiving_hei.ounit_id
    mobility.ewp_iia_id = p.receiving_hei.iia_id or mobility.ewp_iia_id
    mobility.updated_at = utcnow()
    mobility.version += 1
    await notify(
        session,
        tenant=mobility.tenant,
        recipient_email=office,
        recipient_role="coordinator",
        template="nomination_updated",
        params=service.params_of(mobility),
        language="fr",
        mobility_id=mobility.id,
    )


async def on_nomination_deleted(session: AsyncSession, envelope: Envelope, p: NominationDeleted, office: str) -> None:
    mobility = await MobilityRepository(session).by_omobility(
        envelope.tenant, p.sending_hei_id, p.omobility_id, for_update=True
    )
    if mobility is None or mobility.status in (MobilityStatus.CANCELLED.value, MobilityStatus.COMPLETED.value):
        return
    if mobility.status == MobilityStatus.LIVE.value:
        _log.warning("partner deleted live mobility %s; kept", mobility.id)
        return
    await service.cancel(
        session,
        mobility,
        f"ewp:{p.sending_hei_id}",
        "Withdrawn by the sending institution.",
        office_email=office,
    )


async def on_update_failed(session: AsyncSession, envelope: Envelope, p: PartnerUpdateFailed, office: str) -> None:
    """Our decision did not reach the partner: the nomination awaits a decision again."""
    if p.kind not in ("nomination-approve", "nomination-reject"):
        return
    mobility = await MobilityRepository(session).by_omobility(
        envelope.tenant, p.sending_hei_id, p.omobility_id, for_update=True
    )
    if mobility is None or mobility.status not in (MobilityStatus.ACCEPTED.value, MobilityStatus.REJECTED.value):
        return
    await service.reopen(session, mobility, f"ewp:{p.sending_hei_id}", p.reason, office_email=office)
