"""One incoming student's mobility through four real services, over the bus, as a university runs it.

The partner nominates a student (agreements); she picks her courses in the catalogue; her learning
agreement is signed by all (agreements); the records service registers her, enrols her in the SIS (the
outside world: the SIS test double) and, at the end of the term, issues her transcript from the grades;
the indicators count her at every step and the crisis roster finds her while she is here. Nothing is
delivered by hand: every hand-over between services is an event through the outbox, the bus and the
consumer's inbox (the in-process bus, or RabbitMQ on the infra stack).
"""

from __future__ import annotations

from typing import Any

from smile_agreements.definition import DEFINITION as AGREEMENTS
from smile_catalogue.definition import DEFINITION as CATALOGUE
from smile_common.testing.harness import ServiceHarness
from smile_indicators.definition import DEFINITION as INDICATORS
from smile_records.definition import DEFINITION as RECORDS
from smile_records.sis import sis_registry
from smile_sis import InMemorySIS

from .conftest import ensure_term, eventually

HEI = "unicaen.fr"
EMAIL = "sofia.rossi@studenti.unibo.it"
NOMINATION = {
    "student": {
        "given_names": "Sofia",
        "family_name": "Rossi",
        "email": EMAIL,
        "birth_date": "2004-02-17",
        "citizenship": "IT",
        "gender": 2,
        "esi": "urn:schac:personalUniqueCode:int:esi:unibo.it:0001234567",
    },
    "sending_hei_id": "unibo.it",
    "receiving_ounit_code": "DROIT",
    "academic_year": "2026/2027",
    "academic_term": "2026/2027-1/2",
    "planned_arrival_date": "2026-09-01",
    "planned_departure_date": "2027-01-31",
    "eqf_level": 6,
    "isced_code": "0421",
    "language_skills": [{"language": "fr", "cefr_level": "B2"}],
}
#: code, ECTS, the grade she gets (French 0-20 scale)
COURSES = [("DRT-EU-101", 9, "14"), ("DRT-INT-201", 9, "8"), ("LET-FLE-100", 6, "12.5")]
FAST = {"outbox_poll_seconds": 0.05}


async def _services(make_harness: Any) -> tuple[ServiceHarness, ...]:
    catalogue = await make_harness(CATALOGUE, **FAST)
    agreements = await make_harness(AGREEMENTS, **FAST)
    records = await make_harness(RECORDS, enrolment_poll_seconds=0.05, enrolment_retry_seconds=0.05, **FAST)
    indicators = await make_harness(INDICATORS, **FAST)
    for service in (indicators, records, agreements, catalogue):  # consumers first: no event is missed
        await service.start_worker()
    return catalogue, agreements, records, indicators


async def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_nomination_to_transcript_through_catalogue_agreements_records_and_indicators(make_harness) -> None:
    catalogue, agreements, records, indicators = await _services(make_harness)
    office = agreements.headers("coordinator", sub="office-1", email="international@unicaen.fr")
    sofia_agreements = agreements.headers("student", sub="student-sofia", email=EMAIL)
    sofia_catalogue = catalogue.headers("student", sub="student-sofia", email=EMAIL)
    registrar = records.headers("registrar", sub="registrar-1")
    analyst = indicators.headers("analyst")

    # 1. the catalogue publishes the courses open to exchange students
    await ensure_term(catalogue)
    editor = catalogue.headers("catalogue_editor")
    course_ids = {}
    for code, ects, _ in COURSES:
        body = {"code": code, "title": {"fr": f"Cours {code}", "en": f"Course {code}"}, "ects": ects}
        body |= {"term_codes": ["2026-S1"], "isced_code": "0421", "eqf_level": 6}
        course_ids[code] = (await _json(await catalogue.client.post("/courses", json=body, headers=editor), 201))["id"]
        await _json(await catalogue.client.post(f"/courses/{course_ids[code]}/publish", headers=editor))

    # 2. the partner (known to the international office) nominates her; the office accepts
    bologna = {"hei_id": "unibo.it", "names": {"it": "Università di Bologna", "en": "University of Bologna"}}
    await _json(await agreements.client.post("/partners", json={**bologna, "country": "IT"}, headers=office), 201)
    mobility = await _json(await agreements.client.post("/mobilities", json=NOMINATION, headers=office), 201)
    mid = mobility["id"]
    accepted = await agreements.client.post(
        f"/mobilities/{mid}/accept", json={"proposal_id": mobility["proposal_id"]}, headers=office
    )
    assert (await _json(accepted))["status"] == "accepted"

    # 3. she fills her basket in the catalogue: it becomes table A of her learning agreement
    basket = await _json(
        await catalogue.client.post(
            "/baskets", json={"term_codes": ["2026-S1"], "mobility_id": mid}, headers=sofia_catalogue
        ),
        201,
    )
    for course_id in course_ids.values():
        await _json(await catalogue.client.put(f"/baskets/{basket['id']}/courses/{course_id}", headers=sofia_catalogue))
    await _json(await catalogue.client.post(f"/baskets/{basket['id']}/submit", headers=sofia_catalogue))
    la_url = f"/mobilities/{mid}/learning-agreement"

    async def drafted() -> Any:
        response = await agreements.client.get(la_url, headers=sofia_agreements)
        return response.json() if response.status_code == 200 and response.json().get("versions") else None

    [draft] = (await eventually(drafted, timeout=60))["versions"]
    assert sorted(c["code"] for c in draft["components"]) == sorted(code for code, _, _ in COURSES)

    # 4. table B, the proposal and the three signatures
    components = [{"table": "studied", "code": code, "credits": ects} for code, ects, _ in COURSES]
    components.append({"table": "recognized", "title": "Diritto dell'Unione europea", "credits": 24})
    await _json(
        await agreements.client.put(f"{la_url}/versions/1", json={"components": components}, headers=sofia_agreements)
    )
    proposal = (await _json(await agreements.client.post(f"{la_url}/versions/1/propose", headers=sofia_agreements)))[
        "proposal_id"
    ]
    for party in ("student", "sending", "receiving"):
        who = sofia_agreements if party == "student" else office
        signed = await _json(
            await agreements.client.post(
                f"{la_url}/versions/1/sign", json={"proposal_id": proposal, "party": party}, headers=who
            )
        )
    assert signed["status"] == "approved"

    # 5. the records service registers her and enrols her in the SIS, in the courses of table A
    async def enrolled() -> Any:
        response = await records.client.get(f"/mobilities/{mid}/enrolment", headers=registrar)
        return response.json() if response.status_code == 200 and response.json()["state"] == "done" else None

    enrolment = await eventually(enrolled, timeout=60)
    assert sorted(enrolment["enrolled_courses"]) == sorted(code for code, _, _ in COURSES)
    student = await _json(await records.client.get(f"/students/{enrolment['student_id']}", headers=registrar))
    assert student["esi"] == NOMINATION["student"]["esi"]  # type: ignore[index]
    sis = sis_registry(records.runtime).for_tenant(HEI)
    assert isinstance(sis, InMemorySIS)
    learner = sis.learners[student["sis_learner_code"]]
    assert (learner.given_names, learner.family_name) == ("Sofia", "Rossi")
    assert sorted(sis.course_enrolments[(learner.code, enrolment["period_code"])]) == sorted(
        code for code, _, _ in COURSES
    )

    # 6. she arrives: the crisis roster finds her while she is here
    arrived = await agreements.client.post(f"/mobilities/{mid}/arrival", json={"date": "2026-09-01"}, headers=office)
    assert (await _json(arrived))["status"] == "live"
    roster_auth = indicators.headers("coordinator")

    async def on_roster() -> Any:
        body = (await indicators.client.get("/roster", params={"at": "2026-10-15"}, headers=roster_auth)).json()
        return body if body.get("total") == 1 and body["students"][0]["presence"] == "confirmed" else None

    [here] = (await eventually(on_roster, timeout=60))["students"]
    assert (here["email"], here["origin_country"], here["faculty"]) == (EMAIL, "IT", "DROIT")
    assert here["sending_institution_name"] == "University of Bologna"

    # 7. grades in, transcript out: 9 + 6 ECTS obtained of 24, the 8/20 fails
    for code, _, grade in COURSES:
        await _json(
            await records.client.put(
                f"/mobilities/{mid}/results/{code}",
                json={"grade": grade, "grading_scale": "fr-0-20", "result_date": "2027-01-22"},
                headers=registrar,
            )
        )
    transcript = await _json(await records.client.post(f"/mobilities/{mid}/transcript", headers=registrar), 201)
    assert (transcript["ects_attempted"], transcript["ects_obtained"]) == ("24.00", "15.00")

    # 8. the indicators saw all of it, from the events alone
    async def counted() -> Any:
        students = (await indicators.client.get("/figures/incoming-students", headers=analyst)).json()["total"]
        ects = (await indicators.client.get("/figures/ects", headers=analyst)).json()["total"]
        done = ects.get("mobilities_with_transcript") == 1 and students.get("arrived") == 1
        return (students, ects) if done else None

    students, ects = await eventually(counted, timeout=60)
    assert (students["students"], students["arrived"]) == (1, 1)
    assert (ects["ects_planned"], ects["ects_attempted"], ects["ects_obtained"]) == (24.0, 24.0, 15.0)
