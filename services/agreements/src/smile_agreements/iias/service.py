"""Writing SMILE's copy of an IIA: create, amend, share, delete, terminate. Each change, its history
line and its event are written in the caller's transaction (services only flush)."""

from __future__ import annotations

import uuid

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.iias.content import CooperationCondition, IiaContent, academic_year_start
from smile_agreements.iias.convert import apply_condition, dump_contact
from smile_agreements.iias.core import Loaded, current_view, emit, load, log, refresh_status, save_version
from smile_agreements.iias.models import Iia, IiaCondition
from smile_agreements.iias.quotas import nominations_by_condition
from smile_agreements.iias.repository import IiaRepository
from smile_agreements.iias.rules import (
    check_no_duplicate,
    check_overlaps,
    check_removable,
    content_for_write,
    invalid,
    known_partner,
)
from smile_agreements.iias.schemas import IiaCreate, IiaUpdate, TerminateRequest
from smile_common.db import utcnow
from smile_common.errors import Conflict, UnprocessableEntity
from smile_common.events.payloads.agreements import IiaCreated, IiaDeleted, IiaTerminated, IiaUpdated

__all__ = [
    "StaleVersion",
    "check_version",
    "create_iia",
    "delete_iia",
    "share_iia",
    "store_content",
    "terminate_iia",
    "update_iia",
]


class StaleVersion(Conflict):
    slug, title = "stale-version", "The IIA changed since you read it"


class IiaCodeTaken(Conflict):
    slug, title = "iia-code-taken", "Another IIA has this agreement number"


class InvalidTransition(Conflict):
    slug, title = "invalid-iia-transition", "The IIA cannot do this in its current state"


def check_version(loaded: Loaded, version: int) -> None:
    """409 with the current IIA when the caller acted on an older version than the one stored."""
    if version != loaded.iia.version:
        raise StaleVersion(
            f"You acted on version {version}; the IIA is now at version {loaded.iia.version}. "
            "Review the current version (in 'current') and try again.",
            current=current_view(loaded),
        )


def _header(iia: Iia, content: IiaContent) -> None:
    local, partner = content.partners
    iia.code = local.iia_code or iia.code
    iia.local_ounit_id = local.ounit_id
    iia.local_signing_contact = dump_contact(local.signing_contact)
    iia.local_signing_date = local.signing_date
    iia.local_contacts = [c.model_dump(mode="json", exclude_none=True) for c in local.contacts]
    iia.partner_hei_id = partner.hei_id
    iia.partner_ounit_id = partner.ounit_id
    iia.partner_iia_id = partner.iia_id
    iia.partner_iia_code = partner.iia_code
    iia.partner_signing_contact = dump_contact(partner.signing_contact)
    iia.partner_signing_date = partner.signing_date
    iia.partner_contacts = [c.model_dump(mode="json", exclude_none=True) for c in partner.contacts]
    iia.pdf_file = content.pdf_file


def store_content(session: AsyncSession, loaded: Loaded, content: IiaContent) -> list[IiaCondition]:
    """Write ``content`` into the IIA and its condition rows (ids kept); return the removed rows."""
    _header(loaded.iia, content)
    existing = {row.id: row for row in loaded.conditions}
    kept: list[IiaCondition] = []
    for position, condition in enumerate(content.in_schema_order().cooperation_conditions):
        row = existing.pop(condition.id, None) if condition.id else None
        if row is None:
            row = IiaCondition(id=uuid.uuid4(), iia_id=loaded.iia.id, tenant=loaded.iia.tenant)
            session.add(row)
        apply_condition(row, condition, position)
        kept.append(row)
    loaded.conditions = kept
    return list(existing.values())


async def create_iia(
    session: AsyncSession, tenant: str, actor: str, data: IiaCreate, *, source: str = "manual"
) -> Loaded:
    iia_id = uuid.uuid4()
    content = content_for_write(tenant, data, iia_id)
    if any(c.id is not None for c in content.cooperation_conditions):
        raise UnprocessableEntity("A new IIA's cooperation conditions get their ids from SMILE; leave 'id' out.")
    check_overlaps(content)
    if await IiaRepository(session).code_taken(tenant, content.owner.iia_code or ""):
        raise IiaCodeTaken(f"The agreement number {content.owner.iia_code} is already used by another IIA.")
    partner = await known_partner(session, tenant, content.other.hei_id, actor=actor)
    await check_no_duplicate(session, tenant, content)
    now = utcnow()
    iia = Iia(
        id=iia_id,
        tenant=tenant,
        code=content.owner.iia_code,
        state="shared" if data.share else "draft",
        status="draft",
        approved_by_us=False,
        approved_by_partner=False,
        in_effect=False,
        terminated_as_a_whole=False,
        iia_hash="",
        version=1,
        source=source,
        created_by=actor,
        created_at=now,
        updated_by=actor,
        updated_at=now,
        modified_at=now,
        shared_at=now if data.share else None,
    )
    session.add(iia)
    loaded = Loaded(iia, [], partner, None)
    store_content(session, loaded, content)
    await save_version(session, loaded, actor, new=True)
    await refresh_status(session, loaded)
    log(session, iia, actor, "created", source=source, shared=data.share)
    await emit(session, IiaCreated, loaded, actor)
    return loaded


def _changed_fields(before: IiaContent, after: IiaContent) -> list[str]:
    changes = []
    b_local, b_partner = before.partners
    a_local, a_partner = after.partners
    if b_local != a_local:
        changes.append("local_partner")
    if b_partner.iia_id != a_partner.iia_id:
        changes.append("partner_iia_id")
    if b_partner.model_copy(update={"iia_id": None}) != a_partner.model_copy(update={"iia_id": None}):
        changes.append("partner")
    if before.cooperation_conditions != after.cooperation_conditions:
        changes.append("cooperation_conditions")
    if before.pdf_file != after.pdf_file:
        changes.append("pdf_file")
    return changes


async def amend(session: AsyncSession, loaded: Loaded, content: IiaContent, actor: str, action: str) -> list[str]:
    """Make ``content`` the new version of our copy; approvals that no longer hold are dropped from the
    status, an ``updated`` event says what changed. Returns the changed fields (empty: nothing done)."""
    before = loaded.content
    changes = _changed_fields(before, content)
    if not changes:
        return []
    previous_hash = loaded.iia.iia_hash
    store_content(session, loaded, content)
    await session.flush()
    hash_changed = await save_version(session, loaded, actor)
    await refresh_status(session, loaded)
    log(session, loaded.iia, actor, action, changes=changes, previous_iia_hash=previous_hash)
    await emit(
        session,
        IiaUpdated,
        loaded,
        actor,
        hash_changed=hash_changed,
        previous_iia_hash=previous_hash or None,
        changes=changes,
    )
    return changes


async def update_iia(session: AsyncSession, tenant: str, actor: str, iia_id: uuid.UUID, data: IiaUpdate) -> Loaded:
    loaded = await load(session, tenant, iia_id, for_update=True)
    iia = loaded.iia
    check_version(loaded, data.version)
    if iia.state == "terminated":
        raise InvalidTransition("A terminated IIA cannot be amended.")
    content = content_for_write(tenant, data, iia.id, in_effect=iia.in_effect)
    if content.other.hei_id != iia.partner_hei_id:
        raise UnprocessableEntity("The partner of an IIA cannot change: create a new IIA with the other institution.")
    known = {row.id for row in loaded.conditions}
    strangers = [str(c.id) for c in content.cooperation_conditions if c.id is not None and c.id not in known]
    if strangers:
        raise UnprocessableEntity(f"These cooperation condition ids are not in this IIA: {', '.join(strangers)}.")
    check_overlaps(content)
    if await IiaRepository(session).code_taken(tenant, content.owner.iia_code or "", besides=iia.id):
        raise IiaCodeTaken(f"The agreement number {content.owner.iia_code} is already used by another IIA.")
    await check_no_duplicate(session, tenant, content, besides=iia.id)
    kept = {c.id for c in content.cooperation_conditions if c.id is not None}
    await check_removable(session, tenant, [row for row in loaded.conditions if row.id not in kept])
    content = content.model_copy(update={"terminated_as_a_whole": iia.terminated_as_a_whole})
    removed_rows = [row for row in loaded.conditions if row.id not in kept]
    await amend(session, loaded, content, actor, "amended")
    for row in removed_rows:
        await session.delete(row)
    return loaded


async def share_iia(session: AsyncSession, tenant: str, actor: str, iia_id: uuid.UUID, version: int) -> Loaded:
    loaded = await load(session, tenant, iia_id, for_update=True)
    check_version(loaded, version)
    iia = loaded.iia
    if iia.state != "draft":
        return loaded  # sharing twice changes nothing
    now = utcnow()
    iia.state, iia.shared_at, iia.modified_at = "shared", now, now
    iia.updated_by, iia.updated_at = actor, now
    await refresh_status(session, loaded)
    log(session, iia, actor, "shared")
    await emit(session, IiaUpdated, loaded, actor, hash_changed=False, changes=["status"])
    return loaded


async def delete_iia(session: AsyncSession, tenant: str, actor: str, iia_id: uuid.UUID, version: int) -> None:
    loaded = await load(session, tenant, iia_id, for_update=True)
    check_version(loaded, version)
    iia = loaded.iia
    if iia.in_effect:
        raise InvalidTransition(
            "This IIA is (or was) mutually approved: it cannot be deleted, terminate it instead (v7).",
        )
    counts = await nominations_by_condition(session, tenant, loaded.conditions)
    if any(counts.values()):
        raise InvalidTransition("Nominations were received under this IIA: it cannot be deleted.")
    was_shared = iia.state != "draft"
    now = utcnow()
    iia.state, iia.deleted_at, iia.deleted_by = "deleted", now, actor
    iia.updated_by, iia.updated_at, iia.modified_at = actor, now, now
    if loaded.copy is not None:
        loaded.copy.iia_id = None  # the partner's copy goes back to the unmatched ones
    await refresh_status(session, loaded)
    log(session, iia, actor, "deleted", was_shared=was_shared)
    await emit(session, IiaDeleted, loaded, actor, was_shared=was_shared)


async def terminate_iia(
    session: AsyncSession, tenant: str, actor: str, iia_id: uuid.UUID, data: TerminateRequest
) -> Loaded:
    loaded = await load(session, tenant, iia_id, for_update=True)
    check_version(loaded, data.version)
    iia = loaded.iia
    if iia.state == "terminated":
        raise InvalidTransition("This IIA is already terminated.")
    if not iia.in_effect:
        raise InvalidTransition(
            "Only a mutually approved IIA is terminated; one that never was can simply be deleted (v7)."
        )
    counts = await nominations_by_condition(session, tenant, loaded.conditions)
    if data.mode == "as_a_whole":
        if any(counts.values()):
            raise InvalidTransition(
                "Exchanges took place under this IIA (nominations were received): v7 only allows terminating it "
                "as a whole before any exchange. Terminate it after an academic year instead."
            )
        content = loaded.content.model_copy(update={"terminated_as_a_whole": True})
    else:
        content = _shortened(loaded, data, counts)
    iia.state = "terminated"
    iia.termination_mode, iia.termination_reason = data.mode, data.reason
    iia.terminated_by, iia.terminated_at = actor, utcnow()
    if content.terminated_as_a_whole:
        iia.terminated_as_a_whole = True
    removed = store_content(session, loaded, content)
    await session.flush()
    await save_version(session, loaded, actor)
    await refresh_status(session, loaded)
    for row in removed:
        await session.delete(row)
    log(session, iia, actor, "terminated", mode=data.mode, last_academic_year=data.last_academic_year)
    await emit(
        session,
        IiaTerminated,
        loaded,
        actor,
        mode=data.mode,
        last_academic_year_kept=data.last_academic_year,
        reason=data.reason,
    )
    return loaded


def _shortened(loaded: Loaded, data: TerminateRequest, counts: dict[tuple[uuid.UUID, str], int]) -> IiaContent:
    if not data.last_academic_year:
        raise UnprocessableEntity("Give last_academic_year: the last academic year the IIA still covers.")
    try:
        end = academic_year_start(data.last_academic_year)
    except ValueError as exc:
        raise invalid(exc, "last_academic_year") from exc
    kept: list[CooperationCondition] = []
    for condition in loaded.content.cooperation_conditions:
        first = academic_year_start(condition.receiving_first_academic_year_id)
        last = academic_year_start(condition.receiving_last_academic_year_id)
        if first > end:
            if any(n for (cid, _), n in counts.items() if cid == condition.id):
                raise InvalidTransition("Nominations were received for a condition that would be removed.")
            continue
        if last > end:
            year = condition.receiving_first_academic_year_id
            scheme = f"{end}/{end if year[:4] == year[5:] else end + 1}"
            condition = condition.model_copy(update={"receiving_last_academic_year_id": scheme})
        kept.append(condition)
    if not kept:
        raise UnprocessableEntity("No condition would remain: terminate the IIA as a whole instead.")
    if kept == loaded.content.cooperation_conditions:
        raise InvalidTransition(f"The IIA already ends by {data.last_academic_year}: nothing to terminate.")
    try:
        return loaded.content.model_copy(update={"cooperation_conditions": kept})
    except ValidationError as exc:
        raise invalid(exc) from exc
