"""Events that shape learning agreements: the catalogue's courses (read model), the student's submitted
basket (first draft of table A), and LAs that partners master in EWP. Idempotent and order-insensitive."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.learning_agreements import rules, service
from smile_agreements.learning_agreements.models import CatalogueCourse
from smile_agreements.mobilities.models import Mobility
from smile_agreements.mobilities.repository import MobilityRepository
from smile_agreements.notifications.service import notify
from smile_agreements.settings import AgreementsSettings
from smile_common.db import utcnow
from smile_common.events import Consumer, Envelope
from smile_common.events.payloads import ewp
from smile_common.events.payloads.catalogue import BasketSubmitted, CoursePublished, CourseUpdated, CourseWithdrawn

_log = logging.getLogger("smile.agreements.la")
_OPEN_MOBILITY = ("nominated", "accepted", "live")


async def on_course(
    session: AsyncSession, envelope: Envelope, p: CoursePublished | CourseUpdated | CourseWithdrawn
) -> None:
    row = await session.get(CatalogueCourse, (envelope.tenant, p.course_id), with_for_update=True)
    if row is not None and row.as_of > envelope.time:
        return
    if row is None:
        row = CatalogueCourse(tenant=envelope.tenant, course_id=p.course_id)
        session.add(row)
    row.code, row.title, row.ects = p.code, dict(p.title), Decimal(str(p.ects))
    row.term_codes, row.organisational_unit_code = list(p.term_codes), p.organisational_unit_code
    row.published = envelope.type != CourseWithdrawn.event_type
    row.as_of = envelope.time


async def _mobility_of_basket(session: AsyncSession, tenant: str, p: BasketSubmitted) -> Mobility | None:
    repo = MobilityRepository(session)
    if p.mobility_id is not None:
        return await repo.get(tenant, p.mobility_id, for_update=True)
    clauses: list[Any] = [Mobility.student_subject == p.student_subject]
    if p.student_email:
        clauses.append(sa.func.lower(Mobility.student_email) == p.student_email.lower())
    query = sa.select(Mobility).where(Mobility.tenant == tenant, Mobility.status.in_(_OPEN_MOBILITY), sa.or_(*clauses))
    if p.academic_year_id:
        query = query.where(Mobility.academic_year == p.academic_year_id)
    found = list((await session.execute(query.order_by(Mobility.created_at.desc()))).scalars())
    return found[0] if found else None


def _basket_components(p: BasketSubmitted) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "table": "studied",
            "course_id": str(c.course_id),
            "los_id": c.los_id,
            "code": c.code,
            "title": c.title.get("en") or next(iter(c.title.values()), c.code),
            "term": c.academic_term_ewp_id or c.term_code,
            "credits": rules.credits_text(c.ects),
            "status": None,
            "reason_code": None,
            "reason_text": None,
            "recognition_conditions": None,
        }
        for c in p.courses
    ]


async def on_basket(session: AsyncSession, envelope: Envelope, p: BasketSubmitted) -> None:
    """The submitted basket becomes (or replaces) the draft of table A, while no version is signed."""
    mobility = await _mobility_of_basket(session, envelope.tenant, p)
    if mobility is None:
        _log.warning("basket %s names no known mobility; ignored", p.basket_id)
        return
    if mobility.student_subject is None:
        mobility.student_subject = p.student_subject
    la = await service.get_la(session, envelope.tenant, mobility.id)
    if la is None:
        la = service.new_la(mobility, "ewp" if mobility.source == "ewp" else "local", {})
        session.add(la)
        await session.flush()
    if p.submission <= la.basket_submission:
        return
    la.basket_submission = p.submission
    versions = await service.versions_of(session, la)
    if any(v.status in ("proposed", "approved") for v in versions):
        return  # table A is past drafting: the student proposes changes instead
    draft = next((v for v in versions if v.status == "draft"), None)
    components = _basket_components(p)
    if draft is None:
        session.add(
            service.new_version(
                la, (versions[-1].number + 1) if versions else 1, "first_version", components, p.student_subject
            )
        )
    else:
        recognized = [c for c in draft.components if c["table"] == "recognized"]
        draft.components, draft.updated_at = components + recognized, utcnow()


class LaHandlers:
    def __init__(self, settings: AgreementsSettings) -> None:
        self.settings = settings

    def register(self, consumer: Consumer) -> None:
        consumer.add_handler(CoursePublished, on_course)
        consumer.add_handler(CourseUpdated, on_course)
        consumer.add_handler(CourseWithdrawn, on_course)
        consumer.add_handler(BasketSubmitted, on_basket)
        consumer.add_handler(ewp.LearningAgreementReceived, self.on_ewp_la)
        consumer.add_handler(ewp.PartnerUpdateFailed, self.on_update_failed)

    async def on_update_failed(self, session: AsyncSession, envelope: Envelope, p: ewp.PartnerUpdateFailed) -> None:
        """Our signature or comment did not reach the sending HEI: that decision no longer stands."""
        if p.kind not in ("la-approve", "la-comment"):
            return
        mobility = await MobilityRepository(session).by_omobility(envelope.tenant, p.sending_hei_id, p.omobility_id)
        la = await service.get_la(session, envelope.tenant, mobility.id) if mobility else None
        if mobility is None or la is None:
            return
        for version in await service.versions_of(session, la):
            if version.proposal_id == p.proposal_id and version.status in ("approved", "rejected"):
                version.status, version.updated_at = "superseded", utcnow()
                student = f"{mobility.student_given_names} {mobility.student_family_name}"
                await notify(
                    session,
                    tenant=mobility.tenant,
                    recipient_email=self.settings.office_email(envelope.tenant),
                    recipient_role="coordinator",
                    template="decision_not_delivered",
                    params={"student": student, "reason": p.reason, "mobility_id": str(mobility.id)},
                    language="fr",
                    mobility_id=mobility.id,
                )

    async def on_ewp_la(self, session: AsyncSession, envelope: Envelope, p: ewp.LearningAgreementReceived) -> None:
        from smile_agreements.learning_agreements.ewp_sync import apply_partner_copy

        await apply_partner_copy(session, envelope, p, self.settings.office_email(envelope.tenant))
