"""Who is here: the incoming students present on a day or during a period, with how to reach them.

A student is *present* when their mobility is accepted (or under way, or completed) and its period,
from arrival to departure (actual dates when recorded, planned ones otherwise), meets the period asked.
``confirmed`` means the arrival was recorded (and no departure before the period); ``expected`` means
only planned dates put the student here. Accepted mobilities with no dates at all are counted apart,
since nobody can say where those students are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.facts.mobility import mobility_fact
from smile_indicators.figures.population import ACCEPTED_STATUSES, Dimensions, load_dimensions

__all__ = ["COLUMNS", "Roster", "RosterQuery", "roster", "roster_rows"]

#: columns of the roster, in the order of the exports (stable: crisis cells script against them).
COLUMNS = (
    "family_name",
    "given_names",
    "email",
    "citizenship",
    "origin_country",
    "sending_institution",
    "sending_institution_name",
    "faculty",
    "organisational_unit",
    "city",
    "arrival_on",
    "departure_on",
    "presence",
    "mobility_status",
    "academic_year",
    "mobility_id",
)


@dataclass(frozen=True)
class RosterQuery:
    date_from: date
    date_to: date
    country: tuple[str, ...] = ()
    citizenship: tuple[str, ...] = ()
    city: tuple[str, ...] = ()
    faculty: tuple[str, ...] = ()
    partner: tuple[str, ...] = ()
    include_expected: bool = True

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        for name in ("country", "citizenship", "city", "faculty", "partner"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if not self.include_expected:
            out["include_expected"] = False
        return out


@dataclass
class Roster:
    query: RosterQuery
    students: list[dict[str, Any]] = field(default_factory=list)
    undated: int = 0

    def counts(self, column: str) -> list[dict[str, Any]]:
        counter = Counter(s[column] for s in self.students)
        return [
            {"key": key, "students": count}
            for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0] is None, str(kv[0])))
        ]


def _presence(m: Any, query: RosterQuery) -> str | None:
    start = m.actual_arrival_on or m.planned_arrival_on
    end = m.actual_departure_on or m.planned_departure_on
    if start is None or start > query.date_to or (end is not None and end < query.date_from):
        return None
    return "confirmed" if m.actual_arrival_on is not None else "expected"


def _row(m: Any, presence: str, dims: Dimensions) -> dict[str, Any]:
    return {
        "family_name": m.family_name,
        "given_names": m.given_names,
        "email": m.email,
        "citizenship": m.citizenship,
        "origin_country": dims.country_of(m.sending_hei_id),
        "sending_institution": m.sending_hei_id,
        "sending_institution_name": dims.partner_name(m.sending_hei_id),
        "faculty": dims.faculty_of(m.receiving_ounit_code),
        "organisational_unit": m.receiving_ounit_code,
        "city": dims.city_of(m.receiving_ounit_code),
        "arrival_on": m.actual_arrival_on or m.planned_arrival_on,
        "departure_on": m.actual_departure_on or m.planned_departure_on,
        "presence": presence,
        "mobility_status": m.status,
        "academic_year": m.academic_year,
        "mobility_id": str(m.mobility_id),
    }


def _wanted(row: dict[str, Any], query: RosterQuery) -> bool:
    checks = {
        "country": row["origin_country"],
        "citizenship": row["citizenship"],
        "city": row["city"],
        "faculty": row["faculty"],
        "partner": row["sending_institution"],
    }
    return all(not getattr(query, name) or value in getattr(query, name) for name, value in checks.items())


async def roster_rows(session: AsyncSession, tenant: str, query: RosterQuery) -> AsyncIterator[dict[str, Any] | int]:
    """The present students one by one (streamed from the database), then the number of undated ones."""
    dims = await load_dimensions(session, tenant)
    statement = (
        sa.select(mobility_fact)
        .where(mobility_fact.c.tenant == tenant, mobility_fact.c.status.in_(ACCEPTED_STATUSES))
        .order_by(mobility_fact.c.family_name, mobility_fact.c.given_names, mobility_fact.c.mobility_id)
        .execution_options(yield_per=1000)
    )
    undated = 0
    result = await session.stream(statement)
    async for chunk in result.partitions(1000):
        for m in chunk:
            if (m.actual_arrival_on or m.planned_arrival_on) is None:
                undated += 1
                continue
            presence = _presence(m, query)
            if presence is None or (presence == "expected" and not query.include_expected):
                continue
            row = _row(m, presence, dims)
            if _wanted(row, query):
                yield row
    yield undated


async def roster(session: AsyncSession, tenant: str, query: RosterQuery) -> Roster:
    result = Roster(query)
    async for item in roster_rows(session, tenant, query):
        if isinstance(item, int):
            result.undated = item
        else:
            result.students.append(item)
    return result
