"""What the gateway's tests put in the other SMILE services: the catalogue's content, entered through the
real catalogue's API by :func:`fill_catalogue`."""

from __future__ import annotations

from typing import Any

from smile_common.testing.harness import ServiceHarness

__all__ = ["FACTSHEET", "fill_catalogue"]

#: what the university's catalogue holds (through the catalogue's own API, as its editors would enter it)
UNITS: list[tuple[str, dict[str, Any]]] = [
    ("DROIT", {"name": {"fr": "Faculté de droit", "en": "Faculty of Law"}, "city": "Caen"}),
    ("DROIT-EU", {"name": {"fr": "Institut d'études européennes"}, "parent_code": "DROIT", "kind": "department"}),
    ("SECRET", {"name": {"fr": "Service interne"}, "hidden": True}),
]
INSTITUTION: dict[str, Any] = {
    "name": {"fr": "Université de Caen Normandie", "en": "University of Caen Normandy"},
    "abbreviation": "UNICAEN",
    "erasmus_code": "F  CAEN01",
    "website_url": "https://www.unicaen.fr",
    "logo_url": "https://www.unicaen.fr/logo.svg",
    "factsheet_url": "https://international.unicaen.fr/factsheet",
    "street_address": {"lines": ["Esplanade de la Paix"], "postal_code": "14032", "locality": "Caen"},
    "contacts": [
        {"name": "International Relations Office", "email": "international@unicaen.fr", "phone": "+33231566500"}
    ],
}
COURSE: dict[str, Any] = {
    "code": "DRT-EU-301",
    "title": {"fr": "Droit européen avancé", "en": "Advanced EU law"},
    "description": {"en": "Institutions and litigation of the European Union."},
    "ects": 5,
    "organisational_unit_code": "DROIT-EU",
    "isced_code": "0421",
    "eqf_level": 7,
    "languages": [{"language": "fr", "cefr_level": "B2"}],
    "term_codes": ["2026-S1"],
    "hours": {"lecture": 24, "tutorial": 12},
    "syllabus_url": "https://www.unicaen.fr/syllabus/DRT-EU-301",
    "open_to_exchange": True,
}
INFO = {"email": "incoming@unicaen.fr", "phone": "+33231566500", "urls": ["https://international.unicaen.fr/apply"]}
FACTSHEET: dict[str, Any] = {
    "calendar": {
        "nominations_autumn": "--05-15",
        "nominations_spring": "--10-15",
        "applications_autumn": "--06-01",
        "applications_spring": "--11-01",
    },
    "decision_weeks_limit": 5,
    "tor_weeks_limit": 5,
    "application_info": INFO,
    "housing_info": {**INFO, "email": "housing@unicaen.fr"},
    "visa_info": {**INFO, "email": "visa@unicaen.fr"},
    "insurance_info": {**INFO, "email": "insurance@unicaen.fr"},
    "additional_requirements": [{"name": "Learning agreement", "details": "Signed before arrival"}],
    "accessibility": [
        {"type": "service", "name": "Relais Handicap", "info": {"email": "handicap@unicaen.fr"}},  # incomplete
        {"type": "infrastructure", "name": "Ramps", "info": INFO},
    ],
}


async def fill_catalogue(catalogue: ServiceHarness, hei: str = "unicaen.fr") -> dict[str, Any]:
    """Units, a year and its autumn term, the institution, one published course and the factsheet."""
    editor = catalogue.headers("catalogue_editor", hei=hei, sub="editor-1")
    coordinator = catalogue.headers("coordinator", hei=hei)

    async def ok(response: Any) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        body: dict[str, Any] = response.json()
        return body

    for code, unit in UNITS:
        await ok(await catalogue.client.put(f"/units/{code}", json=unit, headers=editor))
    year = {"start_date": "2026-09-01", "end_date": "2027-08-31", "name": {"fr": "2026-2027"}}
    await ok(await catalogue.client.put("/academic-years/2026-2027", json=year, headers=editor))
    term = {
        "ordinal": 1,
        "name": {"fr": "Semestre 1", "en": "Autumn semester"},
        "start_date": "2026-09-01",
        "end_date": "2027-01-20",
        "academic_year_code": "2026-2027",
        "terms_in_year": 2,
    }
    await ok(await catalogue.client.put("/terms/2026-S1", json=term, headers=editor))
    await ok(await catalogue.client.put("/institution", json=INSTITUTION, headers=coordinator))
    course = await ok(await catalogue.client.post("/courses", json=COURSE, headers=editor))
    course = await ok(await catalogue.client.post(f"/courses/{course['id']}/publish", headers=editor))
    await ok(await catalogue.client.put("/factsheet", json=FACTSHEET, headers=coordinator))
    return course
