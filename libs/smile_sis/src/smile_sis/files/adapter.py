"""The files adapter, for Apogée and any SIS without an API.

``<directory>/exports/`` holds what the SIS exports for SMILE (``periods.csv``, ``offer.csv``,
``learners.csv``, ``results*.csv``); ``<directory>/imports/`` holds what SMILE writes for the registrar
to import (``learners.csv``, ``administrative-enrolments.csv``, ``course-enrolments.csv``). Writes are
idempotent: a row already written for the same reference and content is not written again.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict

from smile_sis.errors import SisNotFound, SisRejected
from smile_sis.files.formats import Row, parse_bool, parse_date, parse_decimal, read_rows, write_rows
from smile_sis.models import (
    AdministrativeEnrolmentReceipt,
    AdministrativeEnrolmentRequest,
    CourseEnrolmentReceipt,
    CourseEnrolmentRequest,
    CourseOffer,
    GradeRecord,
    LearnerData,
    LearnerQuery,
    OfferedCourse,
    OfferedProgramme,
    OrganisationalUnit,
    Period,
    ResultOutcome,
    SisLearner,
    SisResult,
)
from smile_sis.policy import SisConfigBase

__all__ = ["FilesConfig", "FilesSIS"]

LEARNER_IMPORT = [
    "reference",
    "family_name",
    "given_names",
    "birth_date",
    "sex",
    "nationality",
    "email",
    "ine",
    "esi",
    "home_institution",
    "written_at",
]
ADMIN_IMPORT = [
    "reference",
    "learner_reference",
    "learner_code",
    "period",
    "programme",
    "regime",
    "exchange_programme",
    "country",
    "start_date",
    "end_date",
    "written_at",
]
COURSE_IMPORT = ["reference", "learner_reference", "learner_code", "period", "programme", "courses", "written_at"]


class FilesConfig(SisConfigBase):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["files"] = "files"
    directory: Path
    delimiter: str = ";"
    encoding: str = "utf-8"
    passing_result_codes: list[str] = ["ADM", "ADMIS", "VAL", "ACQ", "ADJ", "P"]
    failing_result_codes: list[str] = ["AJ", "AJAC", "NVAL", "DEF", "ABI", "F"]


class FilesSIS:
    kind = "files"

    def __init__(self, config: FilesConfig) -> None:
        self.config = config
        self.exports = config.directory / "exports"
        self.imports = config.directory / "imports"
        self._lock = asyncio.Lock()

    def _rows(self, name: str, kind: str) -> list[Row]:
        return list(
            read_rows(self.exports / name, kind, delimiter=self.config.delimiter, encoding=self.config.encoding)
        )

    # --- offer -------------------------------------------------------------------------------------
    async def list_periods(self) -> Sequence[Period]:
        rows = await asyncio.to_thread(self._rows, "periods.csv", "periods")
        periods = [
            Period(
                code=r["code"],
                label=r.get("label", r["code"]),
                academic_year=int(r["academic_year"]) if r.get("academic_year", "").isdigit() else None,
                start_date=parse_date(r.get("start_date")),
                end_date=parse_date(r.get("end_date")),
            )
            for r in rows
            if r.get("code")
        ]
        return sorted(periods, key=lambda p: (p.academic_year or 0, p.code), reverse=True)

    async def read_course_offer(self, period_code: str) -> CourseOffer:
        periods = {p.code: p for p in await self.list_periods()}
        rows = await asyncio.to_thread(self._offer_rows, period_code)
        if period_code not in periods and not rows:
            raise SisNotFound(f"no period {period_code} in {self.exports / 'periods.csv'} and no offer rows for it")
        period = periods.get(period_code) or Period(code=period_code, label=period_code)
        programmes: dict[str, OfferedProgramme] = {}
        courses = []
        for row in rows:
            for code in _split(row.get("programme")):
                if code not in programmes:
                    title = {"fr": row["programme_title"]} if row.get("programme_title") else {}
                    unit = row.get("ounit")
                    programmes[code] = OfferedProgramme(
                        code=code, title=title, path=code, organisational_unit_code=unit
                    )
            courses.append(_course(row))
        units = await asyncio.to_thread(self._rows, "units.csv", "units")
        return CourseOffer(
            period=period,
            organisational_units=[_unit(u) for u in units if u.get("code")],
            programmes=list(programmes.values()),
            courses=sorted(courses, key=lambda c: c.code),
            source=self.kind,
            read_at=datetime.now(UTC),
        )

    def _offer_rows(self, period_code: str) -> list[Row]:
        specific = self._rows(f"offer-{period_code}.csv", "offer")
        if specific:
            return specific
        return [r for r in self._rows("offer.csv", "offer") if r.get("period") in (None, period_code) and r.get("code")]

    # --- learners ----------------------------------------------------------------------------------
    async def find_learner(self, query: LearnerQuery, *, reference: str | None = None) -> SisLearner | None:
        rows = await asyncio.to_thread(self._rows, "learners.csv", "learners")
        for match in (
            lambda r: bool(query.code) and r.get("code") == query.code,
            lambda r: bool(reference) and r.get("reference") == reference,
            lambda r: bool(query.ine) and r.get("ine", "").upper().startswith((query.ine or "-").upper()),
            lambda r: _same_person(r, query),
        ):
            found = next((r for r in rows if match(r)), None)
            if found is not None:
                return SisLearner(
                    code=found.get("code"),
                    family_name=found.get("family_name", ""),
                    given_names=found.get("given_names", ""),
                    birth_date=parse_date(found.get("birth_date")),
                    ine=found.get("ine"),
                )
        return None

    async def ensure_learner(self, learner: LearnerData) -> SisLearner:
        query = LearnerQuery(
            code=learner.code,
            ine=learner.ine,
            family_name=learner.family_name,
            given_names=learner.given_names,
            birth_date=learner.birth_date,
        )
        found = await self.find_learner(query, reference=learner.reference)
        if found is not None:
            return found
        row = {
            "reference": learner.reference,
            "family_name": learner.family_name,
            "given_names": learner.given_names,
            "birth_date": learner.birth_date.isoformat() if learner.birth_date else "",
            "sex": learner.sex or "",
            "nationality": learner.nationality or "",
            "email": learner.email,
            "ine": learner.ine or "",
            "esi": learner.esi or "",
            "home_institution": learner.home_institution or "",
        }
        await self._write_once("learners.csv", LEARNER_IMPORT, row)
        return SisLearner(
            code=None,
            family_name=learner.family_name,
            given_names=learner.given_names,
            birth_date=learner.birth_date,
            ine=learner.ine,
            pending=True,
        )

    # --- enrolments --------------------------------------------------------------------------------
    async def enrol_administratively(self, request: AdministrativeEnrolmentRequest) -> AdministrativeEnrolmentReceipt:
        row = {
            "reference": request.reference,
            "learner_reference": request.learner_reference or "",
            "learner_code": request.learner.code or "",
            "period": request.period_code,
            "programme": request.programme_path,
            "regime": request.regime_code,
            "exchange_programme": request.exchange_programme_code,
            "country": request.country_code,
            "start_date": request.start_date.isoformat() if request.start_date else "",
            "end_date": request.end_date.isoformat() if request.end_date else "",
        }
        written = await self._write_once("administrative-enrolments.csv", ADMIN_IMPORT, row)
        return AdministrativeEnrolmentReceipt(
            sis_enrolment_id=f"file:{request.reference}", status="exported", already_existed=not written
        )

    async def enrol_in_courses(self, request: CourseEnrolmentRequest) -> CourseEnrolmentReceipt:
        wanted = list(dict.fromkeys(request.course_codes))
        previous = await asyncio.to_thread(self._last_courses, request.reference)
        row = {
            "reference": request.reference,
            "learner_reference": request.learner_reference or "",
            "learner_code": request.learner.code or "",
            "period": request.period_code,
            "programme": request.programme_path,
            "courses": "|".join(wanted),
        }
        await self._write_once("course-enrolments.csv", COURSE_IMPORT, row)
        return CourseEnrolmentReceipt(
            enrolled=wanted,
            added=[c for c in wanted if c not in previous],
            removed=[c for c in previous if c not in wanted],
        )

    def _last_courses(self, reference: str) -> list[str]:
        rows = [r for r in self._import_rows("course-enrolments.csv") if r.get("reference") == reference]
        return [c for c in rows[-1].get("courses", "").split("|") if c] if rows else []

    # --- results -----------------------------------------------------------------------------------
    def _result_rows(self) -> list[Row]:
        out: list[Row] = []
        for path in sorted(self.exports.glob("results*.csv")):
            out.extend(read_rows(path, "results", delimiter=self.config.delimiter, encoding=self.config.encoding))
        return out

    async def read_results(self, learner: SisLearner, period_code: str, programme_path: str) -> Sequence[SisResult]:
        if not learner.code and not learner.ine:
            raise SisRejected("the learner has no SIS code yet: import learners.csv into the SIS first")
        rows = await asyncio.to_thread(self._result_rows)
        mine = [
            r
            for r in rows
            if r.get("period") == period_code
            and ((learner.code and r.get("learner") == learner.code) or (learner.ine and r.get("ine") == learner.ine))
        ]
        latest: dict[str, SisResult] = {}
        for row in mine:  # a later session replaces an earlier one
            result = self._result(row, period_code)
            if result is not None:
                latest[result.course_code] = result
        return list(latest.values())

    def _outcome(self, row: Row) -> ResultOutcome:
        code = (row.get("result") or "").upper()
        if code in {c.upper() for c in self.config.passing_result_codes}:
            return ResultOutcome.PASSED
        if code in {c.upper() for c in self.config.failing_result_codes}:
            return ResultOutcome.FAILED
        grade, scale = parse_decimal(row.get("grade")), parse_decimal(row.get("scale")) or None
        if grade is not None and scale:
            return ResultOutcome.PASSED if grade * 2 >= scale else ResultOutcome.FAILED
        return ResultOutcome.UNKNOWN

    def _result(self, row: Row, period_code: str) -> SisResult | None:
        if not row.get("course"):
            return None
        grade = parse_decimal(row.get("grade"))
        return SisResult(
            course_code=row["course"],
            course_title=row.get("course_title"),
            period_code=period_code,
            grade=grade,
            scale_max=parse_decimal(row.get("scale")) or (None if grade is None else parse_decimal("20")),
            grade_label=row.get("result") if grade is None else None,
            outcome=self._outcome(row),
            credits=parse_decimal(row.get("credits")),
            result_date=parse_date(row.get("date")),
            session=int(row["session"]) if row.get("session", "").isdigit() else None,
        )

    async def read_grade_history(self, period_codes: Sequence[str]) -> Sequence[GradeRecord]:
        rows = await asyncio.to_thread(self._result_rows)
        wanted = set(period_codes)
        out = []
        for row in rows:
            if row.get("period") not in wanted or not row.get("course"):
                continue
            outcome = self._outcome(row)
            if outcome is ResultOutcome.UNKNOWN:
                continue
            out.append(
                GradeRecord(
                    course_code=row["course"],
                    period_code=row["period"],
                    grade=parse_decimal(row.get("grade")),
                    scale_max=parse_decimal(row.get("scale")),
                    grade_label=row.get("result"),
                    passed=outcome is ResultOutcome.PASSED,
                    isced_code=row.get("isced"),
                    eqf_level=int(row["eqf"]) if row.get("eqf", "").isdigit() else None,
                )
            )
        return out

    async def aclose(self) -> None:
        return None

    # --- imports (SMILE -> SIS) --------------------------------------------------------------------
    def _import_rows(self, name: str) -> list[dict[str, str]]:
        path = self.imports / name
        if not path.exists():
            return []
        with path.open(encoding="utf-8") as f:
            return list(csv.DictReader(f, delimiter=self.config.delimiter))

    async def _write_once(self, name: str, header: list[str], row: dict[str, str]) -> bool:
        """Append ``row`` unless the latest row of the same reference says the same; True if written."""
        async with self._lock:
            previous = [
                r for r in await asyncio.to_thread(self._import_rows, name) if r.get("reference") == row["reference"]
            ]
            if previous and all(previous[-1].get(k, "") == v for k, v in row.items()):
                return False
            stamped = {**row, "written_at": datetime.now(UTC).isoformat(timespec="seconds")}
            await asyncio.to_thread(write_rows, self.imports / name, header, [stamped], delimiter=self.config.delimiter)
            return True


def _unit(row: Row) -> OrganisationalUnit:
    title = {lang: row[f"title_{lang}"] for lang in ("fr", "en") if row.get(f"title_{lang}")}
    return OrganisationalUnit(code=row["code"], title=title, parent_code=row.get("parent"))


def _course(row: Row) -> OfferedCourse:
    title = {lang: row[f"title_{lang}"] for lang in ("fr", "en") if row.get(f"title_{lang}")}
    description = {lang: row[f"description_{lang}"] for lang in ("fr", "en") if row.get(f"description_{lang}")}
    isced = row.get("isced")
    eqf = row.get("eqf")
    capacity = row.get("capacity")
    programmes = _split(row.get("programme"))
    return OfferedCourse(
        code=row["code"],
        title=title,
        description=description,
        ects=parse_decimal(row.get("ects")),
        programme_codes=programmes,
        path=f"{programmes[0]}>{row['code']}" if programmes else None,
        organisational_unit_code=row.get("ounit"),
        isced_code=isced if isced and isced.isdigit() and 2 <= len(isced) <= 4 else None,
        eqf_level=int(eqf) if eqf and eqf.isdigit() and 1 <= int(eqf) <= 8 else None,
        term_code=row.get("term"),
        languages=[lang.lower() for lang in _split(row.get("languages"))],
        hours=parse_decimal(row.get("hours")),
        capacity=int(capacity) if capacity and capacity.isdigit() else None,
        mandatory=parse_bool(row.get("mandatory")),
        open_to_choice=bool(parse_bool(row.get("open"), True)),
    )


def _split(value: str | None) -> list[str]:
    """``a|b`` or ``a,b`` as a list."""
    return [v.strip() for v in (value or "").replace(",", "|").split("|") if v.strip()]


def _same_person(row: Row, query: LearnerQuery) -> bool:
    if not (query.family_name and query.given_names and query.birth_date):
        return False
    return (
        row.get("family_name", "").casefold() == query.family_name.casefold()
        and row.get("given_names", "").casefold() == query.given_names.casefold()
        and parse_date(row.get("birth_date")) == query.birth_date
    )
