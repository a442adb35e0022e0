"""A small believable catalogue for the demo university (Université de Caen Normandie)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from smile_catalogue.courses import service
from smile_catalogue.courses.models import Course
from smile_catalogue.courses.schemas import CourseCreate
from smile_common.security import Principal, Role
from smile_common.service import Runtime

DEMO_HEI = "unicaen.fr"

_COURSES: list[tuple[str, str, str, str, str, int, int, str]] = [
    # code, title fr, title en, ounit, isced, ects, eqf, term
    ("DRT-EU-101", "Droit de l'Union européenne", "European Union law", "DROIT", "0421", 6, 6, "2026-S1"),
    ("DRT-INT-201", "Droit international public", "Public international law", "DROIT", "0421", 5, 6, "2026-S2"),
    ("ECO-MAC-110", "Macroéconomie", "Macroeconomics", "ECO", "0311", 6, 6, "2026-S1"),
    ("ECO-ECM-230", "Économétrie appliquée", "Applied econometrics", "ECO", "0311", 5, 7, "2026-S2"),
    (
        "INF-ALG-120",
        "Algorithmique et structures de données",
        "Algorithms and data structures",
        "SCI",
        "0613",
        6,
        6,
        "2026-S1",
    ),
    ("INF-BDD-210", "Bases de données", "Databases", "SCI", "0612", 5, 6, "2026-S2"),
    ("MAT-PRO-140", "Probabilités", "Probability", "SCI", "0541", 5, 6, "2026-S1"),
    ("PHY-QUA-310", "Physique quantique", "Quantum physics", "SCI", "0533", 6, 7, "2026-S1"),
    ("LET-FLE-100", "Français langue étrangère B1", "French as a foreign language B1", "LANG", "0231", 3, 5, "2026-S1"),
    ("LET-FLE-200", "Français langue étrangère B2", "French as a foreign language B2", "LANG", "0231", 3, 6, "2026-S2"),
    (
        "HIS-NOR-150",
        "Histoire de la Normandie médiévale",
        "History of medieval Normandy",
        "HIST",
        "0222",
        4,
        6,
        "2026-S1",
    ),
    ("BIO-MAR-220", "Biologie marine", "Marine biology", "SCI", "0511", 5, 6, "2026-S2"),
]


async def seed_catalogue(runtime: Runtime) -> None:
    system = Principal(subject="demo-seed", tenant=DEMO_HEI, roles=frozenset({Role.CATALOGUE_EDITOR}))
    async with runtime.database.sessionmaker() as session, session.begin():
        existing = await session.scalar(sa.select(sa.func.count()).where(Course.tenant == DEMO_HEI))
        if existing:
            return
        for code, fr, en, unit, isced, ects, eqf, term in _COURSES:
            course = await service.create_course(
                session,
                system,
                CourseCreate(
                    code=code,
                    title={"fr": fr, "en": en},
                    description={"fr": f"Cours de {fr.lower()}.", "en": f"A course in {en.lower()}."},
                    ects=Decimal(ects),
                    organisational_unit_code=unit,
                    isced_code=isced,
                    eqf_level=eqf,
                    term_codes=[term],
                ),
            )
            await service.publish_course(session, system, course.id)
