"""Partner institutions: by hand, from a file, from the EWP registry (through the gateway's events)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.db import outbox
from smile_agreements.iias.content import Contact
from smile_agreements.partners.models import REGISTRY_FIELDS, PartnerInstitution
from smile_agreements.partners.repository import PartnerRepository
from smile_agreements.partners.schemas import PartnerCreate, PartnerRead, PartnerUpdate
from smile_common.db import utcnow
from smile_common.errors import Conflict, NotFound, Problem
from smile_common.events.payloads.agreements import OtherId, PartnerCreated, PartnerUpdated
from smile_common.events.payloads.ewp import EwpContact, InstitutionUpdated
from smile_common.security import Principal

__all__ = [
    "PartnerExists",
    "apply_registry",
    "create_partner",
    "display_name",
    "ensure_partner",
    "read_model",
    "update_partner",
]

_EDITABLE = (*REGISTRY_FIELDS, "ounits", "notes")


class PartnerExists(Conflict):
    slug, title = "partner-exists", "This institution is already a partner"


class StalePartner(Conflict):
    slug, title = "stale-version", "The partner changed since you read it"


def display_name(partner: PartnerInstitution) -> str:
    names = partner.names or {}
    return names.get("en") or next(iter(names.values()), None) or partner.hei_id


def read_model(partner: PartnerInstitution) -> PartnerRead:
    data = {c: getattr(partner, c) for c in PartnerRead.model_fields if c != "name"}
    return PartnerRead.model_validate({**data, "name": display_name(partner)})


def _search_text(partner: PartnerInstitution) -> str:
    parts = [partner.hei_id, partner.abbreviation, partner.erasmus_code, partner.pic, partner.city]
    parts += list((partner.names or {}).values())
    return " ".join(p.lower() for p in parts if p)


def _stored(field: str, value: Any) -> Any:
    if field in ("other_ids", "contacts", "ounits"):
        return [v.model_dump(mode="json", exclude_none=True) for v in value or []]
    if field == "names":
        return dict(value or {})
    return value


def _new(tenant: str, hei_id: str, actor: str, source: str) -> PartnerInstitution:
    now = utcnow()
    return PartnerInstitution(
        id=uuid.uuid4(),
        tenant=tenant,
        hei_id=hei_id,
        is_partner=False,
        names={},
        search_text=hei_id,
        other_ids=[],
        contacts=[],
        ounits=[],
        on_ewp=False,
        ewp_apis={},
        source=source,
        overridden=[],
        created_at=now,
        updated_at=now,
        updated_by=actor,
        version=0,
    )


def _touch(partner: PartnerInstitution, actor: str) -> None:
    partner.search_text = _search_text(partner)
    partner.updated_at = utcnow()
    partner.updated_by = actor
    partner.version += 1


async def _announce(session: AsyncSession, partner: PartnerInstitution, created: bool) -> None:
    event = PartnerCreated if created else PartnerUpdated
    payload = event(
        partner_id=partner.id,
        hei_id=partner.hei_id,
        names=dict(partner.names),
        name=display_name(partner),
        abbreviation=partner.abbreviation,
        country=partner.country,
        city=partner.city,
        erasmus_code=partner.erasmus_code,
        pic=partner.pic,
        other_ids=[OtherId.model_validate(o) for o in partner.other_ids],
        on_ewp=partner.on_ewp,
        changed_by=partner.updated_by,
        changed_at=partner.updated_at,
    )
    await outbox.record(session, payload, tenant=partner.tenant, subject=str(partner.id))


async def create_partner(
    session: AsyncSession, principal: Principal, data: PartnerCreate, *, source: str = "manual"
) -> PartnerInstitution:
    repo = PartnerRepository(session)
    partner = await repo.by_hei(principal.tenant, data.hei_id, for_update=True)
    if partner is not None and partner.is_partner:
        raise PartnerExists(f"{data.hei_id} is already in the partner list.", partner_id=str(partner.id))
    if partner is None:
        if not data.names:
            raise Problem(
                f"{data.hei_id} is not in the EWP registry as SMILE knows it: give its names.",
                status=422,
                slug="partner-names-required",
                title="The partner's names are needed",
            )
        partner = _new(principal.tenant, data.hei_id, principal.subject, source)
        repo.add(partner)
    given = data.model_dump(exclude_unset=True, exclude={"hei_id"})
    for field in given:
        setattr(partner, field, _stored(field, getattr(data, field)))
    partner.overridden = sorted(set(partner.overridden) | (set(given) & set(REGISTRY_FIELDS)))
    partner.is_partner = True
    _touch(partner, principal.subject)
    await session.flush()
    await _announce(session, partner, created=True)
    return partner


async def update_partner(
    session: AsyncSession, principal: Principal, partner_id: uuid.UUID, data: PartnerUpdate
) -> PartnerInstitution:
    partner = await PartnerRepository(session).get(principal.tenant, partner_id, for_update=True)
    if partner is None:
        raise NotFound(f"No partner institution {partner_id}.")
    if data.version != partner.version:
        raise StalePartner(
            f"You read version {data.version}; the partner is now at version {partner.version}.",
            current=read_model(partner).model_dump(mode="json"),
        )
    unknown = set(data.reset_fields) - set(REGISTRY_FIELDS)
    if unknown:
        raise Problem(f"Only registry fields can be reset, not {sorted(unknown)}.", status=422, slug="validation-error")
    given = data.model_dump(exclude_unset=True, exclude={"version", "reset_fields"})
    changed = {f for f in given if getattr(partner, f) != _stored(f, getattr(data, f))}
    for field in changed:
        setattr(partner, field, _stored(field, getattr(data, field)))
    overridden = sorted((set(partner.overridden) | (changed & set(REGISTRY_FIELDS))) - set(data.reset_fields))
    if not changed and overridden == sorted(partner.overridden):
        return partner
    partner.overridden = overridden
    _touch(partner, principal.subject)
    await session.flush()
    if partner.is_partner:
        await _announce(session, partner, created=False)
    return partner


async def ensure_partner(
    session: AsyncSession, tenant: str, hei_id: str, *, actor: str, source: str, create: bool = False
) -> PartnerInstitution | None:
    """The partner ``hei_id`` of ``tenant``, added to the partner list when it was only in the registry
    directory; unknown institutions answer None, or are created bare with ``create``."""
    repo = PartnerRepository(session)
    partner = await repo.by_hei(tenant, hei_id, for_update=True)
    if partner is None and not create:
        return None
    if partner is None:
        partner = _new(tenant, hei_id, actor, source)
        repo.add(partner)
    if partner.is_partner:
        return partner
    partner.is_partner = True
    _touch(partner, actor)
    await session.flush()
    await _announce(session, partner, created=True)
    return partner


def _ewp_contacts(contacts: list[EwpContact]) -> list[dict[str, Any]]:
    out = []
    for contact in contacts:
        try:
            valid = Contact.model_validate(contact.model_dump())
        except ValidationError:
            continue  # a contact without a name, or with a malformed email: not worth failing the update
        out.append(valid.model_dump(mode="json", exclude_none=True))
    return out


def _merged_ounits(current: list[dict[str, Any]], payload: InstitutionUpdated) -> list[dict[str, Any]]:
    """The partner's units with what its Organizational Units API says: units it lists (by ``ounit_id``) are
    added or refreshed; units entered by hand, or no longer listed, stay (the office removes them)."""
    listed = {
        u.ounit_id: {"ounit_id": u.ounit_id, "code": u.code[:64], "names": dict(u.names)} for u in payload.ounits or []
    }
    merged = [listed.pop(u["ounit_id"]) if u.get("ounit_id") in listed else u for u in current]
    return merged + list(listed.values())


def _registry_values(payload: InstitutionUpdated) -> dict[str, Any]:
    return {
        "names": dict(payload.names),
        "abbreviation": payload.abbreviation,
        "other_ids": [o.model_dump() for o in payload.other_ids],
        "erasmus_code": payload.erasmus_code,
        "pic": payload.pic,
        "country": payload.country,
        "city": payload.city,
        "website_url": payload.website_url,
        "contacts": _ewp_contacts(payload.contacts),
    }


async def apply_registry(session: AsyncSession, tenant: str, payload: InstitutionUpdated) -> None:
    """What the EWP registry (or the institution's own Institutions API) says of an institution.

    Older news than what is stored is ignored (events may arrive out of order); fields edited here stay.
    """
    repo = PartnerRepository(session)
    hei_id = payload.hei_id.strip().lower()
    partner = await repo.by_hei(tenant, hei_id, for_update=True)
    if partner is not None and partner.registry_observed_at and payload.observed_at <= partner.registry_observed_at:
        return
    if partner is None:
        partner = _new(tenant, hei_id, "ewp-registry", "registry")
        repo.add(partner)
    changed = False
    for field, value in _registry_values(payload).items():
        if field in partner.overridden or (value in (None, {}, []) and payload.source == "institutions-api"):
            continue
        if getattr(partner, field) != value:
            setattr(partner, field, value)
            changed = True
    if payload.ounits is not None:  # read from the partner's Organizational Units API (through EWP)
        ounits = _merged_ounits(list(partner.ounits or []), payload)
        if ounits != partner.ounits:
            partner.ounits, changed = ounits, True
    if partner.on_ewp != payload.on_ewp or partner.ewp_apis != payload.ewp_apis:
        partner.on_ewp, partner.ewp_apis = payload.on_ewp, dict(payload.ewp_apis)
        changed = True
    partner.registry_observed_at = payload.observed_at
    if changed:
        _touch(partner, "ewp-registry")
    await session.flush()
    if changed and partner.is_partner:
        await _announce(session, partner, created=False)
