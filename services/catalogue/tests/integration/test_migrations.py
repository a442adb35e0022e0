"""Schema changes keep the catalogue's data: migrating down and up again loses no course's facets; a course
of ordinary size is stored whole in its row on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from smile_catalogue.courses.models import Course
from smile_catalogue.definition import DEFINITION

from .conftest import HEI, create_course
from .test_search import offer  # noqa: F401 (fixture)

#: the revision before facet values moved from the course_facet table into the course's ``facets`` column
BEFORE_FACET_COLUMN = "38f4e7662b38"
#: the revision before a course of up to 4,000 bytes was kept whole in its row
BEFORE_WHOLE_ROWS = "a1f3c5e7b9d2"


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


async def _out_of_line(harness: Any, code: str) -> dict[str, Any]:
    """How PostgreSQL stores a course: its row's size, whether its description is compressed, and the bytes
    of the course table's TOAST relation (where values too large for a row go)."""
    async with harness.runtime.database.sessionmaker() as session:
        row = (
            await session.execute(
                sa.text(
                    "SELECT pg_column_size(c.*) AS row_bytes,"
                    " pg_column_compression(c.description) IS NOT NULL AS description_compressed,"
                    " (SELECT pg_relation_size(reltoastrelid) FROM pg_class"
                    "  WHERE oid = 'catalogue.course'::regclass) AS toast_bytes"
                    " FROM catalogue.course AS c WHERE c.code = :code"
                ),
                {"code": code},
            )
        ).one()
        return dict(row._mapping)


@pytest.mark.parametrize("smile_stack", ["infra"], indirect=True)  # PostgreSQL only: SQLite has no TOAST
async def test_a_course_of_ordinary_size_is_stored_whole_in_its_row(catalogue) -> None:
    # about 3 kB: long enough that PostgreSQL compressed it and moved its largest values out of the row
    # before, short enough to be stored as it is now (reading it back needs no decompression, no second table)
    words = "Les institutions de l'Union européenne, leurs compétences et le contentieux devant la Cour. "
    course = {
        "code": "DRT-LONG-1",
        "title": {"fr": "Droit institutionnel de l'Union européenne", "en": "EU institutional law"},
        "description": {"fr": words * 6, "en": "The institutions of the European Union and their powers. " * 6},
        "ects": 5,
        "organisational_unit_code": "DROIT",
        "term_codes": ["2026-S1"],
    }
    await create_course(catalogue, course)
    stored = await _out_of_line(catalogue, "DRT-LONG-1")
    assert 2500 < stored["row_bytes"] < 4000, stored
    assert stored == {**stored, "description_compressed": False, "toast_bytes": 0}

    # before this change, the same course was compressed and partly moved out of its row
    database = catalogue.runtime.database
    await DEFINITION.migrations.downgrade(database, BEFORE_WHOLE_ROWS)
    await create_course(catalogue, {**course, "code": "DRT-LONG-2"})
    before = await _out_of_line(catalogue, "DRT-LONG-2")
    assert before["description_compressed"] or before["toast_bytes"] > 0, before
    assert before["row_bytes"] < stored["row_bytes"]

    await DEFINITION.migrations.upgrade(database)
    await create_course(catalogue, {**course, "code": "DRT-LONG-3"})
    assert (await _out_of_line(catalogue, "DRT-LONG-3"))["description_compressed"] is False
    response = await catalogue.client.get("/courses", params={"hei": HEI, "q": "contentieux"})
    assert [c["code"] for c in response.json()["items"]] == ["DRT-LONG-1", "DRT-LONG-2", "DRT-LONG-3"]
