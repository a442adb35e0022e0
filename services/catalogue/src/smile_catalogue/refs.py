"""The reference data of one university (units, terms, programmes), loaded at once.

Course writes check their codes against it, search uses it for facet labels, imports for thousands of
rows at a time: a few small queries instead of one per row.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.courses.index import unit_ancestry
from smile_catalogue.institution.models import AcademicYear, OrganisationalUnit, Programme, Term
from smile_common.errors import UnprocessableEntity

__all__ = ["Refs", "TermRef", "UnitRef", "UnknownReference", "load_refs"]


class UnknownReference(UnprocessableEntity):
    slug, title = "unknown-reference", "The request names something that does not exist"


@dataclass(frozen=True)
class UnitRef:
    id: uuid.UUID
    code: str
    name: dict[str, str]
    parent_code: str | None
    kind: str
    hidden: bool


@dataclass(frozen=True)
class TermRef:
    id: uuid.UUID
    code: str
    name: dict[str, str]
    academic_year_code: str
    ordinal: int
    terms_in_year: int
    start_date: date
    end_date: date

    @property
    def academic_year_id(self) -> str:
        """EWP academic year id, ``2026/2027``."""
        return self.academic_year_code.replace("-", "/")

    @property
    def ewp_id(self) -> str:
        """EWP academic term id, ``2026/2027-1/2``."""
        return f"{self.academic_year_id}-{self.ordinal}/{self.terms_in_year}"


@dataclass(frozen=True)
class ProgrammeRef:
    code: str
    name: dict[str, str]
    organisational_unit_code: str | None


@dataclass
class Refs:
    units: dict[str, UnitRef] = field(default_factory=dict)
    terms: dict[str, TermRef] = field(default_factory=dict)
    programmes: dict[str, ProgrammeRef] = field(default_factory=dict)

    def ancestry(self) -> dict[str, list[str]]:
        return unit_ancestry((u.code, u.parent_code) for u in self.units.values())

    def faculty_of(self, unit_code: str | None) -> str | None:
        """The top unit above ``unit_code`` (the faculty of a department), or the unit itself."""
        if unit_code is None:
            return None
        chain = self.ancestry().get(unit_code, [unit_code])
        return chain[-1]

    def course_problems(self, values: Mapping[str, Any], prefix: Sequence[str | int] = ()) -> list[dict[str, Any]]:
        """Codes of a course that name nothing known, as validation errors (``loc``, ``msg``)."""
        errors: list[dict[str, Any]] = []

        def missing(loc: Sequence[str | int], msg: str) -> None:
            errors.append({"loc": [*prefix, *loc], "msg": msg, "type": "unknown_reference"})

        unit = values.get("organisational_unit_code")
        if unit is not None and unit not in self.units:
            missing(["organisational_unit_code"], f"no organisational unit has the code '{unit}'")
        terms = list(values.get("term_codes") or ())
        for i, code in enumerate(terms):
            if code not in self.terms:
                missing(["term_codes", i], f"no term has the code '{code}'")
        for i, code in enumerate(values.get("programme_codes") or ()):
            if code not in self.programmes:
                missing(["programme_codes", i], f"no programme has the code '{code}'")
        for i, slot in enumerate(values.get("schedule") or ()):
            term = slot.get("term_code")
            if term is not None and term not in terms:
                missing(["schedule", i, "term_code"], f"the slot's term '{term}' is not one of the course's terms")
        return errors

    def check_course(self, values: Mapping[str, Any]) -> None:
        errors = self.course_problems(values)
        if errors:
            raise UnknownReference("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in errors), errors=errors)


async def load_refs(session: AsyncSession, tenant: str) -> Refs:
    refs = Refs()
    units = (await session.execute(sa.select(OrganisationalUnit).where(OrganisationalUnit.tenant == tenant))).scalars()
    by_id = {u.id: u for u in units}
    for u in by_id.values():
        parent = by_id.get(u.parent_id) if u.parent_id else None
        refs.units[u.code] = UnitRef(u.id, u.code, u.name, parent.code if parent else None, u.kind, u.hidden)
    terms = await session.execute(
        sa.select(Term, AcademicYear.code)
        .join(AcademicYear, AcademicYear.id == Term.academic_year_id)
        .where(Term.tenant == tenant)
    )
    for term, year in terms:
        refs.terms[term.code] = TermRef(
            term.id, term.code, term.name, year, term.ordinal, term.terms_in_year, term.start_date, term.end_date
        )
    programmes = await session.execute(
        sa.select(Programme.code, Programme.name, Programme.organisational_unit_code).where(Programme.tenant == tenant)
    )
    for code, name, unit in programmes:
        refs.programmes[code] = ProgrammeRef(code, name, unit)
    return refs
