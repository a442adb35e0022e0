"""Personal data in records: reads of grades are audited, transcripts and survey answers are part of access
and erasure requests, and their retention rules erase or unlink them when they expire."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from smile_common.dataprotection.retention import run_retention
from smile_common.db import utcnow
from smile_records.db import data_protection
from smile_records.privacy import ISSUED_KEPT, SURVEY_INVITATION_KEPT, retention_rules
from smile_records.surveys.models import SurveyResponse
from smile_records.surveys.service import invite_due
from smile_records.transcripts.models import Transcript, TranscriptVersion

from .conftest import ESI, eventually, results_for_all, staff
from .test_transcripts import ready

EMAIL = "anna.mueller@smail.uni-koeln.de"
GRADES = {"DRT-EU-101": "14.5", "LET-FLE-100": "P", "DRT-INT-201": "12"}
QUESTIONS = [{"id": "overall", "text": {"en": "Overall"}, "kind": "scale", "scale_max": 5, "overall": True}]


async def _transcript(make_harness, **over: Any) -> tuple[Any, uuid.UUID, dict[str, Any]]:  # type: ignore[no-untyped-def]
    h, mobility = await ready(make_harness, **over)
    await results_for_all(h, mobility, GRADES)
    issued = await h.client.post(f"/mobilities/{mobility}/transcript", headers=staff(h))
    assert issued.status_code == 201, issued.text
    return h, mobility, issued.json()


async def _named_survey_answer(h) -> None:  # type: ignore[no-untyped-def]
    """Anna answers a questionnaire that is not anonymous (sent once her mobility, ending 2027-01-31, is over)."""
    created = await h.client.post(
        "/questionnaires",
        json={"title": {"en": "Your stay"}, "anonymous": False, "questions": QUESTIONS, "send_after_days": 7},
        headers=staff(h, "coordinator"),
    )
    assert created.status_code == 201, created.text
    await h.client.post(f"/questionnaires/{created.json()['id']}/activate", headers=staff(h, "coordinator"))
    async with h.runtime.database.sessionmaker() as session, session.begin():
        await invite_due(session, date(2027, 3, 1))  # the worker may have sent it already, on a later day
    anna = h.headers("student", sub="anna", email=EMAIL)
    [survey] = (await h.client.get("/me/surveys", headers=anna)).json()
    answered = await h.client.post(
        f"/me/surveys/{survey['id']}/response", json={"answers": {"overall": 5}}, headers=anna
    )
    assert answered.status_code == 201, answered.text


async def _reads(h) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    dpo = h.headers("dpo", sub="dpo-1")
    page = await h.client.get("/data-protection/audit", params={"person": ESI, "action": "read"}, headers=dpo)
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


async def test_every_read_of_a_students_grades_is_in_the_audit_trail(make_harness) -> None:
    h, mobility, transcript = await _transcript(make_harness)
    assert await _reads(h) == []  # issuing is a change (audited as such), not a read

    assert (await h.client.get(f"/mobilities/{mobility}/results", headers=staff(h, "coordinator"))).status_code == 200
    anna = h.headers("student", sub="anna", email=EMAIL)
    pdf = await h.client.get(f"/transcripts/{transcript['id']}/pdf", params={"lang": "en"}, headers=anna)
    assert pdf.status_code == 200
    gateway = {**h.headers("service", hei="*", sub="service:ewp-gateway"), "X-Smile-Tenant": "unicaen.fr"}
    tors = await h.client.get("/internal/ewp/tors", params={"sending_hei_id": "uni-koeln.de"}, headers=gateway)
    assert len(tors.json()["items"]) == 1
    index = {"sending_hei_id": "uni-koeln.de", "ids_only": "true"}
    assert (await h.client.get("/internal/ewp/tors", params=index, headers=gateway)).status_code == 200
    other = h.headers("student", sub="bob", email="bob@uni.it")
    assert (await h.client.get(f"/transcripts/{transcript['id']}/pdf", headers=other)).status_code == 403

    reads = await _reads(h)
    seen = sorted((r["actor_id"], r["object_type"], r["detail"]) for r in reads)
    assert seen == [
        ("anna", "transcript", "PDF (en), version 1"),
        ("coordinator-1", "mobility_results", None),
        ("service:ewp-gateway", "transcript", "ELMO, version 1, for uni-koeln.de through EWP"),
    ]  # the index of ids shows no grade, and the refused read showed nothing
    assert {r["person"] for r in reads} == {ESI.lower()}
    assert next(r for r in reads if r["object_type"] == "mobility_results")["object_id"] == str(mobility)


async def _answer(h, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    dpo = h.headers("dpo", sub="dpo-1")
    filed = await h.client.post("/data-protection/requests", json={"kind": kind, "esi": ESI}, headers=dpo)
    assert filed.status_code == 202, filed.text

    async def completed() -> dict[str, Any] | None:
        state = (await h.client.get(f"/data-protection/requests/{filed.json()['id']}", headers=dpo)).json()
        return state if state["status"] == "completed" else None

    state = await eventually(completed, timeout=30)
    export = await h.client.get(f"/data-protection/requests/{filed.json()['id']}/export", headers=dpo)
    assert export.status_code == 200, export.text
    return state, {s["kind"]: s for s in export.json()["services"]["records"]["sections"]}


async def test_transcripts_and_survey_answers_are_exported_and_erasure_keeps_what_certifies_results(
    make_harness,
) -> None:
    h, _, transcript = await _transcript(
        make_harness, data_subject_services=["records"], data_subject_resend_seconds=1.0
    )
    await _named_survey_answer(h)

    state, sections = await _answer(h, "access")
    assert state["outcome"] == "completed"
    [issued] = sections["transcripts"]["records"]
    assert issued["id"] == transcript["id"]
    [version] = sections["transcript-versions"]["records"]
    assert (version["version"], version["content"]["ects_obtained"]) == (1, transcript["ects_obtained"])
    assert len(sections["survey-invitations"]["records"]) == 1
    [answer] = sections["survey-answers"]["records"]
    assert answer["answers"] == {"overall": 5}

    state, report = await _answer(h, "erasure")
    assert state["outcome"] == "completed"
    assert report["transcripts"] | {"reason": ISSUED_KEPT} == report["transcripts"]
    assert (report["transcripts"]["kept"], report["transcript-versions"]["kept"]) == (1, 1)
    assert report["survey-answers"]["anonymised"] == 1
    assert (report["survey-invitations"]["kept"], report["survey-invitations"]["reason"]) == (
        1,
        SURVEY_INVITATION_KEPT,
    )
    responses = SurveyResponse.__table__
    assert await h.count(responses, responses.c.invitation_id.is_(None), responses.c.mobility_id.is_(None)) == 1
    assert await h.count(Transcript.__table__) == 1

    # the answers are no longer the student's: a new access request does not find them
    _, sections = await _answer(h, "access")
    assert "survey-answers" not in sections
    assert len(sections["transcripts"]["records"]) == 1


async def test_expired_transcripts_are_erased_and_named_answers_unlinked_with_an_audit_entry(make_harness) -> None:
    h, _, transcript = await _transcript(make_harness)
    await _named_survey_answer(h)
    rules = [r for r in retention_rules(h.runtime) if r.kind in ("transcripts", "survey-answers")]
    assert [r.keep_days for r in rules] == [3650, 730]

    # a year on, nothing has expired
    report = await run_retention(h.runtime.database, data_protection, rules, now=utcnow() + timedelta(days=365))
    assert [r.get("affected") for r in report["rules"]] == [{}, {}]
    assert await h.count(Transcript.__table__) == 1

    report = await run_retention(h.runtime.database, data_protection, rules, now=utcnow() + timedelta(days=3700))
    assert report["errors"] == []
    assert [r["affected"] for r in report["rules"]] == [{"unicaen.fr": 1}, {"unicaen.fr": 1}]
    assert await h.count(Transcript.__table__) == 0
    assert await h.count(TranscriptVersion.__table__) == 0
    responses = SurveyResponse.__table__
    assert await h.count(responses, responses.c.invitation_id.is_(None)) == 1

    dpo = h.headers("dpo", sub="dpo-1")
    trail = await h.client.get(
        "/data-protection/audit", params={"object_type": "transcript", "object_id": transcript["id"]}, headers=dpo
    )
    erased = [e for e in trail.json()["items"] if e["action"] == "erased"]
    assert [(e["actor_id"], e["person"], e["detail"]) for e in erased] == [
        ("retention", ESI.lower(), "retention: transcripts (kept 3650 days)")
    ]
    audit = data_protection.audit
    unlinked = audit.c.action == "anonymised", audit.c.object_type == "survey_response"
    assert await h.count(audit, *unlinked) == 1
