"""Retention: each kind of data is erased or anonymised when its period ends, audited and reported."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from smile_common.dataprotection.jobs import JobBusy, JobRunner
from smile_common.db import utcnow
from smile_common.testing.wait import eventually

from .sample import DEFINITION, Applicant, data_protection
from .test_audit_trail import ALICE, _create, _entries
from .test_documents_api import PDF

DAY = timedelta(days=1)


async def _age(service, applicant_id: str, *, status: str, days: int) -> None:  # type: ignore[no-untyped-def]
    table = Applicant.__table__
    async with service.runtime.database.sessionmaker() as session, session.begin():
        await session.execute(
            sa.update(table)
            .where(table.c.id == uuid.UUID(applicant_id))
            .values(status=status, updated_at=utcnow() - days * DAY)
        )


async def _row(service, applicant_id: str):  # type: ignore[no-untyped-def]
    table = Applicant.__table__
    async with service.runtime.database.sessionmaker() as session:
        return (await session.execute(sa.select(table).where(table.c.id == uuid.UUID(applicant_id)))).first()


async def test_expired_data_is_erased_or_anonymised_audited_and_reported(make_harness) -> None:
    service = await make_harness(DEFINITION, retention_days={"applicant-not-followed": 30})
    staff = service.headers("coordinator")
    old_rejected = await _create(service, {**ALICE, "esi": None, "email": "rejected@uni.es"})
    recent_rejected = await _create(service, {**ALICE, "esi": None, "email": "recent@uni.es"})
    finished = await _create(service)
    waiting = await _create(service, {**ALICE, "esi": None, "email": "waiting@uni.es"})
    for applicant in (old_rejected, finished):
        assert (await service.client.put(f"/applicants/{applicant}/document", content=PDF, headers=staff)).is_success
    files = {a: (await _row(service, a)).document_key for a in (old_rejected, finished)}
    await _age(service, old_rejected, status="rejected", days=31)
    await _age(service, recent_rejected, status="rejected", days=29)
    await _age(service, finished, status="completed", days=800)
    await _age(service, waiting, status="nominated", days=5000)

    run = await service.client.post("/data-protection/retention/runs", headers=service.headers("dpo", sub="dpo-1"))
    assert run.status_code == 201, run.text
    report = {rule["kind"]: rule for rule in run.json()["rules"]}
    assert run.json()["status"] == "succeeded"
    assert run.json()["triggered_by"] == "user:dpo-1"
    assert report["applicant-not-followed"]["affected"] == 1
    assert report["applicant-not-followed"]["keep_days"] == 30
    assert report["applicant-after-mobility"]["affected"] == 1
    assert report["applicant-after-mobility"]["action"] == "anonymise"

    assert await _row(service, old_rejected) is None
    assert await _row(service, recent_rejected) is not None
    assert (await _row(service, waiting)).email == "waiting@uni.es"
    anonymised = await _row(service, finished)
    assert (anonymised.name, anonymised.email, anonymised.esi, anonymised.health_notes) == (
        "(anonymised)", "(anonymised)", None, None,
    )  # fmt: skip
    assert anonymised.status == "completed"  # the fact the indicators count stays
    await asyncio.sleep(0.05)
    documents = service.runtime.settings.data_dir / "documents"
    assert not (documents / files[old_rejected]).exists()
    assert not (documents / files[finished]).exists()

    [erased] = await _entries(service, object_id=old_rejected, action="erased")
    assert (erased["actor_type"], erased["actor_id"]) == ("system", "retention")
    assert erased["person"] == "rejected@uni.es"
    assert erased["detail"] == "retention: applicant-not-followed (kept 30 days)"
    [anon] = await _entries(service, object_id=finished, action="anonymised")
    assert anon["person"] == ALICE["esi"].lower()

    # a second run finds nothing more to do; another university's officer sees none of it
    again = await service.client.post("/data-protection/retention/runs", headers=service.headers("dpo"))
    assert {r["kind"]: r["affected"] for r in again.json()["rules"]}["applicant-after-mobility"] == 0
    runs = await service.client.get("/data-protection/retention/runs", headers=service.headers("dpo", hei="x.org"))
    assert [r["affected"] for r in runs.json()[1]["rules"]] == [0] * len(report)


async def test_the_rules_are_published_for_the_data_protection_officer(make_harness) -> None:
    service = await make_harness(DEFINITION, retention_days={"audit-trail": 180})
    response = await service.client.get("/data-protection/retention", headers=service.headers("dpo"))
    assert response.status_code == 200
    rules = {rule["kind"]: rule for rule in response.json()}
    assert set(rules) == {
        "applicant-not-followed", "applicant-after-mobility", "audit-trail", "job-reports",
        "data-subject-answers", "event-copies",
    }  # fmt: skip
    assert rules["audit-trail"]["keep_days"] == 180
    assert rules["applicant-after-mobility"]["keeps"] == "status and university, for the indicators"
    assert all(rule["purpose"] and rule["legal_basis"] for rule in rules.values())
    assert (
        await service.client.get("/data-protection/retention", headers=service.headers("coordinator"))
    ).status_code == 403


async def test_old_audit_entries_go_but_recent_ones_stay(make_harness) -> None:
    service = await make_harness(DEFINITION)
    await _create(service)
    audit = data_protection.audit
    async with service.runtime.database.sessionmaker() as session, session.begin():
        await session.execute(
            sa.insert(audit).values(
                tenant="unicaen.fr", occurred_at=utcnow() - 400 * DAY, actor_type="user", actor_id="old",
                action="updated", object_type="applicant", object_id="x",
            )
        )  # fmt: skip
    run = await service.client.post("/data-protection/retention/runs", headers=service.headers("admin"))
    assert {r["kind"]: r["affected"] for r in run.json()["rules"]}["audit-trail"] == 1
    assert await service.count(audit, audit.c.actor_id == "old") == 0
    assert await service.count(audit, audit.c.action == "created") == 1


async def test_the_worker_runs_retention_on_schedule_once_across_replicas(make_harness) -> None:
    service = await make_harness(DEFINITION, jobs_poll_seconds=0.05, retention_every_hours=1)
    await service.start_worker()
    runs = data_protection.job_run
    # a new worker runs the job at once, and the test harness waits for that run to be over: a test never
    # has the job changing its data at a moment that depends on the machine's speed
    assert await service.count(runs, runs.c.finished_at.is_not(None)) == 1

    async def one_run() -> bool:
        return await service.count(runs, runs.c.status == "succeeded") == 1

    await eventually(one_run)
    await asyncio.sleep(0.3)
    assert await service.count(runs) == 1  # not due again for an hour

    first, second = (JobRunner(service.runtime.database, data_protection, []) for _ in range(2))
    job = service.runtime.definition.data_protection.jobs(service.runtime)[0]
    first.jobs = second.jobs = {job.name: job}
    assert await first._acquire(job)
    with pytest.raises(JobBusy):
        await second.run_now("retention", triggered_by="test")
    busy = await service.client.post("/data-protection/retention/runs", headers=service.headers("dpo"))
    assert busy.status_code == 409
    await first._release(job)
    assert (
        await service.client.post("/data-protection/retention/runs", headers=service.headers("dpo"))
    ).status_code == 201
