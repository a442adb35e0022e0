"""Transcripts of records: ELMO valid against the official ToR/ELMO schemas, PDF in French and English,
versions, the event for the gateway and the gateway's internal read."""

from __future__ import annotations

import asyncio
import base64
import uuid

import pytest
from lxml import etree

from smile_records.transcripts.xsd import ElmoSchema

from .conftest import (
    course_published,
    enrolled_mobility,
    events,
    ewp_specs,
    publish,
    records_service,
    results_for_all,
    staff,
    student,
)

E = "{https://github.com/emrex-eu/elmo-schemas/tree/v2}"
COURSES = {"DRT-EU-101": ("0421", 6), "LET-FLE-100": ("0231", 5), "DRT-INT-201": ("0421", 6)}


async def ready(make_harness, **over):  # type: ignore[no-untyped-def]
    """Records with the catalogue's courses, our tables computed from the SIS's history, and an enrolled mobility."""
    h = await records_service(make_harness, ewp_xsd_dir=ewp_specs(), **over)
    for code, (isced, eqf) in COURSES.items():
        await publish(h, course_published(code, isced=isced, eqf=eqf))
    await asyncio.sleep(0.3)
    computed = await h.client.post(
        "/grade-tables/compute", json={"academic_years": ["2023/2024", "2024/2025", "2025/2026"]}, headers=staff(h)
    )
    assert computed.status_code == 200, computed.text
    mobility = await enrolled_mobility(
        h, list(COURSES), **({"student": over.pop("student_")} if "student_" in over else {})
    )
    return h, mobility


async def _issue(h, mobility):  # type: ignore[no-untyped-def]
    return await h.client.post(f"/mobilities/{mobility}/transcript", headers=staff(h))


async def test_the_transcript_is_valid_elmo_with_conversion_tables_and_pdfs(make_harness) -> None:
    h, mobility = await ready(make_harness)
    await results_for_all(h, mobility, {"DRT-EU-101": "14.5", "LET-FLE-100": "P", "DRT-INT-201": "8"})
    response = await _issue(h, mobility)
    assert response.status_code == 201, response.text
    transcript = response.json()
    assert transcript["current_version"] == 1
    assert transcript["warnings"] == []
    assert (transcript["ects_attempted"], transcript["ects_obtained"]) == ("15.00", "10.00")

    xml = await h.client.get(f"/transcripts/{transcript['id']}/elmo", headers=staff(h, "coordinator"))
    assert xml.headers["content-type"].startswith("application/xml")
    elmo = etree.fromstring(xml.content)
    report = elmo.find(f"{E}report")
    assert report is not None
    assert (
        elmo.findtext(f"{E}learner/{E}identifier[@type='esi']")
        == "urn:schac:personalUniqueCode:int:esi:uni-koeln.de:7654321"
    )
    assert elmo.findtext(f"{E}learner/{E}dateOfBirth") == "2003-04-02"
    assert report.findtext(f"{E}issuer/{E}identifier[@type='schac']") == "unicaen.fr"
    specs = {
        s.findtext(f"{E}identifier[@type='local']"): s for s in report.findall(f"{E}learningOpportunitySpecification")
    }
    eu = specs["DRT-EU-101"]
    assert eu.findtext(f"{E}identifier[@type='ewp-los-id']") == f"CR/{uuid.uuid5(uuid.NAMESPACE_DNS, 'DRT-EU-101')}"
    instance = eu.find(f"{E}specifies/{E}learningOpportunityInstance")
    assert instance is not None
    assert instance.findtext(f"{E}identifier[@type='ewp-loi-id']").startswith("CRI/")
    assert (instance.findtext(f"{E}resultLabel"), instance.findtext(f"{E}status")) == ("14.5", "passed")
    assert instance.findtext(f"{E}credit/{E}scheme") == "ects"
    assert instance.findtext(f"{E}credit/{E}value") == "5.00"
    assert instance.find(f"{E}academicTerm/{E}start") is not None
    categories = instance.findall(f"{E}resultDistribution/{E}category")
    assert [c.get("label") for c in categories] == [str(v) for v in range(20, -1, -1)]  # failures included
    assert specs["DRT-INT-201"].findtext(f".//{E}status") == "failed"
    attachment = report.find(f"{E}attachment")
    assert attachment is not None
    assert attachment.findtext(f"{E}type") == "Transcript of Records"
    for content in attachment.findall(f"{E}content"):
        assert base64.b64decode(content.text.split(",", 1)[1]).startswith(b"%PDF-")

    [issued] = await events(h, "records.transcript.issued.v1")
    assert issued["version"] == 1
    assert issued["omobility_id"] == f"om-{mobility.hex[:8]}"
    assert issued["sending_hei_id"] == "uni-koeln.de"
    assert issued["ects_obtained"] == "10.00"
    assert {(c["course_code"], c["passed"]) for c in issued["components"]} == {
        ("DRT-EU-101", True),
        ("LET-FLE-100", True),
        ("DRT-INT-201", False),
    }

    for lang in ("fr", "en"):
        pdf = await h.client.get(f"/transcripts/{transcript['id']}/pdf", params={"lang": lang}, headers=staff(h))
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
        assert pdf.content.rstrip().endswith(b"%%EOF")


async def test_the_gateway_reads_the_tor_and_its_tables_valid_against_the_tor_schema(make_harness) -> None:
    h, mobility = await ready(make_harness)
    await results_for_all(h, mobility, {"DRT-EU-101": "16", "LET-FLE-100": "12.25", "DRT-INT-201": "11"})
    await _issue(h, mobility)
    gateway = {**h.headers("service", hei="*", sub="service:ewp-gateway"), "X-Smile-Tenant": "unicaen.fr"}
    page = (await h.client.get("/internal/ewp/tors", params={"sending_hei_id": "uni-koeln.de"}, headers=gateway)).json()
    [tor] = page["items"]
    assert tor["omobility_id"] == f"om-{mobility.hex[:8]}"
    assert tor["receiving_academic_year_id"] == "2026/2027"
    assert {t["isced_code"] for t in tor["grade_conversion_table"]} == {"0421", "0231"}
    law = next(t for t in tor["grade_conversion_table"] if t["isced_code"] == "0421")
    assert [f["label"] for f in law["frequencies"]] == [str(v) for v in range(20, 9, -1)]

    # what the gateway will serve: the ELMO inside the ToR response, with the table, valid against the XSD
    from smile_records.transcripts.elmo import tor_response

    response = tor_response(
        [
            (
                tor["omobility_id"],
                tor["receiving_academic_year_id"],
                etree.fromstring(tor["elmo_xml"].encode()),
                tor["grade_conversion_table"],
            )
        ]
    )
    ElmoSchema(ewp_specs()).validate(response)

    only_ids = (
        await h.client.get(
            "/internal/ewp/tors", params={"sending_hei_id": "uni-koeln.de", "ids_only": "true"}, headers=gateway
        )
    ).json()
    assert only_ids["items"][0]["elmo_xml"] is None
    assert (await h.client.get("/internal/ewp/tors", params={"sending_hei_id": "uio.no"}, headers=gateway)).json()[
        "items"
    ] == []
    unknown = await h.client.get(
        "/internal/ewp/tors", params={"sending_hei_id": "uni-koeln.de", "omobility_id": "nope"}, headers=gateway
    )
    assert unknown.json()["items"] == []
    elsewhere = {**gateway, "X-Smile-Tenant": "univ-rennes.fr"}
    assert (
        await h.client.get("/internal/ewp/tors", params={"sending_hei_id": "uni-koeln.de"}, headers=elsewhere)
    ).json()["items"] == []
    assert (
        await h.client.get("/internal/ewp/tors", params={"sending_hei_id": "uni-koeln.de"}, headers=staff(h))
    ).status_code == 403


async def test_a_transcript_needs_every_result_first(make_harness) -> None:
    h, mobility = await ready(make_harness)
    nothing = await _issue(h, mobility)
    assert nothing.status_code == 409
    assert nothing.json()["type"] == "urn:smile:problem:results-missing"
    await results_for_all(h, mobility, {"DRT-EU-101": "14"})
    partial = await _issue(h, mobility)
    assert partial.status_code == 409
    assert partial.json()["courses"] == ["DRT-INT-201", "LET-FLE-100"]
    assert await events(h, "records.transcript.issued.v1") == []
    assert (await h.client.get(f"/mobilities/{mobility}/transcript", headers=staff(h))).status_code == 404


async def test_a_corrected_result_is_reissued_as_a_new_version_and_old_ones_stay(make_harness) -> None:
    h, mobility = await ready(make_harness)
    await results_for_all(h, mobility, {"DRT-EU-101": "14.5", "LET-FLE-100": "P", "DRT-INT-201": "8"})
    first = (await _issue(h, mobility)).json()
    again = await _issue(h, mobility)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:smile:problem:transcript-exists"
    same = await h.client.post(
        f"/transcripts/{first['id']}/versions", json={"correction_reason": "nothing"}, headers=staff(h)
    )
    assert same.status_code == 409
    assert same.json()["type"] == "urn:smile:problem:transcript-unchanged"

    await results_for_all(h, mobility, {"DRT-INT-201": "10.5"})  # the jury corrected the grade
    second = await h.client.post(
        f"/transcripts/{first['id']}/versions",
        json={"correction_reason": "DRT-INT-201 corrected by the jury"},
        headers=staff(h),
    )
    assert second.status_code == 201, second.text
    body = second.json()
    assert body["current_version"] == 2
    assert body["ects_obtained"] == "15.00"
    assert [v["correction_reason"] for v in body["versions"]] == [None, "DRT-INT-201 corrected by the jury"]
    v1 = await h.client.get(f"/transcripts/{first['id']}/elmo", params={"version": 1}, headers=staff(h))
    v2 = await h.client.get(f"/transcripts/{first['id']}/elmo", headers=staff(h))
    assert b">8<" in v1.content
    assert b">10.5<" in v2.content
    issued = await events(h, "records.transcript.issued.v1")
    assert [(e["version"], e["correction_reason"]) for e in issued] == [
        (1, None),
        (2, "DRT-INT-201 corrected by the jury"),
    ]
    assert (
        await h.client.get(f"/transcripts/{first['id']}/pdf", params={"version": 3}, headers=staff(h))
    ).status_code == 404


async def test_a_student_without_esi_still_gets_a_valid_transcript_with_a_warning(make_harness) -> None:
    h = await records_service(make_harness, ewp_xsd_dir=ewp_specs())
    for code, (isced, eqf) in COURSES.items():
        await publish(h, course_published(code, isced=isced, eqf=eqf))
    mobility = await enrolled_mobility(h, ["DRT-EU-101"], student=student(esi=None, email="luca@uni.it"))
    await results_for_all(h, mobility, {"DRT-EU-101": "13"})
    issued = await _issue(h, mobility)
    assert issued.status_code == 201, issued.text
    assert "no-esi" in issued.json()["warnings"]
    assert any(w.startswith("no-grade-table:") for w in issued.json()["warnings"])  # no tables computed here


async def test_students_read_their_own_transcript_only(make_harness) -> None:
    h, mobility = await ready(make_harness)
    await results_for_all(h, mobility, {"DRT-EU-101": "14.5", "LET-FLE-100": "P", "DRT-INT-201": "12"})
    transcript = (await _issue(h, mobility)).json()
    anna = h.headers("student", sub="anna", email="anna.mueller@smail.uni-koeln.de")
    assert (
        await h.client.get(f"/transcripts/{transcript['id']}/pdf", params={"lang": "en"}, headers=anna)
    ).status_code == 200
    other = h.headers("student", sub="bob", email="bob@uni.it")
    assert (await h.client.get(f"/transcripts/{transcript['id']}/pdf", headers=other)).status_code == 403
    assert (await h.client.post(f"/mobilities/{mobility}/transcript", headers=anna)).status_code == 403
    assert (
        await h.client.get(f"/transcripts/{transcript['id']}", headers=staff(h, hei="univ-rennes.fr"))
    ).status_code == 404


def test_the_schema_refuses_a_broken_elmo_document() -> None:
    from smile_records.transcripts.xsd import SchemaError

    broken = etree.fromstring(
        b'<elmo xmlns="https://github.com/emrex-eu/elmo-schemas/tree/v2"><generatedDate>yesterday</generatedDate></elmo>'
    )
    with pytest.raises(SchemaError):
        ElmoSchema(ewp_specs()).validate(broken, "elmo-schemas-v2/schema.xsd")
