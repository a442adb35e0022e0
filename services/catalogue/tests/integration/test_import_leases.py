"""Import jobs whose worker died: a running job holds a lease its worker renews; once the lease has run
out, another worker takes the job over and runs it, exactly once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from smile_catalogue.courses.models import Course
from smile_catalogue.db import metadata, table_of
from smile_catalogue.definition import DEFINITION
from smile_catalogue.imports import service
from smile_catalogue.imports.models import ImportJob, ImportPayload
from smile_common.audit import audit_table_for
from smile_common.db import utcnow
from smile_common.testing.harness import ServiceHarness
from smile_common.testing.wait import eventually

from .conftest import editor, load_reference
from .test_imports import ROWS, csv_file, upload

JOBS = table_of(ImportJob)
COURSES = table_of(Course)


async def harness_with(make_harness: Any, **settings: Any) -> ServiceHarness:
    harness: ServiceHarness = await make_harness(DEFINITION, catalogue_import_poll_seconds=0.2, **settings)
    await load_reference(harness)
    return harness


async def queue(harness: ServiceHarness, *rows: str) -> Any:
    response = await upload(harness, csv_file(*rows))
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["id"])


async def job_row(harness: ServiceHarness, job_id: Any) -> Any:
    async with harness.runtime.database.sessionmaker() as session:
        return (await session.execute(sa.select(JOBS).where(JOBS.c.id == job_id))).one()


async def set_job(harness: ServiceHarness, job_id: Any, **values: Any) -> None:
    async with harness.runtime.database.sessionmaker() as session, session.begin():
        await session.execute(sa.update(JOBS).where(JOBS.c.id == job_id).values(**values))


async def claimed_by_a_dead_worker(harness: ServiceHarness) -> Any:
    """Claim the queued job as a worker of another process would, then forget the claim (it died)."""
    job_id = await service.claim_next(harness.runtime)
    assert job_id is not None
    harness.runtime.extras["catalogue_import_claims"].pop(job_id)
    await set_job(harness, job_id, lease_expires_at=utcnow() - timedelta(seconds=1))
    return job_id


async def test_a_job_whose_worker_died_is_taken_over_by_a_worker_once_its_lease_has_run_out(make_harness) -> None:
    harness = await harness_with(make_harness)
    job_id = await queue(harness, *ROWS)
    await claimed_by_a_dead_worker(harness)
    dead = (await job_row(harness, job_id)).worker

    await harness.start_worker()

    async def finished() -> dict[str, Any] | None:
        job = (await harness.client.get(f"/imports/{job_id}", headers=editor(harness))).json()
        return job if job["status"] != "running" else None

    job = await eventually(finished)
    assert job["status"] == "succeeded"
    assert job["summary"]["created"] == 3
    assert job["attempts"] == 2  # staff can see that the job was taken over
    row = await job_row(harness, job_id)
    assert row.attempts == 2
    assert row.worker != dead
    assert await harness.count(COURSES) == 3


async def test_a_job_whose_lease_is_live_is_left_to_its_worker(make_harness) -> None:
    harness = await harness_with(make_harness)
    busy = await queue(harness, ROWS[0])
    assert await service.claim_next(harness.runtime) == busy  # its worker runs it (and renews its lease)
    before = await job_row(harness, busy)
    assert await service.claim_next(harness.runtime) is None
    assert not await service.claim_next_id(harness.runtime, busy)

    await harness.start_worker()
    later = await queue(harness, ROWS[1])

    async def done() -> bool:
        return str((await job_row(harness, later)).status) == "succeeded"

    await eventually(done)  # the worker has looked for work since, and ran only the later job
    after = await job_row(harness, busy)
    assert (after.status, after.worker, after.attempts) == ("running", before.worker, 1)
    assert await harness.count(COURSES, COURSES.c.code == "DRT-EU-101") == 0


async def test_a_worker_that_lost_its_job_to_another_writes_nothing(make_harness) -> None:
    harness = await harness_with(make_harness)
    job_id = await queue(harness, *ROWS)
    await claimed_by_a_dead_worker(harness)
    slow = (await job_row(harness, job_id)).worker  # thought dead, but only slow
    assert await service.claim_next(harness.runtime) == job_id
    taker = (await job_row(harness, job_id)).worker
    harness.runtime.extras["catalogue_import_claims"].pop(job_id)

    late = await service.run_job(harness.runtime, job_id, worker=slow)
    assert (late.status, late.worker) == ("running", taker)
    assert await harness.count(COURSES) == 0

    job = await service.run_job(harness.runtime, job_id, worker=taker)
    assert job.status == "succeeded"
    assert job.summary["created"] == 3
    assert await harness.count(COURSES) == 3
    audit = audit_table_for(metadata)
    assert audit is not None
    assert await harness.count(audit, audit.c.object_type == "course") == 3  # applied once


async def test_a_running_worker_renews_its_lease(make_harness) -> None:
    harness = await harness_with(make_harness, catalogue_import_lease_seconds=3)
    job_id = await queue(harness, *ROWS)
    assert await service.claim_next(harness.runtime) == job_id
    row = await job_row(harness, job_id)
    lease = service._Lease(harness.runtime, job_id, row.worker)
    await lease.renew()
    renewed = await job_row(harness, job_id)
    assert renewed.lease_expires_at > row.lease_expires_at
    assert not lease.lost

    await set_job(harness, job_id, lease_expires_at=utcnow() - timedelta(seconds=1))
    assert await service.claim_next(harness.runtime) == job_id  # taken over by another worker
    await lease.renew()
    assert lease.lost
    assert (await job_row(harness, job_id)).worker != row.worker


async def test_a_job_whose_workers_keep_dying_is_given_up(make_harness) -> None:
    harness = await harness_with(make_harness, catalogue_import_max_attempts=2)
    job_id = await queue(harness, *ROWS)
    await claimed_by_a_dead_worker(harness)
    await claimed_by_a_dead_worker(harness)
    assert (await job_row(harness, job_id)).attempts == 2

    assert await service.claim_next(harness.runtime) is None
    job = (await harness.client.get(f"/imports/{job_id}", headers=editor(harness))).json()
    assert job["status"] == "failed"
    assert "stopped 2 times" in job["error"]
    assert job["attempts"] == 2
    payload = table_of(ImportPayload)
    assert await harness.count(payload, payload.c.content.is_not(None)) == 0  # the file is not kept
    assert await harness.count(COURSES) == 0
