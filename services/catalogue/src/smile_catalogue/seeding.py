"""Applying the demo document with the catalogue's own services (every write is an idempotent upsert)."""

from __future__ import annotations

from typing import Any

from smile_catalogue.courses import service as courses
from smile_catalogue.courses.repository import CourseRepository
from smile_catalogue.courses.schemas import CourseCreate
from smile_catalogue.demo import demo_document
from smile_catalogue.factsheet.schemas import FactsheetContent
from smile_catalogue.factsheet.service import put_factsheet
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


FACTSHEET = FactsheetContent.model_validate(
    {
        "calendar": {
            "nominations_autumn": "--05-15",
            "nominations_spring": "--10-15",
            "applications_autumn": "--06-01",
            "applications_spring": "--11-01",
        },
        "term_deadlines": [
            {"term_code": "2026-S1", "nomination_deadline": "2026-05-15", "application_deadline": "2026-06-01"},
            {"term_code": "2026-S2", "nomination_deadline": "2026-10-15", "application_deadline": "2026-11-01"},
        ],
        "decision_weeks_limit": 5,
        "tor_weeks_limit": 5,
        "application_info": {
            "email": "incoming@unicaen.fr",
            "phone": "+33231566052",
            "urls": ["https://international.unicaen.fr/apply"],
        },
        "housing_info": {
            "email": "logement.international@unicaen.fr",
            "urls": ["https://www.crous-normandie.fr/logements/"],
        },
        "visa_info": {"urls": ["https://france-visas.gouv.fr/"]},
        "insurance_info": {"urls": ["https://www.ameli.fr/assure/droits-demarches/europe-international"]},
        "additional_requirements": [
            {"name": "Learning agreement", "details": "Signed by the home institution before arrival"},
            {"name": "Transcript of records", "details": "All years of the current programme"},
        ],
        "language_requirements": [
            {"language": "fr", "cefr_level": "B1", "details": {"en": "For courses taught in French"}},
            {"language": "en", "cefr_level": "B2", "details": {"en": "For courses taught in English"}},
            {"language": "fr", "cefr_level": "B2", "isced_code": "0421"},
        ],
        "required_documents": [
            {"code": "transcript", "name": {"fr": "Relevé de notes", "en": "Transcript of records"}},
            {"code": "identity", "name": {"fr": "Pièce d'identité", "en": "Passport or identity card"}},
            {"code": "photo", "name": {"fr": "Photo d'identité", "en": "Photograph"}},
            {"code": "language", "name": {"fr": "Attestation de langue", "en": "Language certificate"}},
        ],
        "accessibility": [
            {
                "type": "service",
                "name": "Relais Handicap Santé",
                "description": "Support for students with disabilities: exam arrangements, accessibility",
                "info": {"email": "relais-handicap@unicaen.fr", "urls": ["https://www.unicaen.fr/handicap"]},
            },
        ],
        "additional_info": [
            {"type": "Buddy programme", "info": {"urls": ["https://international.unicaen.fr/buddy"]}},
        ],
        "contacts": [{"name": "Bureau des étudiants internationaux", "email": "incoming@unicaen.fr"}],
    }
)


async def seed_demo(runtime: Runtime, system: Principal) -> None:
    document = demo_document()
    async with runtime.database.sessionmaker() as session, session.begin():
        await institution.put_institution(session, system, INSTITUTION)
        await _reference(session, system, document)
        await put_factsheet(session, system, FACTSHEET)
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
