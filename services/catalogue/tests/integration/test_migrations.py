"""Schema changes keep the catalogue's data: migrating down and up again loses no course's facets."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from smile_catalogue.courses.models import Course
from smile_catalogue.definition import DEFINITION

from .conftest import HEI
from .test_search import offer  # noqa: F401 (fixture)

#: the revision before facet values moved from the course_facet table into the course's ``facets`` column
BEFORE_FACET_COLUMN = "38f4e7662b38"


async def _stored_facets(harness: Any) -> dict[str, list[str]]:
    async with harness.runtime.database.sessionmaker() as session:
        rows = await session.execute(sa.select(Course.code, Course.facets))
        return {code: list(facets) for code, facets in rows}


async def _search_facets(harness: Any) -> dict[str, Any]:
    response = await harness.client.get("/courses", params={"hei": HEI, "term": "2026-S1"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body["facets"]


async def test_facet_values_move_to_the_old_table_and_back_without_loss(offer) -> None:  # noqa: F811
    database = offer.runtime.database
    stored, counts = await _stored_facets(offer), await _search_facets(offer)
    assert stored["INF-ALG-120"] == sorted(stored["INF-ALG-120"])
    assert {"term:2026-S1", "ounit:SCI-INFO", "ounit:SCI", "isced:06", "isced:0613"} <= set(stored["INF-ALG-120"])

    await DEFINITION.migrations.downgrade(database, BEFORE_FACET_COLUMN)
    async with database.sessionmaker() as session:
        rows = await session.execute(
            sa.text(
                "SELECT c.code, f.dim, f.value FROM catalogue.course_facet AS f"
                " JOIN catalogue.course AS c ON c.id = f.course_id"
            )
        )
        table: dict[str, list[str]] = {}
        for code, dim, value in rows:
            table.setdefault(code, []).append(f"{dim}:{value}")
    assert {code: sorted(entries) for code, entries in table.items()} == stored

    await DEFINITION.migrations.upgrade(database)
    assert await _stored_facets(offer) == stored
    assert await _search_facets(offer) == counts
