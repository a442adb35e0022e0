"""``agreements.learning_agreement.*`` payloads and the notifications that go with them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.db import outbox
from smile_agreements.learning_agreements.models import LaVersion, LearningAgreement
from smile_agreements.mobilities.models import Mobility
from smile_agreements.notifications.service import notify
from smile_common.events.payloads import mobility as ev


def component(c: dict[str, Any]) -> ev.LaComponent:
    return ev.LaComponent(
        table=c["table"],
        course_id=c.get("course_id"),
        code=c.get("code"),
        title=c.get("title") or c.get("code") or "-",
        term=c.get("term"),
        credits=Decimal(str(c["credits"])),
        status=c.get("status"),
        reason_code=c.get("reason_code"),
        reason_text=c.get("reason_text"),
    )


def signature(data: dict[str, Any]) -> ev.LaSignature:
    return ev.LaSignature.model_validate(data)


def _base(la: LearningAgreement, version: LaVersion, actor: str) -> dict[str, Any]:
    return {
        "learning_agreement_id": la.id,
        "mobility_id": la.mobility_id,
        "omobility_id": la.omobility_id,
        "sending_hei_id": la.sending_hei_id,
        "receiving_hei_id": la.tenant,
        "source": la.source,
        "version": version.number,
        "kind": version.kind,
        "proposal_id": version.proposal_id or "",
        "changed_by": actor,
        "changed_at": version.updated_at,
    }


async def _record(session: AsyncSession, la: LearningAgreement, payload: ev.LearningAgreementEvent) -> None:
    await outbox.record(session, payload, tenant=la.tenant, subject=str(la.mobility_id))


async def proposed(session: AsyncSession, la: LearningAgreement, v: LaVersion, actor: str) -> None:
    components = [component(c) for c in v.components]
    await _record(session, la, ev.LearningAgreementProposed(**_base(la, v, actor), components=components))


async def changed(session: AsyncSession, la: LearningAgreement, v: LaVersion, actor: str, previous: str) -> None:
    components = [component(c) for c in v.components]
    payload = ev.LearningAgreementChanged(**_base(la, v, actor), previous_proposal_id=previous, components=components)
    await _record(session, la, payload)


async def approved(
    session: AsyncSession, la: LearningAgreement, v: LaVersion, actor: str, current: list[dict[str, Any]]
) -> None:
    payload = ev.LearningAgreementApproved(
        **_base(la, v, actor),
        components=[component(c) for c in current],
        receiving_signature=signature(v.signatures["receiving"]),
    )
    await _record(session, la, payload)


async def rejected(session: AsyncSession, la: LearningAgreement, v: LaVersion, actor: str, party: str) -> None:
    payload = ev.LearningAgreementRejected(
        **_base(la, v, actor),
        comment=v.comment or "",
        rejected_by_party=party,  # type: ignore[arg-type]
        signature=signature(v.signatures[f"rejected_{party}"]),
    )
    await _record(session, la, payload)


async def tell(
    session: AsyncSession, mobility: Mobility, template: str, v: LaVersion, office_email: str, *, reason: str = "-"
) -> None:
    params = {
        "student": f"{mobility.student_given_names} {mobility.student_family_name}",
        "version": str(v.number),
        "reason": reason,
        "mobility_id": str(mobility.id),
    }
    await notify(
        session,
        tenant=mobility.tenant,
        recipient_email=mobility.student_email,
        recipient_role="student",
        template=template,
        params=params,
        language=mobility.student_language,
        mobility_id=mobility.id,
    )
    await notify(
        session,
        tenant=mobility.tenant,
        recipient_email=office_email,
        recipient_role="coordinator",
        template=template,
        params=params,
        language="fr",
        mobility_id=mobility.id,
    )
