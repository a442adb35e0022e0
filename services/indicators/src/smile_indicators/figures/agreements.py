"""Use of the places agreed in IIAs, and the balance of exchanges with each partner."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.facts.agreements import iia_fact
from smile_indicators.figures.framework import Indicator, Measure, Record
from smile_indicators.figures.population import ACCEPTED_STATUSES, Dimensions, load_dimensions, mobility_records
from smile_indicators.figures.stats import ratio

__all__ = ["EXCHANGE_BALANCE", "IIA_QUOTA"]

#: IIAs that never became (or no longer are) an agreement do not count.
_EXCLUDED = ("draft", "deleted")
_STUDENT_TYPES = ("student_studies", "student_traineeship")


def _years(first: str, last: str) -> list[str]:
    start, end = int(first[:4]), int(last[:4])
    return [f"{y}/{y + 1}" for y in range(start, end + 1)]


async def _conditions(session: AsyncSession, tenant: str, dims: Dimensions) -> list[Record]:
    """One record per student cooperation condition and academic year it covers."""
    query = sa.select(iia_fact).where(iia_fact.c.tenant == tenant, iia_fact.c.status.not_in(_EXCLUDED))
    out = []
    for iia in (await session.execute(query)).all():
        for condition in iia.conditions or []:
            if condition["type"] not in _STUDENT_TYPES:
                continue
            for year in _years(condition["first_academic_year"], condition["last_academic_year"]):
                out.append(
                    {
                        "kind": "condition",
                        "iia": iia.iia_code,
                        "iia_id": iia.iia_id,
                        "iia_status": iia.status,
                        "condition_id": UUID(condition["id"]),
                        "direction": condition["direction"],
                        "academic_year": year,
                        "partner": iia.partner_hei_id,
                        "country": iia.partner_country or dims.country_of(iia.partner_hei_id),
                        "isced": condition["isced_f_codes"],
                        "eqf": condition["eqf_levels"],
                        "places": condition["mobilities_per_year"],
                        "used": 0,
                    }
                )
    return out


def _assign(conditions: list[Record], mobilities: list[Record]) -> None:
    """Count each accepted mobility against its condition (or its IIA's only incoming condition)."""
    by_condition = {(c["condition_id"], c["academic_year"]): c for c in conditions if c["direction"] == "incoming"}
    by_iia: dict[tuple[Any, str], list[Record]] = defaultdict(list)
    for c in conditions:
        if c["direction"] == "incoming":
            by_iia[(c["iia_id"], c["academic_year"])].append(c)
    for m in mobilities:
        target = by_condition.get((m["cooperation_condition_id"], m["academic_year"]))
        if target is None and m["cooperation_condition_id"] is None:
            candidates = by_iia.get((m["iia_id"], m["academic_year"]), [])
            target = candidates[0] if len(candidates) == 1 else None
        if target is not None:
            target["used"] += 1


async def _quota_records(session: AsyncSession, tenant: str) -> list[Record]:
    dims = await load_dimensions(session, tenant)
    conditions = await _conditions(session, tenant, dims)
    mobilities = [
        m for m in (await mobility_records(session, tenant, dims)).values() if m["status"] in ACCEPTED_STATUSES
    ]
    _assign(conditions, mobilities)
    return [c for c in conditions if c["direction"] == "incoming"]


def _summarise_quota(records: list[Record]) -> dict[str, Any]:
    with_quota = [r for r in records if r["places"] is not None]
    places = sum(r["places"] for r in with_quota)
    used = sum(r["used"] for r in with_quota)
    return {
        "agreements": len({r["iia_id"] for r in records}),
        "places": places,
        "used": used,
        "remaining": sum(max(r["places"] - r["used"], 0) for r in with_quota),
        "use_rate": ratio(used, places),
        "over_quota": sum(1 for r in with_quota if r["used"] > r["places"]),
        "used_without_quota": sum(r["used"] for r in records if r["places"] is None),
    }


_IIA_FILTERS = ("academic_year", "partner", "country", "isced", "eqf")

IIA_QUOTA = Indicator(
    slug="iia-quota",
    operation="IiaQuota",
    title="Use of the places agreed in IIAs",
    description="For each inter-institutional agreement, the incoming student places agreed per academic "
    "year (cooperation conditions) and the accepted mobilities counted against them.",
    date_basis="none (academic years)",
    filters=_IIA_FILTERS,
    measures=(
        Measure("agreements", "count", "IIAs with an incoming student condition"),
        Measure("places", "count", "Incoming places agreed (mobilities per year)"),
        Measure("used", "count", "Accepted mobilities counted against a condition with a number of places"),
        Measure("remaining", "count", "Places left (never below zero per condition)"),
        Measure("use_rate", "rate", "used / places"),
        Measure("over_quota", "count", "Conditions and years with more mobilities than places"),
        Measure("used_without_quota", "count", "Mobilities counted against conditions without a number"),
    ),
    records=_quota_records,
    summarise=_summarise_quota,
    extra_breakdowns={"iia": "Code of the IIA.", "iia_status": "Status of the IIA (shared, mutually_approved...)."},
    dated=False,
)


async def _balance_records(session: AsyncSession, tenant: str) -> list[Record]:
    dims = await load_dimensions(session, tenant)
    conditions = await _conditions(session, tenant, dims)
    mobilities = [
        {"kind": "mobility", "academic_year": m["academic_year"], "partner": m["partner"], "country": m["country"]}
        for m in (await mobility_records(session, tenant, dims)).values()
        if m["status"] in ACCEPTED_STATUSES
    ]
    return [*conditions, *mobilities]


def _summarise_balance(records: list[Record]) -> dict[str, Any]:
    conditions = [r for r in records if r["kind"] == "condition" and r["places"] is not None]
    places_in = sum(r["places"] for r in conditions if r["direction"] == "incoming")
    places_out = sum(r["places"] for r in conditions if r["direction"] == "outgoing")
    students_in = sum(1 for r in records if r["kind"] == "mobility")
    return {
        "places_in": places_in,
        "places_out": places_out,
        "places_balance": places_in - places_out,
        "students_in": students_in,
        "use_rate_in": ratio(students_in, places_in),
    }


EXCHANGE_BALANCE = Indicator(
    slug="exchange-balance",
    operation="ExchangeBalance",
    title="Balance of exchanges with partners",
    description="Places agreed in each direction with each partner and the incoming students actually "
    "accepted. Students sent abroad are outside SMILE (incoming side): the outgoing side is the places agreed.",
    date_basis="none (academic years)",
    filters=("academic_year", "partner", "country"),
    measures=(
        Measure("places_in", "count", "Incoming student places agreed"),
        Measure("places_out", "count", "Outgoing student places agreed"),
        Measure("places_balance", "count", "places_in - places_out"),
        Measure("students_in", "count", "Incoming students accepted (with or without an IIA)"),
        Measure("use_rate_in", "rate", "students_in / places_in"),
    ),
    records=_balance_records,
    summarise=_summarise_balance,
    dated=False,
)
