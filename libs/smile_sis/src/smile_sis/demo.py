"""Demo content of the in-memory SIS for the demo university (Université de Caen Normandie).

The course codes are those of the catalogue's demo data, so that importing the offer from the SIS, and
enrolling a demo student in the courses of their learning agreement, line up.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from smile_sis.memory import InMemorySIS
from smile_sis.models import GradeRecord, OfferedCourse, OfferedProgramme, OrganisationalUnit, Period
from smile_sis.policy import EnrolmentPolicy

__all__ = ["DEMO_HEI", "demo_policy", "load_demo"]

DEMO_HEI = "unicaen.fr"

_UNITS = {
    "UFR-DROIT": ("UFR de droit, AES et administration publique", "Faculty of Law", None),
    "DROIT": ("Département de droit", "Department of Law", "UFR-DROIT"),
    "ECO": ("UFR des sciences économiques", "Faculty of Economics", None),
    "SCI": ("UFR des sciences", "Faculty of Sciences", None),
    "LANG": ("Carré international - langues", "International centre - languages", None),
    "HIST": ("UFR des humanités et sciences sociales", "Faculty of Humanities and Social Sciences", None),
}

_PROGRAMMES = {
    "DROIT": ("ECH-DROIT", "Étudiants en échange - Droit", "Exchange students - Law"),
    "ECO": ("ECH-ECO", "Étudiants en échange - Économie", "Exchange students - Economics"),
    "SCI": ("ECH-SCI", "Étudiants en échange - Sciences", "Exchange students - Sciences"),
    "LANG": ("ECH-LANG", "Étudiants en échange - Langues", "Exchange students - Languages"),
    "HIST": ("ECH-HIST", "Étudiants en échange - Histoire", "Exchange students - History"),
}

#: code, title fr, title en, unit, ISCED, ECTS, EQF, semester, language
_COURSES: list[tuple[str, str, str, str, str, int, int, str, str]] = [
    ("DRT-EU-101", "Droit de l'Union européenne", "European Union law", "DROIT", "0421", 6, 6, "S1", "fr"),
    ("DRT-INT-201", "Droit international public", "Public international law", "DROIT", "0421", 5, 6, "S2", "fr"),
    ("ECO-MAC-110", "Macroéconomie", "Macroeconomics", "ECO", "0311", 6, 6, "S1", "fr"),
    ("ECO-ECM-230", "Économétrie appliquée", "Applied econometrics", "ECO", "0311", 5, 7, "S2", "en"),
    (
        "INF-ALG-120",
        "Algorithmique et structures de données",
        "Algorithms and data structures",
        "SCI",
        "0613",
        6,
        6,
        "S1",
        "fr",
    ),
    ("INF-BDD-210", "Bases de données", "Databases", "SCI", "0612", 5, 6, "S2", "fr"),
    ("MAT-PRO-140", "Probabilités", "Probability", "SCI", "0541", 5, 6, "S1", "fr"),
    ("PHY-QUA-310", "Physique quantique", "Quantum physics", "SCI", "0533", 6, 7, "S1", "en"),
    (
        "LET-FLE-100",
        "Français langue étrangère B1",
        "French as a foreign language B1",
        "LANG",
        "0231",
        3,
        5,
        "S1",
        "fr",
    ),
    (
        "LET-FLE-200",
        "Français langue étrangère B2",
        "French as a foreign language B2",
        "LANG",
        "0231",
        3,
        6,
        "S2",
        "fr",
    ),
    (
        "HIS-NOR-150",
        "Histoire de la Normandie médiévale",
        "History of medieval Normandy",
        "HIST",
        "0222",
        4,
        6,
        "S1",
        "fr",
    ),
    ("BIO-MAR-220", "Biologie marine", "Marine biology", "SCI", "0511", 5, 6, "S2", "fr"),
]


def _period(year: int) -> Period:
    return Period(
        code=f"PER-{year}",
        label=f"Année universitaire {year}/{year + 1}",
        academic_year=year,
        start_date=date(year, 9, 1),
        end_date=date(year + 1, 8, 31),
        active=year >= 2025,
    )


def demo_policy() -> EnrolmentPolicy:
    return EnrolmentPolicy(
        regime_code="REG-ECH",
        exchange_programme_codes={"erasmus+": "ERASMUS", "erasmus": "ERASMUS", "bilateral": "CONV-BILAT"},
        default_exchange_programme_code="ERASMUS",
        programme_paths={unit: code for unit, (code, _, _) in _PROGRAMMES.items()},
        default_programme_path="ECH-SCI",
    )


def _history(sis: InMemorySIS, year: int, rng: random.Random) -> None:
    period = f"PER-{year}"
    for code, _fr, _en, _unit, isced, _ects, eqf, _term, _lang in _COURSES:
        for _ in range(rng.randint(40, 120)):
            grade = max(0.0, min(20.0, rng.gauss(11.8, 3.2)))
            value = Decimal(str(round(grade * 4) / 4))
            sis.add_history(
                [
                    GradeRecord(
                        course_code=code,
                        period_code=period,
                        academic_year=year,
                        grade=value,
                        scale_max=Decimal(20),
                        passed=value >= 10,
                        isced_code=isced,
                        eqf_level=eqf,
                    )
                ]
            )


def load_demo(sis: InMemorySIS) -> InMemorySIS:
    """Periods 2023 to 2026, one exchange programme per faculty, the demo courses, three years of grades."""
    rng = random.Random(2026)  # noqa: S311 - reproducible demo grades, not secrets
    for code, (fr, en, parent) in _UNITS.items():
        sis.add_unit(OrganisationalUnit(code=code, title={"fr": fr, "en": en}, parent_code=parent))
    for year in (2023, 2024, 2025, 2026):
        period = _period(year)
        sis.add_period(period)
        for unit, (code, fr, en) in _PROGRAMMES.items():
            sis.add_programme(
                period.code,
                OfferedProgramme(code=code, title={"fr": fr, "en": en}, path=code, organisational_unit_code=unit),
            )
        sis.add_courses(
            period.code,
            [
                OfferedCourse(
                    code=code,
                    title={"fr": fr, "en": en},
                    description={"fr": f"Cours de {fr.lower()}.", "en": f"A course in {en.lower()}."},
                    ects=Decimal(ects),
                    programme_codes=[_PROGRAMMES[unit][0]],
                    path=f"{_PROGRAMMES[unit][0]}>{code}",
                    organisational_unit_code=unit,
                    isced_code=isced,
                    eqf_level=eqf,
                    term_code=f"{year}-{term}",
                    languages=[lang],
                    capacity=30,
                )
                for code, fr, en, unit, isced, ects, eqf, term, lang in _COURSES
            ],
        )
        if year < 2026:
            _history(sis, year, rng)
    return sis
