"""Applying a parsed offer file: check every row, then write everything or nothing.

On PostgreSQL the new courses are copied to the database while the rest of the file is being checked
(the transaction is rolled back if a row is rejected); on SQLite they are written after the check.

Each course row is merged with the stored course of the same code (fields the file does not give keep
their value), validated exactly as the API validates a course, checked against the university's units,
terms and programmes, and compared with the stored course by content digest: equal digests are
``unchanged`` and write nothing. Rejected rows carry their reasons. Unless the caller allows a partial
import, one rejected row means nothing is written (the caller rolls the transaction back).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.courses.index import EDITABLE_FIELDS, content_hash
from smile_catalogue.courses.models import CourseStatus
from smile_catalogue.courses.schemas import CourseCreate, course_values
from smile_catalogue.db import is_postgres
from smile_catalogue.imports.formats import ParsedFile, SourceRow, multilingual_fields
from smile_catalogue.imports.writer import ExistingCourse, Writer, load_existing
from smile_catalogue.institution import service as institution
from smile_catalogue.institution.models import AcademicYear, OrganisationalUnit, Programme, Term
from smile_catalogue.institution.schemas import AcademicYearWrite, ProgrammeWrite, TermWrite, UnitWrite
from smile_catalogue.refs import Refs, load_refs
from smile_common.errors import Problem
from smile_common.security import Principal

__all__ = ["ImportOptions", "ImportResult", "Progress", "apply_file"]

#: called with (phase, rows done, rows in all) while the import runs
Progress = Callable[[str, int, int], Awaitable[None]]
OUTCOMES = ("created", "updated", "unchanged", "rejected")
_PROGRESS_EVERY = 2000


@dataclass(frozen=True)
class ImportOptions:
    #: publish the courses the import creates (and imported drafts); otherwise they are drafts
    publish: bool = False
    #: apply the valid rows even if some are rejected (default: a rejected row stops the whole file)
    allow_partial: bool = False
    #: check and report, write nothing
    dry_run: bool = False
    source: str = "csv"
    #: said in the audit trail of every course the import writes
    label: str = "import"


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    reference: dict[str, dict[str, int]] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    applied: bool = False

    @property
    def rejected(self) -> int:
        return self.counts["rejected"] + sum(c.get("rejected", 0) for c in self.reference.values())

    def add(
        self, kind: str, line: int, code: str | None, outcome: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        if kind == "course":
            self.counts[outcome] += 1
        else:
            counts = self.reference.setdefault(kind, dict.fromkeys(OUTCOMES, 0))
            counts[outcome] += 1
        if outcome != "unchanged" or kind != "course":
            row: dict[str, Any] = {"kind": kind, "line": line, "code": code, "outcome": outcome}
            if errors:
                row["errors"] = errors
            self.rows.append(row)

    def summary(self) -> dict[str, Any]:
        return {**self.counts, "reference": self.reference}


async def _noop(phase: str, done: int, total: int) -> None:
    return None


async def apply_file(
    session: AsyncSession,
    principal: Principal,
    parsed: ParsedFile,
    options: ImportOptions,
    progress: Progress = _noop,
) -> ImportResult:
    """Check and write ``parsed`` in the caller's transaction; the caller commits only if ``applied``."""
    result = ImportResult()
    await _apply_reference(session, principal, parsed, result)
    refs = await load_refs(session, principal.tenant)
    existing = await load_existing(session, principal.tenant)
    writer = Writer(session, principal, refs, options)
    total = len(parsed.courses)
    await progress("checking", 0, total)
    seen: dict[str, int] = {}

    async def check() -> AsyncIterator[dict[str, Any]]:
        """Check every row; yield the values of each new course while none has been rejected (or if
        partial imports are allowed)."""
        created = writer.created
        for done, row in enumerate(parsed.courses, start=1):
            before = len(created)
            _check_row(row, seen, existing, refs, writer, options, result)
            if len(created) > before and (options.allow_partial or not result.rejected):
                yield created[-1]
            if done % _PROGRESS_EVERY == 0:
                await progress("checking", done, total)

    if is_postgres(session) and not options.dry_run:
        await writer.copy_while_checking(check())
    else:
        async for _ in check():
            pass
    await progress("checking", total, total)
    if options.dry_run or (result.rejected and not options.allow_partial):
        return result
    await progress("writing", 0, total)
    await writer.write(progress)
    result.applied = True
    return result


# --- reference data --------------------------------------------------------------------------------------
_REFERENCE: dict[str, tuple[type[BaseModel], Any]] = {
    "organisational_units": (UnitWrite, institution.put_unit),
    "academic_years": (AcademicYearWrite, institution.put_academic_year),
    "terms": (TermWrite, institution.put_term),
    "programmes": (ProgrammeWrite, institution.put_programme),
}


def _units_in_order(items: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, dict[str, Any]]]:
    """Parents before their sub-units, whatever the order of the file."""
    codes = {item.get("code") for _, item in items}
    placed: set[Any] = set()
    ordered: list[tuple[int, dict[str, Any]]] = []
    pending = list(items)
    while pending:
        ready = [p for p in pending if p[1].get("parent_code") not in codes or p[1].get("parent_code") in placed]
        if not ready:  # a cycle: let the unit service say so, row by row
            ready = pending
        ordered += ready
        placed.update(item.get("code") for _, item in ready)
        pending = [p for p in pending if p not in ready]
    return ordered


async def _apply_reference(
    session: AsyncSession, principal: Principal, parsed: ParsedFile, result: ImportResult
) -> None:
    for kind, (schema, put) in _REFERENCE.items():
        items = parsed.reference.get(kind) or []
        if kind == "organisational_units":
            items = _units_in_order(items)
        for line, item in items:
            code = item.get("code") if isinstance(item, dict) else None
            if not isinstance(code, str) or not code.strip():
                result.add(kind, line, None, "rejected", [{"loc": ["code"], "msg": "a code is required"}])
                continue
            try:
                data = schema.model_validate({k: v for k, v in item.items() if k != "code"})
                before = await _version(session, principal, kind, code)
                await put(session, principal, code, data)
                after = await _version(session, principal, kind, code)
            except ValidationError as exc:
                result.add(kind, line, code, "rejected", _errors(exc))
                continue
            except Problem as exc:
                result.add(
                    kind, line, code, "rejected", exc.extensions.get("errors") or [{"loc": [], "msg": exc.detail}]
                )
                continue
            outcome = "created" if before is None else ("unchanged" if before == after else "updated")
            result.add(kind, line, code, outcome)


_MODELS: dict[str, Any] = {
    "organisational_units": OrganisationalUnit,
    "academic_years": AcademicYear,
    "terms": Term,
    "programmes": Programme,
}


async def _version(session: AsyncSession, principal: Principal, kind: str, code: str) -> Any:
    """When the reference row was last changed (``None``: it does not exist)."""
    model = _MODELS[kind]
    return await session.scalar(sa.select(model.updated_at).where(model.tenant == principal.tenant, model.code == code))


def _errors(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[dict[str, Any]]:
    return [
        {
            "loc": [*prefix, *(str(p) if not isinstance(p, int) else p for p in e["loc"])],
            "msg": e["msg"],
            "type": e["type"],
        }
        for e in exc.errors(include_url=False, include_input=False)
    ]


# --- courses ---------------------------------------------------------------------------------------------
_HOURS = {"lecture", "tutorial", "practical", "independent"}
_EDITABLE = frozenset(EDITABLE_FIELDS)


def _merged(row: SourceRow, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    # only the stored fields the row does not give are read (see StoredValues)
    values: dict[str, Any] = {name: stored[name] for name in stored if name not in row.patch} if stored else {}
    values.update(row.patch)
    hours, languages = row.patch.get("hours"), row.patch.get("languages")
    if stored and isinstance(hours, dict) and not set(hours) >= _HOURS:
        values["hours"] = {**(stored.get("hours") or {}), **hours}
    if stored and isinstance(languages, list) and any(isinstance(e, dict) and "cefr_level" not in e for e in languages):
        values["languages"] = _keep_levels(languages, stored.get("languages") or [])
    for name in multilingual_fields():
        texts = row.by_language.get(name)
        if texts:
            merged = dict(values.get(name) or {})
            for lang, text in texts.items():
                if text is None:
                    merged.pop(lang, None)
                else:
                    merged[lang] = text
            values[name] = merged
    values["code"] = row.code
    return values


def _keep_levels(given: list[Any], stored: list[dict[str, Any]]) -> list[Any]:
    """A language given without a ``cefr_level`` key (SIS exports know none) keeps the level staff set."""
    levels = {entry.get("language"): entry.get("cefr_level") for entry in stored}
    return [
        {**entry, "cefr_level": levels.get(entry.get("language"))}
        if isinstance(entry, dict) and "cefr_level" not in entry
        else entry
        for entry in given
    ]


def _check_row(
    row: SourceRow,
    seen: dict[str, int],
    existing: dict[str, ExistingCourse],
    refs: Refs,
    writer: Writer,
    options: ImportOptions,
    result: ImportResult,
) -> None:
    if row.code is None:
        result.add("course", row.line, None, "rejected", [*row.errors, {"loc": ["code"], "msg": "a code is required"}])
        return
    key = row.code.lower()
    if key in seen:
        message = f"the code {row.code} is already on line {seen[key]} of this file"
        result.add("course", row.line, row.code, "rejected", [{"loc": ["code"], "msg": message}])
        return
    seen[key] = row.line
    if row.errors:
        result.add("course", row.line, row.code, "rejected", row.errors)
        return
    stored = existing.get(key)
    if not row.patch.keys() <= _EDITABLE:
        errors = [
            {"loc": [name], "msg": "not a field of a course", "type": "extra_forbidden"}
            for name in sorted(row.patch.keys() - _EDITABLE)
        ]
        result.add("course", row.line, row.code, "rejected", errors)
        return
    try:
        model = CourseCreate.model_validate(_merged(row, stored.values if stored else None))
    except ValidationError as exc:
        result.add("course", row.line, row.code, "rejected", _errors(exc))
        return
    values = course_values(model)
    if stored is not None:
        values["code"] = stored.code  # the stored spelling of the code is kept
    problems = refs.course_problems(values)
    if problems:
        result.add("course", row.line, row.code, "rejected", problems)
        return
    digest = content_hash(values)
    if stored is None:
        course_id = writer.create(values, digest)
        result.add("course", row.line, row.code, "created")
        result.rows[-1]["course_id"] = str(course_id)
        return
    publish = options.publish and stored.status == CourseStatus.DRAFT.value
    if digest == stored.content_hash and not publish:
        result.add("course", row.line, row.code, "unchanged")
        return
    writer.update(stored, values, digest, publish=publish)
    result.add("course", row.line, row.code, "updated")
    result.rows[-1]["course_id"] = str(stored.id)
