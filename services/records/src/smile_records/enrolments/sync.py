"""The SIS synchronisation itself: claim due enrolments, call the SIS outside any transaction, record
the outcome and its event together.

A claim is a lease (``lease_until``): if the worker dies mid-way another one retries after the lease,
which is safe because every SIS operation is idempotent. A retryable failure (timeout, 5xx) is tried
again later with a doubling delay; a refusal, or retries running out, leaves the state ``failed`` with
the reason for a person to read.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import utcnow
from smile_common.events.payloads.records import EnrolmentCompleted, EnrolmentFailed
from smile_common.service import Runtime
from smile_records.db import outbox
from smile_records.enrolments.models import Enrolment, EnrolmentAttempt, EnrolmentState
from smile_records.settings import RecordsSettings
from smile_records.sis import sis_registry
from smile_records.students.models import Mobility, Student
from smile_sis import (
    AdministrativeEnrolmentRequest,
    CourseEnrolmentRequest,
    LearnerData,
    SisConfigurationError,
    SisError,
    SisLearner,
    SisRejected,
    SisUnavailable,
)

__all__ = ["claim_due", "run_due", "synchronise"]

_log = logging.getLogger("smile.records.enrolment")


@dataclass
class _Snapshot:
    """What one attempt needs, read in a short transaction."""

    enrolment_id: uuid.UUID
    tenant: str
    wanted: list[str]
    la_version: int | None
    student: Student
    mobility: Mobility


@dataclass
class _Outcome:
    step: str = "learner"
    learner: SisLearner | None = None
    period_code: str | None = None
    programme_path: str | None = None
    sis_enrolment_id: str | None = None
    enrolled: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    error: SisError | None = None


def _settings(runtime: Runtime) -> RecordsSettings:
    settings = runtime.settings
    assert isinstance(settings, RecordsSettings)
    return settings


async def claim_due(runtime: Runtime, *, now: datetime | None = None, limit: int = 10) -> list[uuid.UUID]:
    """Lease up to ``limit`` enrolments whose next attempt is due."""
    now = now or utcnow()
    lease = timedelta(seconds=_settings(runtime).enrolment_lease_seconds)
    async with runtime.database.sessionmaker() as session, session.begin():
        query = (
            sa.select(Enrolment)
            .where(
                Enrolment.state == EnrolmentState.PENDING.value,
                Enrolment.next_attempt_at <= now,
                sa.or_(Enrolment.lease_until.is_(None), Enrolment.lease_until < now),
            )
            .order_by(Enrolment.next_attempt_at)
            .limit(limit)
        )
        if runtime.database.is_postgres:
            query = query.with_for_update(skip_locked=True)
        due = list((await session.execute(query)).scalars())
        for enrolment in due:
            enrolment.lease_until = now + lease
        return [e.id for e in due]


async def run_due(runtime: Runtime, *, now: datetime | None = None) -> int:
    """Synchronise every due enrolment once; the number attempted."""
    ids = await claim_due(runtime, now=now)
    for enrolment_id in ids:
        await synchronise(runtime, enrolment_id)
    return len(ids)


async def synchronise(runtime: Runtime, enrolment_id: uuid.UUID) -> None:
    snapshot = await _snapshot(runtime, enrolment_id)
    if snapshot is None:
        return
    outcome = await _call_sis(runtime, snapshot)
    await _record(runtime, snapshot, outcome)


async def _snapshot(runtime: Runtime, enrolment_id: uuid.UUID) -> _Snapshot | None:
    async with runtime.database.sessionmaker() as session:
        enrolment = await session.get(Enrolment, enrolment_id)
        if enrolment is None or enrolment.state != EnrolmentState.PENDING.value:
            return None
        student = await session.get(Student, enrolment.student_id)
        mobility = await session.get(Mobility, enrolment.mobility_id)
        if student is None or mobility is None:
            return None
        return _Snapshot(
            enrolment.id, enrolment.tenant, list(enrolment.wanted_courses), enrolment.la_version, student, mobility
        )


def _learner_data(student: Student) -> LearnerData:
    sex = {1: "M", 2: "F"}.get(student.gender or 0)
    return LearnerData(
        reference=str(student.id),
        family_name=student.family_name,
        given_names=student.given_names,
        birth_date=student.birth_date,
        sex=sex,  # type: ignore[arg-type]
        nationality=student.citizenship,
        email=student.email or f"{student.id}@invalid.smile",
        phone=student.phone,
        ine=student.ine,
        esi=student.esi,
        home_institution=student.home_institution,
        code=student.sis_learner_code,
    )


async def _call_sis(runtime: Runtime, snap: _Snapshot) -> _Outcome:
    registry = sis_registry(runtime)
    outcome = _Outcome()
    try:
        sis = registry.for_tenant(snap.tenant)
        policy = registry.policy_for(snap.tenant)
    except SisConfigurationError as exc:  # retrying will not help: someone must configure the SIS
        outcome.error = SisRejected(str(exc))
        return outcome
    try:
        outcome.learner = await sis.ensure_learner(_learner_data(snap.student))
        outcome.step = "administrative"
        mobility = snap.mobility
        periods = await sis.list_periods()
        outcome.period_code = policy.period_code(periods, mobility.start_date, mobility.academic_year)
        outcome.programme_path = policy.programme_path(mobility.receiving_ounit_code)
        admin = await sis.enrol_administratively(
            AdministrativeEnrolmentRequest(
                reference=str(snap.enrolment_id),
                learner=outcome.learner,
                learner_reference=str(snap.student.id),
                period_code=outcome.period_code,
                programme_path=outcome.programme_path,
                regime_code=policy.regime_code,
                exchange_programme_code=policy.exchange_programme_code(mobility.programme),
                country_code=policy.country_code(snap.student.citizenship or _country_of(mobility)),
                start_date=mobility.start_date,
                end_date=mobility.end_date,
            )
        )
        outcome.sis_enrolment_id = admin.sis_enrolment_id
        outcome.step = "courses"
        courses = await sis.enrol_in_courses(
            CourseEnrolmentRequest(
                reference=str(snap.enrolment_id),
                learner=outcome.learner,
                learner_reference=str(snap.student.id),
                period_code=outcome.period_code,
                programme_path=outcome.programme_path,
                course_codes=snap.wanted,
            )
        )
        outcome.enrolled, outcome.added, outcome.removed = courses.enrolled, courses.added, courses.removed
    except SisError as exc:
        outcome.error = exc
    except Exception as exc:  # a bug or an unexpected answer: keep the state visible and retry later
        _log.exception("SIS synchronisation of %s failed unexpectedly", snap.enrolment_id)
        outcome.error = SisUnavailable(f"unexpected error: {exc.__class__.__name__}: {exc}")
    return outcome


def _country_of(mobility: Mobility) -> str | None:
    """The home university's country from its SCHAC code's top-level domain (``uni-koeln.de`` → DE)."""
    tld = (mobility.sending_hei_id or "").rsplit(".", 1)[-1]
    return tld.upper() if len(tld) == 2 and tld.isalpha() else None


def _backoff(settings: RecordsSettings, attempts: int) -> timedelta:
    return timedelta(seconds=min(3600.0, settings.enrolment_retry_seconds * 2 ** max(0, attempts - 1)))


async def _record(runtime: Runtime, snap: _Snapshot, outcome: _Outcome) -> None:
    settings = _settings(runtime)
    async with runtime.database.sessionmaker() as session, session.begin():
        enrolment = await session.get(Enrolment, snap.enrolment_id, with_for_update=True)
        if enrolment is None or enrolment.state != EnrolmentState.PENDING.value:
            return  # cancelled or retried by staff meanwhile
        now = utcnow()
        enrolment.attempts += 1
        enrolment.last_attempt_at = now
        enrolment.lease_until = None
        with contextlib.suppress(SisConfigurationError):
            enrolment.sis_kind = sis_registry(runtime).config_for(snap.tenant).kind
        enrolment.updated_at = now
        await _remember_learner(session, snap, outcome)
        if outcome.error is None:
            await _succeeded(session, enrolment, snap, outcome, now)
        else:
            await _failed(session, enrolment, outcome, outcome.error, now, settings)


async def _remember_learner(session: AsyncSession, snap: _Snapshot, outcome: _Outcome) -> None:
    learner = outcome.learner
    if learner is None or not (learner.code or learner.sis_id):
        return
    student = await session.get(Student, snap.student.id, with_for_update=True)
    if student is not None and (student.sis_learner_code, student.sis_learner_id) != (learner.code, learner.sis_id):
        student.sis_learner_code = learner.code or student.sis_learner_code
        student.sis_learner_id = learner.sis_id or student.sis_learner_id
        student.updated_at = utcnow()


async def _succeeded(
    session: AsyncSession, enrolment: Enrolment, snap: _Snapshot, outcome: _Outcome, now: datetime
) -> None:
    enrolment.period_code = outcome.period_code
    enrolment.programme_path = outcome.programme_path
    enrolment.sis_enrolment_id = outcome.sis_enrolment_id
    enrolment.enrolled_courses = outcome.enrolled
    enrolment.step = None
    enrolment.last_error = None
    enrolment.last_error_retryable = None
    if enrolment.wanted_courses != snap.wanted:  # the learning agreement changed during the call
        enrolment.next_attempt_at = now
    else:
        enrolment.state = EnrolmentState.DONE.value
        enrolment.next_attempt_at = None
        enrolment.completed_at = now
    session.add(EnrolmentAttempt(tenant=enrolment.tenant, enrolment_id=enrolment.id, at=now, outcome="done"))
    event = EnrolmentCompleted(
        enrolment_id=enrolment.id,
        student_id=enrolment.student_id,
        mobility_id=enrolment.mobility_id,
        sis=enrolment.sis_kind or "?",
        sis_learner_code=outcome.learner.code if outcome.learner else None,
        period_code=outcome.period_code or "",
        programme_path=outcome.programme_path or "",
        course_codes=outcome.enrolled,
        added=outcome.added,
        removed=outcome.removed,
        learning_agreement_version=snap.la_version,
        attempts=enrolment.attempts,
        completed_at=now,
    )
    await outbox.record(session, event, tenant=enrolment.tenant, subject=str(enrolment.mobility_id))


async def _failed(
    session: AsyncSession,
    enrolment: Enrolment,
    outcome: _Outcome,
    error: SisError,
    now: datetime,
    settings: RecordsSettings,
) -> None:
    will_retry = error.retryable and enrolment.attempts < settings.enrolment_max_attempts
    enrolment.step = outcome.step
    enrolment.last_error = str(error)[:4000]
    enrolment.last_error_retryable = error.retryable
    if will_retry:
        enrolment.next_attempt_at = now + _backoff(settings, enrolment.attempts)
    else:
        enrolment.state = EnrolmentState.FAILED.value
        enrolment.next_attempt_at = None
    session.add(
        EnrolmentAttempt(
            tenant=enrolment.tenant,
            enrolment_id=enrolment.id,
            at=now,
            outcome="retrying" if will_retry else "failed",
            step=outcome.step,
            error=enrolment.last_error,
        )
    )
    event = EnrolmentFailed(
        enrolment_id=enrolment.id,
        student_id=enrolment.student_id,
        mobility_id=enrolment.mobility_id,
        sis=enrolment.sis_kind or "?",
        step=outcome.step,  # type: ignore[arg-type]
        error=enrolment.last_error,
        retryable=error.retryable,
        will_retry=will_retry,
        attempts=enrolment.attempts,
        next_attempt_at=enrolment.next_attempt_at,
        failed_at=now,
    )
    await outbox.record(session, event, tenant=enrolment.tenant, subject=str(enrolment.mobility_id))
