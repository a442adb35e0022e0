"""Diploma supplement for a student who completed a degree, with the ECTS grading table."""

from __future__ import annotations

import asyncio
import uuid

from .conftest import course_published, enrolled_mobility, publish, records_service, results_for_all, staff

DEGREE = {
    "qualification": {
        "name": {"fr": "Diplôme d'université Droit européen", "en": "University diploma in European law"},
        "field_of_study": {"fr": "Droit", "en": "Law"},
        "isced_code": "0421",
        "languages": ["fr"],
    },
    "level": {
        "eqf_level": 6,
        "name": {"fr": "Licence", "en": "Bachelor"},
        "official_length": {"fr": "1 an, 60 ECTS", "en": "1 year, 60 ECTS"},
    },
    "awarded_on": "2027-07-01",
}


async def test_a_diploma_supplement_lists_results_and_the_grading_table(make_harness) -> None:
    h = await records_service(make_harness)
    await publish(h, course_published("DRT-EU-101", isced="0421", eqf=6))
    await asyncio.sleep(0.2)
    await h.client.post("/grade-tables/compute", json={"academic_years": ["2024/2025", "2025/2026"]}, headers=staff(h))
    mobility = await enrolled_mobility(h, ["DRT-EU-101", "LET-FLE-100"])
    await results_for_all(h, mobility, {"DRT-EU-101": "15.5", "LET-FLE-100": "9"})
    student_id = (await h.client.get(f"/mobilities/{mobility}/enrolment", headers=staff(h))).json()["student_id"]
    issued = await h.client.post(f"/students/{student_id}/diploma-supplements", json=DEGREE, headers=staff(h))
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert (body["courses"], body["ects_obtained"]) == (2, "5.00")
    listed = (await h.client.get(f"/students/{student_id}/diploma-supplements", headers=staff(h, "coordinator"))).json()
    assert [s["id"] for s in listed] == [body["id"]]
    for lang in ("fr", "en"):
        pdf = await h.client.get(f"/diploma-supplements/{body['id']}/pdf", params={"lang": lang}, headers=staff(h))
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF-")
    assert (
        await h.client.get(f"/diploma-supplements/{body['id']}/pdf", headers=staff(h, hei="univ-rennes.fr"))
    ).status_code == 404


async def test_no_supplement_without_results_nor_for_an_unknown_student(make_harness) -> None:
    h = await records_service(make_harness)
    mobility = await enrolled_mobility(h, ["DRT-EU-101"])
    student_id = (await h.client.get(f"/mobilities/{mobility}/enrolment", headers=staff(h))).json()["student_id"]
    empty = await h.client.post(f"/students/{student_id}/diploma-supplements", json=DEGREE, headers=staff(h))
    assert empty.status_code == 409
    assert empty.json()["type"] == "urn:smile:problem:results-missing"
    unknown = await h.client.post(f"/students/{uuid.uuid4()}/diploma-supplements", json=DEGREE, headers=staff(h))
    assert unknown.status_code == 404
    bad = await h.client.post(
        f"/students/{student_id}/diploma-supplements",
        json={**DEGREE, "level": {**DEGREE["level"], "eqf_level": 3}},
        headers=staff(h),
    )
    assert bad.status_code == 422
    assert (
        await h.client.post(f"/students/{student_id}/diploma-supplements", json=DEGREE, headers=staff(h, "coordinator"))
    ).status_code == 403
