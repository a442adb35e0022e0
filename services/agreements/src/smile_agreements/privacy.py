"""Personal data held by agreements: retention rules and where a person's data is (data-subject requests).

A nomination that was not followed (rejected, cancelled) leaves nothing behind after its period. For a
mobility that took place, the application file (documents, messages, e-mails) goes a year after the
student left; the learning agreement, a contract signed by both universities and the student, and the
mobility it belongs to are kept for audits of the programme, then the student's identity is removed
from the mobility (its facts stay for the indicators). Support needs (health data) go soon after the
mobility ends, and with nothing kept on an erasure request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa

from smile_agreements.files.models import ApplicationFile, Document, FileEntry, Message
from smile_agreements.learning_agreements.models import LaVersion, LearningAgreement
from smile_agreements.mobilities.models import Mobility
from smile_agreements.notifications.models import EmailMessage
from smile_agreements.settings import AgreementsSettings
from smile_agreements.support.models import SupportNeed
from smile_common.dataprotection.retention import RetentionAction, RetentionContext, RetentionRule
from smile_common.datasubject import Erase, Keep, PersonData, linked
from smile_common.documents import DocumentStore
from smile_common.service import Runtime

__all__ = ["LA_KEPT", "person_data", "retention_rules"]


def _table(model: type[Any]) -> sa.Table:
    return cast(sa.Table, model.__table__)


_mobility, _file, _entry = _table(Mobility), _table(ApplicationFile), _table(FileEntry)
_document, _message, _email = _table(Document), _table(Message), _table(EmailMessage)
_la, _la_version = _table(LearningAgreement), _table(LaVersion)
_support = _table(SupportNeed)

#: a mobility took place (or is under way): its learning agreement and record are kept
TOOK_PLACE = ("live", "completed")
LA_KEPT = (
    "The learning agreement is a contract signed by the student and both universities; it and the mobility "
    "it belongs to are kept for audits of the mobility programme (Erasmus+: 5 years after the mobility), "
    "then the student's identity is removed"
)
_PUBLIC_TASK = "Public task of higher education (GDPR art. 6(1)(e)); Erasmus+ programme rules"
_ANONYMOUS = {
    "student_given_names": "(anonymised)",
    "student_family_name": "(anonymised)",
    "student_email": None,
    "student_birth_date": None,
    "student_esi": None,
    "student_subject": None,
    "comment": None,
    "rejection_reason": None,
    "cancellation_reason": None,
}


def _store(runtime: Runtime) -> DocumentStore:
    return DocumentStore(cast(AgreementsSettings, runtime.settings).documents_root())


def _student(table: sa.Table) -> Any:
    """The student (ESI, else e-mail) of the mobility a row belongs to, for the audit trail."""
    person = sa.func.coalesce(_mobility.c.student_esi, _mobility.c.student_email)
    return sa.select(person).where(_mobility.c.id == table.c.mobility_id).scalar_subquery()


def _took_place(mobility_id: Any) -> Any:
    return mobility_id.in_(sa.select(_mobility.c.id).where(_mobility.c.status.in_(TOOK_PLACE)))


def person_data(runtime: Runtime) -> list[PersonData]:
    """Where agreements keeps a person's data; child tables come before the table they point to."""
    mobilities = PersonData(
        kind="nominations",
        title="Nomination and mobility (identity, dates, units, decisions)",
        table=_mobility,
        esi=_mobility.c.student_esi,
        email=_mobility.c.student_email,
        birth_date=_mobility.c.student_birth_date,
        subject=_mobility.c.student_subject,
        withheld=["comment"],
        object_type="mobility",
        on_erasure=[Keep(LA_KEPT, where=_mobility.c.status.in_(TOOK_PLACE)), Erase()],
        purpose="Decide on the nomination and organise the student's stay",
    )
    support = PersonData(
        kind="support-needs",
        title="Support needs you declared (disability, health)",
        table=_support,
        match=linked(mobilities, _support.c.mobility_id),
        object_type="support_need",
        purpose="Arrange your exams, housing and teaching with the disability office",
    )
    files = PersonData(
        kind="application-files",
        title="Application file (steps)",
        table=_file,
        match=linked(mobilities, _file.c.mobility_id),
        object_type="application_file",
        purpose="Follow the student's application step by step",
    )
    documents = PersonData(
        kind="application-documents",
        title="Documents uploaded to the application file",
        table=_document,
        match=linked(files, _document.c.file_id),
        files=(_store(runtime), _document.c.storage_key),
        object_type="document",
        purpose="Check the documents the programme requires",
    )
    entries = PersonData(
        kind="application-history",
        title="History of the application file",
        table=_entry,
        match=linked(files, _entry.c.file_id),
        object_type="file_entry",
        purpose="Know who did what in the application file",
    )
    messages = PersonData(
        kind="file-messages",
        title="Messages exchanged about the application",
        table=_message,
        match=linked(files, _message.c.file_id),
        object_type="file_message",
        purpose="Answer the student's questions",
    )
    emails = PersonData(
        kind="emails",
        title="E-mails sent about the mobility",
        table=_email,
        email=_email.c.recipient,
        match=linked(mobilities, _email.c.mobility_id),
        object_type="email_message",
        purpose="Tell the student and the staff what happens",
    )
    agreements = PersonData(
        kind="learning-agreements",
        title="Learning agreement",
        table=_la,
        match=linked(mobilities, _la.c.mobility_id),
        on_erasure=[Keep(LA_KEPT, where=_took_place(_la.c.mobility_id)), Erase()],
        object_type="learning_agreement",
        purpose="Agree on the courses the student follows and their recognition",
    )
    la_mobility = sa.select(_la.c.mobility_id).where(_la.c.id == _la_version.c.learning_agreement_id).scalar_subquery()
    versions = PersonData(
        kind="learning-agreement-versions",
        title="Versions of the learning agreement (courses, signatures)",
        table=_la_version,
        match=linked(agreements, _la_version.c.learning_agreement_id),
        on_erasure=[Keep(LA_KEPT, where=_took_place(la_mobility)), Erase()],
        object_type="la_version",
        purpose="Agree on the courses the student follows and their recognition",
    )
    return [support, documents, entries, messages, files, emails, versions, agreements, mobilities]


def retention_rules(runtime: Runtime) -> list[RetentionRule]:
    store = _store(runtime)

    def ended(ctx: RetentionContext) -> Any:
        """Mobilities that took place and ended before the cutoff (by their departure date)."""
        departure = sa.func.coalesce(_mobility.c.actual_departure_date, _mobility.c.planned_departure_date)
        return sa.select(_mobility.c.id).where(_mobility.c.status.in_(TOOK_PLACE), departure < ctx.cutoff.date())

    async def _erase_file_data(ctx: RetentionContext, mobility_ids: Any) -> Mapping[str, int]:
        file_ids = sa.select(_file.c.id).where(_file.c.mobility_id.in_(mobility_ids))
        counts = await ctx.erase(
            _document, _document.c.file_id.in_(file_ids), object_type="document", files=(store, _document.c.storage_key)
        )
        await ctx.erase(_message, _message.c.file_id.in_(file_ids), object_type="file_message")
        await ctx.erase(_entry, _entry.c.file_id.in_(file_ids), object_type="file_entry")
        await ctx.erase(_email, _email.c.mobility_id.in_(mobility_ids), object_type="email_message")
        return counts

    async def not_followed(ctx: RetentionContext) -> Mapping[str, int]:
        where = (_mobility.c.status.in_(("rejected", "cancelled")), _mobility.c.status_changed_at < ctx.cutoff)
        ids = sa.select(_mobility.c.id).where(*where)
        await ctx.erase(
            _support, _support.c.mobility_id.in_(ids), object_type="support_need", person=_student(_support)
        )
        await _erase_file_data(ctx, ids)
        await ctx.erase(_file, _file.c.mobility_id.in_(ids), object_type="application_file")
        la_ids = sa.select(_la.c.id).where(_la.c.mobility_id.in_(ids))
        await ctx.erase(_la_version, _la_version.c.learning_agreement_id.in_(la_ids), object_type="la_version")
        await ctx.erase(_la, _la.c.mobility_id.in_(ids), object_type="learning_agreement")
        person = sa.func.coalesce(_mobility.c.student_esi, _mobility.c.student_email)
        return await ctx.erase(_mobility, *where, object_type="mobility", person=person)

    async def support_needs(ctx: RetentionContext) -> Mapping[str, int]:
        departure = sa.func.coalesce(_mobility.c.actual_departure_date, _mobility.c.planned_departure_date)
        over = sa.or_(
            sa.and_(_mobility.c.status.in_(TOOK_PLACE), departure < ctx.cutoff.date()),
            sa.and_(_mobility.c.status.in_(("rejected", "cancelled")), _mobility.c.status_changed_at < ctx.cutoff),
        )
        ids = sa.select(_mobility.c.id).where(over)
        return await ctx.erase(
            _support, _support.c.mobility_id.in_(ids), object_type="support_need", person=_student(_support)
        )

    async def application_files(ctx: RetentionContext) -> Mapping[str, int]:
        return await _erase_file_data(ctx, ended(ctx))

    async def identity(ctx: RetentionContext) -> Mapping[str, int]:
        la_ids = sa.select(_la.c.id).where(_la.c.mobility_id.in_(ended(ctx)))
        await ctx.erase(_la_version, _la_version.c.learning_agreement_id.in_(la_ids), object_type="la_version")
        await ctx.erase(_la, _la.c.mobility_id.in_(ended(ctx)), object_type="learning_agreement")
        still_named = _mobility.c.student_family_name != "(anonymised)"
        return await ctx.anonymise(
            _mobility,
            _mobility.c.id.in_(ended(ctx)),
            still_named,
            values=_ANONYMOUS,
            object_type="mobility",
            person=sa.func.coalesce(_mobility.c.student_esi, _mobility.c.student_email),
        )

    return [
        RetentionRule(
            kind="support-needs",
            description="Support needs a student declared (disability, health: exam arrangements, accessible "
            "housing...)",
            purpose="Arrange the student's exams, housing and teaching",
            legal_basis="The student's explicit consent and the public task of equal access to education "
            "(GDPR art. 9(2)(a) and (g), Code de l'éducation L123-4-2)",
            keep_days=90,
            starts="the student's departure (or the nomination was rejected or cancelled)",
            action=RetentionAction.ERASE,
            apply=support_needs,
        ),
        RetentionRule(
            kind="nominations-not-followed",
            description="Nominations rejected or cancelled, with their application file, documents, messages, "
            "e-mails and draft learning agreement",
            purpose="Decide on nominations",
            legal_basis=_PUBLIC_TASK,
            keep_days=365,
            starts="the nomination was rejected or cancelled",
            action=RetentionAction.ERASE,
            apply=not_followed,
        ),
        RetentionRule(
            kind="application-documents",
            description="Application files' documents (identity papers, certificates), messages, history and e-mails "
            "of mobilities that took place",
            purpose="Check the application and answer the student",
            legal_basis=_PUBLIC_TASK,
            keep_days=365,
            starts="the student's departure",
            action=RetentionAction.ERASE,
            apply=application_files,
        ),
        RetentionRule(
            kind="learning-agreements",
            description="Learning agreements (courses, signatures) and the student's identity on the mobility",
            purpose="Recognition of the courses, audits of the mobility programme",
            legal_basis=_PUBLIC_TASK,
            keep_days=5 * 365,
            starts="the student's departure",
            action=RetentionAction.ANONYMISE,
            apply=identity,
            keeps="the mobility's facts without the student's identity: dates, units, programme, home university, "
            "citizenship and gender (for the indicators)",
        ),
    ]
