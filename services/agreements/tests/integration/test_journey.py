"""End to end: nomination -> application file with documents -> learning agreement approved by all.

The catalogue service publishes the courses and the student's submitted basket; their events reach the
agreements service over the bus (in-process, or RabbitMQ on the infra stack): the basket becomes the draft
of table A, checked against the courses.
"""

from __future__ import annotations

from typing import Any

import httpx

from smile_agreements.definition import DEFINITION
from smile_catalogue.definition import DEFINITION as CATALOGUE

from .helpers import JPEG, PDF, STUDENT_EMAIL, create, events_of, office, referent, student, upload, wait_for
from .la_helpers import la_url, recognized, studied

FACTSHEET = {
    "calendar": {"nominations_autumn": "--05-15", "nominations_spring": "--10-15"},
    "language_requirements": [{"language": "fr", "cefr_level": "B1"}],
    "required_documents": [{"code": "transcript", "name": {"en": "Transcript of records", "fr": "Relevé de notes"}}],
}
COURSES = [
    ("ECO-MAC-110", "Macroeconomics", 6),
    ("ECO-MIC-120", "Microeconomics", 6),
    ("ECO-ECM-230", "Applied econometrics", 5),
    ("LET-FLE-200", "French as a foreign language B2", 5),
]


async def _publish_courses(catalogue: Any) -> dict[str, str]:
    """The catalogue's reference data (unit, year, semester) and four published courses, by its API."""
    editor = catalogue.headers("catalogue_editor")
    unit = {"name": {"fr": "UFR SEGGAT", "en": "Faculty of Economics"}, "city": "Caen"}
    assert (await catalogue.client.put("/units/ECO", json=unit, headers=editor)).status_code == 200
    year = {"start_date": "2026-09-01", "end_date": "2027-08-31", "name": {"fr": "2026-2027"}}
    assert (await catalogue.client.put("/academic-years/2026-2027", json=year, headers=editor)).status_code == 200
    term = {
        "ordinal": 1, "name": {"fr": "Semestre 1", "en": "Semester 1"}, "start_date": "2026-09-01",
        "end_date": "2027-01-20", "academic_year_code": "2026-2027", "terms_in_year": 2,
    }  # fmt: skip
    assert (await catalogue.client.put("/terms/2026-S1", json=term, headers=editor)).status_code == 200
    ids = {}
    for code, title, ects in COURSES:
        body = {
            "code": code, "title": {"en": title}, "ects": ects, "isced_code": "0311", "eqf_level": 6,
            "organisational_unit_code": "ECO", "term_codes": ["2026-S1"],
            "languages": [{"language": "fr", "cefr_level": "B1"}],
        }  # fmt: skip
        created = await catalogue.client.post("/courses", json=body, headers=editor)
        assert created.status_code == 201, created.text
        published = await catalogue.client.post(f"/courses/{created.json()['id']}/publish", headers=editor)
        assert published.status_code == 200, published.text
        ids[code] = created.json()["id"]
    return ids


async def _submit_basket(catalogue: Any, mobility_id: str, course_ids: dict[str, str]) -> None:
    """The student chooses the courses in the catalogue and submits the basket."""
    me = catalogue.headers("student", sub="student-ingrid", email=STUDENT_EMAIL)
    body = {"term_codes": ["2026-S1"], "declared_languages": [{"language": "fr", "cefr_level": "B2"}]}
    basket = await catalogue.client.post("/baskets", json={**body, "mobility_id": mobility_id}, headers=me)
    assert basket.status_code == 201, basket.text
    for course_id in course_ids.values():
        added = await catalogue.client.put(f"/baskets/{basket.json()['id']}/courses/{course_id}", headers=me)
        assert added.status_code == 200, added.text
    submitted = await catalogue.client.post(f"/baskets/{basket.json()['id']}/submit", headers=me)
    assert submitted.status_code == 200, submitted.text


async def _step(h: Any, fid: str, step: str, headers: dict[str, str]) -> dict[str, Any]:
    response = await h.client.post(f"/files/{fid}/steps/{step}/validate", json={}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _review(h: Any, fid: str, document: dict[str, Any], headers: dict[str, str]) -> None:
    response = await h.client.post(f"/files/{fid}/documents/{document['id']}/accept", json={}, headers=headers)
    assert response.status_code == 200, response.text


async def test_from_nomination_to_a_learning_agreement_signed_by_all(make_harness) -> None:
    catalogue = await make_harness(CATALOGUE)
    h = await make_harness(DEFINITION, service_urls={"catalogue": "http://catalogue.test"})
    h.runtime.extras["transport:catalogue"] = httpx.ASGITransport(app=catalogue.app)
    await h.start_worker()
    await catalogue.start_worker()
    course_ids = await _publish_courses(catalogue)
    factsheet = await catalogue.client.put("/factsheet", json=FACTSHEET, headers=catalogue.headers("coordinator"))
    assert factsheet.status_code == 200, factsheet.text

    # 1. the partner (outside EWP) nominates; the coordinator reads the checks and accepts
    mobility = await create(h)
    mid = mobility["id"]
    checks = await h.client.get(f"/mobilities/{mid}/checks", headers=office(h))
    by_code = {c["code"]: c for c in checks.json()["checks"]}
    assert by_code["duplicate"]["status"] == "ok"
    # read from the catalogue's factsheet: nominated after 15 May for the autumn term, French B2 >= B1
    assert by_code["deadline"]["status"] == "warning"
    assert by_code["deadline"]["message"].startswith("Nomination deadline 2026-05-15")
    assert by_code["cefr"]["status"] == "ok"
    assert "Transcript of records" in by_code["documents"]["message"]
    accepted = await h.client.post(
        f"/mobilities/{mid}/accept", json={"proposal_id": mobility["proposal_id"]}, headers=office(h)
    )
    assert accepted.json()["status"] == "accepted"

    # 2. the application file, step by step, with its documents
    file = (await h.client.get(f"/mobilities/{mid}/file", headers=student(h))).json()
    fid = file["id"]
    await _step(h, fid, "registration", student(h))
    transcript = (await upload(h, fid, "transcript", PDF, "application/pdf", "transcript.pdf")).json()
    identity = (await upload(h, fid, "identity", PDF, "application/pdf", "passport.pdf")).json()
    photo = (await upload(h, fid, "photo", JPEG, "image/jpeg", "photo.jpg")).json()
    await _step(h, fid, "course_choice", student(h))
    await _review(h, fid, transcript, referent(h, "ECO"))
    await _step(h, fid, "referent_approval", referent(h, "ECO"))
    await _review(h, fid, identity, office(h))
    await _step(h, fid, "coordinator_approval", office(h))
    await _step(h, fid, "student_approval", student(h))
    await _review(h, fid, photo, office(h))
    done = await _step(h, fid, "contract", office(h))
    assert done["completed"] is True
    assert done["current_step"] is None
    moves = await events_of(h, "agreements.file.step_changed.v1")
    assert [e.data["from_step"] for e in moves] == [
        "registration", "course_choice", "referent_approval", "coordinator_approval", "student_approval", "contract",
    ]  # fmt: skip

    # 3. the learning agreement: the basket submitted in the catalogue becomes table A; the student adds B
    await _submit_basket(catalogue, mid, course_ids)

    async def drafted() -> Any:
        response = await h.client.get(la_url(mid), headers=student(h))
        return response.json() if response.status_code == 200 else None

    la = await wait_for(drafted)
    [draft] = la["versions"]
    assert draft["status"] == "draft"
    assert sorted(c["course_id"] for c in draft["components"]) == sorted(course_ids.values())
    components = [studied(code, ects) for code, _, ects in COURSES] + [recognized("Makroøkonomi", 22)]
    edited = await h.client.put(f"{la_url(mid)}/versions/1", json={"components": components}, headers=student(h))
    assert edited.status_code == 200, edited.text
    proposal = (await h.client.post(f"{la_url(mid)}/versions/1/propose", headers=student(h))).json()["proposal_id"]
    for party, who in (("student", student(h)), ("sending", office(h)), ("receiving", referent(h, "ECO"))):
        signed = await h.client.post(
            f"{la_url(mid)}/versions/1/sign", json={"proposal_id": proposal, "party": party}, headers=who
        )
        assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "approved"
    [approved] = await events_of(h, "agreements.learning_agreement.approved.v1")
    assert [c["code"] for c in approved.data["components"] if c["table"] == "studied"] == [c[0] for c in COURSES]
    pdf = await h.client.get(f"{la_url(mid)}/pdf", params={"lang": "fr"}, headers=office(h))
    assert pdf.content.startswith(b"%PDF-")

    # 4. the student arrives; everyone was told along the way
    live = await h.client.post(f"/mobilities/{mid}/arrival", json={"date": "2026-09-01"}, headers=office(h))
    assert live.json()["status"] == "live"

    async def told() -> list[str]:
        mails = (await h.client.get("/notifications/mine", headers=student(h))).json()
        templates = [m["template"] for m in mails]
        return templates if {"nomination_accepted", "file_completed", "la_approved"} <= set(templates) else []

    assert await wait_for(told)
