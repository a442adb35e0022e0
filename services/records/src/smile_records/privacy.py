"""Personal data held by records: retention rules, where a person's data is (data-subject requests), and
the audit of reads of grades.

Results are the university's record of what the student achieved: the SIS is the system of record, and
SMILE keeps its copy (and the student's identity it is attached to) to certify and re-send transcripts.
Transcripts and diploma supplements, as issued, are kept as long. A student without any result (the
mobility did not take place) has nothing that must be kept. Answers to a survey that is not anonymous
are unlinked from the student after a while (the answers stay for the quality statistics).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.audit import record_read
from smile_common.dataprotection.retention import RetentionAction, RetentionContext, RetentionRule
from smile_common.datasubject import Anonymise, Erase, Keep, PersonData, linked
from smile_common.service import Runtime
from smile_records.db import data_protection
from smile_records.diplomas.models import DiplomaSupplement
from smile_records.enrolments.models import Enrolment, EnrolmentAttempt
from smile_records.results.models import Result
from smile_records.students.models import Mobility, Student
from smile_records.surveys.models import SurveyInvitation, SurveyResponse
from smile_records.transcripts.models import Transcript, TranscriptVersion

__all__ = ["ISSUED_KEPT", "RESULTS_KEPT", "SURVEY_INVITATION_KEPT", "log_read", "person_data", "retention_rules"]


def _table(model: type[Any]) -> sa.Table:
    return cast(sa.Table, model.__table__)


_students, _mobilities = _table(Student), _table(Mobility)
_results, _enrolments, _attempts = _table(Result), _table(Enrolment), _table(EnrolmentAttempt)
_transcripts, _versions, _supplements = _table(Transcript), _table(TranscriptVersion), _table(DiplomaSupplement)
_invitations, _responses = _table(SurveyInvitation), _table(SurveyResponse)

RESULTS_KEPT = (
    "Results obtained during the mobility are part of the student's academic record: the university must "
    "be able to certify them and issue the transcript again (Code de l'éducation, archives of student records); "
    "they are kept until the end of the 'results' retention period"
)
ISSUED_KEPT = (
    "Transcripts of records and diploma supplements, as issued, certify the student's results: the university "
    "must be able to show what it issued and issue it again; they are kept until the end of the 'transcripts' "
    "retention period"
)
SURVEY_INVITATION_KEPT = (
    "The record that the quality survey was sent (no answer in it) is kept with the mobility, so that the survey "
    "is not sent to you again"
)
#: what a named survey answer keeps once unlinked from the student
_UNLINKED_ANSWER = {"invitation_id": None, "mobility_id": None}
_PUBLIC_TASK = "Public task of higher education (GDPR art. 6(1)(e), Code de l'éducation)"


def _has_results(student_id: Any) -> Any:
    return sa.exists(sa.select(_results.c.id).where(_results.c.student_id == student_id))


def _has_issued_documents(student_id: Any) -> Any:
    """The student was issued a transcript or a diploma supplement (kept as long as those are)."""
    return sa.or_(
        sa.exists(sa.select(_transcripts.c.id).where(_transcripts.c.student_id == student_id)),
        sa.exists(sa.select(_supplements.c.id).where(_supplements.c.student_id == student_id)),
    )


def _person_of(student_id: Any) -> Any:
    """The person (ESI, else e-mail) a row pointing to a student is about, for the audit trail."""
    person = sa.func.coalesce(_students.c.esi, _students.c.email)
    return sa.select(person).where(_students.c.id == student_id).scalar_subquery()


async def log_read(
    session: AsyncSession,
    *,
    tenant: str,
    object_type: str,
    object_id: Any,
    student_id: Any,
    fields: list[str],
    detail: str | None = None,
) -> None:
    """Record in the audit trail that someone read a student's grades (results, transcript, supplement)."""
    person = None
    if student_id is not None:
        found = sa.select(sa.func.coalesce(_students.c.esi, _students.c.email)).where(_students.c.id == student_id)
        person = await session.scalar(found)
    await record_read(
        session,
        data_protection.audit,
        tenant=tenant,
        object_type=object_type,
        object_id=object_id,
        person=person,
        fields=fields,
        detail=detail,
    )


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
    transcripts = PersonData(
        kind="transcripts",
        title="Transcripts of records as issued",
        table=_transcripts,
        match=linked(students, _transcripts.c.student_id),
        on_erasure=[Keep(ISSUED_KEPT)],
        object_type="transcript",
        purpose="Certify the results of the mobility to the student and to the home university (EWP)",
    )
    versions = PersonData(
        kind="transcript-versions",
        title="Each issued version of the transcript (its content and ELMO document)",
        table=_versions,
        match=linked(transcripts, _versions.c.transcript_id),
        fields=["transcript_id", "version", "content", "correction_reason", "issued_by", "issued_at"],
        on_erasure=[Keep(ISSUED_KEPT)],
        object_type="transcript_version",
        purpose="Show what was issued each time, and why a version was corrected",
    )
    supplements = PersonData(
        kind="diploma-supplements",
        title="Diploma supplements as issued",
        table=_supplements,
        match=linked(students, _supplements.c.student_id),
        on_erasure=[Keep(ISSUED_KEPT)],
        object_type="diploma_supplement",
        purpose="Describe the qualification the student obtained",
    )
    invitations = PersonData(
        kind="survey-invitations",
        title="Quality surveys sent to you after the mobility",
        table=_invitations,
        match=linked(students, _invitations.c.student_id),
        on_erasure=[Keep(SURVEY_INVITATION_KEPT, where=_has_results(_invitations.c.student_id)), Erase()],
        object_type="survey_invitation",
        purpose="Ask exchange students about the quality of their stay",
    )
    answers = PersonData(
        kind="survey-answers",
        title="Your answers to quality surveys that were not anonymous",
        table=_responses,
        match=linked(invitations, _responses.c.invitation_id),
        on_erasure=[Anonymise(_UNLINKED_ANSWER)],
        object_type="survey_response",
        purpose="Improve the welcome of exchange students",
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
    return [
        answers,
        invitations,
        versions,
        transcripts,
        supplements,
        attempts,
        enrolments,
        results,
        mobilities,
        students,
    ]


def retention_rules(runtime: Runtime) -> list[RetentionRule]:
    async def attempts(ctx: RetentionContext) -> Mapping[str, int]:
        return await ctx.erase(_attempts, _attempts.c.at < ctx.cutoff, object_type="enrolment_attempt")

    async def without_results(ctx: RetentionContext) -> Mapping[str, int]:
        stale = sa.and_(
            _students.c.updated_at < ctx.cutoff,
            sa.not_(_has_results(_students.c.id)),
            sa.not_(_has_issued_documents(_students.c.id)),
        )
        ids = sa.select(_students.c.id).where(stale)
        person = sa.func.coalesce(_students.c.esi, _students.c.email)
        await ctx.erase(_invitations, _invitations.c.student_id.in_(ids), object_type="survey_invitation")
        enrolment_ids = sa.select(_enrolments.c.id).where(_enrolments.c.student_id.in_(ids))
        await ctx.erase(_attempts, _attempts.c.enrolment_id.in_(enrolment_ids), object_type="enrolment_attempt")
        await ctx.erase(_enrolments, _enrolments.c.student_id.in_(ids), object_type="enrolment")
        await ctx.erase(_mobilities, _mobilities.c.student_id.in_(ids), object_type="mobility")
        return await ctx.erase(_students, stale, object_type="student", person=person)

    async def old_results(ctx: RetentionContext) -> Mapping[str, int]:
        return await ctx.erase(
            _results,
            _results.c.recorded_at < ctx.cutoff,
            object_type="result",
            person=_person_of(_results.c.student_id),
        )

    async def issued(ctx: RetentionContext) -> Mapping[str, int]:
        expired = _transcripts.c.updated_at < ctx.cutoff
        await ctx.erase(
            _versions,
            _versions.c.transcript_id.in_(sa.select(_transcripts.c.id).where(expired)),
            object_type="transcript_version",
        )
        counts = await ctx.erase(
            _transcripts, expired, object_type="transcript", person=_person_of(_transcripts.c.student_id)
        )
        counts.update(
            await ctx.erase(
                _supplements,
                _supplements.c.issued_at < ctx.cutoff,
                object_type="diploma_supplement",
                person=_person_of(_supplements.c.student_id),
            )
        )
        return counts

    async def named_answers(ctx: RetentionContext) -> Mapping[str, int]:
        named = sa.or_(_responses.c.invitation_id.is_not(None), _responses.c.mobility_id.is_not(None))
        return await ctx.anonymise(
            _responses,
            named,
            _responses.c.submitted_on < ctx.cutoff.date(),
            values=_UNLINKED_ANSWER,
            object_type="survey_response",
        )

    return [
        RetentionRule(
            kind="students-without-results",
            description="Incoming students with no result (the mobility was cancelled or never took place), "
            "with their SIS enrolments and mobility",
            purpose="Enrol incoming students in the SIS",
            legal_basis=_PUBLIC_TASK,
            keep_days=2 * 365,
            starts="the student's record last changed (students with a transcript or a diploma supplement stay "
            "as long as those)",
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
            kind="transcripts",
            description="Transcripts of records (every issued version: content, ELMO XML) and diploma supplements",
            purpose="Certify results to the student and the home university, issue them again on request",
            legal_basis=_PUBLIC_TASK,
            keep_days=10 * 365,
            starts="the transcript's last version (the supplement's issue)",
            action=RetentionAction.ERASE,
            apply=issued,
        ),
        RetentionRule(
            kind="survey-answers",
            description="Answers to quality surveys that are not anonymous: the link between the answers and "
            "the student's mobility",
            purpose="Improve the welcome of exchange students (follow up on an answer)",
            legal_basis=_PUBLIC_TASK,
            keep_days=2 * 365,
            starts="the answer was given",
            action=RetentionAction.ANONYMISE,
            apply=named_answers,
            keeps="the answers, the sending university and the academic year, without the link to the student",
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
