"""Scheduled jobs of a service's worker: run every so often, by one replica at a time, with a report.

A lease row (``job_lease``) makes sure that among several worker replicas only one runs a job at a
time; the last run's start (``job_run``) says whether the job is due. Every run is kept with its
report or its error, for the data protection officer and for operations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import traceback
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from smile_common.dataprotection.tables import DataProtectionTables
from smile_common.db.base import utcnow
from smile_common.db.engine import Database

__all__ = ["Job", "JobBusy", "JobRunner", "holder_id"]

_log = logging.getLogger("smile.jobs")
#: what a job does: it gets who triggered it and returns its report (JSON-friendly).
JobAction = Callable[[str], Awaitable[dict[str, Any]]]


def holder_id() -> str:
    """This process, as named in leases."""
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"[:100]


class JobBusy(Exception):  # noqa: N818 - a state, not a failure
    """Another replica holds the job's lease."""


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    action: JobAction
    #: how long a replica may hold the job before another one may take over (it crashed).
    lease: timedelta = timedelta(hours=1)


class JobRunner:
    """Runs a service's jobs when due (``loop``) or on demand (``run_now``)."""

    def __init__(self, database: Database, tables: DataProtectionTables, jobs: Sequence[Job]) -> None:
        self.database = database
        self.tables = tables
        self.jobs = {job.name: job for job in jobs}
        self.holder = holder_id()

    async def loop(self, stop: asyncio.Event, *, poll_seconds: float = 60.0) -> None:
        """Until ``stop``: run each job that is due. Errors are logged and recorded, never fatal."""
        while not stop.is_set():
            for job in self.jobs.values():
                if stop.is_set():
                    break
                try:
                    if await self._due(job):
                        await self.run_now(job.name, triggered_by="system:scheduler", only_if_due=True)
                except JobBusy:
                    pass
                except Exception:
                    _log.exception("scheduled job %s could not run", job.name)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)

    async def run_now(self, name: str, *, triggered_by: str, only_if_due: bool = False) -> dict[str, Any]:
        """Run ``name`` now and return its run record; :class:`JobBusy` if another replica runs it."""
        job = self.jobs[name]
        if not await self._acquire(job):
            raise JobBusy(name)
        try:
            if only_if_due and not await self._due(job):
                return {}
            return await self._run(job, triggered_by)
        finally:
            await self._release(job)

    async def _run(self, job: Job, triggered_by: str) -> dict[str, Any]:
        run = self.tables.job_run
        started = utcnow()
        async with self.database.sessionmaker() as session, session.begin():
            run_id = await session.scalar(
                sa.insert(run)
                .values(job=job.name, started_at=started, status="running", triggered_by=triggered_by[:255])
                .returning(run.c.id)
            )
        status, report, error = "succeeded", None, None
        try:
            report = await job.action(triggered_by)
            if report.get("errors"):
                status = "failed"
        except Exception as exc:
            _log.exception("job %s failed", job.name)
            status, error = "failed", "".join(traceback.format_exception_only(exc)).strip()[:4000]
        values = {"finished_at": utcnow(), "status": status, "report": report, "error": error}
        async with self.database.sessionmaker() as session, session.begin():
            await session.execute(sa.update(run).where(run.c.id == run_id).values(**values))
        return {"id": run_id, "job": job.name, "started_at": started, "triggered_by": triggered_by, **values}

    async def _due(self, job: Job) -> bool:
        run = self.tables.job_run
        async with self.database.sessionmaker() as session:
            last: datetime | None = await session.scalar(
                sa.select(sa.func.max(run.c.started_at)).where(run.c.job == job.name)
            )
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=utcnow().tzinfo)
        return last is None or last + job.every <= utcnow()

    async def _acquire(self, job: Job) -> bool:
        lease = self.tables.job_lease
        now = utcnow()
        try:
            async with self.database.sessionmaker() as session, session.begin():
                row = (
                    await session.execute(sa.select(lease).where(lease.c.name == job.name).with_for_update())
                ).first()
                if row is None:
                    await session.execute(
                        sa.insert(lease).values(name=job.name, holder=self.holder, expires_at=now + job.lease)
                    )
                    return True
                if row.holder != self.holder and row.expires_at > now:
                    return False
                await session.execute(
                    sa.update(lease)
                    .where(lease.c.name == job.name)
                    .values(holder=self.holder, expires_at=now + job.lease)
                )
                return True
        except IntegrityError:
            return False  # another replica inserted the lease first

    async def _release(self, job: Job) -> None:
        lease = self.tables.job_lease
        async with self.database.sessionmaker() as session, session.begin():
            await session.execute(
                sa.update(lease)
                .where(lease.c.name == job.name, lease.c.holder == self.holder)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
