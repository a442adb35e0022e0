"""A student's basket, submitted in the catalogue, drafts table A of their learning agreement in agreements."""

from __future__ import annotations

from typing import Any

from smile_agreements.definition import DEFINITION as AGREEMENTS
from smile_catalogue.definition import DEFINITION as CATALOGUE

from .conftest import ensure_term, eventually

NOMINATION = {
    "student": {
        "given_names": "Ingrid",
        "family_name": "Hansen",
        "email": "ingrid.hansen@student.uio.no",
        "birth_date": "2003-04-12",
        "citizenship": "NO",
        "gender": 2,
    },
    "sending_hei_id": "uio.no",
    "academic_year": "2026/2027",
    "academic_term": "2026/2027-1/2",
    "planned_arrival_date": "2026-09-01",
    "planned_departure_date": "2027-01-31",
    "eqf_level": 6,
    "isced_code": "0311",
}


async def test_the_submitted_basket_becomes_the_draft_of_table_a(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE)
    agreements = await make_harness(AGREEMENTS)
    await agreements.start_worker()
    await catalogue.start_worker()
    office = agreements.headers("coordinator", sub="office-1")
    mobility = await agreements.client.post("/mobilities", json=NOMINATION, headers=office)
    assert mobility.status_code == 201, mobility.text
    mobility_id = mobility.json()["id"]

    await ensure_term(catalogue)
    editor = catalogue.headers("catalogue_editor")
    codes = ["ECO-MAC-110", "ECO-ECM-230", "DRT-EU-101", "LET-FLE-100", "HIS-NOR-150"]
    ids = []
    for code in codes:
        body = {"code": code, "title": {"en": f"Course {code}"}, "ects": 6, "term_codes": ["2026-S1"]}
        created = await catalogue.client.post("/courses", json=body, headers=editor)
        ids.append(created.json()["id"])
        assert (await catalogue.client.post(f"/courses/{ids[-1]}/publish", headers=editor)).status_code == 200

    ingrid = catalogue.headers("student", sub="student-ingrid", email="ingrid.hansen@student.uio.no")
    basket = await catalogue.client.post(
        "/baskets", json={"term_codes": ["2026-S1"], "mobility_id": mobility_id}, headers=ingrid
    )
    for course_id in ids:
        await catalogue.client.put(f"/baskets/{basket.json()['id']}/courses/{course_id}", headers=ingrid)
    submitted = await catalogue.client.post(f"/baskets/{basket.json()['id']}/submit", headers=ingrid)
    assert submitted.status_code == 200, submitted.text

    async def drafted() -> Any:
        response = await agreements.client.get(f"/mobilities/{mobility_id}/learning-agreement", headers=office)
        return response.json() if response.status_code == 200 and response.json().get("versions") else None

    la = await eventually(drafted, timeout=30)
    [draft] = la["versions"]
    assert draft["status"] == "draft"
    assert sorted(c["code"] for c in draft["components"]) == sorted(codes)
    assert {c["term"] for c in draft["components"]} == {"2026/2027-1/2"}
