"""Announcing the institutions of the EWP network to the other services (``ewp.institution.updated.v1``).

Each covered university (tenant) gets an event for every institution whose data changed since the
last announcement; what was announced is remembered per tenant, so an unchanged catalogue says nothing.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import utcnow
from smile_common.events.payloads.ewp import InstitutionUpdated, OtherHeiId
from smile_ewp_gateway.db import KnownInstitution, outbox
from smile_ewp_gateway.registry.catalogue import Catalogue, Institution

if TYPE_CHECKING:
    from smile_ewp_gateway.context import Gateway

__all__ = ["announce_institution", "announce_institutions", "registry_facts"]


def registry_facts(catalogue: Catalogue, institution: Institution) -> dict[str, Any]:
    other = [OtherHeiId(type=t, value=v) for t, v in institution.other_ids if t and v]
    first = dict(reversed(institution.other_ids))
    return {
        "hei_id": institution.hei_id,
        "names": dict(institution.names),
        "other_ids": other,
        "erasmus_code": first.get("erasmus"),
        "pic": first.get("pic"),
        "ewp_apis": catalogue.apis_of(institution.hei_id),
        "on_ewp": institution.hei_id in catalogue.covered_heis(),
        "source": "registry",
    }


def _fingerprint(facts: dict[str, Any]) -> str:
    data = json.dumps(facts, sort_keys=True, default=lambda o: o.model_dump() if hasattr(o, "model_dump") else str(o))
    return hashlib.sha256(data.encode()).hexdigest()


async def announce_institution(
    session: AsyncSession, tenant: str, facts: dict[str, Any], known: dict[tuple[str, str, str], KnownInstitution]
) -> bool:
    """Record ``ewp.institution.updated.v1`` for ``tenant`` if ``facts`` differ from the last announcement."""
    fingerprint = _fingerprint(facts)
    key = (tenant, facts["hei_id"], facts["source"])
    row = known.get(key)
    if row is not None and row.fingerprint == fingerprint:
        return False
    now = utcnow()
    await outbox.record(session, InstitutionUpdated(**facts, observed_at=now), tenant=tenant, subject=facts["hei_id"])
    if row is None:
        row = KnownInstitution(
            tenant=tenant, hei_id=facts["hei_id"], source=facts["source"], fingerprint=fingerprint, updated_at=now
        )
        session.add(row)
        known[key] = row
    else:
        row.fingerprint, row.updated_at = fingerprint, now
    return True


async def load_known(session: AsyncSession, source: str) -> dict[tuple[str, str, str], KnownInstitution]:
    rows = (await session.scalars(sa.select(KnownInstitution).where(KnownInstitution.source == source))).all()
    return {(r.tenant, r.hei_id, r.source): r for r in rows}


async def announce_institutions(gateway: Gateway, session: AsyncSession, catalogue: Catalogue) -> int:
    tenants = [h.hei_id for h in gateway.settings.covered_heis]
    known = await load_known(session, "registry")
    sent = 0
    for institution in catalogue.institutions.values():
        facts = registry_facts(catalogue, institution)
        for tenant in tenants:
            if tenant != institution.hei_id and await announce_institution(session, tenant, facts, known):
                sent += 1
    return sent
