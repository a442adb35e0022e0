from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from smile_catalogue.imports import service
from smile_catalogue.imports.formats import ImportFileError
from smile_catalogue.imports.models import ImportJob
from smile_catalogue.imports.schemas import ImportJobRead, ImportReport, ImportRow, SisImportRequest, TermOptions
from smile_catalogue.settings import CatalogueSettings
from smile_common.db import SessionDep
from smile_common.errors import Problem, problem_responses
from smile_common.security import Principal, Role, require_roles
from smile_common.service import Runtime

router = APIRouter(prefix="/imports", tags=["imports"])

Editor = Annotated[Principal, Depends(require_roles(Role.CATALOGUE_EDITOR, Role.COORDINATOR, Role.ADMIN))]
_ERRORS = problem_responses(400, 401, 403, 404, 413, 415, 422)
_CONTENT_TYPES = {"application/json": "json", "text/csv": "csv"}


class FileTooLarge(Problem):
    status, slug, title = 413, "file-too-large", "The file is larger than imports accept"


class UnknownFormat(Problem):
    status, slug, title = 415, "unknown-import-format", "The format of the file is not known"


def _runtime(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


def _read(runtime: Runtime, job: ImportJob) -> ImportJobRead:
    read = ImportJobRead.model_validate(job)
    read.phase, read.processed_rows, read.total_rows = service.live_progress(runtime, job)
    return read


@router.post(
    "",
    operation_id="importFile",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportJobRead,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def import_file(
    request: Request,
    session: SessionDep,
    principal: Editor,
    format: Annotated[
        Literal["csv", "json", "apogee"] | None,
        Query(description="csv (SMILE columns), json, apogee (Apogée export); default from Content-Type"),
    ] = None,
    filename: Annotated[str | None, Query(max_length=255)] = None,
    publish: Annotated[bool, Query(description="publish the courses the import creates")] = False,
    allow_partial: Annotated[bool, Query(description="apply the valid rows even if others are rejected")] = False,
    dry_run: Annotated[bool, Query(description="check and report, write nothing")] = False,
    period: Annotated[str | None, Query(max_length=64, description="apogee: keep only rows of this COD_ANU")] = None,
    autumn_term: Annotated[str | None, Query(max_length=64, description="apogee: term of odd semesters")] = None,
    spring_term: Annotated[str | None, Query(max_length=64, description="apogee: term of even semesters")] = None,
) -> ImportJobRead:
    """Queue the import of an offer file sent as the request body (CSV, JSON or an Apogée export).

    The answer is the job (202); follow it with `GET /imports/{id}` and read its per-row report with
    `GET /imports/{id}/report`. Re-importing the same file changes nothing. Unless `allow_partial`, one
    rejected row means nothing is written. The formats are described in docs/catalogue.md.
    """
    runtime = _runtime(request)
    settings = runtime.settings
    assert isinstance(settings, CatalogueSettings)
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    fmt = format or _CONTENT_TYPES.get(content_type)
    if fmt is None:
        raise UnknownFormat(
            f"Say `format=csv|json|apogee`, or send text/csv or application/json (not '{content_type}')."
        )
    content = await request.body()
    if len(content) > settings.catalogue_import_max_bytes:
        raise FileTooLarge(f"The file has {len(content)} bytes; imports accept {settings.catalogue_import_max_bytes}.")
    if not content.strip():
        raise ImportFileError("The file is empty.")
    options = {"format": fmt, "publish": publish, "allow_partial": allow_partial, "dry_run": dry_run}
    try:
        extra = TermOptions(autumn_term=autumn_term, spring_term=spring_term).model_dump(exclude_defaults=True)
    except ValidationError as exc:  # term codes are checked like everywhere else: a 422, not a crash
        errors = [{**error, "loc": ("query", *error["loc"])} for error in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from exc
    options |= extra | ({"period": period} if period else {})
    job = await service.create_job(session, principal, source=fmt, options=options, filename=filename, content=content)
    await session.commit()
    service.wake_worker(runtime)
    return _read(runtime, job)


@router.post(
    "/sis",
    operation_id="importFromSis",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportJobRead,
    responses=_ERRORS,
)
async def import_from_sis(
    data: SisImportRequest, request: Request, session: SessionDep, principal: Editor
) -> ImportJobRead:
    """Queue the import of the course offer of a SIS period (Pégase, Apogée files: see `SMILE_SIS_CONFIG`).

    Units and programmes come with the offer; each SIS semester becomes a SMILE term through
    `autumn_term` / `spring_term` (odd / even semesters) or `term_map`.
    """
    runtime = _runtime(request)
    options = data.model_dump(mode="json")
    job = await service.create_job(session, principal, source="sis", options=options, filename=None, content=None)
    await session.commit()
    service.wake_worker(runtime)
    return _read(runtime, job)


@router.get("", operation_id="listImports", response_model=list[ImportJobRead], responses=_ERRORS)
async def list_imports(
    request: Request, session: SessionDep, principal: Editor, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[ImportJobRead]:
    """The university's imports, newest first."""
    runtime = _runtime(request)
    return [_read(runtime, job) for job in await service.list_jobs(session, principal, limit)]


@router.get("/{job_id}", operation_id="getImport", response_model=ImportJobRead, responses=_ERRORS)
async def get_import(job_id: uuid.UUID, request: Request, session: SessionDep, principal: Editor) -> ImportJobRead:
    """An import: its status, where it stands (phase, rows done) and, once finished, its counts."""
    return _read(_runtime(request), await service.get_job(session, principal, job_id))


@router.get("/{job_id}/report", operation_id="getImportReport", response_model=ImportReport, responses=_ERRORS)
async def get_import_report(
    job_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: Editor,
    outcome: Annotated[
        list[Literal["created", "updated", "unchanged", "rejected"]], Query(description="keep these outcomes only")
    ] = [],  # noqa: B006
) -> ImportReport:
    """What the import did row by row, with the reasons of each rejected row."""
    job = await service.get_job(session, principal, job_id)
    rows = await service.job_report(session, principal, job_id)
    if outcome:
        rows = [row for row in rows if row["outcome"] in outcome]
    return ImportReport(job=_read(_runtime(request), job), rows=[ImportRow.model_validate(r) for r in rows])
