"""Access and erasure requests across services: located, collected or erased, reported; late services
are asked again until they answer; a failure never leaves a service half-erased."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa

from smile_common.testing.wait import eventually
from smile_records.definition import DEFINITION as RECORDS

from . import sample
from .sample import DEFINITION as SAMPLE
from .sample import Applicant, data_protection
from .test_audit_trail import ALICE, _create, _entries
from .test_documents_api import PDF

FAST = {"data_subject_services": ["records", "sample"], "data_subject_resend_seconds": 0.3}


async def _services(make_harness, *, start_sample: bool = True):  # type: ignore[no-untyped-def]
    records = await make_harness(RECORDS, **FAST)
    participant = await make_harness(SAMPLE, **FAST)
    await records.start_worker()
    if start_sample:
        await participant.start_worker()
    return records, participant


async def _file(records, **body: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await records.client.post(
        "/data-protection/requests", json=body, headers=records.headers("dpo", sub="dpo-caen")
    )
    assert response.status_code == 202, response.text
    return response.json()


async def _state(records, request_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await records.client.get(f"/data-protection/requests/{request_id}", headers=records.headers("dpo"))
    assert response.status_code == 200, response.text
    return response.json()


async def _completed(records, request_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    async def done() -> dict[str, Any] | None:
        state = await _state(records, request_id)
        return state if state["status"] == "completed" else None

    return await eventually(done, timeout=30)


async def test_an_access_request_gathers_the_persons_data_from_every_service(make_harness) -> None:
    records, participant = await _services(make_harness)
    mine = await _create(participant)
    await _create(participant, {**ALICE, "esi": None, "email": "someone.else@uni.es", "name": "Bob"})
    filed = await _file(records, kind="access", email=ALICE["email"].upper(), birth_date=ALICE["birth_date"])
    assert filed["status"] == "in_progress"
    assert filed["due_on"] > filed["filed_at"][:10]

    state = await _completed(records, filed["id"])
    assert state["outcome"] == "completed"
    assert {s["service"]: s["phases"] for s in state["services"]} == {
        "records": {"locate": "done", "collect": "done"},
        "sample": {"locate": "done", "collect": "done"},
    }
    export = (
        await records.client.get(f"/data-protection/requests/{filed['id']}/export", headers=records.headers("dpo"))
    ).json()
    assert export["subject"]["esis"] == [ALICE["esi"].lower()]  # found by e-mail + birth date, then used
    sections = {s["kind"]: s for s in export["services"]["sample"]["sections"]}
    [record] = sections["applicant-after-mobility"]["records"]
    assert record["id"] == mine
    assert record["name"] == "Alice Martín"
    assert record["health_notes"] == "(withheld)"
    assert "document_key" not in record
    assert sections["applicant-after-mobility"]["retention"] == "730 days after the end of the mobility"
    assert sections["applicant-after-mobility"]["legal_basis"].startswith("Public task")
    assert sections["audit-trail"]["records"][0]["action"] == "created"
    assert "actor_id" not in sections["audit-trail"]["records"][0]  # staff are not named to the person
    # records holds nothing about her yet but the trail of this very request
    [trail] = export["services"]["records"]["sections"]
    assert {e["object_type"] for e in trail["records"]} == {"data_subject_request"}

    page = await records.client.get(
        f"/data-protection/requests/{filed['id']}/export", params={"format": "html"}, headers=records.headers("dpo")
    )
    assert page.headers["content-type"].startswith("text/html")
    assert "Alice Martín" in page.text
    assert "<script" not in page.text
    # who asked, and every service's part, is in the trail
    [asked] = await _entries(records, object_type="data_subject_request", action="filed")
    assert (asked["actor_id"], asked["person"]) == ("dpo-caen", ALICE["email"])
    collected = await _entries(participant, object_type="data_subject_request", action="data_subject_collect")
    assert collected[0]["actor_id"] == "dpo-caen"


async def test_an_erasure_request_erases_what_it_may_and_says_what_it_kept(make_harness) -> None:
    records, participant = await _services(make_harness)
    staff = participant.headers("coordinator")
    refused = await _create(participant)
    assert (await participant.client.put(f"/applicants/{refused}/document", content=PDF, headers=staff)).is_success
    key = await _column(participant, refused, "document_key")
    completed = await _create(participant, {**ALICE, "email": "alice.other@uni.es"})
    await participant.client.patch(f"/applicants/{completed}", json={"status": "completed"}, headers=staff)
    other = await _create(participant, {**ALICE, "esi": None, "email": "bob@uni.es", "name": "Bob"})

    filed = await _file(records, kind="erasure", esi=ALICE["esi"], note="identity checked by video call")
    state = await _completed(records, filed["id"])
    assert state["message"].startswith("Erased in every service")
    report = (
        await records.client.get(f"/data-protection/requests/{filed['id']}/export", headers=records.headers("dpo"))
    ).json()
    sections = {s["kind"]: s for s in report["services"]["sample"]["sections"]}
    assert sections["applicant-after-mobility"] | {"reason": None} == {
        "kind": "applicant-after-mobility", "title": "Applications", "erased": 1, "anonymised": 0, "kept": 1,
        "reason": None,
    }  # fmt: skip
    assert sections["applicant-after-mobility"]["reason"] == sample.KEEP_REASON
    assert sections["audit-trail"]["kept"] >= 3
    assert await _column(participant, refused, "id") is None
    assert await _column(participant, completed, "status") == "completed"
    assert await _column(participant, other, "name") == "Bob"
    await asyncio.sleep(0.05)
    assert not (participant.runtime.settings.data_dir / "documents" / key).exists()
    [erased] = await _entries(participant, object_id=refused, action="erased")
    assert erased["actor_id"] == "dpo-caen"
    assert erased["detail"] == f"erasure request {filed['id']}"


async def test_an_unknown_person_gets_a_clear_answer_and_nothing_changes(make_harness) -> None:
    records, participant = await _services(make_harness)
    await _create(participant)
    before = await participant.count(data_protection.audit)
    filed = await _file(records, kind="erasure", email="nobody@nowhere.example", birth_date="2001-01-01")
    state = await _completed(records, filed["id"])
    assert state["outcome"] == "subject_not_found"
    assert state["message"].startswith("No service holds data about this person")
    assert state["services"][1]["phases"] == {"locate": "done"}  # never asked to erase
    assert await participant.count(Applicant.__table__) == 1
    audit = data_protection.audit
    assert await participant.count(audit, audit.c.action.in_(["erased", "anonymised"])) == 0
    # the looked-for address is not written down where nothing is held about the person
    assert await participant.count(audit, audit.c.person == "nobody@nowhere.example") == 0
    assert await participant.count(audit) == before + 1


async def test_a_service_that_is_down_answers_when_it_is_back(make_harness) -> None:
    records, participant = await _services(make_harness, start_sample=False)
    await _create(participant)
    filed = await _file(records, kind="erasure", esi=ALICE["esi"])

    async def only_sample_missing() -> dict[str, Any] | None:
        state = await _state(records, filed["id"])
        phases = {s["service"]: s["phases"] for s in state["services"]}
        done_here = phases.get("records", {}).get("locate") == "done"
        return state if done_here and state["times_asked"] >= 2 else None

    waiting = await eventually(only_sample_missing, timeout=30)  # records answered; sample asked again
    assert waiting["status"] == "in_progress"
    assert {s["service"]: s["phases"] for s in waiting["services"]}["sample"] == {"locate": "waiting"}
    assert "waiting for sample" in waiting["message"]
    assert waiting["times_asked"] >= 2  # asked again while it was down
    export = await records.client.get(f"/data-protection/requests/{filed['id']}/export", headers=records.headers("dpo"))
    assert export.status_code == 409

    await participant.start_worker()  # the service is back
    state = await _completed(records, filed["id"])
    assert state["outcome"] == "completed"
    assert await participant.count(Applicant.__table__) == 0


async def test_a_failing_erasure_changes_nothing_says_so_and_succeeds_when_asked_again(make_harness) -> None:
    records, participant = await _services(make_harness)
    applicant = await _create(participant)
    sample.FAIL_ERASURE["on"] = True
    try:
        filed = await _file(records, kind="erasure", esi=ALICE["esi"])

        async def failed() -> dict[str, Any] | None:
            state = await _state(records, filed["id"])
            phases = {s["service"]: s["phases"] for s in state["services"]}
            return state if phases["sample"].get("erase", "").startswith("failed") else None

        state = await eventually(failed, timeout=30)
        assert "disk full" in {s["service"]: s["phases"] for s in state["services"]}["sample"]["erase"]
        assert "failed in sample" in state["message"]
        assert "records" in state["message"]  # done there, and said so
        assert await _column(participant, applicant, "name") == "Alice Martín"  # nothing half-erased
        assert await participant.count(data_protection.audit, data_protection.audit.c.action == "erased") == 0
    finally:
        sample.FAIL_ERASURE["on"] = False
    state = await _completed(records, filed["id"])  # asked again automatically
    assert await _column(participant, applicant, "id") is None


async def test_requests_are_checked_and_scoped(make_harness) -> None:
    records, _ = await _services(make_harness)
    dpo = records.headers("dpo")
    for body in (
        {"kind": "access", "email": "a@b.org"},
        {"kind": "access", "esi": "12345"},
        {"kind": "forget", "esi": ALICE["esi"]},
        {"kind": "access", "email": "not-an-email", "birth_date": "2000-01-01"},
        {"kind": "access", "email": "a@b.org", "birth_date": "2999-01-01"},
    ):
        response = await records.client.post("/data-protection/requests", json=body, headers=dpo)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
    filed = await _file(records, kind="access", esi=ALICE["esi"])
    for headers in (records.headers("coordinator"), records.headers("student")):
        assert (await records.client.post("/data-protection/requests", json={}, headers=headers)).status_code == 403
    foreign = await records.client.get(
        f"/data-protection/requests/{filed['id']}", headers=records.headers("dpo", hei="univ-rennes.fr")
    )
    assert foreign.status_code == 404
    listed = await records.client.get("/data-protection/requests", headers=dpo)
    assert [r["id"] for r in listed.json()] == [filed["id"]]


async def _column(service, applicant_id: str, column: str) -> Any:  # type: ignore[no-untyped-def]
    import uuid

    table = Applicant.__table__
    async with service.runtime.database.sessionmaker() as session:
        return await session.scalar(sa.select(table.c[column]).where(table.c.id == uuid.UUID(applicant_id)))
