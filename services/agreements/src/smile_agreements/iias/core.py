"""The pieces every IIA operation uses: loading an IIA with what surrounds it, saving a new version of
our copy (hash, snapshot), the status rules, history lines and events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.db import outbox
from smile_agreements.iias.content import IiaContent
from smile_agreements.iias.convert import content_of, event_payload
from smile_agreements.iias.ewpxml import hash_content
from smile_agreements.iias.models import Iia, IiaApproval, IiaCondition, IiaHistory, IiaVersion, PartnerCopy
from smile_agreements.iias.repository import IiaRepository
from smile_agreements.partners.models import PartnerInstitution
from smile_agreements.partners.repository import PartnerRepository
from smile_common.audit import annotate
from smile_common.db import utcnow
from smile_common.errors import NotFound
from smile_common.events.payloads.agreements import IiaStatus, _IiaEvent

__all__ = ["Loaded", "current_view", "emit", "load", "log", "refresh_status", "save_version"]


@dataclass
class Loaded:
    """An IIA with its conditions, its partner institution and the partner's copy matched to it."""

    iia: Iia
    conditions: list[IiaCondition]
    partner: PartnerInstitution | None
    copy: PartnerCopy | None

    @property
    def content(self) -> IiaContent:
        return content_of(self.iia, self.conditions)


async def load(session: AsyncSession, tenant: str, iia_id: uuid.UUID, *, for_update: bool = False) -> Loaded:
    repo = IiaRepository(session)
    iia = await repo.get(tenant, iia_id, for_update=for_update)
    if iia is None:
        raise NotFound(f"No IIA {iia_id}.")
    return await surround(session, iia)


async def surround(session: AsyncSession, iia: Iia) -> Loaded:
    repo = IiaRepository(session)
    conditions = await repo.conditions(iia.tenant, iia.id)
    partner = await PartnerRepository(session).by_hei(iia.tenant, iia.partner_hei_id)
    copy = await repo.copy_of(iia.tenant, iia.id)
    return Loaded(iia, conditions, partner, copy)


async def save_version(session: AsyncSession, loaded: Loaded, actor: str, *, new: bool = False) -> bool:
    """Record our copy as it now stands as a new version; True when its hash changed."""
    iia = loaded.iia
    content = loaded.content
    digest = hash_content(content).iia_hash
    changed = digest != iia.iia_hash
    now = utcnow()
    if not new:
        iia.version += 1
    iia.iia_hash = digest
    iia.updated_by, iia.updated_at = actor, now
    if iia.state != "draft":
        iia.modified_at = now
    session.add(
        IiaVersion(
            id=uuid.uuid4(),
            iia_id=iia.id,
            tenant=iia.tenant,
            version=iia.version,
            iia_hash=digest,
            content=content.model_dump(mode="json"),
            changed_by=actor,
            changed_at=now,
        )
    )
    return changed or new


def _holds_local(approvals: list[IiaApproval], iia: Iia, copy: PartnerCopy | None) -> bool:
    if copy is not None and copy.deleted_at is None:
        return any(a.side == "local" and a.target == "partner" and a.approved_hash == copy.iia_hash for a in approvals)
    if copy is not None:
        return False  # the partner withdrew the copy we approved
    return any(a.side == "local" and a.target == "own" and a.approved_hash == iia.iia_hash for a in approvals)


async def refresh_status(session: AsyncSession, loaded: Loaded) -> bool:
    """Recompute the approval flags and the status from the approvals that still hold (an approval holds
    while the approved hash is the copy's current hash, whatever order approvals arrived in)."""
    iia = loaded.iia
    approvals = await IiaRepository(session).approvals(iia.tenant, iia.id)
    ours = _holds_local(approvals, iia, loaded.copy)
    theirs = any(a.side == "partner" and a.approved_hash == iia.iia_hash for a in approvals)
    if iia.state == "deleted":
        status = IiaStatus.DELETED
    elif iia.state == "draft":
        status = IiaStatus.DRAFT
    elif iia.state == "terminated":
        status = IiaStatus.TERMINATED
    elif ours and theirs:
        status = IiaStatus.MUTUALLY_APPROVED
    elif ours:
        status = IiaStatus.APPROVED_BY_US
    elif theirs:
        status = IiaStatus.APPROVED_BY_PARTNER
    else:
        status = IiaStatus.SHARED
    before = (iia.status, iia.approved_by_us, iia.approved_by_partner, iia.in_effect)
    iia.status, iia.approved_by_us, iia.approved_by_partner = status.value, ours, theirs
    if ours and theirs and iia.state != "draft":
        iia.in_effect = True  # once mutually approved, an IIA is (or was) in effect for good
    changed = before != (iia.status, iia.approved_by_us, iia.approved_by_partner, iia.in_effect)
    if changed and before[3] != iia.in_effect:
        iia.modified_at = utcnow()
    return changed


def log(session: AsyncSession, iia: Iia, actor: str, action: str, **details: Any) -> None:
    if action != "created":
        annotate(session, iia, action)  # the audit trail names the business action too
    session.add(
        IiaHistory(
            id=uuid.uuid4(),
            iia_id=iia.id,
            tenant=iia.tenant,
            at=utcnow(),
            actor=actor,
            action=action,
            version=iia.version,
            iia_hash=iia.iia_hash,
            details=details,
        )
    )


async def emit(session: AsyncSession, event: type[_IiaEvent], loaded: Loaded, actor: str, **extra: Any) -> None:
    await session.flush()
    payload = event_payload(event, loaded.iia, loaded.content, loaded.partner, actor, **extra)
    await outbox.record(session, payload, tenant=loaded.iia.tenant, subject=str(loaded.iia.id))


def current_view(loaded: Loaded) -> dict[str, Any]:
    """What a 409 carries: the IIA as it stands now, to review before acting again."""
    iia, copy = loaded.iia, loaded.copy
    return {
        "id": str(iia.id),
        "code": iia.code,
        "version": iia.version,
        "status": iia.status,
        "iia_hash": iia.iia_hash,
        **loaded.content.model_dump(mode="json"),
        "partner_copy": None
        if copy is None
        else {
            "id": str(copy.id),
            "partner_iia_id": copy.partner_iia_id,
            "iia_hash": copy.iia_hash,
            "received_at": copy.received_at.isoformat(),
            "content": copy.content,
        },
    }
