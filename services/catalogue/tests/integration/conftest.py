from __future__ import annotations

from typing import Any

import pytest

from smile_catalogue.definition import DEFINITION
from smile_common.testing.harness import ServiceHarness

HEI = "unicaen.fr"

UNITS: list[tuple[str, dict[str, Any]]] = [
    ("DROIT", {"name": {"fr": "Faculté de droit", "en": "Faculty of Law"}, "city": "Caen"}),
    ("SCI", {"name": {"fr": "UFR des sciences", "en": "Faculty of Science"}, "city": "Caen"}),
    (
        "SCI-INFO",
        {
            "name": {"fr": "Département d'informatique", "en": "Computer Science"},
            "parent_code": "SCI",
            "kind": "department",
        },
    ),
    ("LANG", {"name": {"fr": "UFR des langues", "en": "Faculty of Languages"}, "city": "Caen"}),
    ("CAMPUS-SECRET", {"name": {"fr": "Unité cachée"}, "hidden": True}),
]
TERMS = {
    "2026-S1": {
        "ordinal": 1,
        "name": {"fr": "Semestre 1", "en": "Semester 1"},
        "start_date": "2026-09-01",
        "end_date": "2027-01-20",
    },
    "2026-S2": {
        "ordinal": 2,
        "name": {"fr": "Semestre 2", "en": "Semester 2"},
        "start_date": "2027-01-21",
        "end_date": "2027-06-30",
    },
}


def editor(harness: ServiceHarness, hei: str = HEI) -> dict[str, str]:
    return harness.headers("catalogue_editor", hei=hei, sub="editor-1")


async def load_reference(harness: ServiceHarness, hei: str = HEI) -> None:
    """Units, one academic year, two semesters and two programmes, through the API."""
    headers = editor(harness, hei)
    for code, body in UNITS:
        response = await harness.client.put(f"/units/{code}", json=body, headers=headers)
        assert response.status_code == 200, response.text
    year = {"start_date": "2026-09-01", "end_date": "2027-08-31", "name": {"fr": "2026-2027"}}
    assert (await harness.client.put("/academic-years/2026-2027", json=year, headers=headers)).status_code == 200
    for code, term in TERMS.items():
        body = {**term, "academic_year_code": "2026-2027", "terms_in_year": 2}
        response = await harness.client.put(f"/terms/{code}", json=body, headers=headers)
        assert response.status_code == 200, response.text
    for code, unit in (("L-DROIT", "DROIT"), ("M-INFO", "SCI-INFO")):
        body = {"name": {"fr": f"Programme {code}"}, "organisational_unit_code": unit}
        assert (await harness.client.put(f"/programmes/{code}", json=body, headers=headers)).status_code == 200


async def create_course(
    harness: ServiceHarness, body: dict[str, Any], *, publish: bool = True, hei: str = HEI
) -> dict[str, Any]:
    headers = editor(harness, hei)
    response = await harness.client.post("/courses", json=body, headers=headers)
    assert response.status_code == 201, response.text
    course: dict[str, Any] = response.json()
    if publish:
        published = await harness.client.post(f"/courses/{course['id']}/publish", headers=headers)
        assert published.status_code == 200, published.text
        course = published.json()
    return course


@pytest.fixture
async def catalogue(make_harness: Any) -> ServiceHarness:
    harness: ServiceHarness = await make_harness(DEFINITION)
    await load_reference(harness)
    return harness
