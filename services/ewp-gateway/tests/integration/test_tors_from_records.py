"""Incoming Mobility ToRs served from the real records service: a student nominated by the partner is
enrolled (SIS test double), graded and her transcript issued by the registrar; the partner gets it (and
only the partner that sent her), valid against the official schemas. Agreements' events that records
consumes are published as agreements sends them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from smile_common.events import EventPayload, RabbitMQBus, new_envelope
from smile_common.events.payloads.catalogue import CoursePublished
from smile_common.events.payloads.mobility import (
    LaComponent,
    LaSignature,
    LearningAgreementApproved,
    MobilityAccepted,
    MobilityStudent,
)
from smile_common.testing.harness import ServiceHarness
from smile_ewp_gateway.testpartner.world import SMILE_HEI, World, assert_valid_xml, eventually
from smile_ewp_gateway.xmlkit import ns
from smile_records.definition import DEFINITION as RECORDS

TORS = f"{{{ns.api_ns('imobility-tors', 3, 'get-response')}}}"
INDEX = f"{{{ns.api_ns('imobility-tors', 3, 'index-response')}}}"
ELMO = "{https://github.com/emrex-eu/elmo-schemas/tree/v2}"
COURSES = ("DRT-EU-101", "DRT-INT-201")
RECORDS_URL = "http://records.test"  # where the world's gateway reaches records (OWNER_URLS of conftest)


def _specs() -> Path:
    for parent in Path(__file__).resolve().parents:
        if (parent / "specs" / "ewp" / "catalog.xml").is_file():
            return parent / "specs" / "ewp"
    raise FileNotFoundError("specs/ewp/catalog.xml")


async def _publish(records: ServiceHarness, payload: EventPayload, source: str) -> None:
    await records.runtime.bus.publish([new_envelope(payload, source=source, tenant=SMILE_HEI)])


def _accepted(mobility: uuid.UUID, omobility_id: str, sending: str) -> MobilityAccepted:
    return MobilityAccepted(
        mobility_id=mobility,
        omobility_id=omobility_id,
        source="ewp",
        status="accepted",
        sending_hei_id=sending,
        receiving_hei_id=SMILE_HEI,
        receiving_ounit_code="DROIT",
        academic_year="2026/2027",
        academic_term="2026/2027-1/2",
        planned_arrival_date=date(2026, 9, 1),
        planned_departure_date=date(2027, 1, 31),
        eqf_level=7,
        isced_code="0421",
        student=MobilityStudent(
            given_names="Anna",
            family_name="Kowalska",
            email=f"anna.kowalska@{sending}",
            birth_date=date(2003, 4, 2),
            citizenship="PL",
            gender=2,
            esi=f"urn:schac:personalUniqueCode:int:esi:{sending}:{omobility_id}",
        ),
        changed_by="office-1",
        changed_at=datetime.now(UTC),
    )


def _approved(mobility: uuid.UUID, omobility_id: str, sending: str) -> LearningAgreementApproved:
    return LearningAgreementApproved(
        learning_agreement_id=uuid.uuid5(uuid.NAMESPACE_URL, str(mobility)),
        mobility_id=mobility,
        omobility_id=omobility_id,
        sending_hei_id=sending,
        receiving_hei_id=SMILE_HEI,
        source="ewp",
        version=1,
        kind="first_version",
        proposal_id="p1",
        changed_by="referent-1",
        changed_at=datetime.now(UTC),
        components=[
            *(LaComponent(table="studied", code=c, title=c, term="2026/2027-1/2", credits=Decimal(5)) for c in COURSES),
            LaComponent(table="recognized", code="HOME-1", title="Home course", credits=Decimal(10)),
        ],
        receiving_signature=LaSignature(signer_name="R. Ferent", timestamp=datetime.now(UTC)),
    )


async def _transcript_issued(records: ServiceHarness, omobility_id: str, sending: str) -> None:
    """Accepted, LA approved, enrolled in the SIS, graded, transcript issued: as records' users do it."""
    registrar = records.headers("registrar", hei=SMILE_HEI, sub="registrar-1")
    mobility = uuid.uuid4()
    await _publish(records, _accepted(mobility, omobility_id, sending), "/smile/agreements")
    await _publish(records, _approved(mobility, omobility_id, sending), "/smile/agreements")

    async def enrolled() -> bool:
        response = await records.client.get(f"/mobilities/{mobility}/enrolment", headers=registrar)
        return response.status_code == 200 and response.json()["state"] == "done"

    await eventually(enrolled, what=f"the SIS enrolment of {omobility_id}")
    for code, grade in zip(COURSES, ("15", "9.5"), strict=True):
        response = await records.client.put(
            f"/mobilities/{mobility}/results/{code}",
            json={"grade": grade, "grading_scale": "fr-0-20", "result_date": "2027-01-22"},
            headers=registrar,
        )
        assert response.status_code == 200, response.text
    issued = await records.client.post(f"/mobilities/{mobility}/transcript", headers=registrar)
    assert issued.status_code == 201, issued.text


async def test_transcripts_from_records_are_served_to_the_sending_university_only(
    world: World, make_harness: Callable[..., Awaitable[ServiceHarness]]
) -> None:
    assert world.owner_transport is not None
    fast = {"enrolment_poll_seconds": 0.05, "enrolment_retry_seconds": 0.05, "outbox_poll_seconds": 0.05}
    records = await make_harness(RECORDS, ewp_xsd_dir=_specs(), **fast)
    await records.start_worker()
    if isinstance(records.runtime.bus, RabbitMQBus):
        await asyncio.sleep(0.2)
    world.owner_transport.add(RECORDS_URL, records.app)
    for code in COURSES:
        course = CoursePublished(
            course_id=uuid.uuid5(uuid.NAMESPACE_DNS, code),
            code=code,
            title={"fr": f"Cours {code}", "en": f"Course {code}"},
            ects=5,
            isced_code="0421",
            eqf_level=7,
            term_codes=["2026-S1"],
            changed_by="editor",
            changed_at=datetime.now(UTC),
        )
        await _publish(records, course, "/smile/catalogue")
    await asyncio.sleep(0.3)  # the courses reach records' read model before the learning agreement

    await _transcript_issued(records, "om-warsaw-1", world.partner.hei_id)
    await _transcript_issued(records, "om-elsewhere-1", "other.example")

    response = await world.signed(
        "POST", "/imobility-tors/get", data={"omobility_id": ["om-warsaw-1", "om-elsewhere-1"]}
    )
    root = assert_valid_xml(response)
    assert [e.text for e in root.iter(f"{TORS}omobility-id")] == ["om-warsaw-1"]
    # the transcript records issued: her two courses and their grades
    results = {
        spec.findtext(f"{ELMO}identifier[@type='local']"): spec.findtext(f".//{ELMO}resultLabel")
        for spec in root.iter(f"{ELMO}learningOpportunitySpecification")
    }
    assert results == {"DRT-EU-101": "15", "DRT-INT-201": "9.5"}
    response = await world.signed("GET", "/imobility-tors/index")
    assert [e.text for e in assert_valid_xml(response).iter(f"{INDEX}omobility-id")] == ["om-warsaw-1"]
    assert any(r.url.path == "/internal/ewp/tors" for r in world.owner_transport.sent)  # the real service
