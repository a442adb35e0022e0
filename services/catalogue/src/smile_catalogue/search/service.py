"""Running a search: one page, the total and the facet counts, as plain JSON-ready values."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.courses.index import FACET_SEPARATOR, format_ects, split_facet
from smile_catalogue.courses.models import Course
from smile_catalogue.http_cache import json_bytes
from smile_catalogue.refs import Refs
from smile_catalogue.search.labels import FacetLabels
from smile_catalogue.search.query import SearchQuery
from smile_common.events.payloads.catalogue import los_id

__all__ = ["FACETS", "ITEM_COLUMNS", "item_of", "search"]

#: facet name -> dimension of a course's facet entries (``Course.facets``)
FACETS = {
    "term": "term",
    "language": "lang",
    "cefr": "cefr",
    "eqf": "eqf",
    "isced": "isced",
    "unit": "ounit",
    "programme": "prog",
    "day": "day",
    "ects": "ects",
}
_DIMS = {dim: facet for facet, dim in FACETS.items()}

ITEM_COLUMNS = (
    Course.id,
    Course.code,
    Course.title,
    Course.description,
    Course.ects,
    Course.eqf_level,
    Course.isced_code,
    Course.organisational_unit_code,
    Course.languages,
    Course.term_codes,
    Course.programme_codes,
    Course.schedule,
    Course.capacity,
    Course.open_to_exchange,
    Course.status,
    Course.syllabus_url,
)
SUMMARY_CHARS = 280


async def search(
    session: AsyncSession,
    query: SearchQuery,
    *,
    limit: int,
    cursor: str | None,
    with_facets: bool,
    refs: Refs,
) -> dict[str, Any]:
    after = query.decode_cursor(cursor) if cursor else None
    rows = await _page(session, query, limit=limit, after=after)
    items = [_item(row) for row in rows[:limit]]
    result: dict[str, Any] = {"items": items, "next_cursor": None}
    if len(rows) > limit:
        last = rows[limit - 1]
        result["next_cursor"] = query.encode_cursor([last[f"k{i}"] for i in range(len(query.sort_keys()))])
    if cursor is None:
        result["total"] = await _total(session, query)
    if with_facets:
        result["facets"] = await _facets(session, query, FacetLabels(refs, query.lang))
    return result


async def _page(session: AsyncSession, query: SearchQuery, *, limit: int, after: list[Any] | None) -> list[Any]:
    keys = [expr.label(f"k{i}") for i, (expr, _) in enumerate(query.sort_keys())]
    statement = sa.select(*ITEM_COLUMNS, *keys).where(*query.conditions())
    if after is not None:
        statement = statement.where(query.after(after))
    statement = statement.order_by(*query.order_by()).limit(limit + 1)
    return list((await session.execute(statement)).mappings())


async def _total(session: AsyncSession, query: SearchQuery) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).select_from(Course).where(*query.conditions())) or 0)


async def _facets(session: AsyncSession, query: SearchQuery, labels: FacetLabels) -> dict[str, list[dict[str, Any]]]:
    """Counts per facet value; a facet the search filters on is counted without its own filter."""
    active = set(query.filters.active())
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    plain = [dim for facet, dim in FACETS.items() if facet not in active]
    groups: list[tuple[list[str], str | None]] = [(plain, None)] if plain else []
    groups += [([FACETS[facet]], facet) for facet in sorted(active)]
    for dims, without in groups:
        # the matching courses first (full-text index, filters), then the entries of their facet arrays
        matching = sa.select(Course.facets).where(*query.conditions(without=without)).cte("matching")
        if query.postgres:
            matching = matching.prefix_with("MATERIALIZED", dialect="postgresql")
            each = sa.func.unnest(matching.c.facets).table_valued("value").render_derived()
        else:
            each = sa.func.json_each(matching.c.facets).table_valued("value")
        entry = each.c.value
        statement = (
            sa.select(entry, sa.func.count())
            .select_from(matching.join(each, sa.true()))
            .where(sa.or_(*(entry.startswith(f"{dim}{FACET_SEPARATOR}", autoescape=True) for dim in dims)))
            .group_by(entry)
        )
        for value, count in await session.execute(statement):
            dim, value = split_facet(value)
            counts[_DIMS[dim]][value] = int(count)
    return {facet: labels.entries(facet, counts.get(facet, {}), query.filters) for facet in FACETS}


def item_of(row: Any) -> bytes:
    """One course of a page as the answer's JSON holds it."""
    return json_bytes(_item(row))


def _item(row: Any) -> dict[str, Any]:
    description: dict[str, str] = row["description"] or {}
    return {
        "id": str(row["id"]),
        "los_id": los_id(row["id"]),
        "code": row["code"],
        "title": row["title"],
        "summary": {lang: _excerpt(body) for lang, body in description.items()},
        "ects": float(format_ects(row["ects"])),
        "eqf_level": row["eqf_level"],
        "isced_code": row["isced_code"],
        "organisational_unit_code": row["organisational_unit_code"],
        "languages": row["languages"],
        "term_codes": row["term_codes"],
        "programme_codes": row["programme_codes"],
        "days": sorted({slot["day"] for slot in row["schedule"] or ()}, key=_DAY_ORDER.index),
        "capacity": row["capacity"],
        "open_to_exchange": row["open_to_exchange"],
        "status": row["status"],
        "syllabus_url": row["syllabus_url"],
    }


_DAY_ORDER = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _excerpt(body: str) -> str:
    if len(body) <= SUMMARY_CHARS:
        return body
    cut = body[:SUMMARY_CHARS].rsplit(" ", 1)[0]
    return f"{cut}…"
