"""Grade distribution tables (uploaded, or computed from past results) and audited conversions."""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import utcnow
from smile_common.errors import Conflict, NotFound, Problem
from smile_common.security import Principal
from smile_records.grading.egracons import Band, ConversionError, bands_from_counts, bands_from_percentages, convert
from smile_records.grading.models import GradeConversion, GradeTable
from smile_records.grading.scales import GradeError, GradingScale, ParsedGrade, scale_of
from smile_records.grading.schemas import (
    ConversionRequest,
    GradeBandRead,
    GradeTableRead,
    GradeTableUpload,
    HistoricalGrade,
)
from smile_records.transcripts.models import CourseDistribution


class GradeTableMissing(Conflict):
    slug, title = "grade-table-missing", "No grade distribution table for this reference group"


class NotConvertible(Problem):
    status, slug, title = 422, "grade-not-convertible", "This grade cannot be converted"


class InvalidGradeTable(Problem):
    status, slug, title = 422, "invalid-grade-table", "The grade distribution table is not valid"


class UnknownGradingScale(Problem):
    status, slug, title = 422, "unknown-grading-scale", "No such grading scale"


def known_scale(scale_id: str, *, tables: bool = False) -> GradingScale:
    """The scale ``scale_id`` names; with ``tables``, only one whose passing grades can make a table."""
    try:
        scale = scale_of(scale_id)
    except GradeError as exc:
        raise UnknownGradingScale(str(exc), scale_id=scale_id) from exc
    if tables and not scale.convertible:
        raise InvalidGradeTable(f"{scale_id} grades are never converted: they make no grade distribution table")
    return scale


# --- tables --------------------------------------------------------------------------------------------


def bands_of(table: GradeTable) -> list[Band]:
    if all(b.get("count") is not None for b in table.bands):
        return bands_from_counts([(b["label"], int(b["count"])) for b in table.bands])
    return bands_from_percentages([(b["label"], Decimal(str(b["percentage"]))) for b in table.bands])


def table_read(table: GradeTable, min_count: int) -> GradeTableRead:
    bands = bands_of(table)
    warning = None
    if table.small:
        warning = f"only {table.total} passing grades: fewer than {min_count}, the table may not be meaningful"
    elif table.total is None:
        warning = "published as percentages without the number of grades: its size is unknown"
    return GradeTableRead(
        id=table.id,
        hei_id=table.hei_id,
        isced_code=table.isced_code,
        eqf_level=table.eqf_level,
        academic_years=list(table.academic_years),
        scale_id=table.scale_id,
        grades=[
            GradeBandRead(label=b.label, count=b.count, percentage=b.percentage(), cumulative_percentage=b.cumulative())
            for b in bands
        ],
        total=table.total,
        small=table.small,
        warning=warning,
        source=table.source,
        created_by=table.created_by,
        created_at=table.created_at,
        superseded_at=table.superseded_at,
    )


async def _store(
    session: AsyncSession,
    principal: Principal,
    *,
    hei_id: str,
    isced_code: str,
    eqf_level: int | None,
    academic_years: list[str],
    scale_id: str | None,
    bands: list[dict[str, object]],
    total: int | None,
    source: str,
    min_count: int,
) -> GradeTable:
    now = utcnow()
    current = sa.select(GradeTable).where(*_group(principal.tenant, hei_id, isced_code, eqf_level))
    for old in (await session.execute(current.with_for_update())).scalars():
        old.superseded_at = now
    table = GradeTable(
        id=uuid.uuid4(),
        tenant=principal.tenant,
        hei_id=hei_id.lower(),
        isced_code=isced_code,
        eqf_level=eqf_level,
        academic_years=sorted(academic_years),
        scale_id=scale_id,
        bands=bands,
        total=total,
        small=total is not None and total < min_count,
        source=source,
        created_by=principal.subject,
        created_at=now,
    )
    session.add(table)
    await session.flush()
    return table


def _group(tenant: str, hei_id: str, isced_code: str, eqf_level: int | None) -> list[sa.ColumnElement[bool]]:
    eqf = GradeTable.eqf_level.is_(None) if eqf_level is None else GradeTable.eqf_level == eqf_level
    return [
        GradeTable.tenant == tenant,
        GradeTable.hei_id == hei_id.lower(),
        GradeTable.isced_code == isced_code,
        eqf,
        GradeTable.superseded_at.is_(None),
    ]


async def upload(session: AsyncSession, principal: Principal, data: GradeTableUpload, min_count: int) -> GradeTable:
    if data.scale_id is not None:
        try:
            scale = scale_of(data.scale_id)
        except GradeError as exc:
            raise InvalidGradeTable(str(exc)) from exc
        known = {label.casefold() for label in scale.passing_bands()}
        unknown = [g.label for g in data.grades if g.label.casefold() not in known]
        if unknown:
            raise InvalidGradeTable(f"not passing grades of {data.scale_id}: {', '.join(unknown)}", labels=unknown)
    counted = all(g.count is not None for g in data.grades)
    bands: list[dict[str, object]] = [
        {"label": g.label, "count": g.count, "percentage": str(g.percentage) if g.percentage is not None else None}
        for g in data.grades
    ]
    try:
        computed = (
            bands_from_counts([(g.label, g.count or 0) for g in data.grades])
            if counted
            else bands_from_percentages([(g.label, g.percentage or Decimal(0)) for g in data.grades])
        )
    except ConversionError as exc:
        raise InvalidGradeTable(str(exc)) from exc
    for stored, band in zip(bands, computed, strict=True):
        stored["percentage"] = str(band.percentage(4))
    total = sum(g.count or 0 for g in data.grades) if counted else data.total
    return await _store(
        session,
        principal,
        hei_id=data.hei_id,
        isced_code=data.isced_code,
        eqf_level=data.eqf_level,
        academic_years=list(data.academic_years),
        scale_id=data.scale_id,
        bands=bands,
        total=total,
        source="upload",
        min_count=min_count,
    )


@dataclass
class ComputedTables:
    tables: list[GradeTable]
    used: int
    without_isced: int
    failing: int
    not_on_scale: int = 0


@dataclass(frozen=True)
class Grade:
    course_code: str
    academic_year: str
    grade: str
    isced_code: str | None
    eqf_level: int | None


class HistoryGradeOutOfScale(Problem):
    status, slug, title = 422, "grade-out-of-scale", "The grade does not fit its grading scale"


def _parser(scale: GradingScale) -> Callable[[str], ParsedGrade]:
    """``scale.parse``, once per distinct grade: a jury export repeats a few hundred grades many times."""
    return functools.lru_cache(maxsize=8192)(scale.parse)


def grades_from_history(history: Sequence[HistoricalGrade], scale_id: str) -> list[Grade]:
    """Uploaded grades, refused all together when one of them is not a grade of the scale."""
    parse = _parser(known_scale(scale_id, tables=True))
    wrong = []
    for index, h in enumerate(history):
        try:
            parse(h.grade)
        except GradeError as exc:
            wrong.append(f"history[{index}]: {exc}")
    if wrong:
        raise HistoryGradeOutOfScale("; ".join(wrong[:10]), errors=wrong[:100], count=len(wrong))
    return [Grade(h.course_code, h.academic_year, h.grade, h.isced_code, h.eqf_level) for h in history]


async def compute(
    session: AsyncSession,
    principal: Principal,
    grades: Sequence[Grade],
    *,
    academic_years: list[str],
    digits: Sequence[int],
    scale_id: str,
    source: str,
    min_count: int,
) -> ComputedTables:
    """One table per (ISCED code at each number of digits, EQF level) of our passing grades."""
    scale = known_scale(scale_id, tables=True)
    groups: dict[tuple[str, int | None], Counter[str]] = {}
    per_course: dict[str, Counter[str]] = {}
    used = without_isced = failing = not_on_scale = 0
    parse = _parser(scale)
    for grade in grades:
        try:
            parsed = parse(grade.grade)
        except GradeError:
            not_on_scale += 1
            continue
        per_course.setdefault(grade.course_code, Counter())[parsed.band] += 1
        if not parsed.passed:
            failing += 1
            continue
        if not grade.isced_code:
            without_isced += 1
            continue
        used += 1
        for d in sorted(set(digits), reverse=True):
            if len(grade.isced_code) >= d:
                groups.setdefault((grade.isced_code[:d], grade.eqf_level), Counter())[parsed.band] += 1
    tables = []
    for (isced, eqf), counter in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        counts = [(label, counter.get(label, 0)) for label in scale.passing_bands()]
        computed = bands_from_counts(counts)
        bands: list[dict[str, object]] = [
            {"label": b.label, "count": b.count, "percentage": str(b.percentage(4))} for b in computed
        ]
        table = await _store(
            session,
            principal,
            hei_id=principal.tenant,
            isced_code=isced,
            eqf_level=eqf,
            academic_years=academic_years,
            scale_id=scale_id,
            bands=bands,
            total=sum(counter.values()),
            source=source,
            min_count=min_count,
        )
        tables.append(table)
    await _store_course_distributions(session, principal.tenant, per_course, scale, academic_years)
    return ComputedTables(tables, used, without_isced, failing, not_on_scale)


async def _store_course_distributions(
    session: AsyncSession, tenant: str, per_course: dict[str, Counter[str]], scale: GradingScale, years: list[str]
) -> None:
    now = utcnow()
    for code, counter in per_course.items():
        row = await session.get(CourseDistribution, (tenant, code), with_for_update=True)
        if row is None:
            row = CourseDistribution(tenant=tenant, course_code=code)
            session.add(row)
        row.scale_id = scale.id
        row.academic_years = sorted(years)
        row.categories = [{"label": label, "count": counter.get(label, 0)} for label in scale.all_bands()]
        row.computed_at = now
    await session.flush()


async def current_tables(session: AsyncSession, tenant: str, hei_id: str) -> list[GradeTable]:
    query = sa.select(GradeTable).where(
        GradeTable.tenant == tenant, GradeTable.hei_id == hei_id.lower(), GradeTable.superseded_at.is_(None)
    )
    return list((await session.execute(query.order_by(GradeTable.isced_code, GradeTable.eqf_level))).scalars())


async def get_table(session: AsyncSession, tenant: str, table_id: uuid.UUID) -> GradeTable:
    table = (
        await session.execute(sa.select(GradeTable).where(GradeTable.tenant == tenant, GradeTable.id == table_id))
    ).scalar_one_or_none()
    if table is None:
        raise NotFound(f"No grade distribution table {table_id}.")
    return table


# --- conversion -----------------------------------------------------------------------------------------


async def _table_for(session: AsyncSession, tenant: str, hei_id: str, isced: str, eqf: int | None) -> GradeTable | None:
    """The current table of the group; a table for every level serves when none matches the EQF level."""
    for level in (eqf, None) if eqf is not None else (None,):
        found = (await session.execute(sa.select(GradeTable).where(*_group(tenant, hei_id, isced, level)))).scalar()
        if found is not None:
            return found
    return None


async def matching_tables(
    session: AsyncSession, tenant: str, source_hei: str, target_hei: str, isced: str, eqf: int | None
) -> tuple[GradeTable, GradeTable, str]:
    """Both groups' tables at the most precise ISCED level both have (4, then 3, then 2 digits)."""
    missing: list[str] = []
    for digits in (4, 3, 2):
        if len(isced) < digits:
            continue
        code = isced[:digits]
        source = await _table_for(session, tenant, source_hei, code, eqf)
        target = await _table_for(session, tenant, target_hei, code, eqf)
        if source is not None and target is not None:
            return source, target, code
        missing += [f"{hei} ISCED {code}" for hei, t in ((source_hei, source), (target_hei, target)) if t is None]
    raise GradeTableMissing(
        f"No pair of grade distribution tables for ISCED {isced} (EQF {eqf or 'any'}) down to 2 digits; missing: "
        + ", ".join(missing),
        missing=missing,
    )


def _fraction(value: Fraction) -> dict[str, str]:
    exact = f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value.numerator)
    return {"exact": exact, "decimal": str(round(float(value), 4))}


async def record_conversion(
    session: AsyncSession,
    principal: Principal,
    *,
    direction: str,
    grade: str,
    band_label: str,
    source_hei: str,
    target_hei: str,
    isced: str,
    eqf: int | None,
    result_id: uuid.UUID | None,
) -> GradeConversion:
    source, target, used = await matching_tables(session, principal.tenant, source_hei, target_hei, isced, eqf)
    try:
        converted = convert(band_label, bands_of(source), bands_of(target))
    except ConversionError as exc:
        raise NotConvertible(str(exc), grade=grade) from exc
    warnings = list(converted.warnings) + [f"small-table:{t.hei_id}" for t in (source, target) if t.small]
    low, high = converted.source_band
    conversion = GradeConversion(
        id=uuid.uuid4(),
        tenant=principal.tenant,
        direction=direction,
        grade=grade,
        converted_grade=converted.grade,
        range_best=converted.range_best,
        range_worst=converted.range_worst,
        grade_range=converted.range,
        source_hei_id=source.hei_id,
        target_hei_id=target.hei_id,
        source_table_id=source.id,
        target_table_id=target.id,
        isced_requested=isced,
        isced_used=used,
        eqf_level=eqf,
        rule=converted.rule,
        source_band={
            "label": band_label,
            "from": _fraction(low)["exact"],
            "to": _fraction(high)["exact"],
            "midpoint": _fraction(converted.midpoint)["exact"],
            "midpoint_decimal": _fraction(converted.midpoint)["decimal"],
        },
        warnings=warnings,
        result_id=result_id,
        requested_by=principal.subject,
        created_at=utcnow(),
    )
    session.add(conversion)
    await session.flush()
    return conversion


def local_band(grade: str, scale_id: str) -> str:
    """The band of one of our grades; pass/fail and failing grades are never converted."""
    scale = known_scale(scale_id)
    if not scale.convertible:
        raise NotConvertible("Pass/fail grades are never converted.", grade=grade)
    try:
        parsed = scale.parse(grade)
    except GradeError as exc:
        raise NotConvertible(str(exc), grade=grade) from exc
    if not parsed.passed:
        raise NotConvertible("Failing grades are not converted (grade distribution tables hold passing grades).")
    return parsed.band


def check_partner_grade(data: ConversionRequest) -> None:
    if data.scale_id is not None:
        known_scale(data.scale_id)
    if data.scale_id == "pass-fail" or (data.grade or "").strip().casefold() in {"pass", "fail", "p", "passed"}:
        raise NotConvertible("Pass/fail grades are never converted.", grade=data.grade)
