"""The values each dimension takes for a university, gathered from every read model.

Used to reject unknown filter values and to fill the dashboard's filter lists. Each indicator module
offers a *source* that returns the values its read model knows of (see ``registry.SOURCES``).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.errors import Problem
from smile_indicators.figures.cache import RecordCache
from smile_indicators.figures.filters import CATEGORICAL, DIMENSIONS, Filters
from smile_indicators.figures.registry import SOURCES

__all__ = ["check_known", "known_values"]

_MAX_LISTED = 100


async def known_values(session: AsyncSession, tenant: str, cache: RecordCache | None = None) -> dict[str, list[str]]:
    if cache is not None:
        found: dict[str, list[str]] = await cache.get(
            session, tenant, "known-values", lambda: known_values(session, tenant)
        )
        return found
    merged: dict[str, set[str]] = {name: set() for name in DIMENSIONS}
    for source in SOURCES:
        for name, values in (await source(session, tenant)).items():
            merged.setdefault(name, set()).update(str(v) for v in values if v is not None and v != "")
    return {name: sorted(values) for name, values in merged.items()}


async def check_known(session: AsyncSession, tenant: str, filters: Filters, cache: RecordCache | None = None) -> None:
    """Refuse values of partner, country, faculty or programme that this university has never seen."""
    asked = [name for name in CATEGORICAL if filters.values(name)]
    if not asked:
        return
    known = await known_values(session, tenant, cache)
    unknown = {name: [v for v in filters.values(name) if v not in set(known.get(name, []))] for name in asked}
    unknown = {name: values for name, values in unknown.items() if values}
    if unknown:
        raise Problem(
            "Unknown filter values: " + "; ".join(f"{name}={', '.join(values)}" for name, values in unknown.items()),
            status=400,
            slug="unknown-filter-value",
            title="Unknown filter value",
            unknown=unknown,
            known_values={name: known.get(name, [])[:_MAX_LISTED] for name in unknown},
        )
