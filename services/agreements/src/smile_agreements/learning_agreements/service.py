"""The learning agreement's life: drafts, proposals, signatures of the three parties, rejection with a
comment, changes during the mobility. A decision quotes the proposal it was taken on (409 otherwise)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.files.service import role_on
from smile_agreements.learning_agreements import events, rules
from smile_agreements.learning_agreements.models import LaVersion, LearningAgreement
from smile_agreements.mobilities.models import Mobility
from smile_common.db import utcnow
from smile_common.errors import Conflict, Forbidden, NotFound
from smile_common.security import Principal

OPEN = ("draft", "proposed")
PARTIES = ("student", "sending", "receiving")


class StaleLaProposal(Conflict):
    slug, title = "stale-proposal", "The learning agreement changed since it was shown"


class LaStateConflict(Conflict):
    slug, title = "learning-agreement-state", "The learning agreement cannot do this now"


@dataclass(frozen=True)
class Bounds:
    minimum: int
    maximum: int


async def versions_of(session: AsyncSession, la: LearningAgreement) -> list[LaVersion]:
    query = sa.select(LaVersion).where(LaVersion.learning_agreement_id == la.id).order_by(LaVersion.number)
    return list((await session.execute(query)).scalars())


def current_tables(versions: list[LaVersion]) -> list[dict[str, Any]]:
    """The first approved version with every approved change applied."""
    approved = [v for v in versions if v.status == "approved"]
    first = next((v for v in approved if v.kind == "first_version"), None)
    if first is None:
        return []
    tables = [dict(c) for c in first.components]
    for v in approved:
        if v.kind == "changes" and v.number > first.number:
            tables = rules.apply_changes(tables, v.components)
    return tables


async def get_la(session: AsyncSession, tenant: str, mobility_id: uuid.UUID) -> LearningAgreement | None:
    query = sa.select(LearningAgreement).where(
        LearningAgreement.tenant == tenant, LearningAgreement.mobility_id == mobility_id
    )
    return (await session.execute(query)).scalar_one_or_none()


def new_la(mobility: Mobility, source: str, contacts: dict[str, dict[str, Any]]) -> LearningAgreement:
    now = utcnow()
    return LearningAgreement(
        id=uuid.uuid4(),
        tenant=mobility.tenant,
        mobility_id=mobility.id,
        source=source,
        omobility_id=mobility.omobility_id,
        sending_hei_id=mobility.sending_hei_id,
        sending_contact=contacts.get("sending") or {},
        receiving_contact=contacts.get("receiving") or {},
        basket_submission=0,
        created_at=now,
        updated_at=now,
    )


def new_version(
    la: LearningAgreement, number: int, kind: str, components: list[dict[str, Any]], actor: str
) -> LaVersion:
    now = utcnow()
    return LaVersion(
        id=uuid.uuid4(),
        tenant=la.tenant,
        learning_agreement_id=la.id,
        number=number,
        kind=kind,
        status="draft",
        proposal_id=None,
        components=components,
        signatures={},
        created_by=actor,
        created_at=now,
        updated_at=now,
    )


def check_bounds(versions: list[LaVersion], v: LaVersion, mobility: Mobility, bounds: Bounds) -> None:
    resulting = (
        v.components if v.kind == "first_version" else rules.apply_changes(current_tables(versions), v.components)
    )
    rules.check_credits(
        resulting, rules.terms_of(mobility.academic_term), minimum=bounds.minimum, maximum=bounds.maximum
    )


async def add_version(
    session: AsyncSession,
    la: LearningAgreement,
    mobility: Mobility,
    kind: str,
    components: list[dict[str, Any]],
    actor: str,
) -> LaVersion:
    versions = await versions_of(session, la)
    if any(v.status in OPEN for v in versions):
        raise LaStateConflict("A version is already being drafted or signed; change that one.")
    has_first = any(v.kind == "first_version" and v.status == "approved" for v in versions)
    if kind == "changes" and not has_first:
        raise LaStateConflict("Changes come after an approved first version.")
    if kind == "first_version" and has_first:
        raise LaStateConflict("The first version is approved; propose changes instead.")
    if kind == "changes":
        rules.apply_changes(current_tables(versions), components)
    version = new_version(la, (versions[-1].number + 1) if versions else 1, kind, components, actor)
    session.add(version)
    await session.flush()
    return version


async def edit(
    session: AsyncSession, la: LearningAgreement, v: LaVersion, components: list[dict[str, Any]], actor: str
) -> LaVersion:
    """Change an open version; a proposal that changes gets a new id, loses its signatures and says so."""
    if v.status not in OPEN:
        raise LaStateConflict(f"Version {v.number} is {v.status}; it can no longer change.")
    if v.kind == "changes":
        rules.apply_changes(current_tables(await versions_of(session, la)), components)
    v.components = components
    v.updated_at = utcnow()
    if v.status == "proposed" and la.source == "local":
        previous = v.proposal_id or ""
        v.proposal_id = rules.proposal_digest(components, v.number)
        v.signatures = {}
        await session.flush()
        await events.changed(session, la, v, actor, previous)
    return v


async def propose(
    session: AsyncSession,
    la: LearningAgreement,
    v: LaVersion,
    mobility: Mobility,
    actor: str,
    bounds: Bounds,
    office_email: str,
) -> LaVersion:
    if v.status != "draft":
        raise LaStateConflict(f"Version {v.number} is {v.status}, not a draft.")
    check_bounds(await versions_of(session, la), v, mobility, bounds)
    v.status = "proposed"
    v.proposal_id = rules.proposal_digest(v.components, v.number)
    v.updated_at = utcnow()
    await session.flush()
    await events.proposed(session, la, v, actor)
    await events.tell(session, mobility, "la_to_sign", v, office_email)
    return v


def _may_act_as(principal: Principal, mobility: Mobility, la: LearningAgreement, party: str) -> None:
    role = role_on(principal, mobility)
    allowed = {
        "student": role == "student" and la.source == "local",
        "receiving": role in ("coordinator", "referent"),
        # a partner outside EWP signs on paper; the office records that signature
        "sending": role == "coordinator" and la.source == "local",
    }
    if not allowed.get(party):
        raise Forbidden(f"You cannot act for the {party} party of this learning agreement.", party=party)


def _signature(principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "signer_name": data.get("signer_name") or principal.name or principal.subject,
        "signer_position": data.get("signer_position"),
        "signer_email": data.get("signer_email") or principal.email,
        "timestamp": utcnow().isoformat(),
        "signer_app": "SMILE",
    }


def _check_open(v: LaVersion, proposal_id: str) -> None:
    if v.status != "proposed":
        raise LaStateConflict(f"Version {v.number} is {v.status}; only a proposal is signed or rejected.")
    if proposal_id != v.proposal_id:
        raise StaleLaProposal(
            "The learning agreement changed since you saw it; reload it.", current_proposal_id=v.proposal_id
        )


async def sign(
    session: AsyncSession,
    principal: Principal,
    la: LearningAgreement,
    v: LaVersion,
    mobility: Mobility,
    data: dict[str, Any],
    office_email: str,
) -> LaVersion:
    _check_open(v, data["proposal_id"])
    party = data["party"]
    _may_act_as(principal, mobility, la, party)
    v.signatures = {**v.signatures, party: _signature(principal, data)}
    v.updated_at = utcnow()
    if all(p in v.signatures for p in PARTIES):
        v.status = "approved"
        await session.flush()
        await events.approved(session, la, v, principal.subject, current_tables(await versions_of(session, la)))
        await events.tell(session, mobility, "la_approved", v, office_email)
    return v


async def reject(
    session: AsyncSession,
    principal: Principal,
    la: LearningAgreement,
    v: LaVersion,
    mobility: Mobility,
    data: dict[str, Any],
    office_email: str,
) -> LaVersion:
    _check_open(v, data["proposal_id"])
    party = data["party"]
    _may_act_as(principal, mobility, la, party)
    v.status, v.comment, v.rejected_by = "rejected", data["comment"], party
    v.signatures = {**v.signatures, f"rejected_{party}": _signature(principal, data)}
    v.updated_at = utcnow()
    await session.flush()
    await events.rejected(session, la, v, principal.subject, party)
    await events.tell(session, mobility, "la_rejected", v, office_email, reason=data["comment"])
    return v


def find_version(versions: list[LaVersion], number: int) -> LaVersion:
    for v in versions:
        if v.number == number:
            return v
    raise NotFound(f"No version {number} of this learning agreement.")
