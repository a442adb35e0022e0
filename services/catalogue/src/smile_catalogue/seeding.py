"""Applying the demo document with the catalogue's own services (every write is an idempotent upsert)."""

from __future__ import annotations

from typing import Any

from smile_catalogue.courses import service as courses
from smile_catalogue.courses.repository import CourseRepository
from smile_catalogue.courses.schemas import CourseCreate
from smile_catalogue.demo import demo_document
from smile_catalogue.institution import service as institution
from smile_catalogue.institution.schemas import (
    AcademicYearWrite,
    InstitutionWrite,
    ProgrammeWrite,
    TermWrite,
    UnitWrite,
)
from smile_catalogue.refs import load_refs
from smile_common.security import Principal
from smile_common.service import Runtime

INSTITUTION = InstitutionWrite.model_validate(
    {
        "name": {"fr": "Université de Caen Normandie", "en": "University of Caen Normandy"},
        "abbreviation": "UNICAEN",
        "erasmus_code": "F  CAEN01",
        "country": "FR",
        "city": "Caen",
        "website_url": "https://www.unicaen.fr",
        "factsheet_url": "https://international.unicaen.fr/factsheet",
        "catalogue_url": "https://international.unicaen.fr/courses",
        "street_address": {
            "lines": ["Esplanade de la Paix", "CS 14032"],
            "postal_code": "14032",
            "locality": "Caen",
            "country": "FR",
        },
        "contacts": [
            {
                "name": "Direction des relations internationales",
                "email": "international@unicaen.fr",
                "phone": "+33 2 31 56 60 52",
                "role": {"fr": "Mobilité entrante", "en": "Incoming mobility"},
            }
        ],
    }
)


async def seed_demo(runtime: Runtime, system: Principal) -> None:
    document = demo_document()
    async with runtime.database.sessionmaker() as session, session.begin():
        await institution.put_institution(session, system, INSTITUTION)
        await _reference(session, system, document)
    async with runtime.database.sessionmaker() as session, session.begin():
        refs = await load_refs(session, system.tenant)
        repo = CourseRepository(session)
        for values in document["courses"]:
            if await repo.code_taken(system.tenant, values["code"]):
                continue
            body = {k: v for k, v in values.items() if k != "status"}
            course = await courses.create_course(session, system, CourseCreate.model_validate(body), refs=refs)
            await courses.publish_course(session, system, course.id)


async def _reference(session: Any, system: Principal, document: dict[str, Any]) -> None:
    for unit in document["organisational_units"]:
        body = {k: v for k, v in unit.items() if k != "code"}
        await institution.put_unit(session, system, unit["code"], UnitWrite.model_validate(body))
    for year in document["academic_years"]:
        body = {k: v for k, v in year.items() if k != "code"}
        await institution.put_academic_year(session, system, year["code"], AcademicYearWrite.model_validate(body))
    for term in document["terms"]:
        body = {k: v for k, v in term.items() if k != "code"}
        await institution.put_term(session, system, term["code"], TermWrite.model_validate(body))
    for programme in document["programmes"]:
        body = {k: v for k, v in programme.items() if k != "code"}
        await institution.put_programme(session, system, programme["code"], ProgrammeWrite.model_validate(body))
