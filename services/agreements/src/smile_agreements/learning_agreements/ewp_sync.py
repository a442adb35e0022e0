"""A learning agreement that the sending HEI masters in EWP, as the gateway read it: its first version,
approved changes and pending changes proposal become versions here; the receiving side signs or comments."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.learning_agreements import events, rules, service
from smile_agreements.learning_agreements.models import CatalogueCourse, LaVersion, LearningAgreement
from smile_agreements.mobilities.repository import MobilityRepository
from smile_common.db import utcnow
from smile_common.events import Envelope
from smile_common.events.payloads import ewp

_TABLES = {
    "components_studied": "studied",
    "components_recognized": "recognized",
    "virtual_components": "virtual",
    "blended_mobility_components": "blended",
    "short_term_doctoral_components": "studied",
}


def _term(c: ewp.LaComponent) -> str | None:
    return f"{c.term_number}/{c.total_terms}" if c.term_number and c.total_terms else None


async def _components(session: AsyncSession, tenant: str, part: ewp.LaComponentList) -> list[dict[str, Any]]:
    out = []
    for attr, table in _TABLES.items():
        for c in getattr(part, attr):
            ects = next(
                (cr.value for cr in c.credits if cr.scheme.lower() == "ects"), c.credits[0].value if c.credits else 0
            )
            course_id = None
            if table != "recognized" and c.los_id and c.los_id.startswith("CR/"):
                found = (
                    await session.get(CatalogueCourse, (tenant, _uuid(c.los_id[3:]))) if _uuid(c.los_id[3:]) else None
                )
                course_id = str(found.course_id) if found else None
            out.append(
                {
                    "id": c.loi_id or c.los_id or c.title,
                    "table": table,
                    "course_id": course_id,
                    "los_id": c.los_id,
                    "code": c.los_code,
                    "title": c.title,
                    "term": _term(c),
                    "credits": rules.credits_text(ects),
                    "status": c.status,
                    "reason_code": c.reason_code,
                    "reason_text": c.reason_text,
                    "recognition_conditions": c.recognition_conditions,
                }
            )
    return out


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _signatures(part: ewp.LaComponentList) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for party, sig in (
        ("student", part.student_signature),
        ("sending", part.sending_hei_signature),
        ("receiving", part.receiving_hei_signature),
    ):
        if sig is not None:
            out[party] = sig.model_dump(mode="json")
    return out


async def apply_partner_copy(
    session: AsyncSession, envelope: Envelope, p: ewp.LearningAgreementReceived, office: str
) -> None:
    mobility = await MobilityRepository(session).by_omobility(
        envelope.tenant, p.sending_hei.hei_id, p.omobility_id, for_update=True
    )
    if mobility is None:
        return  # the nomination is not known (yet): the gateway's next resync brings it again
    la = await service.get_la(session, envelope.tenant, mobility.id)
    if la is None:
        contacts = {
            side: {
                "name": f"{h.contact_given_names} {h.contact_family_name}",
                "email": h.contact_email,
                "position": None,
            }
            for side, h in (("sending", p.sending_hei), ("receiving", p.receiving_hei))
        }
        la = service.new_la(mobility, "ewp", contacts)
        session.add(la)
        await session.flush()
    if la.source_as_of is not None and la.source_as_of >= p.received_at:
        return
    la.source, la.source_as_of, la.updated_at = "ewp", p.received_at, utcnow()
    versions = await service.versions_of(session, la)
    for v in versions:
        if v.status in ("draft", "proposed") and v.proposal_id != p.changes_proposal_id:
            v.status = "superseded"
    for kind, part in (("first_version", p.first_version), ("changes", p.approved_changes)):
        if part is not None:
            await _approved_part(session, la, versions, kind, part)
    if p.changes_proposal is not None and p.changes_proposal_id:
        await _pending(session, la, versions, p, mobility, office)


async def _approved_part(
    session: AsyncSession, la: LearningAgreement, versions: list[LaVersion], kind: str, part: ewp.LaComponentList
) -> None:
    """An approved part of the partner's copy. EWP's ``approved-changes`` is cumulative: a new one replaces
    the changes approved before."""
    components = await _components(session, la.tenant, part)
    key = f"{kind}:{rules.proposal_digest(components, 0)}"
    if any(v.proposal_id == key for v in versions):
        return
    same_kind = [v for v in versions if v.kind == kind and v.status == "approved"]
    if kind == "first_version" and same_kind:
        return  # the first version is approved once
    for old in same_kind:
        old.status = "superseded"
    v = service.new_version(la, _next(versions), kind, components, f"ewp:{la.sending_hei_id}")
    v.status, v.proposal_id, v.signatures = "approved", key, _signatures(part)
    session.add(v)
    versions.append(v)
    await session.flush()
    if "receiving" in v.signatures:
        await events.approved(session, la, v, f"ewp:{la.sending_hei_id}", service.current_tables(versions))


def _next(versions: list[LaVersion]) -> int:
    return (max(v.number for v in versions) + 1) if versions else 1


async def _pending(
    session: AsyncSession,
    la: LearningAgreement,
    versions: list[LaVersion],
    p: ewp.LearningAgreementReceived,
    mobility: Any,
    office: str,
) -> None:
    assert p.changes_proposal is not None
    if any(v.proposal_id == p.changes_proposal_id for v in versions):
        return
    kind = "changes" if any(v.kind == "first_version" and v.status == "approved" for v in versions) else "first_version"
    components = await _components(session, la.tenant, p.changes_proposal)
    v = service.new_version(la, _next(versions), kind, components, f"ewp:{la.sending_hei_id}")
    v.status, v.proposal_id, v.signatures = "proposed", p.changes_proposal_id, _signatures(p.changes_proposal)
    session.add(v)
    await session.flush()
    await events.proposed(session, la, v, f"ewp:{la.sending_hei_id}")
    await events.tell(session, mobility, "la_to_sign", v, office)
