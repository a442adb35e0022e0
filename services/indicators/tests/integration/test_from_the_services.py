"""End to end: the figures move with what people do in the other services, through their own events.

The catalogue, agreements, records and indicators services run side by side (in-process bus, or RabbitMQ
and PostgreSQL on the infra stack). People act only through the services' APIs — the catalogue editor
describes the law faculty and publishes its courses, the office records a partner and an IIA, three
nominations arrive and are decided, a learning agreement is signed by the three parties, the student
arrives and leaves, the SIS fails once and then enrols her, the registrar issues her transcript and she
answers the survey — and every indicator is checked against the figures this story gives by hand.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from smile_agreements.definition import DEFINITION as AGREEMENTS
from smile_catalogue.definition import DEFINITION as CATALOGUE
from smile_common.events import Envelope
from smile_common.service import ServiceDefinition
from smile_common.testing.harness import ServiceHarness
from smile_indicators.facts.registry import PROJECTOR
from smile_indicators.projection.rebuild import rebuild
from smile_records.definition import DEFINITION as RECORDS
from smile_records.sis import sis_registry
from smile_records.surveys.loop import send_due_surveys
from smile_sis import InMemorySIS, SisUnavailable

from .conftest import HEI, eventually, figure, headers, snapshot, started

KOELN, BOLOGNA = "uni-koeln.de", "unibo.it"
ANNA = {
    "given_names": "Anna",
    "family_name": "Schmidt",
    "email": "anna.schmidt@smail.uni-koeln.de",
    "birth_date": "2004-03-02",
    "citizenship": "DE",
    "gender": 2,
}
#: table A of Anna's learning agreement: catalogue code, ECTS, grade she gets
TABLE_A = {"DRT-EU-101": (6, "14"), "DRT-INT-201": (5, "8")}
FAST_RECORDS = {"enrolment_poll_seconds": 0.05, "enrolment_retry_seconds": 0.05}


async def _services(make_harness: Any) -> dict[str, ServiceHarness]:
    indicators = await started(make_harness)
    services = {"indicators": indicators}
    for definition, overrides in ((CATALOGUE, {}), (AGREEMENTS, {}), (RECORDS, FAST_RECORDS)):
        services[definition.name] = await make_harness(definition, outbox_poll_seconds=0.05, **overrides)
        await services[definition.name].start_worker()
    return services


async def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


# --- the catalogue ----------------------------------------------------------------------------------
async def _law_faculty_and_courses(catalogue: ServiceHarness) -> None:
    """The law faculty on the Caen campus, its department of law, and the courses of table A."""
    editor = catalogue.headers("catalogue_editor")
    faculty = {"name": {"fr": "UFR de droit"}, "kind": "faculty", "city": "Caen"}
    await _ok(await catalogue.client.put("/units/UFR-DROIT", json=faculty, headers=editor))
    department = {"name": {"fr": "Département de droit"}, "kind": "department", "parent_code": "UFR-DROIT"}
    await _ok(await catalogue.client.put("/units/DROIT", json=department, headers=editor))
    year = {"start_date": "2025-09-01", "end_date": "2026-08-31"}
    await _ok(await catalogue.client.put("/academic-years/2025-2026", json=year, headers=editor))
    term = {
        "academic_year_code": "2025-2026", "ordinal": 1, "name": {"en": "Semester 1"},
        "start_date": "2025-09-01", "end_date": "2026-01-20", "terms_in_year": 2,
    }  # fmt: skip
    await _ok(await catalogue.client.put("/terms/2025-S1", json=term, headers=editor))
    for code, (ects, _) in TABLE_A.items():
        body = {
            "code": code, "title": {"en": f"Course {code}"}, "ects": ects, "isced_code": "0421", "eqf_level": 6,
            "organisational_unit_code": "DROIT", "term_codes": ["2025-S1"],
        }  # fmt: skip
        created = await _ok(await catalogue.client.post("/courses", json=body, headers=editor), 201)
        await _ok(await catalogue.client.post(f"/courses/{created['id']}/publish", headers=editor))


# --- agreements ---------------------------------------------------------------------------------------
def _office(agreements: ServiceHarness) -> dict[str, str]:
    return agreements.headers("coordinator", sub="office-1", email="international@unicaen.fr")


def _condition(direction: str, places: int) -> dict[str, Any]:
    sending, receiving = (KOELN, HEI) if direction == "incoming" else (HEI, KOELN)
    return {
        "type": "student_studies", "sending_hei_id": sending, "receiving_hei_id": receiving,
        "receiving_first_academic_year_id": "2025/2026", "receiving_last_academic_year_id": "2026/2027",
        "mobilities_per_year": places, "total_months_per_year": 5, "eqf_levels": [6, 7],
        "recommended_language_skills": [{"language": "fr", "cefr_level": "B2"}],
        "subject_areas": [{"isced_f_code": "0421"}],
    }  # fmt: skip


async def _partners_and_iia(agreements: ServiceHarness) -> tuple[str, str]:
    """Cologne (DE) and Bologna (IT); with Cologne an IIA of 2 incoming and 1 outgoing places a year."""
    office = _office(agreements)
    for hei, name, country in ((KOELN, "Universität zu Köln", "DE"), (BOLOGNA, "Università di Bologna", "IT")):
        body = {"hei_id": hei, "names": {"en": name}, "country": country}
        await _ok(await agreements.client.post("/partners", json=body, headers=office), 201)
    iia = {
        "partners": [{"hei_id": HEI, "iia_code": "IIA-KOELN"}, {"hei_id": KOELN}],
        "cooperation_conditions": [_condition("incoming", 2), _condition("outgoing", 1)],
        "share": True,
    }
    created = await _ok(await agreements.client.post("/iias", json=iia, headers=office), 201)
    [incoming] = [c for c in created["cooperation_conditions"] if c["receiving_hei_id"] == HEI]
    return created["id"], incoming["id"]


def _nomination(sending: str, student: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "student": student, "sending_hei_id": sending, "receiving_ounit_code": "DROIT",
        "academic_year": "2025/2026", "academic_term": "2025/2026-1/2",
        "planned_arrival_date": "2025-09-01", "planned_departure_date": "2026-01-31",
        "eqf_level": 6, "isced_code": "0421", **extra,
    }  # fmt: skip


async def _nominations(agreements: ServiceHarness, iia_id: str, condition_id: str) -> str:
    """Anna (Cologne, under the IIA) accepted; Marco (Bologna) rejected; Jonas (Cologne) still waiting."""
    office = _office(agreements)
    anna = _nomination(KOELN, ANNA, iia_id=iia_id, cooperation_condition_id=condition_id)
    marco = _nomination(BOLOGNA, {**ANNA, "given_names": "Marco", "email": "marco@unibo.it", "citizenship": "IT"})
    jonas = _nomination(KOELN, {**ANNA, "given_names": "Jonas", "email": "jonas@smail.uni-koeln.de"})
    ids = []
    for body in (anna, marco, jonas):
        ids.append((await _ok(await agreements.client.post("/mobilities", json=body, headers=office), 201))["id"])
    await _ok(await agreements.client.post(f"/mobilities/{ids[0]}/accept", json={}, headers=office))
    refusal = {"reason": "No places left in law"}
    await _ok(await agreements.client.post(f"/mobilities/{ids[1]}/reject", json=refusal, headers=office))
    return ids[0]


async def _learning_agreement_signed_by_all(agreements: ServiceHarness, mobility_id: str) -> None:
    url = f"/mobilities/{mobility_id}/learning-agreement"
    student = agreements.headers("student", sub="student-anna", email=ANNA["email"])
    components = [{"table": "studied", "code": code, "credits": ects} for code, (ects, _) in TABLE_A.items()]
    components.append({"table": "recognized", "title": "Europarecht", "credits": 11})

    async def catalogue_courses_known() -> bool:  # the catalogue's events reach agreements over the bus
        response = await agreements.client.post(url, json={"components": components}, headers=student)
        assert response.status_code in (201, 422), response.text
        return response.status_code == 201

    await eventually(catalogue_courses_known, timeout=30)
    proposal = (await _ok(await agreements.client.post(f"{url}/versions/1/propose", headers=student)))["proposal_id"]
    referent = agreements.headers("referent", sub="referent-droit", ounits=["DROIT"], email="droit@unicaen.fr")
    for party, who in (("student", student), ("sending", _office(agreements)), ("receiving", referent)):
        body = {"proposal_id": proposal, "party": party}
        signed = await _ok(await agreements.client.post(f"{url}/versions/1/sign", json=body, headers=who))
    assert signed["status"] == "approved"


async def _stay(agreements: ServiceHarness, mobility_id: str) -> None:
    office = _office(agreements)
    for step, day in (("arrival", "2025-09-02"), ("departure", "2026-01-30")):
        await _ok(await agreements.client.post(f"/mobilities/{mobility_id}/{step}", json={"date": day}, headers=office))


# --- records ---------------------------------------------------------------------------------------
def _registrar(records: ServiceHarness) -> dict[str, str]:
    return records.headers("registrar", sub="registrar-1")


async def _enrolment(records: ServiceHarness, mobility_id: str, state: str) -> Any:
    response = await records.client.get(f"/mobilities/{mobility_id}/enrolment", headers=_registrar(records))
    return response.status_code == 200 and response.json()["state"] == state


async def _transcript(records: ServiceHarness, mobility_id: str) -> datetime:
    for code, (_, grade) in TABLE_A.items():
        body = {"grade": grade, "grading_scale": "fr-0-20", "result_date": "2026-01-22"}
        url = f"/mobilities/{mobility_id}/results/{code}"
        await _ok(await records.client.put(url, json=body, headers=_registrar(records)))
    await _ok(await records.client.post(f"/mobilities/{mobility_id}/transcript", headers=_registrar(records)), 201)
    [issued] = await _outbox(records, RECORDS, "records.transcript.issued.v1")
    return datetime.fromisoformat(issued["issued_at"])


async def _survey(records: ServiceHarness) -> None:
    """A named questionnaire; Anna, whose mobility has ended, is invited and rates her stay 4 out of 5."""
    coordinator = records.headers("coordinator", sub="coordinator-1")
    questions = [{"id": "overall", "text": {"en": "Overall"}, "kind": "scale", "scale_max": 5, "overall": True}]
    body = {"title": {"en": "Your stay"}, "anonymous": False, "questions": questions}
    created = await _ok(await records.client.post("/questionnaires", json=body, headers=coordinator), 201)
    await _ok(await records.client.post(f"/questionnaires/{created['id']}/activate", headers=coordinator))
    anna = records.headers("student", sub=ANNA["email"], email=ANNA["email"])

    async def invited() -> Any:
        await send_due_surveys(records.runtime)
        return (await records.client.get("/me/surveys", headers=anna)).json()

    [survey] = await eventually(invited)
    answer = {"answers": {"overall": 4}}
    await _ok(await records.client.post(f"/me/surveys/{survey['id']}/response", json=answer, headers=anna), 201)


async def _outbox(harness: ServiceHarness, definition: ServiceDefinition, event_type: str) -> list[dict[str, Any]]:
    outbox = definition.tables.outbox
    async with harness.runtime.database.sessionmaker() as session:
        rows = await session.execute(sa.select(outbox.c.envelope).where(outbox.c.event_type == event_type))
        return [Envelope.model_validate(r).data for r in rows.scalars()]


# --- the story -----------------------------------------------------------------------------------------
async def _story(make_harness: Any) -> tuple[dict[str, ServiceHarness], str, datetime]:
    s = await _services(make_harness)
    await _law_faculty_and_courses(s["catalogue"])
    iia_id, condition_id = await _partners_and_iia(s["agreements"])
    sis = sis_registry(s["records"].runtime).for_tenant(HEI)
    assert isinstance(sis, InMemorySIS)
    sis.fail_next(SisUnavailable("Pégase is down for maintenance"), operation="enrol_administratively")
    anna = await _nominations(s["agreements"], iia_id, condition_id)
    await _learning_agreement_signed_by_all(s["agreements"], anna)
    await eventually(lambda: _enrolment(s["records"], anna, "done"), timeout=30)
    await _stay(s["agreements"], anna)
    issued_at = await _transcript(s["records"], anna)
    await _survey(s["records"])
    # the last event of the story has reached the indicators
    await eventually(lambda: _responses(s["indicators"]), timeout=30)
    await eventually(lambda: _completed(s["indicators"]), timeout=30)
    return s, anna, issued_at


async def _responses(indicators: ServiceHarness) -> bool:
    return bool((await figure(indicators, "survey-satisfaction"))["total"]["responses"])


async def _completed(indicators: ServiceHarness) -> bool:
    return bool((await figure(indicators, "incoming-students"))["total"]["completed"])


async def test_every_indicator_follows_what_people_do_in_the_other_services(make_harness) -> None:
    s, anna, issued_at = await _story(make_harness)
    h = s["indicators"]

    students = await figure(h, "incoming-students", by="faculty")
    assert students["total"] == {"students": 1, "arrived": 1, "completed": 1, "through_ewp": 0}
    assert [(r["faculty"], r["students"]) for r in students["rows"]] == [("UFR-DROIT", 1)]  # DROIT's faculty
    assert (await figure(h, "incoming-students", country="DE", isced="04", eqf="6"))["total"]["students"] == 1
    assert (await figure(h, "incoming-students", country="IT"))["total"]["students"] == 0

    nominations = await figure(h, "nominations", by="country")
    assert {k: nominations["total"][k] for k in ("received", "accepted", "rejected", "pending")} == {
        "received": 3,
        "accepted": 1,
        "rejected": 1,
        "pending": 1,
    }
    assert nominations["total"]["acceptance_rate"] == 0.5
    assert [(r["country"], r["received"], r["rejected"]) for r in nominations["rows"]] == [("DE", 2, 0), ("IT", 1, 1)]

    quota = await figure(h, "iia-quota", by="iia")
    # 2 incoming places in each of 2025/2026 and 2026/2027; Anna uses one in 2025/2026
    assert [(r["iia"], r["places"], r["used"], r["remaining"]) for r in quota["rows"]] == [("IIA-KOELN", 4, 1, 3)]
    balance = await figure(h, "exchange-balance", by="partner")
    assert [(r["partner"], r["places_in"], r["places_out"], r["students_in"]) for r in balance["rows"]] == [
        (KOELN, 4, 2, 1)
    ]

    turnaround = await figure(h, "learning-agreement-turnaround", by="channel")
    # proposed and signed by the three parties within seconds: 0.00 days; drafted in SMILE, not through EWP
    assert turnaround["total"] == {
        "versions": 1,
        "approved": 1,
        "rejected": 0,
        "pending": 0,
        "median_days": 0.0,
        "p90_days": 0.0,
        "approved_through_ewp": 0,
        "ewp_share": 0.0,
    }
    assert [r["channel"] for r in turnaround["rows"]] == ["local"]

    days = float((issued_at.date() - date(2026, 1, 30)).days)  # from her recorded departure
    delay = (await figure(h, "transcript-delay"))["total"]
    assert (delay["mobilities_ended"], delay["transcripts_issued"], delay["median_days"]) == (1, 1, days)
    assert (delay["within_target"], delay["awaiting"]) == (int(days <= 35), 0)

    ects = (await figure(h, "ects", faculty="UFR-DROIT"))["total"]
    # table A 6 + 5; DRT-EU-101 passed with 14/20, DRT-INT-201 failed with 8/20
    assert (ects["ects_planned"], ects["ects_attempted"], ects["ects_obtained"]) == (11.0, 11.0, 6.0)
    assert (ects["credit_success_rate"], ects["component_pass_rate"]) == (0.5455, 0.5)

    survey = (await figure(h, "survey-satisfaction", faculty="UFR-DROIT"))["total"]
    assert (survey["responses"], survey["anonymous_responses"], survey["mean_score_5"], survey["satisfied"]) == (
        1,
        0,
        4.0,
        1,
    )

    sis = (await figure(h, "sis-sync-failures"))["total"]
    # the SIS refused once, the retry enrolled her
    assert (sis["open"], sis["resolved"], sis["failed_attempts"]) == (0, 1, 1)

    offer = (await figure(h, "course-offer", faculty="UFR-DROIT"))["total"]
    assert (offer["courses_published"], offer["ects_offered"]) == (2, 11.0)

    values = (await h.client.get("/filters", headers=headers(h, "analyst"))).json()["values"]
    assert (values["partner"], values["country"], values["faculty"]) == ([KOELN, BOLOGNA], ["DE", "IT"], ["UFR-DROIT"])

    # the crisis roster during her stay: where she studies and how to reach her
    roster = await h.client.get("/roster", params={"at": "2025-10-15"}, headers=headers(h, "coordinator"))
    body = await _ok(roster)
    assert (body["total"], body["confirmed"]) == (1, 1)
    [present] = body["students"]
    assert {k: present[k] for k in ("email", "citizenship", "origin_country", "faculty", "city", "arrival_on")} == {
        "email": ANNA["email"],
        "citizenship": "DE",
        "origin_country": "DE",
        "faculty": "UFR-DROIT",
        "city": "Caen",
        "arrival_on": "2025-09-02",
    }
    assert present["mobility_id"] == anna
    export = await h.client.get("/roster/export", params={"at": "2025-10-15"}, headers=headers(h, "coordinator"))
    [row] = list(csv.DictReader(io.StringIO(export.text)))
    assert (row["family_name"], row["email"], row["city"]) == ("Schmidt", ANNA["email"], "Caen")
    after = await h.client.get("/roster", params={"at": "2026-03-01"}, headers=headers(h, "coordinator"))
    assert (await _ok(after))["total"] == 0  # she left on 2026-01-30

    # the anonymised facts a BI tool reads: her mobility, without her name
    facts = await h.client.get("/datasets/mobilities/export", headers=headers(h, "analyst"))
    assert "Schmidt" not in facts.text
    assert str(uuid.UUID(anna)) not in facts.text
    rows = {r["status"]: r for r in csv.DictReader(io.StringIO(facts.text))}
    assert set(rows) == {"completed", "rejected", "nominated"}
    assert (rows["completed"]["faculty"], rows["completed"]["ects_obtained"]) == ("UFR-DROIT", "6.0")

    # replaying the log of these real events gives the same figures and rows
    before = await snapshot(h)
    report = await rebuild(h.runtime.database, PROJECTOR)
    assert report.invalid == []
    assert await snapshot(h) == before
