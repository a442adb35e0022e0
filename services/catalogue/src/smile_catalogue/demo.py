"""A believable catalogue for the demo university (Université de Caen Normandie), as an import document.

The document has the shape of the JSON import format (see docs/catalogue.md), so the demo data goes in
through the same pipeline as a university's own files.
"""

from __future__ import annotations

import random
from typing import Any

from smile_catalogue.demo_data import CONTACTS, LEVELS, TOPICS, UNITS

DEMO_HEI = "unicaen.fr"
YEAR = "2026-2027"
TERMS = ("2026-S1", "2026-S2")
_DAYS = ("mon", "tue", "wed", "thu", "fri")
_STARTS = ("08:00", "10:15", "13:30", "15:45")


def _slug(name: str) -> str:
    return "".join(part[:1] for part in name.split() if part[:1].isalpha()).upper()[:4] or "X"


def _programmes() -> list[dict[str, Any]]:
    out = []
    for code, parent, kind, _, fr, en in UNITS:
        if kind == "department" or parent is not None:
            continue
        out.append(
            {
                "code": f"L-{code}",
                "name": {"fr": f"Licence - {fr}", "en": f"Bachelor - {en}"},
                "organisational_unit_code": code,
                "eqf_level": 6,
            }
        )
        out.append(
            {
                "code": f"M-{code}",
                "name": {"fr": f"Master - {fr}", "en": f"Master - {en}"},
                "organisational_unit_code": code,
                "eqf_level": 7,
            }
        )
    return out


def _faculty(unit: str) -> str:
    parents = {code: parent for code, parent, *_ in UNITS}
    return parents.get(unit) or unit


def _languages(rng: random.Random, en_title: str) -> list[dict[str, Any]]:
    roll = rng.random()
    if roll < 0.62:
        return [{"language": "fr", "cefr_level": rng.choice(["A2", "B1", "B1", "B2", "B2", "C1"])}]
    if roll < 0.85:
        return [{"language": "en", "cefr_level": rng.choice(["B1", "B2", "B2"])}]
    if "German" in en_title:
        return [{"language": "de", "cefr_level": "B2"}, {"language": "fr", "cefr_level": "B1"}]
    return [{"language": "fr", "cefr_level": "B1"}, {"language": "en", "cefr_level": "B2"}]


def _schedule(rng: random.Random, terms: list[str]) -> list[dict[str, Any]]:
    slots = []
    for _ in range(rng.choice([1, 1, 2])):
        start = rng.choice(_STARTS)
        hour, minute = map(int, start.split(":"))
        slots.append(
            {
                "day": rng.choice(_DAYS),
                "start": start,
                "end": f"{hour + 2:02d}:{minute:02d}",
                "kind": rng.choice(["lecture", "tutorial"]),
            }
        )
    return slots


def _course(
    unit: str, prefix: str, isced: str, fr: str, en: str, level: tuple[str, int, str, str], n: int
) -> dict[str, Any]:
    suffix, eqf, level_fr, level_en = level
    code = f"{prefix}-{_slug(en)}{n:02d}-{suffix}"
    rng = random.Random(code)  # noqa: S311 - deterministic demo data, not security
    terms = [TERMS[(n + int(suffix)) % 2]] if rng.random() < 0.85 else list(TERMS)
    ects = rng.choice([3, 4, 5, 5, 6, 6]) if eqf == 6 else rng.choice([4, 5, 6, 6, 8])
    lecture = rng.choice([18, 20, 24, 30])
    tutorial = rng.choice([0, 10, 12, 18])
    faculty = _faculty(unit)
    level_code = "L" if eqf == 6 else "M"
    return {
        "code": code,
        "title": {"fr": f"{fr} - {level_fr}", "en": f"{en} - {level_en}"},
        "description": {
            "fr": f"Ce cours de {fr.lower()} ({level_fr}) présente les notions essentielles, des études de cas "
            f"et des travaux dirigés. Il est ouvert aux étudiants en échange de l'Université de Caen Normandie.",
            "en": f"This {en.lower()} course ({level_en}) covers the key concepts through lectures, case studies "
            f"and tutorials. It is open to exchange students at the University of Caen Normandy.",
        },
        "learning_outcomes": {"en": f"Explain and apply the main methods of {en.lower()}."},
        "ects": ects,
        "organisational_unit_code": unit,
        "isced_code": isced,
        "eqf_level": eqf,
        "languages": _languages(rng, en),
        "term_codes": terms,
        "programme_codes": [f"{level_code}-{faculty}"],
        "hours": {
            "lecture": lecture,
            "tutorial": tutorial,
            "practical": 0,
            "independent": ects * 25 - lecture - tutorial,
        },
        "teaching_methods": ["lecture", "tutorial"] if tutorial else ["lecture"],
        "assessment": [{"method": "written_exam", "weight": 60}, {"method": "continuous", "weight": 40}]
        if rng.random() < 0.7
        else [{"method": "project", "weight": 50}, {"method": "oral_exam", "weight": 50}],
        "schedule": _schedule(rng, terms),
        "capacity": rng.choice([None, None, 10, 15, 20, 30]),
        "contacts": [
            {
                "name": rng.choice(CONTACTS),
                "email": f"ri.{faculty.lower()}@unicaen.fr",
                "role": {"fr": "Responsable pédagogique", "en": "Course coordinator"},
            }
        ],
        "syllabus_url": f"https://www.unicaen.fr/syllabus/{code.lower()}",
        "open_to_exchange": rng.random() > 0.04,
        "status": "published",
    }


def demo_document() -> dict[str, Any]:
    """The demo offer: 13 units, one academic year, two semesters, 18 programmes, 435 courses."""
    courses = []
    for unit, prefix, isced, topics in TOPICS:
        for n, (fr, en) in enumerate(topics, start=1):
            courses += [_course(unit, prefix, isced, fr, en, level, n) for level in LEVELS]
    return {
        "organisational_units": [
            {"code": code, "parent_code": parent, "kind": kind, "city": city, "name": {"fr": fr, "en": en}}
            for code, parent, kind, city, fr, en in UNITS
        ],
        "academic_years": [
            {
                "code": YEAR,
                "start_date": "2026-09-01",
                "end_date": "2027-08-31",
                "name": {"fr": "Année universitaire 2026-2027", "en": "Academic year 2026-2027"},
            }
        ],
        "terms": [
            {
                "code": "2026-S1",
                "academic_year_code": YEAR,
                "ordinal": 1,
                "terms_in_year": 2,
                "name": {"fr": "Semestre d'automne 2026", "en": "Autumn semester 2026"},
                "start_date": "2026-09-07",
                "end_date": "2027-01-22",
            },
            {
                "code": "2026-S2",
                "academic_year_code": YEAR,
                "ordinal": 2,
                "terms_in_year": 2,
                "name": {"fr": "Semestre de printemps 2027", "en": "Spring semester 2027"},
                "start_date": "2027-01-25",
                "end_date": "2027-06-25",
            },
        ],
        "programmes": _programmes(),
        "courses": courses,
    }
