"""Demo nominations, application files and learning agreements at every stage, for unicaen.fr.

Idempotent: nothing is added when the demo university already has mobilities. Table A uses the demo
catalogue's courses (their ids once the catalogue's events have arrived, else their codes).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from fpdf import FPDF
from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.files import documents
from smile_agreements.files import service as files
from smile_agreements.files.repository import FileRepository
from smile_agreements.learning_agreements import service as las
from smile_agreements.learning_agreements.models import CatalogueCourse
from smile_agreements.mobilities import service as mobilities
from smile_agreements.mobilities.iia_port import directory
from smile_agreements.mobilities.models import Mobility
from smile_agreements.mobilities.schemas import NominationCreate
from smile_agreements.settings import AgreementsSettings
from smile_common.documents import DocumentStore
from smile_common.events.payloads.mobility import MobilitySource
from smile_common.security import Principal, Role
from smile_common.service import Runtime

HEI = "unicaen.fr"
_log = logging.getLogger("smile.agreements.demo")
OFFICE = Principal(
    "demo-office", HEI, frozenset({Role.COORDINATOR}), email="international@unicaen.fr", name="Claire Martin"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(32) + b"\xff\xd9"


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    hei: str
    unit: str
    term: str
    lang: str = "en"
    source: MobilitySource = MobilitySource.MANUAL

    @property
    def email(self) -> str:
        return f"{self.given.lower()}.{self.family.lower()}@student.{self.hei}"

    def principal(self) -> Principal:
        return Principal(
            f"demo-{self.given.lower()}",
            HEI,
            frozenset({Role.STUDENT}),
            email=self.email,
            name=f"{self.given} {self.family}",
        )


def _referent(unit: str) -> Principal:
    return Principal(
        f"demo-referent-{unit.lower()}", HEI, frozenset({Role.REFERENT}), frozenset({unit}), name=f"Référent {unit}"
    )


# (person, stage) — every stage a file can be at
PEOPLE: list[tuple[Person, str]] = [
    (Person("Lukas", "Muller", "uni-heidelberg.de", "DROIT", "2026/2027-1/2"), "nominated"),
    (Person("Chiara", "Rossi", "unibo.it", "SEGGAT", "2026/2027-2/2", source=MobilitySource.CSV), "nominated"),
    (Person("Jan", "Novak", "cuni.cz", "SCI-INFO", "2026/2027-1/2"), "rejected"),
    (Person("Emma", "Jansen", "uva.nl", "LVE", "2026/2027-1/2"), "cancelled"),
    (Person("Ingrid", "Hansen", "uio.no", "SEGGAT", "2026/2027-1/2"), "file_opened"),
    (Person("Sofia", "Garcia", "ucm.es", "DROIT", "2026/2027-1/2", lang="fr"), "documents_waiting"),
    (Person("Mateusz", "Kowalski", "uw.edu.pl", "SCI-INFO", "2026/2027-1/2"), "file_denied"),
    (Person("Aino", "Virtanen", "helsinki.fi", "SEGGAT", "2026/2027-1/2"), "la_draft"),
    (Person("Lucas", "Silva", "ulisboa.pt", "SCI-INFO", "2026/2027-1/2"), "la_proposed"),
    (Person("Hanna", "Schmidt", "uni-graz.at", "DROIT", "2026/2027-1/2"), "live"),
    (Person("Ioana", "Popescu", "unibuc.ro", "SEGGAT", "2025/2026-2/2"), "completed"),
]
STAGES = [
    "nominated",
    "file_opened",
    "documents_waiting",
    "file_denied",
    "la_draft",
    "la_proposed",
    "live",
    "completed",
]
#: table A when the catalogue's courses have not arrived (yet): codes of the demo catalogue's units
FALLBACK_COURSES = {"DROIT": "DRT", "SEGGAT": "ECO", "SCI-INFO": "INF", "LVE": "LVE"}


async def seed(runtime: Runtime) -> None:
    settings = runtime.settings
    assert isinstance(settings, AgreementsSettings)
    async with runtime.database.sessionmaker() as session:
        if await session.scalar(sa.select(sa.func.count()).where(Mobility.tenant == HEI)):
            return
    courses = await _wait_for_courses(runtime)
    store = DocumentStore(settings.documents_root())
    for person, stage in PEOPLE:
        async with runtime.database.sessionmaker() as session, session.begin():
            await _one(session, store, settings, courses, person, stage)
    _log.info("demo mobilities loaded for %s", HEI)


async def _wait_for_courses(runtime: Runtime) -> list[CatalogueCourse]:
    """The catalogue's published courses, once its events have stopped arriving (at most ~15 s)."""
    previous = -1
    found: list[CatalogueCourse] = []
    for _ in range(30):
        async with runtime.database.sessionmaker() as session:
            query = sa.select(CatalogueCourse).where(CatalogueCourse.tenant == HEI, CatalogueCourse.published.is_(True))
            found = list((await session.execute(query.order_by(CatalogueCourse.code))).scalars())
        if found and len(found) == previous:
            return found
        previous = len(found)
        await asyncio.sleep(0.5)
    return found


def pick_courses(courses: list[CatalogueCourse], unit: str, term: str) -> list[dict[str, Any]]:
    """Courses of the unit in the mobility's semester (any semester if none) up to about 15 ECTS, for table A."""
    semester = f"{term[:4]}-S{term[-3]}"
    mine = [c for c in courses if c.organisational_unit_code == unit]
    chosen: list[CatalogueCourse] = []
    for course in [c for c in mine if semester in c.term_codes] or mine:
        if sum(c.ects for c in chosen) >= 15 or len(chosen) == 6:
            break
        chosen.append(course)
    if not chosen:
        prefix = FALLBACK_COURSES.get(unit, "DRT")
        return [
            {
                "table": "studied",
                "course_id": None,
                "code": f"{prefix}-{n}",
                "title": f"{prefix} course {n}",
                "term": semester,
                "credits": "5",
            }
            for n in (101, 102, 103)
        ]
    return [
        {
            "table": "studied",
            "course_id": str(c.course_id),
            "code": c.code,
            "title": c.title.get("en") or next(iter(c.title.values()), c.code),
            "term": semester if semester in c.term_codes else (c.term_codes[0] if c.term_codes else None),
            "credits": str(int(c.ects)) if c.ects == int(c.ects) else str(c.ects),
        }
        for c in chosen
    ]


async def _one(
    session: AsyncSession,
    store: DocumentStore,
    settings: AgreementsSettings,
    courses: list[CatalogueCourse],
    p: Person,
    stage: str,
) -> None:
    office = settings.office_email(HEI)
    year = p.term[:9]
    start = int(year[:4])
    autumn = p.term.endswith("1/2")
    data = NominationCreate.model_validate(
        {
            "student": {
                "given_names": p.given,
                "family_name": p.family,
                "email": p.email,
                "birth_date": "2003-03-14",
                "preferred_language": p.lang,
                "esi": f"urn:schac:personalUniqueCode:int:esi:{p.hei}:{p.family.lower()}2003",
            },
            "sending_hei_id": p.hei,
            "receiving_ounit_code": p.unit,
            "academic_year": year,
            "academic_term": p.term,
            "planned_arrival_date": f"{start}-09-01" if autumn else f"{start + 1}-01-20",
            "planned_departure_date": f"{start + 1}-01-31" if autumn else f"{start + 1}-06-30",
            "eqf_level": 6,
            "isced_code": "0311",
            "language_skills": [{"language": "fr", "cefr_level": "B2"}],
        }
    )
    iia_id = await _iia_for(session, p.hei, year)
    if iia_id is not None:
        data = data.model_copy(update={"iia_id": iia_id})
    origin = mobilities.Origin(source=p.source, actor=OFFICE.subject)
    mobility = await mobilities.create_nomination(session, HEI, data, origin, office_email=office)
    if stage == "rejected":
        await mobilities.reject(
            session, mobility, OFFICE.subject, None, "Le quota de l'accord est atteint pour ce semestre."
        )
        return
    if stage == "cancelled":
        await mobilities.cancel(session, mobility, OFFICE.subject, "The student withdrew.", office_email=office)
        return
    if stage == "nominated":
        return
    await mobilities.accept(session, mobility, OFFICE.subject, None)
    await _file(session, store, settings, courses, mobility, p, stage)


async def _file(
    session: AsyncSession,
    store: DocumentStore,
    settings: AgreementsSettings,
    courses: list[CatalogueCourse],
    mobility: Mobility,
    p: Person,
    stage: str,
) -> None:
    office = settings.office_email(HEI)
    file = await FileRepository(session).file_of(HEI, mobility.id)
    assert file is not None
    me, referent = p.principal(), _referent(p.unit)
    level = STAGES.index(stage)
    if level < STAGES.index("documents_waiting"):
        return
    await files.validate_step(session, me, file, mobility, "registration", None, office_email=office)
    uploads = {}
    for kind, content, name in (
        ("transcript", _pdf(f"Transcript of records - {p.given} {p.family}"), "transcript.pdf"),
        ("identity", _pdf(f"Passport - {p.given} {p.family}"), "passport.pdf"),
        ("photo", JPEG, "photo.jpg"),
    ):
        uploads[kind] = await documents.upload(
            session,
            store,
            me,
            file,
            mobility,
            kind,
            name,
            None,
            content,
            limit=settings.document_max_bytes,
            office_email=office,
        )
    await files.validate_step(session, me, file, mobility, "course_choice", None, office_email=office)
    if stage == "documents_waiting":
        return
    await documents.review(session, referent, file, mobility, uploads["transcript"].id, True, None, office_email=office)
    await files.validate_step(
        session, referent, file, mobility, "referent_approval", "Bon choix de cours.", office_email=office
    )
    if stage == "file_denied":
        await documents.post_message(
            session, me, file, mobility, "Can I take a master's course as well?", office_email=office
        )
        await files.deny_step(
            session,
            OFFICE,
            file,
            mobility,
            "coordinator_approval",
            "Le cours de M2 demande l'accord de l'enseignant : ajoutez-le à votre choix.",
            None,
            office_email=office,
        )
        await documents.post_message(
            session,
            OFFICE,
            file,
            mobility,
            "Please ask the teacher and update your course choice.",
            office_email=office,
        )
        return
    await documents.review(session, OFFICE, file, mobility, uploads["identity"].id, True, None, office_email=office)
    await files.validate_step(session, OFFICE, file, mobility, "coordinator_approval", None, office_email=office)
    await files.validate_step(session, me, file, mobility, "student_approval", None, office_email=office)
    await documents.review(session, OFFICE, file, mobility, uploads["photo"].id, True, None, office_email=office)
    await files.validate_step(session, OFFICE, file, mobility, "contract", None, office_email=office)
    await _learning_agreement(session, settings, courses, mobility, p, stage)


async def _iia_for(session: AsyncSession, partner: str, year: str) -> uuid.UUID | None:
    """The demo IIA with this partner whose incoming condition covers ``year``, if the IIA demo has one."""
    found = directory()
    if found is None:
        return None
    for condition in await found.student_conditions(session, HEI, partner_hei_id=partner):
        first, last = int(condition.first_academic_year[:4]), int(condition.last_academic_year[:4])
        if condition.sending_hei_id == partner and first <= int(year[:4]) <= last:
            return condition.iia_id
    return None


async def _learning_agreement(
    session: AsyncSession,
    settings: AgreementsSettings,
    courses: list[CatalogueCourse],
    mobility: Mobility,
    p: Person,
    stage: str,
) -> None:
    office = settings.office_email(HEI)
    studied = pick_courses(courses, p.unit, mobility.academic_term or "")
    total = sum(int(c["credits"]) for c in studied)
    components = [
        *studied,
        {"table": "recognized", "title": f"Exchange semester at Caen ({p.unit})", "credits": str(total)},
    ]
    contacts = {
        "sending": {"name": "Erasmus coordinator", "email": f"erasmus@{p.hei}", "position": "Departmental coordinator"},
        "receiving": {"name": "Claire Martin", "email": office, "position": "Responsable des mobilités entrantes"},
    }
    la = las.new_la(mobility, "local", contacts)
    session.add(la)
    await session.flush()
    version = las.new_version(la, 1, "first_version", components, p.principal().subject)
    session.add(version)
    await session.flush()
    if stage == "la_draft":
        return
    bounds = las.Bounds(settings.la_min_ects_per_term, settings.la_max_ects_per_term)
    await las.propose(session, la, version, mobility, p.principal().subject, bounds, office)
    proposal = version.proposal_id
    await las.sign(session, p.principal(), la, version, mobility, {"proposal_id": proposal, "party": "student"}, office)
    if stage == "la_proposed":
        return
    await las.sign(
        session,
        OFFICE,
        la,
        version,
        mobility,
        {"proposal_id": proposal, "party": "sending", "signer_name": "Erasmus coordinator"},
        office,
    )
    await las.sign(
        session,
        _referent(p.unit),
        la,
        version,
        mobility,
        {"proposal_id": proposal, "party": "receiving", "signer_position": "Référent pédagogique"},
        office,
    )
    start = int(mobility.academic_year[:4])
    arrival = (
        date(start, 9, 2)
        if mobility.academic_term and mobility.academic_term.endswith("1/2")
        else date(start + 1, 1, 21)
    )
    await mobilities.arrive(session, mobility, OFFICE.subject, arrival)
    if stage == "completed":
        await mobilities.depart(session, mobility, OFFICE.subject, date(start + 1, 6, 28))


def _pdf(title: str) -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(0, 10, title.encode("latin-1", "replace").decode("latin-1"))
    document.set_font("helvetica", size=9)
    document.ln(12)
    document.cell(0, 8, "Demo document generated by SMILE - not a real record.")
    return bytes(document.output())
