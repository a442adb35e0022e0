"""The records most indicators start from: one per mobility, with every dimension resolved.

Dimensions come from the small dimension tables: the country of a partner (its own events first, what
its IIAs say otherwise), the faculty of an organisational unit (the unit itself if it is a faculty, else
its nearest faculty parent) and the campus city of a unit (its own, else its nearest parent's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.facts.agreements import partner_dim
from smile_indicators.facts.catalogue import organisational_unit_dim
from smile_indicators.facts.mobility import mobility_fact
from smile_indicators.figures.framework import Record

__all__ = ["ACCEPTED_STATUSES", "Dimensions", "load_dimensions", "mobility_records"]

#: a mobility that is or was going to happen: accepted, under way or completed.
ACCEPTED_STATUSES = ("accepted", "live", "completed")
_MAX_DEPTH = 16


@dataclass(frozen=True)
class Dimensions:
    partners: dict[str, Any]
    units: dict[str, Any]

    def country_of(self, hei_id: str | None) -> str | None:
        partner = self.partners.get(hei_id or "")
        if partner is None:
            return None
        country: str | None = partner.country or partner.iia_country
        return country

    def partner_name(self, hei_id: str | None) -> str | None:
        partner = self.partners.get(hei_id or "")
        return (partner.name or partner.iia_name) if partner is not None else None

    def _ancestry(self, code: str | None) -> list[Any]:
        chain: list[Any] = []
        while code and code in self.units and len(chain) < _MAX_DEPTH:
            unit = self.units[code]
            if unit in chain:
                break
            chain.append(unit)
            code = unit.parent_code
        return chain

    def faculty_of(self, code: str | None) -> str | None:
        for unit in self._ancestry(code):
            if unit.kind == "faculty":
                return str(unit.code)
        return code

    def city_of(self, code: str | None) -> str | None:
        for unit in self._ancestry(code):
            if unit.city:
                return str(unit.city)
        return None


async def load_dimensions(session: AsyncSession, tenant: str) -> Dimensions:
    partners = (await session.execute(sa.select(partner_dim).where(partner_dim.c.tenant == tenant))).all()
    units = (
        await session.execute(sa.select(organisational_unit_dim).where(organisational_unit_dim.c.tenant == tenant))
    ).all()
    return Dimensions({p.hei_id: p for p in partners}, {u.code: u for u in units})


def _day(value: Any) -> date | None:
    return value.date() if value is not None else None


async def mobility_records(session: AsyncSession, tenant: str, dims: Dimensions) -> dict[UUID, Record]:
    """Every mobility of ``tenant`` known from its own events, by id."""
    query = sa.select(mobility_fact).where(mobility_fact.c.tenant == tenant, mobility_fact.c.state_at.is_not(None))
    out: dict[UUID, Record] = {}
    for m in (await session.execute(query)).all():
        out[m.mobility_id] = {
            "mobility_id": m.mobility_id,
            "academic_year": m.academic_year,
            "term": m.academic_term,
            "partner": m.sending_hei_id,
            "country": dims.country_of(m.sending_hei_id),
            "faculty": dims.faculty_of(m.receiving_ounit_code),
            "isced": m.isced_code,
            "eqf": m.eqf_level,
            "programme": m.event_programme or m.programme,
            "status": m.status,
            "source": m.source,
            "arrival": m.actual_arrival_on or m.planned_arrival_on,
            "departure": m.actual_departure_on or m.planned_departure_on,
            "arrived": m.actual_arrival_on is not None,
            "departed": m.actual_departure_on is not None,
            "nominated_on": _day(m.first_seen_at),
            "nominated_at": m.first_seen_at,
            "accepted_at": m.accepted_at,
            "rejected_at": m.rejected_at,
            "cancelled_at": m.cancelled_at,
            "iia_id": m.iia_id,
            "cooperation_condition_id": m.cooperation_condition_id,
        }
    return out


def dimensions_of(mobility: Record | None) -> Record:
    """The filterable dimensions of a mobility, to copy onto a record derived from it."""
    names = ("academic_year", "term", "partner", "country", "faculty", "isced", "eqf", "programme")
    return {name: mobility.get(name) if mobility else None for name in names}
