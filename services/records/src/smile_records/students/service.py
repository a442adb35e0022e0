"""Students: created from accepted mobilities, recognised by ESI (or identity when there is none),
corrected by the registrar. Every change and its event are written in one transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import utcnow
from smile_common.errors import Conflict, NotFound, Problem
from smile_common.events.payloads.mobility import MobilityStudent
from smile_common.events.payloads.records import EsiAssigned, StudentRegistered
from smile_common.security import Principal
from smile_records.db import outbox
from smile_records.locks import lock_name
from smile_records.students.esi import EsiError, parse_esi
from smile_records.students.identity import identity_key
from smile_records.students.models import Student
from smile_records.students.repository import StudentRepository
from smile_records.students.schemas import StudentUpdate


class InvalidEsi(Problem):
    status, slug, title = 422, "invalid-esi", "The ESI is not valid"


class DuplicateEsi(Conflict):
    slug, title = "esi-duplicate", "Another student already has this ESI"


class DuplicateIne(Conflict):
    slug, title = "ine-duplicate", "Another student already has this INE"


def check_esi(value: str) -> tuple[str, str]:
    """(v1.0 form, comparison key) of ``value``, or a 422 problem naming the broken rule."""
    try:
        parsed = parse_esi(value)
    except EsiError as exc:
        raise InvalidEsi(exc.message, rule=exc.rule, value=value) from exc
    return parsed.value, parsed.value.casefold()


async def get_student(
    session: AsyncSession, tenant: str, student_id: uuid.UUID, *, for_update: bool = False
) -> Student:
    student = await StudentRepository(session).get(tenant, student_id, for_update=for_update)
    if student is None:
        raise NotFound(f"No student {student_id}.")
    return student


async def _find(repo: StudentRepository, tenant: str, esi_key: str | None, identity: str) -> Student | None:
    if esi_key is not None:
        found = await repo.by_esi_key(tenant, esi_key)
        if found is not None:
            return found
    for candidate in await repo.by_identity(tenant, identity):
        # same names, birth date and home university, and no contradicting ESI: the same person
        if candidate.esi_key is None or esi_key is None:
            return candidate
    return None


async def register_student(
    session: AsyncSession,
    tenant: str,
    person: MobilityStudent,
    *,
    sending_hei_id: str,
    mobility_id: uuid.UUID,
    at: datetime,
) -> Student:
    """The student of an accepted mobility: found by ESI or identity, else created (``student.registered``)."""
    repo = StudentRepository(session)
    esi, key, problem = _nomination_esi(person.esi)
    identity = identity_key(person.family_name, person.given_names, person.birth_date, sending_hei_id)
    # two nominations of the same person handled at once must not create two students
    await lock_name(session, "records.student", tenant, identity)
    if key is not None:  # always after the identity lock, so that two transactions never wait on each other
        await lock_name(session, "records.esi", tenant, key)
    student = await _find(repo, tenant, key, identity)
    now = utcnow()
    if student is None:
        student = Student(
            id=uuid.uuid4(),
            tenant=tenant,
            family_name=person.family_name,
            given_names=person.given_names,
            birth_date=person.birth_date,
            gender=person.gender,
            citizenship=(person.citizenship or "").upper() or None,
            email=person.email,
            home_institution=sending_hei_id,
            esi=esi,
            esi_key=key,
            esi_problem=problem,
            identity_key=identity,
            created_at=now,
            updated_at=now,
            version=1,
        )
        repo.add(student)
        await session.flush()
        registered = StudentRegistered(
            student_id=student.id,
            mobility_id=mobility_id,
            sending_hei_id=sending_hei_id,
            esi=esi,
            citizenship=student.citizenship,
            registered_at=now,
        )
        await outbox.record(session, registered, tenant=tenant, subject=str(student.id))
        if esi is not None:
            await _esi_event(session, student, None, "nomination", mobility_id)
        return student
    await _refresh_from_nomination(session, student, person, esi, key, problem, mobility_id)
    return student


def _nomination_esi(value: str | None) -> tuple[str | None, str | None, dict[str, str] | None]:
    """A nomination's ESI: (v1.0 form, key, None) when valid; (None, None, problem) when it breaks a rule."""
    if not value or not value.strip():
        return None, None, None
    try:
        parsed = parse_esi(value)
    except EsiError as exc:
        return None, None, {"rule": exc.rule, "value": value, "message": exc.message}
    return parsed.value, parsed.value.casefold(), None


async def _refresh_from_nomination(
    session: AsyncSession,
    student: Student,
    person: MobilityStudent,
    esi: str | None,
    key: str | None,
    problem: dict[str, str] | None,
    mobility_id: uuid.UUID,
) -> None:
    changed = False
    if esi is not None and student.esi is None:
        student.esi, student.esi_key, student.esi_problem = esi, key, None
        await session.flush()
        await _esi_event(session, student, None, "nomination", mobility_id)
        changed = True
    elif problem is not None and student.esi is None:
        student.esi_problem, changed = problem, True
    if person.email and person.email != student.email:
        student.email, changed = person.email, True
    if changed:
        student.updated_at = utcnow()
        student.version += 1
        await session.flush()


async def _esi_event(
    session: AsyncSession, student: Student, previous: str | None, source: str, mobility_id: uuid.UUID | None
) -> None:
    assert student.esi is not None
    event = EsiAssigned(
        student_id=student.id,
        mobility_id=mobility_id,
        esi=student.esi,
        previous_esi=previous,
        source=source,  # type: ignore[arg-type]
        assigned_at=utcnow(),
    )
    await outbox.record(session, event, tenant=student.tenant, subject=str(student.id))


async def update_student(
    session: AsyncSession, principal: Principal, student_id: uuid.UUID, data: StudentUpdate
) -> Student:
    """The registrar sets or corrects the ESI, INE or contact; a duplicate ESI or INE is refused (409)."""
    student = await get_student(session, principal.tenant, student_id, for_update=True)
    repo = StudentRepository(session)
    changes = data.model_dump(exclude_unset=True)
    previous_esi = student.esi
    if "esi" in changes:
        await _set_esi(repo, student, changes.pop("esi"))
    if "ine" in changes and changes["ine"] is not None:
        other = await repo.by_ine(student.tenant, changes["ine"])
        if other is not None and other.id != student.id:
            raise DuplicateIne(f"Student {other.id} already has the INE {changes['ine']}.", student_id=str(other.id))
    for field, value in changes.items():
        setattr(student, field, value)
    student.updated_at = utcnow()
    student.version += 1
    await session.flush()
    if student.esi is not None and student.esi != previous_esi:
        await _esi_event(session, student, previous_esi, "registrar", None)
    return student


async def _set_esi(repo: StudentRepository, student: Student, value: str | None) -> None:
    if value is None:
        student.esi = student.esi_key = None
        return
    esi, key = check_esi(value)
    other = await repo.by_esi_key(student.tenant, key)
    if other is not None and other.id != student.id:
        raise DuplicateEsi(f"Student {other.id} already has the ESI {other.esi}.", student_id=str(other.id))
    student.esi, student.esi_key, student.esi_problem = esi, key, None
