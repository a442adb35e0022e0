"""Past grades for our tables: from the SIS's history, or uploaded; ISCED and EQF filled in from the
catalogue's courses when the SIS does not carry them."""

from __future__ import annotations

from smile_common.errors import Problem
from smile_common.service import Runtime
from smile_records.courses.handlers import courses_by_code
from smile_records.grading.scales import GradingScale
from smile_records.grading.service import Grade
from smile_records.sis import sis_for
from smile_sis import GradeRecord, SisError, SisNotSupported


class SisHistoryUnavailable(Problem):
    status, slug, title = 503, "sis-unavailable", "The SIS did not answer"


class SisHistoryNotSupported(Problem):
    status, slug, title = 409, "sis-history-not-supported", "This SIS cannot give past results"


def _year(record: GradeRecord, years_by_period: dict[str, str]) -> str | None:
    if record.period_code in years_by_period:
        return years_by_period[record.period_code]
    if record.academic_year is not None:
        return f"{record.academic_year}/{record.academic_year + 1}"
    return None


def _on_other_scale(record: GradeRecord, scale: GradingScale) -> bool:
    """A numeric grade out of something else than the scale's maximum (``15`` out of 100 is no 15/20)."""
    return scale.kind == "numeric" and record.scale_max is not None and record.scale_max != scale.maximum


async def sis_history(
    runtime: Runtime, tenant: str, academic_years: list[str], scale: GradingScale
) -> tuple[list[Grade], int]:
    """The SIS's final grades of ``academic_years`` on ``scale`` (read outside any transaction), and how many
    were on another scale and left out."""
    sis, policy = sis_for(runtime, tenant)
    try:
        periods = await sis.list_periods()
        wanted = {int(y[:4]): y for y in academic_years}
        years_by_period = {p.code: wanted[p.academic_year] for p in periods if p.academic_year in wanted}
        years_by_period.update({code: year for year, code in policy.period_codes.items() if year in academic_years})
        records = await sis.read_grade_history(sorted(years_by_period))
    except SisNotSupported as exc:
        raise SisHistoryNotSupported(str(exc)) from exc
    except SisError as exc:
        raise SisHistoryUnavailable(str(exc), headers={"Retry-After": "60"}) from exc
    grades, other_scale = [], 0
    async with runtime.database.sessionmaker() as session:
        courses = await courses_by_code(session, tenant, sorted({r.course_code for r in records}))
    for record in records:
        if _on_other_scale(record, scale):
            other_scale += 1
            continue
        year = _year(record, years_by_period)
        text = str(record.grade) if record.grade is not None else (record.grade_label or "")
        if year is None or not text:
            continue
        course = courses.get(record.course_code)
        grades.append(
            Grade(
                course_code=record.course_code,
                academic_year=year,
                grade=text,
                isced_code=record.isced_code or (course.isced_code if course else None),
                eqf_level=record.eqf_level or (course.eqf_level if course else None),
            )
        )
    return grades, other_scale


async def with_course_codes(runtime: Runtime, tenant: str, grades: list[Grade]) -> list[Grade]:
    """Uploaded grades without ISCED/EQF take their course's from the catalogue."""
    async with runtime.database.sessionmaker() as session:
        courses = await courses_by_code(session, tenant, sorted({g.course_code for g in grades if not g.isced_code}))
    out = []
    for grade in grades:
        course = courses.get(grade.course_code)
        if course is not None and not grade.isced_code:
            grade = Grade(
                grade.course_code,
                grade.academic_year,
                grade.grade,
                course.isced_code,
                grade.eqf_level or course.eqf_level,
            )
        out.append(grade)
    return out
