"""Accepted mobility + approved learning agreement → the student is enrolled in the SIS, kept in step,
retried when the SIS fails, with the state visible per mobility."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from smile_common.events.payloads.mobility import MobilityCancelled
from smile_common.service import run_worker
from smile_records.definition import DEFINITION
from smile_sis import OfferedCourse, SisConfigurationError, SisRejected, SisUnavailable

from .conftest import (
    ESI,
    accepted,
    approved,
    enrolment_in,
    enrolment_of,
    events,
    eventually,
    publish,
    records_service,
    sis_of,
    staff,
    student,
)


async def test_an_accepted_mobility_with_an_approved_la_is_enrolled_in_the_sis(make_harness) -> None:
    h = await records_service(make_harness)
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    waiting = await eventually(lambda: enrolment_in(h, mobility, "waiting"))
    assert waiting["wanted_courses"] == []

    await publish(h, approved(mobility, ["DRT-EU-101", "LET-FLE-100"]))
    done = await eventually(lambda: enrolment_in(h, mobility, "done"))
    assert done["enrolled_courses"] == ["DRT-EU-101", "LET-FLE-100"]
    assert done["period_code"] == "PER-2026"
    assert done["programme_path"] == "ECH-DROIT"
    assert done["history"][0]["outcome"] == "done"

    sis = sis_of(h)
    (learner,) = sis.learners.values()
    assert learner.family_name == "Müller"
    (admin,) = sis.admin_enrolments.values()
    assert (admin.regime_code, admin.exchange_programme_code, admin.country_code) == ("REG-ECH", "ERASMUS", "DE")
    assert sis.course_enrolments[(learner.code, "PER-2026")] == ["DRT-EU-101", "LET-FLE-100"]

    [registered] = await events(h, "records.student.registered.v1")
    assert registered["esi"] == ESI
    assert registered["mobility_id"] == str(mobility)
    [completed] = await events(h, "records.enrolment.completed.v1")
    assert completed["sis"] == "memory"
    assert completed["sis_learner_code"] == learner.code
    assert completed["added"] == ["DRT-EU-101", "LET-FLE-100"]
    student = (await h.client.get(f"/students/{done['student_id']}", headers=staff(h))).json()
    assert student["sis_learner_code"] == learner.code


async def test_events_in_any_order_and_twice_give_one_student_and_one_enrolment(make_harness) -> None:
    h = await records_service(make_harness)
    mobility = uuid.uuid4()
    la = await publish(h, approved(mobility, ["DRT-EU-101"]))  # the LA's event overtakes the acceptance
    acceptance = await publish(h, accepted(mobility))
    await h.runtime.bus.publish([la, acceptance])  # redelivered
    await eventually(lambda: enrolment_in(h, mobility, "done"))
    assert len(sis_of(h).learners) == 1
    assert len(await events(h, "records.student.registered.v1")) == 1
    assert len(await events(h, "records.enrolment.completed.v1")) == 1


async def test_a_changed_learning_agreement_brings_the_sis_in_step(make_harness) -> None:
    h = await records_service(make_harness)
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    await publish(h, approved(mobility, ["DRT-EU-101", "LET-FLE-100"]))
    await eventually(lambda: enrolment_in(h, mobility, "done"))
    at = datetime.now(UTC)
    await publish(h, approved(mobility, ["DRT-EU-101", "DRT-INT-201"], version=2), time=at)
    await publish(h, approved(mobility, ["DRT-EU-101", "LET-FLE-100"], version=1), time=at - timedelta(hours=1))  # late
    done = await eventually(lambda: _enrolled(h, mobility, ["DRT-EU-101", "DRT-INT-201"]))
    assert done["la_version"] == 2
    second = (await events(h, "records.enrolment.completed.v1"))[-1]
    assert second["added"] == ["DRT-INT-201"]
    assert second["removed"] == ["LET-FLE-100"]
    assert second["learning_agreement_version"] == 2


async def _enrolled(h, mobility, courses):  # type: ignore[no-untyped-def]
    found = await enrolment_in(h, mobility, "done")
    return found if found and found["enrolled_courses"] == courses else None


async def test_an_sis_that_times_out_or_answers_500_is_retried_and_the_state_says_so(make_harness) -> None:
    h = await records_service(make_harness, enrolment_retry_seconds=0.3)
    sis = sis_of(h)
    sis.fail_next(SisUnavailable("Pégase did not answer in time"), operation="enrol_administratively")
    sis.fail_next(
        SisUnavailable("Pégase POST /injecter-inscriptions failed", status=500), operation="enrol_administratively"
    )
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    await publish(h, approved(mobility, ["DRT-EU-101"]))
    retrying = await eventually(lambda: _retrying(h, mobility))
    assert retrying["state"] == "pending"
    assert retrying["step"] == "administrative"
    assert retrying["last_error_retryable"] is True
    assert retrying["next_attempt_at"] is not None
    done = await eventually(lambda: enrolment_in(h, mobility, "done"))
    assert done["attempts"] == 3
    assert done["last_error"] is None
    assert [a["outcome"] for a in reversed(done["history"])] == ["retrying", "retrying", "done"]
    failed = await events(h, "records.enrolment.failed.v1")
    assert [f["will_retry"] for f in failed] == [True, True]
    assert "did not answer in time" in failed[0]["error"]
    assert "HTTP 500" in failed[1]["error"]
    assert len(sis.admin_enrolments) == 1  # nothing lost, nothing doubled


async def _retrying(h, mobility):  # type: ignore[no-untyped-def]
    found = await enrolment_of(h, mobility)
    return found if found and found["attempts"] >= 1 and found["state"] == "pending" else None


async def test_retries_that_run_out_leave_a_failed_state_for_a_person(make_harness) -> None:
    h = await records_service(make_harness, enrolment_max_attempts=2)
    sis_of(h).fail_next(SisUnavailable("SIS down"), times=10)
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    await publish(h, approved(mobility, ["DRT-EU-101"]))
    failed = await eventually(lambda: enrolment_in(h, mobility, "failed"))
    assert failed["attempts"] == 2
    assert failed["step"] == "learner"
    assert "SIS down" in failed["last_error"]
    assert (await events(h, "records.enrolment.failed.v1"))[-1]["will_retry"] is False


async def test_a_refusal_fails_at_once_with_its_reason_and_a_retry_after_the_fix_succeeds(make_harness) -> None:
    h = await records_service(make_harness)
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    await publish(h, approved(mobility, ["DRT-EU-101", "NEW-COURSE-1"]))
    failed = await eventually(lambda: enrolment_in(h, mobility, "failed"))
    assert failed["attempts"] == 1
    assert failed["step"] == "courses"
    assert failed["last_error_retryable"] is False
    assert "NEW-COURSE-1" in failed["last_error"]

    sis_of(h).add_courses("PER-2026", [OfferedCourse(code="NEW-COURSE-1", title={"fr": "Nouveau"})])
    listed = await h.client.get("/enrolments?state=failed", headers=staff(h, "coordinator"))
    assert [e["id"] for e in listed.json()["items"]] == [failed["id"]]
    retried = await h.client.post(f"/enrolments/{failed['id']}/retry", headers=staff(h, "coordinator"))
    assert retried.status_code == 200
    assert retried.json()["state"] == "pending"
    done = await eventually(lambda: enrolment_in(h, mobility, "done"))
    assert done["enrolled_courses"] == ["DRT-EU-101", "NEW-COURSE-1"]


async def test_a_cancelled_mobility_stops_its_synchronisation(make_harness) -> None:
    h = await records_service(make_harness)
    sis_of(h).fail_next(SisRejected("programme closed"), times=1)
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    await publish(h, approved(mobility, ["DRT-EU-101"]))
    failed = await eventually(lambda: enrolment_in(h, mobility, "failed"))
    cancel = MobilityCancelled(**{**accepted(mobility).model_dump(), "status": "cancelled"}, reason="visa refused")
    await publish(h, cancel)
    await eventually(lambda: enrolment_in(h, mobility, "cancelled"))
    refused = await h.client.post(f"/enrolments/{failed['id']}/retry", headers=staff(h))
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:smile:problem:enrolment-not-retryable"


async def test_synchronisations_are_private_to_each_university(make_harness) -> None:
    h = await records_service(make_harness)
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    found = await eventually(lambda: enrolment_of(h, mobility))
    other = staff(h, hei="univ-rennes.fr")
    assert (await h.client.get(f"/enrolments/{found['id']}", headers=other)).status_code == 404
    assert (await h.client.post(f"/enrolments/{found['id']}/retry", headers=other)).status_code == 404
    assert (await h.client.get("/enrolments", headers=other)).json()["items"] == []
    student_only = h.headers("student", hei="unicaen.fr")
    assert (await h.client.get("/enrolments", headers=student_only)).status_code == 403


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ('{"tenants": {"unicaen.fr": {"kind": "pegase", "instance": "unicaen"}}}', "password"),
        ('{"tenants": {"unicaen.fr": {"kind": "pegase", "password_env": "SMILE_TEST_NO_SUCH_VAR"}}}', "password_env"),
        ("/nonexistent/sis.json", "cannot read"),
        ("{not json", "not valid JSON"),
    ],
)
async def test_a_worker_with_an_unusable_sis_configuration_does_not_start(make_harness, config, reason) -> None:  # type: ignore[no-untyped-def]
    h = await make_harness(DEFINITION, sis_config=config)
    with pytest.raises(SisConfigurationError, match=reason):
        await asyncio.wait_for(run_worker(h.runtime, asyncio.Event(), subscribe=False), 10)


async def test_where_each_student_stands_in_the_sis(make_harness) -> None:
    h = await records_service(make_harness)
    first, second, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await publish(h, accepted(first))
    await publish(h, approved(first, ["DRT-EU-101"]))
    await publish(h, accepted(second, omobility_id="om-second"))  # the same student's next mobility
    luca = student(esi="urn:schac:personalUniqueCode:int:esi:it:LCRSS01", given_names="Luca", family_name="Rossi")
    await publish(h, accepted(other, student=luca))
    done = await eventually(lambda: enrolment_in(h, first, "done"))
    await eventually(lambda: enrolment_in(h, second, "waiting"))
    await eventually(lambda: enrolment_in(h, other, "waiting"))

    page = await h.client.get("/enrolments", params={"student_id": done["student_id"]}, headers=staff(h))
    assert page.status_code == 200
    assert {(e["mobility_id"], e["state"]) for e in page.json()["items"]} == {
        (str(first), "done"),
        (str(second), "waiting"),
    }
    unknown = await h.client.get("/enrolments", params={"student_id": str(uuid.uuid4())}, headers=staff(h))
    assert unknown.json()["items"] == []


async def test_a_university_without_a_sis_configured_fails_at_once_saying_so(make_harness) -> None:
    elsewhere = json.dumps({"tenants": {"univ-rennes.fr": {"kind": "memory"}}})  # nothing for unicaen.fr
    h = await records_service(make_harness, sis_config=elsewhere)
    mobility = uuid.uuid4()
    await publish(h, accepted(mobility))
    await publish(h, approved(mobility, ["DRT-EU-101"]))
    failed = await eventually(lambda: enrolment_in(h, mobility, "failed"))
    assert "no SIS is configured for unicaen.fr" in failed["last_error"]
    assert (failed["attempts"], failed["last_error_retryable"], failed["sis_kind"]) == (1, False, None)
    [event] = await events(h, "records.enrolment.failed.v1")
    assert (event["step"], event["will_retry"]) == ("learner", False)
    computed = await h.client.post("/grade-tables/compute", json={"academic_years": ["2025/2026"]}, headers=staff(h))
    assert computed.status_code == 409
    assert computed.json()["type"] == "urn:smile:problem:sis-not-configured"
