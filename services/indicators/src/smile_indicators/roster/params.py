"""The roster's query string, checked as strictly as the figures' filters."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.errors import Problem
from smile_indicators.figures import clock
from smile_indicators.figures.dimensions import check_known
from smile_indicators.figures.filters import Filters, InvalidFilter
from smile_indicators.roster.service import RosterQuery

__all__ = ["parse_roster_query"]

_LISTS = {
    "country": re.compile(r"^[A-Z]{2}$"),
    "citizenship": re.compile(r"^[A-Z]{2}$"),
    "city": re.compile(r"^[\w' .\-]{1,100}$"),
    "faculty": re.compile(r"^[\w.\-]{1,64}$"),
    "partner": re.compile(r"^[a-z0-9][a-z0-9.\-]{0,253}$"),
}
_DATES = ("at", "from", "to")


def _collect(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    collected: dict[str, list[str]] = {}
    for name, raw in items:
        for value in (v.strip() for v in raw.split(",")):
            if value:
                collected.setdefault(name, []).append(value)
    return collected


def _normalise(name: str, value: str) -> str:
    if name in ("country", "citizenship"):
        return value.upper()
    return value.lower() if name == "partner" else value


def _dates(collected: dict[str, list[str]], errors: list[dict[str, str]]) -> dict[str, date]:
    out: dict[str, date] = {}
    for name in _DATES:
        values = collected.get(name, [])
        if len(values) > 1:
            errors.append({"parameter": name, "reason": "give one date"})
        elif values:
            try:
                out[name] = date.fromisoformat(values[0])
            except ValueError:
                errors.append({"parameter": name, "value": values[0], "reason": "expected a date such as 2026-09-01"})
    if "at" in out and ("from" in out or "to" in out):
        errors.append({"parameter": "at", "reason": "give either at, or from and to"})
    return out


async def parse_roster_query(
    session: AsyncSession, tenant: str, items: Iterable[tuple[str, str]], *, extra: Sequence[str] = ()
) -> RosterQuery:
    collected = _collect(items)
    known = {*_LISTS, *_DATES, "include_expected", *extra}
    errors = [
        {"parameter": name, "reason": f"{name} is not a known parameter; expected one of {sorted(known)}"}
        for name in sorted(set(collected) - known)
    ]
    values: dict[str, tuple[str, ...]] = {}
    for name, pattern in _LISTS.items():
        cleaned = [_normalise(name, v) for v in collected.get(name, [])]
        for value in cleaned:
            if not pattern.match(value):
                errors.append({"parameter": name, "value": value, "reason": "not a valid value"})
        values[name] = tuple(dict.fromkeys(cleaned))
    expected = collected.get("include_expected", ["true"])[-1].lower()
    if expected not in ("true", "false"):
        errors.append({"parameter": "include_expected", "value": expected, "reason": "expected true or false"})
    dates = _dates(collected, errors)
    if errors:
        raise InvalidFilter("Some parameters are not valid: " + "; ".join(e["reason"] for e in errors), errors=errors)
    day = dates.get("at") or clock.today()
    first, last = dates.get("from", dates.get("to", day)), dates.get("to", dates.get("from", day))
    if first > last:
        raise Problem(
            f"The date range is inverted: from {first} is after to {last}.",
            status=400,
            slug="invalid-date-range",
            title="Invalid date range",
        )
    await check_known(
        session, tenant, Filters(partner=values["partner"], country=values["country"], faculty=values["faculty"])
    )
    return RosterQuery(first, last, include_expected=expected == "true", **values)
