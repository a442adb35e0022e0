from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import SessionDep
from smile_common.errors import NotFound, problem_responses
from smile_common.security import Principal
from smile_common.service import runtime_of
from smile_records.courses.handlers import courses_by_code
from smile_records.grading import history, service
from smile_records.grading.models import GradeConversion
from smile_records.grading.scales import SCALES
from smile_records.grading.schemas import (
    ConversionRead,
    ConversionRequest,
    GradeTableCompute,
    GradeTableComputed,
    GradeTableRead,
    GradeTableUpload,
)
from smile_records.results.models import Result
from smile_records.settings import RecordsSettings
from smile_records.students.models import Student
from smile_records.web import Registrar, Staff

router = APIRouter(tags=["grading"])


def _min_count(request: Request) -> int:
    settings = runtime_of(request).settings
    assert isinstance(settings, RecordsSettings)
    return settings.grade_table_min_count


@router.get("/grading-scales", operation_id="listGradingScales", responses=problem_responses(401, 403))
async def list_scales(principal: Staff) -> list[dict[str, object]]:
    """The grading scales results and tables can use, with their passing grades best first."""
    return [
        {"id": s.id, "name": s.name, "kind": s.kind, "passing_grades": s.passing_bands(), "convertible": s.convertible}
        for s in SCALES.values()
    ]


@router.get(
    "/grade-tables",
    operation_id="listGradeTables",
    response_model=list[GradeTableRead],
    responses=problem_responses(401, 403),
)
async def list_tables(
    request: Request,
    session: SessionDep,
    principal: Staff,
    hei_id: Annotated[str | None, Query(description="the university (default: ours)")] = None,
) -> list[GradeTableRead]:
    """The current grade distribution tables of a university (superseded ones stay readable by id)."""
    tables = await service.current_tables(session, principal.tenant, hei_id or principal.tenant)
    return [service.table_read(t, _min_count(request)) for t in tables]


@router.get(
    "/grade-tables/{table_id}",
    operation_id="getGradeTable",
    response_model=GradeTableRead,
    responses=problem_responses(401, 403, 404),
)
async def get_table(table_id: uuid.UUID, request: Request, session: SessionDep, principal: Staff) -> GradeTableRead:
    """One table, current or superseded."""
    return service.table_read(await service.get_table(session, principal.tenant, table_id), _min_count(request))


@router.post(
    "/grade-tables",
    operation_id="uploadGradeTable",
    status_code=status.HTTP_201_CREATED,
    response_model=GradeTableRead,
    responses=problem_responses(401, 403, 422),
)
async def upload_table(
    data: GradeTableUpload, request: Request, session: SessionDep, principal: Registrar
) -> GradeTableRead:
    """Upload a finished table (typically a partner's); it replaces the current table of the same group."""
    table = await service.upload(session, principal, data, _min_count(request))
    return service.table_read(table, _min_count(request))


@router.post(
    "/grade-tables/compute",
    operation_id="computeGradeTables",
    response_model=GradeTableComputed,
    responses=problem_responses(401, 403, 409, 422, 503),
)
async def compute_tables(
    data: GradeTableCompute, request: Request, session: SessionDep, principal: Registrar
) -> GradeTableComputed:
    """Compute our tables from the SIS's past results (``source=sis``) or from uploaded ones (``history``),
    one per ISCED code at each number of digits asked and per EQF level; small groups are flagged."""
    runtime = runtime_of(request)
    scale = service.known_scale(data.scale_id, tables=True)  # before asking the SIS anything
    other_scale = 0
    if data.source == "sis":
        grades, other_scale = await history.sis_history(runtime, principal.tenant, list(data.academic_years), scale)
    else:
        uploaded = service.grades_from_history(data.history, data.scale_id)
        grades = await history.with_course_codes(runtime, principal.tenant, uploaded)
    years = set(data.academic_years)
    grades = [g for g in grades if g.academic_year in years]
    computed = await service.compute(
        session,
        principal,
        grades,
        academic_years=list(data.academic_years),
        digits=data.isced_digits,
        scale_id=data.scale_id,
        source=data.source,
        min_count=_min_count(request),
    )
    return GradeTableComputed(
        tables=[service.table_read(t, _min_count(request)) for t in computed.tables],
        grades_used=computed.used,
        grades_without_isced=computed.without_isced,
        failing_grades=computed.failing,
        grades_not_on_scale=computed.not_on_scale + other_scale,
    )


@router.post(
    "/grade-conversions",
    operation_id="convertGrade",
    status_code=status.HTTP_201_CREATED,
    response_model=ConversionRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def convert_grade(data: ConversionRequest, session: SessionDep, principal: Staff) -> ConversionRead:
    """Convert a grade with the two reference groups' tables (Egracons: band midpoint, with the range of
    overlapping grades), falling back from 4- to 3- to 2-digit ISCED codes. Every conversion is kept with
    the tables and the rule that produced it. Pass/fail and failing grades are refused (422); a group
    without a table is a 409 ``grade-table-missing``."""
    if data.result_id is not None:
        conversion = await _convert_result(session, principal, data.result_id)
    else:
        assert data.grade
        assert data.isced_code
        assert data.partner_hei_id
        to_local = data.direction == "to-local"
        if to_local:
            service.check_partner_grade(data)
            band = data.grade.strip()
        else:
            band = service.local_band(data.grade, data.scale_id or "fr-0-20")
        conversion = await service.record_conversion(
            session,
            principal,
            direction=data.direction,
            grade=data.grade,
            band_label=band,
            source_hei=data.partner_hei_id if to_local else principal.tenant,
            target_hei=principal.tenant if to_local else data.partner_hei_id,
            isced=data.isced_code,
            eqf=data.eqf_level,
            result_id=None,
        )
    return ConversionRead.model_validate(conversion)


async def _convert_result(session: AsyncSession, principal: Principal, result_id: uuid.UUID) -> GradeConversion:
    result = await session.get(Result, result_id)
    if result is None or result.tenant != principal.tenant:
        raise NotFound(f"No result {result_id}.")
    student = await session.get(Student, result.student_id)
    assert student is not None
    course = (await courses_by_code(session, principal.tenant, [result.course_code])).get(result.course_code)
    if course is None or not course.isced_code:
        raise service.GradeTableMissing(f"The course {result.course_code} has no ISCED code in the catalogue.")
    return await service.record_conversion(
        session,
        principal,
        direction="from-local",
        grade=result.grade,
        band_label=service.local_band(result.grade, result.grading_scale),
        source_hei=principal.tenant,
        target_hei=student.home_institution,
        isced=course.isced_code,
        eqf=course.eqf_level,
        result_id=result.id,
    )


@router.get(
    "/grade-conversions/{conversion_id}",
    operation_id="getGradeConversion",
    response_model=ConversionRead,
    responses=problem_responses(401, 403, 404),
)
async def get_conversion(conversion_id: uuid.UUID, session: SessionDep, principal: Staff) -> ConversionRead:
    """A conversion as it was made: grade, tables, ISCED level used, band, midpoint, rule and warnings."""
    conversion = await session.get(GradeConversion, conversion_id)
    if conversion is None or conversion.tenant != principal.tenant:
        raise NotFound(f"No grade conversion {conversion_id}.")
    return ConversionRead.model_validate(conversion)
