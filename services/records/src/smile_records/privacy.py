"""Personal data held by records: retention rules and where a person's data is (data-subject requests).

Results are the university's record of what the student achieved: the SIS is the system of record, and
SMILE keeps its copy (and the student's identity it is attached to) to certify and re-send transcripts.
A student without any result (the mobility did not take place) has nothing that must be kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa

from smile_common.dataprotection.retention import RetentionAction, RetentionContext, RetentionRule
from smile_common.datasubject import Erase, Keep, PersonData, linked
from smile_common.service import Runtime
from smile_records.enrolments.models import Enrolment, EnrolmentAttempt
from smile_records.results.models import Result
from smile_records.students.models import Mobility, Student

__all__ = ["RESULTS_KEPT", "person_data", "retention_rules"]


def _table(model: type[Any]) -> sa.Table:
    return cast(sa.Table, model.__table__)


_students, _mobilities = _table(Student), _table(Mobility)
_results, _enrolments, _attempts = _table(Result), _table(Enrolment), _table(EnrolmentAttempt)

RESULTS_KEPT = (
    "Results obtained during the mobility are part of the student's academic record: the university must "
    "be able to certify them and issue the transcript again (Code de l'éducation, archives of student records); "
    "they are kept until the end of the 'results' retention period"
)
_PUBLIC_TASK = "Public task of higher education (GDPR art. 6(1)(e), Code de l'éducation)"


def _has_results(student_id: Any) -> Any:
    return sa.exists(sa.select(_results.c.id).where(_results.c.student_id == student_id))


def person_data(runtime: Runtime) -> list[PersonData]:
    """Where records keeps a person's data; child tables come before the table they point to."""
    students = PersonData(
        kind="students",
        title="Identity, contact and identifiers (ESI, INE, SIS number)",
        table=_students,
        esi=_students.c.esi,
        email=_students.c.email,
        birth_date=_students.c.birth_date,
        fields=[
            "id",
            "family_name",
            "given_names",
            "birth_date",
            "gender",
            "citizenship",
            "email",
            "phone",
            "home_institution",
            "esi",
            "ine",
            "sis_learner_code",
            "created_at",
            "updated_at",
        ],
        on_erasure=[Keep(RESULTS_KEPT, where=_has_results(_students.c.id)), Erase()],
        object_type="student",
        purpose="Enrol the incoming student in the SIS, identify them to the partner universities (ESI)",
    )
    results = PersonData(
        kind="results",
        title="Results (grades and credits)",
        table=_results,
        match=linked(students, _results.c.student_id),
        on_erasure=[Keep(RESULTS_KEPT)],
        object_type="result",
        purpose="Issue the transcript of records and send it to the home university",
    )
    enrolments = PersonData(
        kind="sis-enrolments",
        title="Enrolment in the SIS (administrative and course enrolments)",
        table=_enrolments,
        match=linked(students, _enrolments.c.student_id),
        on_erasure=[Keep(RESULTS_KEPT, where=_has_results(_enrolments.c.student_id)), Erase()],
        object_type="enrolment",
        purpose="Enrol the student in the SIS and follow the synchronisation",
    )
    attempts = PersonData(
        kind="sis-enrolment-attempts",
        title="Technical log of the SIS synchronisation",
        table=_attempts,
        match=linked(enrolments, _attempts.c.enrolment_id),
        object_type="enrolment_attempt",
        purpose="Diagnose failed SIS synchronisations",
    )
    mobilities = PersonData(
        kind="mobilities",
        title="Mobility (dates, home and host units, programme)",
        table=_mobilities,
        match=linked(students, _mobilities.c.student_id),
        on_erasure=[Keep(RESULTS_KEPT, where=_has_results(_mobilities.c.student_id)), Erase()],
        object_type="mobility",
        purpose="Know when and where the student studies, to enrol them and issue transcripts",
    )
    return [attempts, enrolments, results, mobilities, students]


def retention_rules(runtime: Runtime) -> list[RetentionRule]:
    async def attempts(ctx: RetentionContext) -> Mapping[str, int]:
        return await ctx.erase(_attempts, _attempts.c.at < ctx.cutoff, object_type="enrolment_attempt")

    async def without_results(ctx: RetentionContext) -> Mapping[str, int]:
        stale = sa.and_(_students.c.updated_at < ctx.cutoff, sa.not_(_has_results(_students.c.id)))
        ids = sa.select(_students.c.id).where(stale)
        person = sa.func.coalesce(_students.c.esi, _students.c.email)
        enrolment_ids = sa.select(_enrolments.c.id).where(_enrolments.c.student_id.in_(ids))
        await ctx.erase(_attempts, _attempts.c.enrolment_id.in_(enrolment_ids), object_type="enrolment_attempt")
        await ctx.erase(_enrolments, _enrolments.c.student_id.in_(ids), object_type="enrolment")
        await ctx.erase(_mobilities, _mobilities.c.student_id.in_(ids), object_type="mobility")
        return await ctx.erase(_students, stale, object_type="student", person=person)

    async def old_results(ctx: RetentionContext) -> Mapping[str, int]:
        return await ctx.erase(_results, _results.c.recorded_at < ctx.cutoff, object_type="result")

    return [
        RetentionRule(
            kind="students-without-results",
            description="Incoming students with no result (the mobility was cancelled or never took place), "
            "with their SIS enrolments and mobility",
            purpose="Enrol incoming students in the SIS",
            legal_basis=_PUBLIC_TASK,
            keep_days=2 * 365,
            starts="the student's record last changed",
            action=RetentionAction.ERASE,
            apply=without_results,
        ),
        RetentionRule(
            kind="results",
            description="Results of exchange students (grades, credits) and the identity they belong to",
            purpose="Issue and re-issue transcripts of records; the SIS keeps the legal record",
            legal_basis=_PUBLIC_TASK,
            keep_days=10 * 365,
            starts="the result was recorded",
            action=RetentionAction.ERASE,
            apply=old_results,
        ),
        RetentionRule(
            kind="sis-enrolment-attempts",
            description="Technical log of each attempt to enrol a student in the SIS (errors returned by the SIS)",
            purpose="Diagnose failed synchronisations",
            legal_basis="Legitimate interest in a working service",
            keep_days=365,
            starts="the attempt",
            action=RetentionAction.ERASE,
            apply=attempts,
        ),
    ]
