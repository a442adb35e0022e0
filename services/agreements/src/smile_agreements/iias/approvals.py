"""Approvals. Ours: the coordinator approves the partner's copy (or, for a partner outside EWP, our own
copy), exactly as displayed. Theirs: the partner's approval of our copy, read by the gateway from its
IIAs Approval API, or recorded by hand for a partner outside EWP. Every approval keeps a snapshot of
what was approved and its hash."""

from __future__ import annotations

import uuid
from datetime import datetime

from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias.compare import compare
from smile_agreements.iias.content import IiaContent
from smile_agreements.iias.core import Loaded, current_view, emit, load, log, refresh_status
from smile_agreements.iias.ewpxml import render_iia
from smile_agreements.iias.models import IiaApproval
from smile_agreements.iias.repository import IiaRepository
from smile_agreements.iias.schemas import ApproveRequest, PartnerApprovalRecord
from smile_agreements.iias.service import InvalidTransition, check_version
from smile_common.audit import Actor, act_as
from smile_common.db import utcnow
from smile_common.errors import Conflict, Problem
from smile_common.events.payloads.agreements import IiaApproved, IiaPartnerApproved
from smile_common.events.payloads.ewp import IiaApprovalReceived

__all__ = ["approve_iia", "receive_partner_approval", "record_partner_approval"]


class NotYetDefined(Problem):
    status, slug, title = 422, "not-yet-defined", "Values marked 'not yet defined' cannot be approved"


class StalePartnerCopy(Conflict):
    slug, title = "stale-partner-copy", "The partner's copy changed since you read it"


class CopiesDiffer(Conflict):
    slug, title = "copies-differ", "The two copies differ in what the hash covers"


def _xml(content: IiaContent) -> str:
    return etree.tostring(render_iia(content)[0], encoding="unicode")


def _approval(loaded: Loaded, **fields: object) -> IiaApproval:
    now = utcnow()
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "tenant": loaded.iia.tenant,
        "iia_id": loaded.iia.id,
        "recorded_at": now,
        "approved_at": now,
        **fields,
    }
    return IiaApproval(**values)


def _check_partner_copy(loaded: Loaded, data: ApproveRequest) -> IiaContent:
    copy = loaded.copy
    iia = loaded.iia
    if copy is None or copy.deleted_at is not None:
        raise Conflict(
            f"{iia.partner_hei_id} is in EWP but SMILE holds no current copy of its IIA: nothing to approve yet.",
            slug="no-partner-copy",
            title="No partner copy to approve",
        )
    if data.partner_iia_hash != copy.iia_hash:
        raise StalePartnerCopy(
            "The partner's copy is not the one you were shown (its hash differs): review it and try again.",
            current=current_view(loaded),
        )
    if copy.content is None:
        raise Problem(
            "The partner's copy breaks IIA v7 rules and cannot be approved: " + "; ".join(copy.problems),
            status=422,
            slug="partner-copy-invalid",
            title="The partner's copy is not valid",
        )
    content = IiaContent.model_validate(copy.content)
    if not copy.valid_for_approval or content.not_yet_defined:
        raise NotYetDefined(
            "The partner's copy still holds values migrated from v6 ('not yet defined'): v7 forbids approving it."
        )
    if not copy.hash_verified:
        raise Conflict(
            "The hash the partner declares is not the hash of the copy it serves: approving it would not match "
            "on its side. Ask the partner to fix its copy.",
            slug="partner-hash-mismatch",
            title="The partner's hash is wrong",
        )
    if copy.claimed_local_iia_id != str(iia.id):
        raise Conflict(
            "The partner's copy does not name our IIA id yet (not mapped): its system could not link the approval.",
            slug="not-mapped",
            title="The partner has not mapped our IIA",
        )
    return content


async def approve_iia(
    session: AsyncSession, tenant: str, actor: str, iia_id: uuid.UUID, data: ApproveRequest
) -> tuple[Loaded, IiaApproval | None]:
    """Approve the copy displayed to ``actor``. Approving again what is already approved changes nothing."""
    loaded = await load(session, tenant, iia_id, for_update=True)
    iia = loaded.iia
    check_version(loaded, data.version)
    if iia.state == "draft":
        raise InvalidTransition("Share the IIA with the partner before approving it.")
    own = loaded.content
    on_ewp = bool(loaded.partner and loaded.partner.on_ewp) or loaded.copy is not None
    if on_ewp:
        theirs = _check_partner_copy(loaded, data)
        differences = [d for d in compare(own, theirs).differences if d.affects_hash]
        if differences and not data.accept_differences:
            raise CopiesDiffer(
                f"Our copy and the partner's differ in {len(differences)} field(s) that the hash covers; "
                "agree on one text first, or approve with accept_differences.",
                differences=[d.model_dump(mode="json") for d in differences],
            )
        copy = loaded.copy
        assert copy is not None
        target_hash, partner_iia_id, approved = copy.iia_hash, copy.partner_iia_id, theirs.model_dump(mode="json")
        snapshot_xml = copy.iia_xml
    else:
        if own.not_yet_defined:
            raise NotYetDefined("Our copy still holds values marked 'not yet defined': confirm them first.")
        target_hash, partner_iia_id, approved = iia.iia_hash, None, own.model_dump(mode="json")
        snapshot_xml = _xml(own)
    approvals = await IiaRepository(session).approvals(tenant, iia.id)
    if any(a.side == "local" and a.approved_hash == target_hash for a in approvals):
        return loaded, None
    approval = _approval(
        loaded,
        side="local",
        target="partner" if on_ewp else "own",
        approved_hash=target_hash,
        partner_iia_id=partner_iia_id,
        iia_version=iia.version,
        snapshot={"approved_copy": approved, "our_copy": own.model_dump(mode="json")},
        snapshot_xml=snapshot_xml,
        source="smile",
        approved_by=actor,
        note=data.note,
    )
    session.add(approval)
    await session.flush()
    await refresh_status(session, loaded)
    log(session, iia, actor, "approved", approved_hash=target_hash, target=approval.target)
    await emit(
        session,
        IiaApproved,
        loaded,
        actor,
        approval_id=approval.id,
        approved_hash=target_hash,
        approved_by=actor,
        approved_at=approval.approved_at,
    )
    return loaded, approval


async def record_partner_approval(
    session: AsyncSession, tenant: str, actor: str, iia_id: uuid.UUID, data: PartnerApprovalRecord
) -> tuple[Loaded, IiaApproval | None]:
    """For a partner outside EWP: it signed our copy as it stands (e.g. on paper)."""
    loaded = await load(session, tenant, iia_id, for_update=True)
    check_version(loaded, data.version)
    if loaded.copy is not None or (loaded.partner is not None and loaded.partner.on_ewp):
        raise Conflict(
            "This partner is in EWP: its approval arrives through EWP, it is not typed in.",
            slug="partner-on-ewp",
            title="The partner approves through EWP",
        )
    if loaded.iia.state == "draft":
        raise InvalidTransition("Share the IIA with the partner before recording its approval.")
    if loaded.content.not_yet_defined:
        raise NotYetDefined("Our copy still holds values marked 'not yet defined': confirm them first.")
    note = " — ".join(p for p in (data.signed_by and f"signed by {data.signed_by}", data.note) if p) or None
    return loaded, await _add_partner_approval(
        session, loaded, loaded.iia.iia_hash, "manual", actor, data.approved_at or utcnow(), None, note
    )


async def _add_partner_approval(
    session: AsyncSession,
    loaded: Loaded,
    approved_hash: str,
    source: str,
    actor: str,
    approved_at: datetime,
    pdf_file_id: str | None,
    note: str | None,
) -> IiaApproval | None:
    iia = loaded.iia
    repo = IiaRepository(session)
    approvals = await repo.approvals(iia.tenant, iia.id)
    if any(a.side == "partner" and a.approved_hash == approved_hash for a in approvals):
        return None
    version = await repo.version_with_hash(iia.tenant, iia.id, approved_hash)
    snapshot = {"approved_copy": version.content if version else None}
    approval = _approval(
        loaded,
        side="partner",
        target="own",
        approved_hash=approved_hash,
        partner_iia_id=iia.partner_iia_id,
        iia_version=version.version if version else None,
        snapshot=snapshot,
        snapshot_xml=_xml(IiaContent.model_validate(version.content)) if version else None,
        source=source,
        approved_by=actor,
        approved_at=approved_at,
        pdf_file_id=pdf_file_id,
        note=note,
    )
    session.add(approval)
    await session.flush()
    await refresh_status(session, loaded)
    matches = approved_hash == iia.iia_hash
    log(session, iia, actor, "partner_approved", approved_hash=approved_hash, matches_current=matches, source=source)
    await emit(
        session,
        IiaPartnerApproved,
        loaded,
        actor,
        approval_id=approval.id,
        approved_hash=approved_hash,
        matches_current=matches,
        approved_at=approved_at,
    )
    return approval


async def receive_partner_approval(session: AsyncSession, tenant: str, payload: IiaApprovalReceived) -> bool:
    """The gateway read the partner's approval of our copy. Unknown or foreign IIAs are ignored (False)."""
    iia = await IiaRepository(session).get_by_ewp_id(tenant, payload.local_iia_id)
    if iia is None or iia.partner_hei_id != payload.partner_hei_id.lower():
        return False
    act_as(session, Actor.partner(payload.partner_hei_id))
    loaded = await load(session, tenant, iia.id, for_update=True)
    await _add_partner_approval(
        session,
        loaded,
        payload.approved_hash,
        "ewp",
        payload.partner_hei_id,
        payload.received_at,
        payload.pdf_file_id,
        None,
    )
    return True
