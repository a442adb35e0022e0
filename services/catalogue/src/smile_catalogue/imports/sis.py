"""The course offer read from the SIS (Pégase, Apogée exports, the demo SIS) as rows to import.

Only what the SIS knows is given: titles and descriptions in the languages the SIS has, credits, unit,
programmes, ISCED and EQF codes, semester, languages of instruction, capacity, hours. What staff add in
SMILE (English texts, CEFR levels, schedule, assessment) is kept when the offer is imported again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smile_catalogue.imports.formats import ParsedFile, SourceRow, map_term
from smile_common.service import Runtime
from smile_sis import CourseOffer, OfferedCourse, SisRegistry

__all__ = ["offer_rows", "sis_registry"]

_KEY = "sis_registry"


def sis_registry(runtime: Runtime) -> SisRegistry:
    """The SIS of each university, from ``SMILE_SIS_CONFIG`` (built on first use, closed with the runtime)."""
    registry = runtime.extras.get(_KEY)
    if registry is None:
        setting = getattr(runtime.settings, "sis_config", None)
        registry = SisRegistry.from_setting(setting, dev=runtime.settings.is_dev)
        runtime.extras[_KEY] = registry
        runtime.closers.append(registry.aclose)
    assert isinstance(registry, SisRegistry)
    return registry


def offer_rows(offer: CourseOffer, options: Mapping[str, Any]) -> ParsedFile:
    parsed = ParsedFile(offer.source, "utf-8")
    parsed.reference["organisational_units"] = [
        (0, {"code": u.code, "name": u.title or {"fr": u.code}, "parent_code": u.parent_code})
        for u in offer.organisational_units
    ]
    parsed.reference["programmes"] = [
        (
            0,
            {
                "code": p.code,
                "name": p.title or {"fr": p.code},
                "organisational_unit_code": p.organisational_unit_code,
                "eqf_level": p.eqf_level,
            },
        )
        for p in offer.programmes
        if p.code
    ]
    for line, course in enumerate(offer.courses, start=1):
        parsed.courses.append(_row(line, course, options))
    return parsed


def _row(line: int, course: OfferedCourse, options: Mapping[str, Any]) -> SourceRow:
    row = SourceRow(line, course.code, {})
    if course.title:
        row.by_language["title"] = dict(course.title)
    if course.description:
        row.by_language["description"] = dict(course.description)
    if course.ects is not None:
        row.patch["ects"] = str(course.ects)
    for name in ("organisational_unit_code", "isced_code", "eqf_level", "capacity"):
        value = getattr(course, name)
        if value is not None:
            row.patch[name] = value
    if course.programme_codes:
        row.patch["programme_codes"] = list(course.programme_codes)
    if course.term_code:
        term = map_term(course.term_code, options)
        if term is None:
            message = f"the SIS semester '{course.term_code}' matches no term (set autumn_term / spring_term)"
            row.errors.append({"loc": ["term_codes"], "msg": message, "type": "unknown_reference"})
        else:
            row.patch["term_codes"] = [term]
    if course.languages:
        row.patch["languages"] = [{"language": code} for code in course.languages]
    if course.hours is not None:
        row.patch["hours"] = {"lecture": round(course.hours)}
    row.patch["open_to_exchange"] = course.open_to_choice
    return row
