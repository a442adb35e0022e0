"""Results per course: entered by the registrar or read from the SIS, checked against the grading scale
and the learning agreement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smile_sis import ResultOutcome, SisRejected, SisResult, SisUnavailable

from .conftest import enrolled_mobility, events, records_service, sis_of, staff

COURSES = ["DRT-EU-101", "LET-FLE-100", "DRT-INT-201"]


async def _put(h, mobility, code, body, role="registrar", hei="unicaen.fr"):  # type: ignore[no-untyped-def]
    return await h.client.put(f"/mobilities/{mobility}/results/{code}", json=body, headers=staff(h, role, hei))


async def test_the_registrar_records_results_on_the_local_scale(make_harness) -> None:
    h = await records_service(make_harness)
    mobility = await enrolled_mobility(h, COURSES)
    first = await _put(h, mobility, "DRT-EU-101", {"grade": "14,5", "result_date": "2027-01-20"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["grade"], body["passed"], body["credits"], body["source"]) == ("14.5", True, "5.00", "registrar")
    failed = await _put(h, mobility, "LET-FLE-100", {"grade": "8", "result_date": "2027-01-20", "credits": 3})
    assert failed.json()["passed"] is False
    assert failed.json()["credits"] == "3.00"
    passfail = await _put(
        h, mobility, "DRT-INT-201", {"grade": "p", "grading_scale": "pass-fail", "result_date": "2027-01-21"}
    )
    assert passfail.json()["grade"] == "P"
    assert passfail.json()["passed"] is True
    again = await _put(h, mobility, "DRT-EU-101", {"grade": "14.50", "result_date": "2027-01-20"})
    assert again.json()["version"] == 1  # the same result: nothing recorded again
    recorded = await events(h, "records.result.recorded.v1")
    assert [(e["course_code"], e["grade"], e["passed"]) for e in recorded] == [
        ("DRT-EU-101", "14.5", True),
        ("LET-FLE-100", "8", False),
        ("DRT-INT-201", "P", True),
    ]
    corrected = await _put(h, mobility, "DRT-EU-101", {"grade": "15", "result_date": "2027-01-22"})
    assert corrected.json()["version"] == 2
    listed = (await h.client.get(f"/mobilities/{mobility}/results", headers=staff(h, "coordinator"))).json()
    assert [r["course_code"] for r in listed] == ["DRT-EU-101", "DRT-INT-201", "LET-FLE-100"]


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"grade": "21", "result_date": "2027-01-20"}, 422, "grade-out-of-scale"),
        ({"grade": "-0.5", "result_date": "2027-01-20"}, 422, "grade-out-of-scale"),
        ({"grade": "quinze", "result_date": "2027-01-20"}, 422, "grade-out-of-scale"),
        ({"grade": "G", "grading_scale": "ects", "result_date": "2027-01-20"}, 422, "grade-out-of-scale"),
        ({"grade": "12", "grading_scale": "us-gpa", "result_date": "2027-01-20"}, 422, "grade-out-of-scale"),
        ({"grade": "12", "result_date": "2027-01-20", "credits": 0}, 422, "validation-error"),
    ],
)
async def test_grades_outside_their_scale_change_nothing(make_harness, body, status, slug) -> None:  # type: ignore[no-untyped-def]
    h = await records_service(make_harness)
    mobility = await enrolled_mobility(h, COURSES)
    response = await _put(h, mobility, "DRT-EU-101", body)
    assert response.status_code == status
    assert response.json()["type"] == f"urn:smile:problem:{slug}"
    assert await events(h, "records.result.recorded.v1") == []


async def test_a_result_for_a_course_outside_the_agreement_is_refused(make_harness) -> None:
    h = await records_service(make_harness)
    mobility = await enrolled_mobility(h, COURSES)
    response = await _put(h, mobility, "INF-ALG-120", {"grade": "12", "result_date": "2027-01-20"})
    assert response.status_code == 409
    assert response.json()["type"] == "urn:smile:problem:course-not-enrolled"
    assert (await h.client.get(f"/mobilities/{mobility}/results", headers=staff(h))).json() == []


async def test_results_are_the_registrars_and_their_universitys(make_harness) -> None:
    h = await records_service(make_harness)
    mobility = await enrolled_mobility(h, COURSES)
    body = {"grade": "12", "result_date": "2027-01-20"}
    assert (await _put(h, mobility, "DRT-EU-101", body, role="coordinator")).status_code == 403
    assert (await _put(h, mobility, "DRT-EU-101", body, hei="univ-rennes.fr")).status_code == 404


async def test_published_sis_results_are_read_for_the_agreements_courses(make_harness) -> None:
    h = await records_service(make_harness)
    mobility = await enrolled_mobility(h, COURSES)
    sis = sis_of(h)
    (learner,) = sis.learners.values()
    code = learner.code or ""
    for result in (
        SisResult(
            course_code="DRT-EU-101",
            period_code="PER-2026",
            grade=Decimal("13.092"),
            scale_max=Decimal(20),
            outcome=ResultOutcome.PASSED,
            credits=Decimal(5),
            session=1,
        ),
        SisResult(course_code="LET-FLE-100", period_code="PER-2026", grade_label="VAL", outcome=ResultOutcome.PASSED),
        SisResult(course_code="DRT-INT-201", period_code="PER-2026", grade=Decimal(9), scale_max=Decimal(20)),
        SisResult(
            course_code="ECH-DROIT-S1",
            period_code="PER-2026",
            grade=Decimal(12),
            scale_max=Decimal(20),
            outcome=ResultOutcome.PASSED,
        ),
    ):
        sis.publish_result(code, result)
    response = await h.client.post(f"/mobilities/{mobility}/results/sis-import", headers=staff(h))
    assert response.status_code == 200, response.text
    report = response.json()
    assert {(r["course_code"], r["grade"], r["grading_scale"], r["source"]) for r in report["recorded"]} == {
        ("DRT-EU-101", "13.092", "fr-0-20", "sis"),
        ("LET-FLE-100", "P", "pass-fail", "sis"),
    }
    assert report["skipped"] == [{"course_code": "DRT-INT-201", "reason": "no jury decision published yet"}]
    again = (await h.client.post(f"/mobilities/{mobility}/results/sis-import", headers=staff(h))).json()
    assert again["recorded"] == []
    assert again["unchanged"] == 2


async def test_an_sis_failure_during_the_import_changes_nothing_and_says_what_happened(make_harness) -> None:
    h = await records_service(make_harness)
    mobility = await enrolled_mobility(h, COURSES)
    sis = sis_of(h)
    sis.fail_next(SisUnavailable("Pégase GET /chemins failed", status=500), operation="read_results")
    down = await h.client.post(f"/mobilities/{mobility}/results/sis-import", headers=staff(h))
    assert down.status_code == 503
    assert down.headers["retry-after"] == "60"
    assert down.json()["type"] == "urn:smile:problem:sis-unavailable"
    sis.fail_next(SisRejected("codeChemin inconnu", status=400), operation="read_results")
    refused = await h.client.post(f"/mobilities/{mobility}/results/sis-import", headers=staff(h))
    assert refused.status_code == 502
    assert "codeChemin" in refused.json()["detail"]
    assert (await h.client.get(f"/mobilities/{mobility}/results", headers=staff(h))).json() == []


async def test_results_cannot_be_read_from_the_sis_before_the_enrolment(make_harness) -> None:
    h = await records_service(make_harness)
    sis_of(h).fail_next(SisRejected("programme closed"), times=1)
    import uuid

    from .conftest import accepted, approved, enrolment_in, eventually, publish

    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    await publish(h, approved(mobility, COURSES))
    await eventually(lambda: enrolment_in(h, mobility, "failed"))
    response = await h.client.post(f"/mobilities/{mobility}/results/sis-import", headers=staff(h))
    assert response.status_code == 409
    assert response.json()["type"] == "urn:smile:problem:not-enrolled-in-sis"
