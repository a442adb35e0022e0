"""What a transcript says, gathered once when it is issued and kept as issued (JSON): the learner, the
issuing university, the mobility, each course with its result, and the grade distribution tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.errors import Conflict
from smile_common.events.payloads.catalogue import loi_id, los_id
from smile_records.courses.handlers import courses_by_code
from smile_records.courses.models import Course
from smile_records.grading.models import GradeTable
from smile_records.grading.scales import scale_of
from smile_records.grading.service import bands_of
from smile_records.results.models import Result
from smile_records.results.service import results_of
from smile_records.settings import Institution
from smile_records.students.models import Mobility, Student
from smile_records.transcripts.models import CourseDistribution

__all__ = ["ResultsMissing", "build_content"]


class ResultsMissing(Conflict):
    slug, title = "results-missing", "Some courses of the learning agreement have no result yet"


def _term(mobility: Mobility) -> dict[str, Any]:
    """The academic term of the mobility (EWP ``2026/2027-1/2`` = first of two terms)."""
    names = {"fr": mobility.academic_year or "", "en": mobility.academic_year or ""}
    term = mobility.academic_term or ""
    if "-" in term and "/" in term.split("-")[-1]:
        number, total = term.split("-")[-1].split("/")
        names = {
            "fr": f"{mobility.academic_year}, période {number} sur {total}",
            "en": f"{mobility.academic_year}, term {number} of {total}",
        }
    return {
        "id": term or None,
        "names": names,
        "start": (mobility.start_date or date(int((mobility.academic_year or "2000")[:4]), 9, 1)).isoformat(),
        "end": (mobility.end_date or date(int((mobility.academic_year or "2000")[:4]) + 1, 8, 31)).isoformat(),
    }


async def our_table(session: AsyncSession, tenant: str, isced: str, eqf: int | None) -> GradeTable | None:
    """Our current table for the course's group, falling back from 4 to 3 to 2 ISCED digits."""
    for digits in (4, 3, 2):
        if len(isced) < digits:
            continue
        for level in (eqf, None) if eqf is not None else (None,):
            eqf_clause = GradeTable.eqf_level.is_(None) if level is None else GradeTable.eqf_level == level
            query = sa.select(GradeTable).where(
                GradeTable.tenant == tenant,
                GradeTable.hei_id == tenant,
                GradeTable.isced_code == isced[:digits],
                eqf_clause,
                GradeTable.superseded_at.is_(None),
            )
            found = (await session.execute(query)).scalar()
            if found is not None:
                return found
    return None


def table_content(isced: str, table: GradeTable) -> dict[str, Any]:
    return {
        "isced_code": isced,
        "table_id": str(table.id),
        "table_isced_code": table.isced_code,
        "eqf_level": table.eqf_level,
        "academic_years": list(table.academic_years),
        "total": table.total,
        "small": table.small,
        "grades": [
            {"label": b.label, "count": b.count, "percentage": str(b.percentage()), "cumulative": str(b.cumulative())}
            for b in bands_of(table)
        ],
    }


def _component(
    result: Result, course: Course | None, term: dict[str, Any], distribution: CourseDistribution | None
) -> dict[str, Any]:
    title = dict(course.title) if course else {}
    title.setdefault("fr", result.course_title)
    term_code = course.term_codes[0] if course and course.term_codes else None
    return {
        "course_code": result.course_code,
        "title": title,
        "los_id": los_id(course.course_id) if course else None,
        "loi_id": loi_id(course.course_id, term_code) if course and term_code else None,
        "isced_code": course.isced_code if course else None,
        "eqf_level": course.eqf_level if course else None,
        "languages": list(course.languages) if course else [],
        "credits": str(result.credits),
        "grade": result.grade,
        "grading_scale": result.grading_scale,
        "passed": result.passed,
        "result_date": result.result_date.isoformat(),
        "term": term,
        "distribution": distribution.categories
        if distribution and distribution.scale_id == result.grading_scale
        else None,
    }


def _learner(student: Student) -> dict[str, Any]:
    return {
        "given_names": student.given_names,
        "family_name": student.family_name,
        "birth_date": student.birth_date.isoformat() if student.birth_date else None,
        "citizenship": student.citizenship,
        "gender": student.gender,
        "esi": student.esi,
        "home_institution": student.home_institution,
    }


async def build_content(
    session: AsyncSession, tenant: str, mobility: Mobility, student: Student, institution: Institution
) -> dict[str, Any]:
    """The transcript of ``mobility``; every course of its learning agreement must have a result."""
    results = await results_of(session, tenant, mobility.id)
    codes = [str(c["code"]) for c in mobility.la_components if c.get("code")]
    missing = sorted(set(codes) - {r.course_code for r in results})
    if not results or missing:
        raise ResultsMissing(
            "Record the results of every course of the learning agreement first"
            + (f": {', '.join(missing)} have none." if missing else "."),
            courses=missing or codes,
        )
    courses = await courses_by_code(session, tenant, codes)
    distributions = {
        d.course_code: d
        for d in (
            await session.execute(
                sa.select(CourseDistribution).where(
                    CourseDistribution.tenant == tenant, CourseDistribution.course_code.in_(codes)
                )
            )
        ).scalars()
    }
    term = _term(mobility)
    components = [_component(r, courses.get(r.course_code), term, distributions.get(r.course_code)) for r in results]
    tables, warnings = [], []
    for isced in sorted({c["isced_code"] for c in components if c["isced_code"]}):
        eqf = next((c["eqf_level"] for c in components if c["isced_code"] == isced), None)
        table = await our_table(session, tenant, isced, eqf)
        if table is None:
            warnings.append(f"no-grade-table:{isced}")
        else:
            tables.append(table_content(isced, table))
    if student.esi is None:
        warnings.append("no-esi")
    warnings += [f"no-isced:{c['course_code']}" for c in components if not c["isced_code"]]
    attempted = sum((Decimal(c["credits"]) for c in components), Decimal(0))
    obtained = sum((Decimal(c["credits"]) for c in components if c["passed"]), Decimal(0))
    return {
        "issuer": {"hei_id": tenant, **institution.model_dump()},
        "learner": _learner(student),
        "mobility": {
            "id": str(mobility.id),
            "omobility_id": mobility.omobility_id,
            "sending_hei_id": mobility.sending_hei_id,
            "academic_year": mobility.academic_year,
            "term": term,
            "receiving_ounit_code": mobility.receiving_ounit_code,
        },
        "components": components,
        "grading_schemes": sorted({c["grading_scale"] for c in components}),
        "scale_names": {c["grading_scale"]: scale_of(c["grading_scale"]).name for c in components},
        "tables": tables,
        "ects_attempted": str(attempted),
        "ects_obtained": str(obtained),
        "warnings": warnings,
        "generated_at": datetime.now(UTC).isoformat(),
    }


def unchanged(previous: dict[str, Any], current: dict[str, Any]) -> bool:
    """Whether a new version would say the same as ``previous`` (generation time aside)."""
    ignore = {"generated_at"}
    return {k: v for k, v in previous.items() if k not in ignore} == {
        k: v for k, v in current.items() if k not in ignore
    }
