"""The whole journey with Pégase: the real Pégase adapter talks HTTP to a stateful double of a Pégase
instance whose answers and accepted bodies are validated against Pégase's public OpenAPI files.

accepted mobility → learner, inscription and course choices in Pégase → a changed learning agreement
brings Pégase in step → Pégase's published results → grade tables from a jury export → transcript (ELMO
valid against the official XSDs, PDF) → ``records.transcript.issued.v1``; and Pégase timing out or
answering 500 on the way.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from decimal import Decimal
from typing import Any

from lxml import etree

from smile_records.sis import sis_registry
from smile_records.transcripts.elmo import tor_response
from smile_records.transcripts.xsd import ELMO_XSD, ElmoSchema
from smile_sis import PegaseSIS

from .conftest import (
    HEI,
    accepted,
    approved,
    course_published,
    enrolment_in,
    events,
    eventually,
    ewp_specs,
    publish,
    records_service,
    staff,
)
from .pegase_double import PegaseDouble

PROGRAMME = "ECH-DROIT>ECH-DROIT-S"
PERIODS = [
    {
        "code": "PER-2026",
        "libelleLong": "Année universitaire 2026-2027",
        "anneeUniversitaire": 2026,
        "dateDebut": "2026-09-01",
        "dateFin": "2027-08-31",
    }
]
CONFIG = {
    "tenants": {
        HEI: {
            "kind": "pegase",
            "instance": "test-unicaen",
            "structure_code": "ETAB00",
            "username": "svc-smile",
            "password": "TEST-ONLY-pegase-password",
            "enrolment": {
                "regime_code": "REG-ECH",
                "exchange_programme_codes": {"erasmus+": "ERASMUS"},
                "country_codes": {"DE": "109"},
                "country_codes_required": True,
                "programme_paths": {"DROIT": PROGRAMME},
            },
        }
    }
}
E = "{https://github.com/emrex-eu/elmo-schemas/tree/v2}"


async def with_pegase(make_harness: Any, **over: Any) -> tuple[Any, PegaseDouble]:
    h = await records_service(make_harness, sis_config=json.dumps(CONFIG), ewp_xsd_dir=ewp_specs(), **over)
    double = PegaseDouble(periods=PERIODS, programmes={PROGRAMME: ["DRT-EU-101", "DRT-INT-201", "LET-FLE-100"]})
    registry = sis_registry(h.runtime)
    registry.install(HEI, PegaseSIS(registry.config_for(HEI), transport=double.transport()))  # type: ignore[arg-type]
    for code, isced in (("DRT-EU-101", "0421"), ("DRT-INT-201", "0421"), ("LET-FLE-100", "0231")):
        await publish(h, course_published(code, isced=isced, eqf=6))
    return h, double


async def test_accepted_mobility_to_transcript_through_pegase(make_harness) -> None:
    h, pegase = await with_pegase(make_harness)
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    await publish(h, approved(mobility, ["DRT-EU-101", "DRT-INT-201"]))
    done = await eventually(lambda: enrolment_in(h, mobility, "done"))

    [identity] = pegase.identities
    assert (identity["nomNaissance"], identity["sexe"], identity["nationalite"]["code"]) == ("Müller", "F", "109")
    code = identity["codeApprenant"]
    [inscription] = pegase.inscriptions[code]
    assert inscription["regimeInscription"]["code"] == "REG-ECH"
    assert inscription["situationUniversitaire"]["mobilite"] == "ENTRANTE"
    assert pegase.chosen_courses(code) == ["DRT-EU-101", "DRT-INT-201"]
    assert (done["period_code"], done["programme_path"]) == ("PER-2026", PROGRAMME)
    student = (await h.client.get(f"/students/{done['student_id']}", headers=staff(h))).json()
    assert student["sis_learner_code"] == code

    # the learning agreement changes: Pégase follows, nothing is created twice
    await publish(h, approved(mobility, ["DRT-EU-101", "LET-FLE-100"], version=2))
    await eventually(lambda: _completed(h, 2))
    await eventually(lambda: enrolment_in(h, mobility, "done"))
    assert pegase.chosen_courses(code) == ["DRT-EU-101", "LET-FLE-100"]
    assert len(pegase.identities) == 1
    assert len(pegase.inscriptions[code]) == 1
    changed = (await events(h, "records.enrolment.completed.v1"))[-1]
    assert (changed["added"], changed["removed"], changed["sis"]) == (["LET-FLE-100"], ["DRT-INT-201"], "pegase")

    # the jury publishes; the registrar reads the results from Pégase
    pegase.publish_result(code, "PER-2026", "DRT-EU-101", PROGRAMME, 14.5, 5)
    pegase.publish_result(code, "PER-2026", "LET-FLE-100", PROGRAMME, 8, 5)
    imported = await h.client.post(f"/mobilities/{mobility}/results/sis-import", headers=staff(h))
    assert imported.status_code == 200, imported.text
    recorded = {r["course_code"]: (r["grade"], r["passed"], r["source"]) for r in imported.json()["recorded"]}
    assert recorded == {"DRT-EU-101": ("14.5", True, "sis"), "LET-FLE-100": ("8", False, "sis")}

    # Pégase gives no anonymous history: our law table comes from a jury export
    history = [
        {"course_code": "DRT-EU-101", "academic_year": "2025/2026", "grade": g}
        for g in ("16", "14.5", "14", "13", "12", "12", "11", "10", "9")
    ]
    computed = await h.client.post(
        "/grade-tables/compute",
        json={"academic_years": ["2025/2026"], "source": "history", "history": history, "isced_digits": [4]},
        headers=staff(h),
    )
    assert computed.status_code == 200, computed.text
    [law] = computed.json()["tables"]
    assert (law["isced_code"], law["total"]) == ("0421", 8)

    issued = await h.client.post(f"/mobilities/{mobility}/transcript", headers=staff(h))
    assert issued.status_code == 201, issued.text
    transcript = issued.json()
    xml = (await h.client.get(f"/transcripts/{transcript['id']}/elmo", headers=staff(h))).content
    ElmoSchema(ewp_specs()).validate(etree.fromstring(xml), ELMO_XSD)  # raises if it breaks the ELMO schema
    gateway = {**h.headers("service", hei="*", sub="service:ewp-gateway"), "X-Smile-Tenant": HEI}
    page = await h.client.get("/internal/ewp/tors", params={"sending_hei_id": "uni-koeln.de"}, headers=gateway)
    [tor] = page.json()["items"]
    [table] = tor["grade_conversion_table"]
    assert table["isced_code"] == "0421"
    served = tor_response(
        [(tor["omobility_id"], tor["receiving_academic_year_id"], etree.fromstring(xml), tor["grade_conversion_table"])]
    )
    ElmoSchema(ewp_specs()).validate(served)  # the ToR response the gateway serves, with its conversion table
    instances = {
        s.findtext(f"{E}identifier[@type='local']"): s.find(f"{E}specifies/{E}learningOpportunityInstance")
        for s in etree.fromstring(xml).iter(f"{E}learningOpportunitySpecification")
    }
    assert instances["DRT-EU-101"].findtext(f"{E}resultLabel") == "14.5"
    assert instances["LET-FLE-100"].findtext(f"{E}status") == "failed"
    pdf = await h.client.get(f"/transcripts/{transcript['id']}/pdf", params={"lang": "en"}, headers=staff(h))
    assert pdf.content.startswith(b"%PDF-")
    [event] = await events(h, "records.transcript.issued.v1")
    assert event["mobility_id"] == str(mobility)
    assert Decimal(event["ects_obtained"]) == Decimal(5)
    assert pegase.violations == []


async def _completed(h: Any, count: int) -> bool:
    return len(await events(h, "records.enrolment.completed.v1")) >= count


async def test_pegase_timing_out_then_answering_500_is_retried_and_nothing_is_done_twice(make_harness) -> None:
    h, pegase = await with_pegase(make_harness, enrolment_retry_seconds=0.2)
    pegase.fail_next("/identites/apprenants", status=None)  # the learner search times out
    pegase.fail_next("/injecter-inscriptions", status=500)  # then the inscription answers 500
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    await publish(h, approved(mobility, ["DRT-EU-101"]))

    done = await eventually(lambda: enrolment_in(h, mobility, "done"))
    assert done["attempts"] == 3
    outcomes = [(a["outcome"], a["step"]) for a in reversed(done["history"])]
    assert outcomes == [("retrying", "learner"), ("retrying", "administrative"), ("done", None)]
    assert "did not answer in time" in done["history"][-1]["error"]
    failed = await events(h, "records.enrolment.failed.v1")
    assert [(f["step"], f["retryable"], f["will_retry"]) for f in failed] == [
        ("learner", True, True),
        ("administrative", True, True),
    ]
    [identity] = pegase.identities  # the identity created before the 500 was found again, not re-created
    assert len(pegase.inscriptions[identity["codeApprenant"]]) == 1
    assert pegase.chosen_courses(identity["codeApprenant"]) == ["DRT-EU-101"]
    assert pegase.violations == []


async def test_pegase_refusing_the_inscription_fails_at_once_with_its_reason(make_harness) -> None:
    h, pegase = await with_pegase(make_harness)
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility, receiving_ounit_code="SCI"))  # no programme mapped for SCI
    await publish(h, approved(mobility, ["DRT-EU-101"]))
    failed = await eventually(lambda: enrolment_in(h, mobility, "failed"))
    assert failed["step"] == "administrative"
    assert "no programme to enrol students of unit 'SCI'" in failed["last_error"]
    assert pegase.calls_to("/injecter-inscriptions") == 0
    await asyncio.sleep(0.3)
    assert (await eventually(lambda: enrolment_in(h, mobility, "failed")))["attempts"] == 1
