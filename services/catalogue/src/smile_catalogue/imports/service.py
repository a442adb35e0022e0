"""Import jobs: a file or a SIS read, queued by the API or the command line, run by the worker.

A job is claimed by one worker (``SKIP LOCKED`` on PostgreSQL), applied in one transaction, and finishes
``succeeded`` (written, or checked for a dry run), ``rejected`` (rows were rejected: nothing written) or
``failed`` (the file or the SIS could not be read). Its per-row report is kept, gzip-compressed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.courses.models import Course, CourseFacet
from smile_catalogue.db import is_postgres, table_of
from smile_catalogue.imports.formats import ImportFileError, ParsedFile, parse_file
from smile_catalogue.imports.models import ImportJob, ImportPayload, JobStatus
from smile_catalogue.imports.pipeline import ImportOptions, ImportResult, apply_file
from smile_catalogue.imports.sis import offer_rows, sis_registry
from smile_common.audit import Actor, act_as
from smile_common.db import utcnow
from smile_common.errors import NotFound
from smile_common.security import Principal, Role
from smile_common.service import Runtime
from smile_sis import SisConfigurationError, SisError

__all__ = ["claim_next", "create_job", "get_job", "job_report", "list_jobs", "run_job", "wake_worker"]

_log = logging.getLogger("smile.catalogue.imports")
_PROGRESS_KEY = "catalogue_import_progress"
#: imports writing at least this many courses refresh the planner's statistics of the search tables
_ANALYZE_AFTER = 500
#: what searches filter and sort courses by (the wide JSON and text columns, only read back, are left out:
#: sampling them took most of the time), and the whole facet table with its extended statistics
_ANALYZED_COURSE_COLUMNS = ("id", "tenant", "code", "status", "open_to_exchange", "ects", "eqf_level", "isced_code",
                            "organisational_unit_code", "capacity", "updated_at", "title_sort_en", "title_sort_fr",
                            "search_vector")  # fmt: skip
_ANALYZED = (
    f"{table_of(Course).schema}.{table_of(Course).name} ({', '.join(_ANALYZED_COURSE_COLUMNS)}), "
    f"{table_of(CourseFacet).schema}.{table_of(CourseFacet).name}"
)
_WAKE_KEY = "catalogue_import_wake"
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
    """Mark the oldest queued job running and return its id (``None``: nothing to do)."""
    return await _claim(runtime, None)


async def claim_next_id(runtime: Runtime, job_id: uuid.UUID) -> bool:
    """Mark ``job_id`` running unless a worker took it first."""
    return await _claim(runtime, job_id) is not None


async def _claim(runtime: Runtime, job_id: uuid.UUID | None) -> uuid.UUID | None:
    async with runtime.database.sessionmaker() as session, session.begin():
        query = sa.select(ImportJob).where(ImportJob.status == JobStatus.QUEUED.value)
        if job_id is not None:
            query = query.where(ImportJob.id == job_id)
        query = query.order_by(ImportJob.created_at).limit(1)
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        job = (await session.execute(query)).scalar_one_or_none()
        if job is None:
            return None
        job.status, job.started_at, job.phase = JobStatus.RUNNING.value, utcnow(), "reading"
        return job.id


async def run_job(runtime: Runtime, job_id: uuid.UUID, printer: Printer | None = None) -> ImportJob:
    """Run a claimed job to its end and return it as it finished."""
    async with runtime.database.sessionmaker() as session:
        job = await session.get(ImportJob, job_id)
        assert job is not None
        content = await session.scalar(sa.select(ImportPayload.content).where(ImportPayload.job_id == job_id))
    progress = _Progress(runtime, job_id, printer)
    try:
        with collector_paused():
            parsed = await _read(runtime, job, content)
            result = await _apply(runtime, job, parsed, progress)
    except (ImportFileError, SisError, SisConfigurationError) as exc:
        return await _finish(runtime, job_id, JobStatus.FAILED, error=str(getattr(exc, "detail", None) or exc))
    except Exception as exc:
        _log.exception("import %s failed", job_id)
        return await _finish(runtime, job_id, JobStatus.FAILED, error=f"unexpected error: {type(exc).__name__}")
    finally:
        runtime.extras.get(_PROGRESS_KEY, {}).pop(job_id, None)
    ok = not result.rejected or (result.applied and job.options.get("allow_partial"))
    status = JobStatus.SUCCEEDED if ok else JobStatus.REJECTED
    summary = {**result.summary(), "applied": result.applied, "format": parsed.format, "encoding": parsed.encoding}
    return await _finish(runtime, job_id, status, summary=summary, rows=result.rows, total=len(parsed.courses))


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


async def _apply(runtime: Runtime, job: ImportJob, parsed: ParsedFile, progress: _Progress) -> ImportResult:
    principal = Principal(subject=job.created_by, tenant=job.tenant, roles=frozenset({Role.CATALOGUE_EDITOR}))
    options = ImportOptions(
        publish=bool(job.options.get("publish")),
        allow_partial=bool(job.options.get("allow_partial")),
        dry_run=bool(job.options.get("dry_run")),
        source=parsed.format[:16],  # csv, json, apogee, or the SIS adapter: pegase, files, memory
        label=f"import {job.id} ({job.filename or job.source})",
    )
    async with runtime.database.sessionmaker() as session:
        act_as(session, Actor.system("catalogue-import", on_behalf_of=job.created_by))
        transaction = await session.begin()
        try:
            result = await apply_file(session, principal, parsed, options, progress)
        except BaseException:
            await transaction.rollback()
            raise
        if result.applied:
            await transaction.commit()
        else:
            await transaction.rollback()
    written = result.counts["created"] + result.counts["updated"]
    if (
        result.applied
        and written >= _ANALYZE_AFTER
        and runtime.settings.resolved_database_url().startswith("postgresql")
    ):
        await _analyze(runtime)
    return result


async def _analyze(runtime: Runtime) -> None:
    """Refresh PostgreSQL's statistics after a large import: until autovacuum gets to it, the planner would
    treat the bulk-loaded tables as nearly empty and could choose plans that make searches take seconds."""
    async with runtime.database.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sa.text(f"ANALYZE {_ANALYZED}"))


async def _finish(
    runtime: Runtime,
    job_id: uuid.UUID,
    status: JobStatus,
    *,
    error: str | None = None,
    summary: dict[str, Any] | None = None,
    rows: list[dict[str, Any]] | None = None,
    total: int = 0,
) -> ImportJob:
    async with runtime.database.sessionmaker() as session, session.begin():
        job = await session.get(ImportJob, job_id)
        assert job is not None
        job.status, job.error, job.finished_at, job.phase = status.value, error, utcnow(), "done"
        job.summary = summary or {}
        job.total_rows = job.processed_rows = total
        payload = await session.get(ImportPayload, job_id)
        if payload is not None:
            payload.content = None  # the file is not kept once applied: the report says what it did
            payload.report = gzip.compress(json.dumps(rows or [], ensure_ascii=False).encode())
        return job


class _Progress:
    """Where a running job stands: in memory for this process, in the job row for the others."""

    def __init__(self, runtime: Runtime, job_id: uuid.UUID, printer: Printer | None) -> None:
        self.runtime, self.job_id, self.printer = runtime, job_id, printer
        self.store: dict[uuid.UUID, tuple[str, int, int]] = runtime.extras.setdefault(_PROGRESS_KEY, {})
        self.postgres = runtime.settings.resolved_database_url().startswith("postgresql")
        self.last_write = 0.0

    async def __call__(self, phase: str, done: int, total: int) -> None:
        self.store[self.job_id] = (phase, done, total)
        if self.printer is not None:
            self.printer(phase, done, total)
        # SQLite has one writer, busy with the import itself: other processes see the end only
        if self.postgres and time.monotonic() - self.last_write > 0.5:
            self.last_write = time.monotonic()
            async with self.runtime.database.sessionmaker() as session, session.begin():
                await session.execute(
                    sa.update(ImportJob)
                    .where(ImportJob.id == self.job_id)
                    .values(phase=phase, processed_rows=done, total_rows=total)
                )
