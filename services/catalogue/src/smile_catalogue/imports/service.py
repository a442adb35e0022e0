"""Import jobs: a file or a SIS read, queued by the API or the command line, run by the worker.

A job is claimed by one worker (``SKIP LOCKED`` on PostgreSQL), applied in one transaction, and finishes
``succeeded`` (written, or checked for a dry run), ``rejected`` (rows were rejected: nothing written) or
``failed`` (the file or the SIS could not be read). Its per-row report is kept, gzip-compressed.

The worker holds a lease on its running job and renews it while it works. If it dies, the lease runs
out and the next worker looking for work takes the job over and runs it again from the start: the
dead worker's transaction left nothing behind, and a worker only ends a job (in the transaction that
writes the file) while it still holds it, so a file is never applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.courses.models import Course
from smile_catalogue.db import is_postgres, table_of
from smile_catalogue.imports.formats import ImportFileError, ParsedFile, parse_file
from smile_catalogue.imports.models import ImportJob, ImportPayload, JobStatus
from smile_catalogue.imports.pipeline import ImportOptions, ImportResult, apply_file
from smile_catalogue.imports.sis import offer_rows, sis_registry
from smile_catalogue.settings import CatalogueSettings
from smile_common.audit import Actor, act_as
from smile_common.db import utcnow
from smile_common.errors import NotFound
from smile_common.security import Principal, Role
from smile_common.service import Runtime
from smile_sis import SisConfigurationError, SisError

__all__ = [
    "claim_next",
    "create_job",
    "get_job",
    "job_report",
    "list_jobs",
    "run_job",
    "statistics_refreshed",
    "wake_worker",
]

_log = logging.getLogger("smile.catalogue.imports")
_PROGRESS_KEY = "catalogue_import_progress"
#: imports writing at least this many courses, and at least this share of the file's courses, refresh the
#: planner's statistics of the search tables at once (smaller changes are left to autovacuum, which
#: analyses a table once about a tenth of it has changed)
_ANALYZE_AFTER = 500
_ANALYZE_SHARE = 0.2
#: what searches filter and sort courses by (the wide JSON and text columns, only read back, are left out:
#: sampling them took most of the time)
_ANALYZED_COURSE_COLUMNS = ("id", "tenant", "code", "status", "open_to_exchange", "ects", "eqf_level", "isced_code",
                            "organisational_unit_code", "capacity", "updated_at", "title_sort_en", "title_sort_fr",
                            "search_vector", "facets")  # fmt: skip
_ANALYZED = f"{table_of(Course).schema}.{table_of(Course).name} ({', '.join(_ANALYZED_COURSE_COLUMNS)})"
_WAKE_KEY = "catalogue_import_wake"
#: statistics refreshes (``ANALYZE``) started after imports and still running
_ANALYZING_KEY = "catalogue_import_analyzing"
#: the worker name of each job this process claimed, until it runs it
_CLAIMS_KEY = "catalogue_import_claims"
_JOB = table_of(ImportJob)
_PAYLOAD = table_of(ImportPayload)
#: extra callback the command line gives to draw its progress bar
Printer = Callable[[str, int, int], None]


async def create_job(
    session: AsyncSession,
    principal: Principal,
    *,
    source: str,
    options: dict[str, Any],
    filename: str | None = None,
    content: bytes | None = None,
) -> ImportJob:
    job = ImportJob(
        id=uuid.uuid4(),
        tenant=principal.tenant,
        source=source,
        options=options,
        filename=filename,
        size_bytes=len(content or b""),
        status=JobStatus.QUEUED.value,
        summary={},
        created_by=principal.subject,
        created_at=utcnow(),
        total_rows=0,
        processed_rows=0,
    )
    session.add(job)
    session.add(ImportPayload(job_id=job.id, content=content))
    await session.flush()
    return job


def wake_worker(runtime: Runtime) -> None:
    """Tell a worker running in this process (all-in-one mode) that a job is waiting."""
    event = runtime.extras.get(_WAKE_KEY)
    if event is not None:
        event.set()


def wake_event(runtime: Runtime) -> asyncio.Event:
    event = runtime.extras.setdefault(_WAKE_KEY, asyncio.Event())
    assert isinstance(event, asyncio.Event)
    return event


async def get_job(session: AsyncSession, principal: Principal, job_id: uuid.UUID) -> ImportJob:
    job = await session.get(ImportJob, job_id)
    if job is None or job.tenant != principal.tenant:
        raise NotFound(f"No import {job_id}.")
    return job


def live_progress(runtime: Runtime, job: ImportJob) -> tuple[str | None, int, int]:
    """Phase and rows done of a running job: from this process's memory (SQLite) or the job row."""
    live = runtime.extras.get(_PROGRESS_KEY, {}).get(job.id)
    if live is not None and job.status == JobStatus.RUNNING.value:
        phase, done, total = live
        return str(phase), int(done), int(total)
    return job.phase, job.processed_rows, job.total_rows


async def list_jobs(session: AsyncSession, principal: Principal, limit: int) -> list[ImportJob]:
    query = (
        sa.select(ImportJob)
        .where(ImportJob.tenant == principal.tenant)
        .order_by(ImportJob.created_at.desc(), ImportJob.id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def job_report(session: AsyncSession, principal: Principal, job_id: uuid.UUID) -> list[dict[str, Any]]:
    await get_job(session, principal, job_id)
    report = await session.scalar(sa.select(ImportPayload.report).where(ImportPayload.job_id == job_id))
    return list(json.loads(gzip.decompress(report))) if report else []


async def claim_next(runtime: Runtime) -> uuid.UUID | None:
    """Take the oldest queued job, or a running one whose worker's lease ran out, and return its id
    (``None``: nothing to do)."""
    return await _claim(runtime, None)


async def claim_next_id(runtime: Runtime, job_id: uuid.UUID) -> bool:
    """Take ``job_id`` unless a worker has it (with a live lease) or it has ended."""
    return await _claim(runtime, job_id) is not None


def _takeable(now: datetime) -> sa.ColumnElement[bool]:
    """Queued, or running under a lease that has run out (or none: a job claimed before leases)."""
    return sa.or_(
        _JOB.c.status == JobStatus.QUEUED.value,
        sa.and_(
            _JOB.c.status == JobStatus.RUNNING.value,
            sa.or_(_JOB.c.lease_expires_at.is_(None), _JOB.c.lease_expires_at < now),
        ),
    )


def _worker_name() -> str:
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


async def _claim(runtime: Runtime, job_id: uuid.UUID | None) -> uuid.UUID | None:
    """One statement takes the job: ``UPDATE … WHERE id = (the oldest takeable job) AND still takeable``.

    On PostgreSQL the inner ``SELECT … FOR UPDATE SKIP LOCKED`` skips a job another worker is taking, and
    the outer condition is checked again on the row as it is once locked, so two workers never both take
    a job. SQLite runs one writer at a time (``BEGIN IMMEDIATE``), which makes the statement atomic too."""
    settings = runtime.settings
    assert isinstance(settings, CatalogueSettings)
    now = utcnow()
    worker = _worker_name()
    async with runtime.database.sessionmaker() as session, session.begin():
        await _give_up_exhausted(session, now, settings.catalogue_import_max_attempts)
        pick = sa.select(_JOB.c.id).where(_takeable(now))
        if job_id is not None:
            pick = pick.where(_JOB.c.id == job_id)
        pick = pick.order_by(_JOB.c.created_at).limit(1)
        if is_postgres(session):
            pick = pick.with_for_update(skip_locked=True)
        taken = await session.scalar(
            sa.update(_JOB)
            .where(_JOB.c.id == pick.scalar_subquery(), _takeable(now))
            .values(
                status=JobStatus.RUNNING.value,
                started_at=now,
                phase="reading",
                worker=worker,
                lease_expires_at=now + timedelta(seconds=settings.catalogue_import_lease_seconds),
                attempts=_JOB.c.attempts + 1,
            )
            .returning(_JOB.c.id)
        )
    if taken is None:
        return None
    assert isinstance(taken, uuid.UUID)
    runtime.extras.setdefault(_CLAIMS_KEY, {})[taken] = worker
    return taken


async def _give_up_exhausted(session: AsyncSession, now: datetime, max_attempts: int) -> None:
    """Jobs whose workers died ``max_attempts`` times end ``failed`` (a file that kills its worker, for
    instance by exhausting its memory, would otherwise be taken again forever)."""
    exhausted = (
        sa.update(_JOB)
        .where(
            _JOB.c.status == JobStatus.RUNNING.value,
            _JOB.c.attempts >= max_attempts,
            sa.or_(_JOB.c.lease_expires_at.is_(None), _JOB.c.lease_expires_at < now),
        )
        .values(
            status=JobStatus.FAILED.value,
            phase="done",
            finished_at=now,
            lease_expires_at=None,
            error=f"the worker running the import stopped {max_attempts} times before the end; nothing was "
            "written. Split the file or give the worker more memory, then import it again.",
        )
        .returning(_JOB.c.id)
    )
    ids = list((await session.execute(exhausted)).scalars())
    if ids:
        _log.warning("imports given up after %s attempts: %s", max_attempts, ", ".join(map(str, ids)))
        await session.execute(sa.update(_PAYLOAD).where(_PAYLOAD.c.job_id.in_(ids)).values(content=None))


class LeaseLostError(Exception):
    """Another worker took the job over (this one was thought dead): what this one did is rolled back."""


class _Lease:
    """The claim of this worker on a running job, renewed in the background every third of the lease.

    While the import's own transaction is open on SQLite, the write lock it holds keeps every other
    worker from taking the job (and from renewing the lease), so renewals wait for its end."""

    def __init__(self, runtime: Runtime, job_id: uuid.UUID, worker: str) -> None:
        settings = runtime.settings
        assert isinstance(settings, CatalogueSettings)
        self.runtime, self.job_id, self.worker = runtime, job_id, worker
        self.seconds = settings.catalogue_import_lease_seconds
        self.sqlite = not runtime.settings.resolved_database_url().startswith("postgresql")
        self.importing = False
        self.lost = False
        #: the job has ended (its end is committed): nothing to renew any more
        self.ended = False

    def mine(self) -> sa.ColumnElement[bool]:
        return sa.and_(_JOB.c.id == self.job_id, _JOB.c.worker == self.worker, _JOB.c.status == JobStatus.RUNNING.value)

    async def keep(self) -> None:
        while not self.lost:
            await asyncio.sleep(self.seconds / 3)
            if self.ended:
                return
            if self.sqlite and self.importing:
                continue
            try:
                await self.renew()
            except Exception:  # the database may be away for a moment: the lease has room for two misses
                _log.warning("could not renew the lease of import %s", self.job_id, exc_info=True)

    async def renew(self) -> None:
        async with self.runtime.database.sessionmaker() as session, session.begin():
            renewed = await session.scalar(
                sa.update(_JOB)
                .where(self.mine())
                .values(lease_expires_at=utcnow() + timedelta(seconds=self.seconds))
                .returning(_JOB.c.id)
            )
        if renewed is None and not self.ended:  # (a job that has just ended is no longer running either)
            self.lost = True
            _log.warning("import %s was taken over by another worker", self.job_id)


async def run_job(
    runtime: Runtime,
    job_id: uuid.UUID,
    printer: Printer | None = None,
    *,
    worker: str | None = None,
    content: bytes | None = None,
) -> ImportJob:
    """Run a job this process claimed to its end and return it as it finished (or, if another worker took
    it over meanwhile, as that worker has it). ``content``: the job's file, when this process has just
    queued it (the command line), which saves reading it back (0.3 s for a 73 MB file); otherwise it is
    read from the job."""
    async with runtime.database.sessionmaker() as session:
        job = await session.get(ImportJob, job_id)
        assert job is not None
        if content is None:
            content = await session.scalar(sa.select(ImportPayload.content).where(ImportPayload.job_id == job_id))
    claimed = runtime.extras.get(_CLAIMS_KEY, {}).pop(job_id, None)
    lease = _Lease(runtime, job_id, worker or claimed or job.worker or "")
    keeper = asyncio.ensure_future(lease.keep())
    progress = _Progress(runtime, lease, printer)
    try:
        with collector_paused():
            parsed = await _read(runtime, job, content)
            result, finished = await _apply(runtime, job, parsed, progress, lease)
            (status, summary), total = _outcome(job, parsed, result), len(parsed.courses)
            # the file's rows are freed before the collector runs again, which would otherwise go through
            # every one of them (about 0.3 s for 50,000 courses)
            del parsed, content
    except (ImportFileError, SisError, SisConfigurationError) as exc:
        error = str(getattr(exc, "detail", None) or exc)
        return await _finish(runtime, lease, JobStatus.FAILED, error=error)
    except LeaseLostError:
        return await _current(runtime, job_id)
    except Exception as exc:
        _log.exception("import %s failed", job_id)
        return await _finish(runtime, lease, JobStatus.FAILED, error=f"unexpected error: {type(exc).__name__}")
    finally:
        keeper.cancel()
        runtime.extras.get(_PROGRESS_KEY, {}).pop(job_id, None)
    if finished is not None:  # written and finished in the import's own transaction
        return finished
    return await _finish(runtime, lease, status, summary=summary, rows=result.rows, total=total)


def _outcome(job: ImportJob, parsed: ParsedFile, result: ImportResult) -> tuple[JobStatus, dict[str, Any]]:
    ok = not result.rejected or (result.applied and job.options.get("allow_partial"))
    summary = {**result.summary(), "applied": result.applied, "format": parsed.format, "encoding": parsed.encoding}
    return (JobStatus.SUCCEEDED if ok else JobStatus.REJECTED), summary


async def _current(runtime: Runtime, job_id: uuid.UUID) -> ImportJob:
    async with runtime.database.sessionmaker() as session:
        job = await session.get(ImportJob, job_id)
        assert job is not None
        return job


_paused = 0


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while an import runs. Its rows are hundreds of thousands of small,
    long-lived objects that the collector would scan over and over as they pile up (about half of the
    Python time of a large import); they hold no cycles, and the collector runs again at the end."""
    global _paused
    if _paused == 0 and not gc.isenabled():  # paused by someone else: leave it so
        yield
        return
    _paused += 1
    gc.disable()
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.enable()


async def _read(runtime: Runtime, job: ImportJob, content: bytes | None) -> ParsedFile:
    if job.source == "sis":
        sis = sis_registry(runtime).for_tenant(job.tenant)
        offer = await sis.read_course_offer(str(job.options["period"]))
        return offer_rows(offer, job.options)
    return parse_file(content or b"", job.options.get("format", job.source), job.options)


async def _apply(
    runtime: Runtime, job: ImportJob, parsed: ParsedFile, progress: _Progress, lease: _Lease
) -> tuple[ImportResult, ImportJob | None]:
    """Check and write the file in one transaction; a file that is written ends its job in the same
    transaction, and only if this worker still holds the job (else everything is rolled back)."""
    principal = Principal(subject=job.created_by, tenant=job.tenant, roles=frozenset({Role.CATALOGUE_EDITOR}))
    options = ImportOptions(
        publish=bool(job.options.get("publish")),
        allow_partial=bool(job.options.get("allow_partial")),
        dry_run=bool(job.options.get("dry_run")),
        source=parsed.format[:16],  # csv, json, apogee, or the SIS adapter: pegase, files, memory
        label=f"import {job.id} ({job.filename or job.source})",
    )
    finished: ImportJob | None = None
    async with runtime.database.sessionmaker() as session:
        act_as(session, Actor.system("catalogue-import", on_behalf_of=job.created_by))
        transaction = await session.begin()
        lease.importing = True
        try:
            result = await apply_file(session, principal, parsed, options, progress)
            if result.applied:
                status, summary = _outcome(job, parsed, result)
                finished = await _mark_finished(
                    session, lease, status, summary=summary, rows=result.rows, total=len(parsed.courses)
                )
                if finished is None:
                    raise LeaseLostError
                await transaction.commit()
                lease.ended = True
            else:
                await transaction.rollback()
        except BaseException:
            await transaction.rollback()
            raise
        finally:
            lease.importing = False
    written = result.counts["created"] + result.counts["updated"]
    courses = written + result.counts["unchanged"]
    if (
        result.applied
        and written >= max(_ANALYZE_AFTER, _ANALYZE_SHARE * courses)
        and runtime.settings.resolved_database_url().startswith("postgresql")
    ):
        _analyze_soon(runtime)
    return result, finished


def _analyze_soon(runtime: Runtime) -> None:
    """Refresh PostgreSQL's statistics after a large import, once it is committed, without holding up the
    end of the job (for 50,000 courses it takes about half a second): until autovacuum gets to it, the
    planner would treat the bulk-loaded tables as nearly empty and could choose plans that make searches in
    SQL take seconds. The process waits for it before closing (:func:`statistics_refreshed`)."""
    tasks: set[asyncio.Task[None]] | None = runtime.extras.get(_ANALYZING_KEY)
    if tasks is None:
        tasks = runtime.extras[_ANALYZING_KEY] = set()
        runtime.closers.append(lambda: statistics_refreshed(runtime))
    task = asyncio.ensure_future(_analyze(runtime))
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def statistics_refreshed(runtime: Runtime) -> None:
    """Wait until the statistics refreshes started by finished imports of this process are done."""
    tasks = runtime.extras.get(_ANALYZING_KEY)
    if tasks:
        await asyncio.gather(*list(tasks), return_exceptions=True)


async def _analyze(runtime: Runtime) -> None:
    started = time.perf_counter()
    try:
        async with runtime.database.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text(f"ANALYZE {_ANALYZED}"))
    except Exception:  # autovacuum analyses the tables later anyway
        _log.exception("refreshing the search tables' statistics after an import failed")
        return
    _log.info("search tables' statistics refreshed after an import in %.2fs", time.perf_counter() - started)


async def _finish(
    runtime: Runtime,
    lease: _Lease,
    status: JobStatus,
    *,
    error: str | None = None,
    summary: dict[str, Any] | None = None,
    rows: list[dict[str, Any]] | None = None,
    total: int = 0,
) -> ImportJob:
    async with runtime.database.sessionmaker() as session, session.begin():
        job = await _mark_finished(session, lease, status, error=error, summary=summary, rows=rows, total=total)
    lease.ended = True
    if job is None:
        _log.warning("import %s was taken over by another worker: its end is theirs to record", lease.job_id)
        return await _current(runtime, lease.job_id)
    return job


async def _mark_finished(
    session: AsyncSession,
    lease: _Lease,
    status: JobStatus,
    *,
    error: str | None = None,
    summary: dict[str, Any] | None = None,
    rows: list[dict[str, Any]] | None = None,
    total: int = 0,
) -> ImportJob | None:
    """End the job in ``session``'s transaction if this worker still holds it (``None``: it does not)."""
    query = sa.select(ImportJob).where(lease.mine()).execution_options(populate_existing=True)
    if is_postgres(session):
        query = query.with_for_update()
    job = (await session.execute(query)).scalar_one_or_none()
    if job is None:
        return None
    job.status, job.error, job.finished_at, job.phase = status.value, error, utcnow(), "done"
    job.summary = summary or {}
    job.total_rows = job.processed_rows = total
    job.lease_expires_at = None
    await session.flush()
    # the file is not kept once applied: the report says what it did (the file is not read back to drop it)
    report = gzip.compress(orjson.dumps(rows or []), compresslevel=5)
    await session.execute(
        sa.update(_PAYLOAD).where(_PAYLOAD.c.job_id == lease.job_id).values(content=None, report=report)
    )
    return job


class _Progress:
    """Where a running job stands: in memory for this process, in the job row for the others."""

    def __init__(self, runtime: Runtime, lease: _Lease, printer: Printer | None) -> None:
        self.runtime, self.job_id, self.lease, self.printer = runtime, lease.job_id, lease, printer
        self.store: dict[uuid.UUID, tuple[str, int, int]] = runtime.extras.setdefault(_PROGRESS_KEY, {})
        self.postgres = runtime.settings.resolved_database_url().startswith("postgresql")
        self.last_write = 0.0

    async def __call__(self, phase: str, done: int, total: int) -> None:
        if self.lease.lost:  # another worker runs the job now: stop here, nothing of this run is kept
            raise LeaseLostError
        self.store[self.job_id] = (phase, done, total)
        if self.printer is not None:
            self.printer(phase, done, total)
        # SQLite has one writer, busy with the import itself: other processes see the end only
        if self.postgres and time.monotonic() - self.last_write > 0.5:
            self.last_write = time.monotonic()
            async with self.runtime.database.sessionmaker() as session, session.begin():
                await session.execute(
                    sa.update(_JOB).where(self.lease.mine()).values(phase=phase, processed_rows=done, total_rows=total)
                )
