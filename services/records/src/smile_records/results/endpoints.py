from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from smile_common.db import SessionDep
from smile_common.errors import problem_responses
from smile_common.service import runtime_of
from smile_records.privacy import log_read
from smile_records.results import service
from smile_records.results.schemas import ResultImport, ResultInput, ResultRead
from smile_records.results.sis_import import read_sis_results, record_sis_results
from smile_records.web import Registrar, Staff

router = APIRouter(tags=["results"])


@router.get(
    "/mobilities/{mobility_id}/results",
    operation_id="listMobilityResults",
    response_model=list[ResultRead],
    responses=problem_responses(401, 403, 404),
)
async def list_results(mobility_id: uuid.UUID, session: SessionDep, principal: Staff) -> list[ResultRead]:
    """The results of a mobility, by course code. Reading grades is recorded in the audit trail."""
    mobility = await service.mobility_of(session, principal.tenant, mobility_id)
    results = [ResultRead.model_validate(r) for r in await service.results_of(session, principal.tenant, mobility_id)]
    await log_read(
        session, tenant=principal.tenant, object_type="mobility_results", object_id=mobility_id,
        student_id=mobility.student_id, fields=["grade", "credits"],
    )  # fmt: skip
    return results


@router.put(
    "/mobilities/{mobility_id}/results/{course_code}",
    operation_id="putMobilityResult",
    response_model=ResultRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def put_result(
    mobility_id: uuid.UUID, course_code: str, data: ResultInput, session: SessionDep, principal: Registrar
) -> ResultRead:
    """Enter or correct the result of a course of the mobility's learning agreement
    (``records.result.recorded.v1``). A course outside the agreement is a 409 ``course-not-enrolled``; a grade
    its scale cannot hold (21/20, "G" in ECTS) a 422 ``grade-out-of-scale``."""
    mobility = await service.mobility_of(session, principal.tenant, mobility_id)
    facts = service.ResultFacts(
        course_code=course_code,
        grade=data.grade,
        grading_scale=data.grading_scale,
        result_date=data.result_date,
        source="registrar",
        credits=data.credits,
        course_title=data.course_title,
    )
    stored = await service.record(session, mobility, facts, principal.subject)
    if stored is None:
        current = [
            r for r in await service.results_of(session, principal.tenant, mobility_id) if r.course_code == course_code
        ]
        return ResultRead.model_validate(current[0])
    return ResultRead.model_validate(stored)


@router.post(
    "/mobilities/{mobility_id}/results/sis-import",
    operation_id="importMobilityResultsFromSis",
    response_model=ResultImport,
    responses=problem_responses(401, 403, 404, 409, 502, 503),
)
async def import_results(
    mobility_id: uuid.UUID, request: Request, session: SessionDep, principal: Registrar
) -> ResultImport:
    """Read the results the SIS published for the mobility's courses and record them. A SIS that does not
    answer is a 503 (nothing changed, try again), one that refuses a 502."""
    results = await read_sis_results(runtime_of(request), principal.tenant, mobility_id)
    return await record_sis_results(session, principal.tenant, mobility_id, results, principal.subject)
