from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from smile_common.testing.harness import ServiceHarness

COURSE = {
    "code": "DRT-EU-101",
    "title": {"fr": "Droit de l'Union européenne", "en": "European Union law"},
    "ects": 6,
    "isced_code": "0421",
    "eqf_level": 6,
    "term_codes": ["2026-S1"],
}


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll ``check`` until it returns a truthy value; fail with its last value after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s (last value: {last!r})")


async def ensure_term(catalogue: ServiceHarness, *, hei: str = "unicaen.fr") -> None:
    """The term COURSE is given in must exist (PUTs are idempotent)."""
    editor = catalogue.headers("catalogue_editor", hei=hei)
    year = {"start_date": "2026-09-01", "end_date": "2027-08-31"}
    assert (await catalogue.client.put("/academic-years/2026-2027", json=year, headers=editor)).status_code == 200
    term = {
        "academic_year_code": "2026-2027",
        "ordinal": 1,
        "name": {"en": "Semester 1"},
        "start_date": "2026-09-01",
        "end_date": "2027-01-20",
    }
    assert (await catalogue.client.put("/terms/2026-S1", json=term, headers=editor)).status_code == 200


async def publish_course(catalogue: ServiceHarness, code: str, *, hei: str = "unicaen.fr") -> str:
    editor = catalogue.headers("catalogue_editor", hei=hei)
    await ensure_term(catalogue, hei=hei)
    created = await catalogue.client.post("/courses", json={**COURSE, "code": code}, headers=editor)
    assert created.status_code == 201, created.text
    course_id: str = created.json()["id"]
    published = await catalogue.client.post(f"/courses/{course_id}/publish", headers=editor)
    assert published.status_code == 200, published.text
    return course_id


async def published_figure(indicators: ServiceHarness, *, hei: str = "unicaen.fr") -> int:
    response = await indicators.client.get("/catalogue/figures", headers=indicators.headers("analyst", hei=hei))
    assert response.status_code == 200, response.text
    value: int = response.json()["courses_published"]
    return value
