"""Partners' copies of IIAs, as the EWP gateway fetches them: stored, matched to our copy (by the id the
partner gives ours, or by the partner id we hold), and used to keep the mapping current.

Matching rules: a copy is attached to our IIA when the partner names our id in it, or when our IIA
already holds the partner's id. Otherwise it waits, unmatched, for a coordinator to match it to an
existing IIA or to adopt it (create our copy from it): never a silent duplicate.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias.content import IiaContent, IiaPartner
from smile_agreements.iias.convert import content_from_received
from smile_agreements.iias.core import Loaded, emit, load, log, refresh_status, surround
from smile_agreements.iias.iiahash import XmlError, find_iias, hash_iia, parse_xml
from smile_agreements.iias.models import Iia, PartnerCopy
from smile_agreements.iias.repository import IiaRepository
from smile_agreements.iias.schemas import AdoptRequest, IiaCreate
from smile_agreements.iias.service import InvalidTransition, amend, create_iia
from smile_agreements.partners.service import ensure_partner
from smile_common.audit import Actor, act_as
from smile_common.db import utcnow
from smile_common.errors import Conflict, NotFound
from smile_common.events.payloads.agreements import IiaUpdated
from smile_common.events.payloads.ewp import IiaDeleted, IiaReceived

__all__ = ["adopt_copy", "match_copy", "partner_copy_gone", "receive_partner_copy"]

_log = logging.getLogger("smile.agreements.iias")


def _problems(exc: ValidationError | ValueError) -> list[str]:
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)]
    return [str(exc)]


def _read(payload: IiaReceived, xml: str | None) -> tuple[dict[str, Any] | None, list[str], bool]:
    problems: list[str] = []
    content: dict[str, Any] | None = None
    try:
        content = content_from_received(payload).model_dump(mode="json")
    except (ValidationError, ValueError) as exc:
        problems = _problems(exc)
    verified = payload.hash_verified
    if xml is not None:
        try:
            [element] = find_iias(parse_xml(xml))
            if hash_iia(element).iia_hash != payload.iia_hash:
                verified = False
                problems.append("the hash SMILE computes on the XML received is not the partner's iia-hash")
        except (XmlError, ValueError):
            problems.append("the XML received could not be read")
    return content, problems, verified


async def _candidate(session: AsyncSession, tenant: str, payload: IiaReceived) -> Iia | None:
    repo = IiaRepository(session)
    partner_hei = payload.partner_hei_id.lower()
    if payload.local_iia_id:
        iia = await repo.get_by_ewp_id(tenant, payload.local_iia_id)
        if iia is not None and iia.partner_hei_id == partner_hei:
            return iia
    return await repo.by_partner_iia_id(tenant, partner_hei, payload.partner_iia_id)


async def receive_partner_copy(session: AsyncSession, tenant: str, payload: IiaReceived) -> PartnerCopy | None:
    """Store the partner's copy (newer than what we hold) and bring our matched IIA up to date."""
    repo = IiaRepository(session)
    partner_hei = payload.partner_hei_id.lower()
    if payload.local_hei_id.lower() != tenant or partner_hei == tenant:
        _log.warning("partner copy %s of %s is not for %s: ignored", payload.partner_iia_id, partner_hei, tenant)
        return None
    act_as(session, Actor.partner(partner_hei))
    copy = await repo.partner_copy(tenant, partner_hei, payload.partner_iia_id)
    if copy is not None and (
        copy.received_at >= payload.received_at
        or (copy.deleted_at is not None and copy.deleted_at >= payload.received_at)
    ):
        return None  # an older (or the same) fetch arriving late
    xml: str | None = getattr(payload, "iia_xml", None)
    content, problems, verified = _read(payload, xml)
    if copy is None:
        copy = PartnerCopy(
            id=uuid.uuid4(), tenant=tenant, partner_hei_id=partner_hei, partner_iia_id=payload.partner_iia_id
        )
        session.add(copy)
    copy.partner_iia_code = payload.partner_iia_code
    copy.claimed_local_iia_id = payload.local_iia_id
    copy.received = payload.model_dump(mode="json")
    copy.content, copy.problems, copy.iia_xml = content, problems, xml
    copy.iia_hash, copy.hash_verified, copy.valid_for_approval = payload.iia_hash, verified, payload.valid_for_approval
    copy.received_at, copy.recorded_at, copy.deleted_at = payload.received_at, utcnow(), None
    await ensure_partner(session, tenant, partner_hei, actor="ewp", source="ewp-iia", create=True)
    if copy.iia_id is not None and await repo.get(tenant, copy.iia_id) is None:
        copy.iia_id = None  # our IIA was deleted since: the copy waits to be matched again
    if copy.iia_id is None and (found := await _candidate(session, tenant, payload)) is not None:
        copy.iia_id = found.id
    await session.flush()
    if copy.iia_id is not None:
        loaded = await load(session, tenant, copy.iia_id, for_update=True)
        await _follow(session, loaded, copy, partner_hei)
    return copy


async def _follow(session: AsyncSession, loaded: Loaded, copy: PartnerCopy, actor: str) -> None:
    """Our copy takes the partner's id and code from its copy; approvals are re-evaluated."""
    log(session, loaded.iia, actor, "partner_copy_received", partner_iia_id=copy.partner_iia_id, iia_hash=copy.iia_hash)
    content = loaded.content
    partner = content.other
    mapped = partner.model_copy(
        update={"iia_id": copy.partner_iia_id, "iia_code": copy.partner_iia_code or partner.iia_code}
    )
    if mapped != partner and loaded.iia.state != "deleted":
        updated = content.model_copy(update={"partners": [content.owner, mapped]})
        if await amend(session, loaded, updated, actor, "mapped"):
            return
    if await refresh_status(session, loaded):
        await emit(session, IiaUpdated, loaded, actor, hash_changed=False, changes=["partner_copy"])


async def partner_copy_gone(session: AsyncSession, tenant: str, payload: IiaDeleted) -> bool:
    """The partner no longer serves its copy: v7 says we must stop naming its id in ours."""
    repo = IiaRepository(session)
    act_as(session, Actor.partner(payload.partner_hei_id))
    copy = await repo.partner_copy(tenant, payload.partner_hei_id.lower(), payload.partner_iia_id)
    if copy is None or copy.deleted_at is not None or copy.received_at > payload.observed_at:
        return False
    copy.deleted_at = payload.observed_at
    await session.flush()
    if copy.iia_id is None or await repo.get(tenant, copy.iia_id) is None:
        return True
    loaded = await load(session, tenant, copy.iia_id, for_update=True)
    log(session, loaded.iia, payload.partner_hei_id, "partner_copy_deleted", partner_iia_id=copy.partner_iia_id)
    content = loaded.content
    if content.other.iia_id == copy.partner_iia_id:
        unmapped = content.other.model_copy(update={"iia_id": None})
        await amend(
            session, loaded, content.model_copy(update={"partners": [content.owner, unmapped]}), "ewp", "unmapped"
        )
    elif await refresh_status(session, loaded):
        await emit(session, IiaUpdated, loaded, "ewp", hash_changed=False, changes=["partner_copy"])
    return True


async def _unmatched(session: AsyncSession, tenant: str, copy_id: uuid.UUID) -> PartnerCopy:
    copy = await IiaRepository(session).partner_copy_by_id(tenant, copy_id)
    if copy is None:
        raise NotFound(f"No partner copy {copy_id}.")
    if copy.iia_id is not None:
        raise Conflict(
            "This partner copy is already matched to an IIA.", slug="already-matched", title="Already matched"
        )
    if copy.deleted_at is not None:
        raise Conflict(
            "The partner no longer serves this copy.", slug="partner-copy-deleted", title="Deleted by the partner"
        )
    return copy


async def match_copy(session: AsyncSession, tenant: str, actor: str, copy_id: uuid.UUID, iia_id: uuid.UUID) -> Loaded:
    copy = await _unmatched(session, tenant, copy_id)
    loaded = await load(session, tenant, iia_id, for_update=True)
    if loaded.iia.partner_hei_id != copy.partner_hei_id:
        raise Conflict("The IIA is with another institution.", slug="other-partner", title="Another partner")
    if loaded.copy is not None and loaded.copy.deleted_at is None:
        raise Conflict(
            f"This IIA is already matched to the partner's copy {loaded.copy.partner_iia_id}.",
            slug="already-matched",
            title="Already matched",
        )
    if loaded.iia.state == "terminated":
        raise InvalidTransition("A terminated IIA cannot take a new partner copy.")
    copy.iia_id = loaded.iia.id
    await session.flush()
    loaded = await surround(session, loaded.iia)
    log(session, loaded.iia, actor, "matched", partner_iia_id=copy.partner_iia_id)
    await _follow(session, loaded, copy, actor)
    return loaded


def _mirror(theirs: IiaContent, tenant: str, data: AdoptRequest) -> IiaCreate:
    partner, local = theirs.partners
    mine = IiaPartner(
        hei_id=tenant, ounit_id=data.local_ounit_id or local.ounit_id, iia_code=data.code, contacts=local.contacts
    )
    return IiaCreate(partners=[mine, partner], cooperation_conditions=list(theirs.cooperation_conditions))


async def adopt_copy(session: AsyncSession, tenant: str, actor: str, copy_id: uuid.UUID, data: AdoptRequest) -> Loaded:
    """Create SMILE's copy (a draft) from the partner's: same conditions, mapped to its id."""
    copy = await _unmatched(session, tenant, copy_id)
    if copy.content is None:
        raise Conflict(
            "The partner's copy breaks IIA v7 rules and cannot be adopted: " + "; ".join(copy.problems),
            slug="partner-copy-invalid",
            title="The partner's copy is not valid",
        )
    loaded = await create_iia(
        session, tenant, actor, _mirror(IiaContent.model_validate(copy.content), tenant, data), source="partner-copy"
    )
    copy.iia_id = loaded.iia.id
    await session.flush()
    await _follow(session, await surround(session, loaded.iia), copy, actor)
    return await surround(session, loaded.iia)
