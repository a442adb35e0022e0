"""Questionnaires, invitations after the mobility ends, answers (once), aggregates that respect anonymity."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import utcnow
from smile_common.errors import Conflict, Forbidden, NotFound, Problem
from smile_common.events.payloads.records import SurveyCompleted
from smile_common.security import Principal
from smile_records.db import outbox
from smile_records.students.models import Mobility, Student
from smile_records.surveys.models import Questionnaire, SurveyInvitation, SurveyResponse
from smile_records.surveys.schemas import QuestionnaireCreate, QuestionResult, SurveyResults

#: below this many answers in a selection, an anonymous questionnaire's results are not shown
MIN_ANONYMOUS_GROUP = 5


class AlreadyAnswered(Conflict):
    slug, title = "survey-already-answered", "This survey was already answered"


class InvalidAnswers(Problem):
    status, slug, title = 422, "invalid-answers", "The answers do not fit the questionnaire"


class QuestionnaireLocked(Conflict):
    slug, title = "questionnaire-locked", "Only a draft questionnaire can be changed"


async def get_questionnaire(session: AsyncSession, tenant: str, questionnaire_id: uuid.UUID) -> Questionnaire:
    found = (
        await session.execute(
            sa.select(Questionnaire).where(Questionnaire.tenant == tenant, Questionnaire.id == questionnaire_id)
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No questionnaire {questionnaire_id}.")
    return found


async def create(session: AsyncSession, principal: Principal, data: QuestionnaireCreate) -> Questionnaire:
    now = utcnow()
    questionnaire = Questionnaire(
        id=uuid.uuid4(),
        tenant=principal.tenant,
        title=dict(data.title),
        anonymous=data.anonymous,
        status="draft",
        send_after_days=data.send_after_days,
        questions=[q.model_dump() for q in data.questions],
        created_by=principal.subject,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(questionnaire)
    await session.flush()
    return questionnaire


async def replace(
    session: AsyncSession, principal: Principal, questionnaire_id: uuid.UUID, data: QuestionnaireCreate
) -> Questionnaire:
    questionnaire = await get_questionnaire(session, principal.tenant, questionnaire_id)
    if questionnaire.status != "draft":
        raise QuestionnaireLocked("Answers may already exist: close this questionnaire and create a new one.")
    questionnaire.title, questionnaire.anonymous = dict(data.title), data.anonymous
    questionnaire.send_after_days = data.send_after_days
    questionnaire.questions = [q.model_dump() for q in data.questions]
    questionnaire.updated_at, questionnaire.version = utcnow(), questionnaire.version + 1
    await session.flush()
    return questionnaire


async def move(session: AsyncSession, principal: Principal, questionnaire_id: uuid.UUID, status: str) -> Questionnaire:
    questionnaire = await get_questionnaire(session, principal.tenant, questionnaire_id)
    allowed = {"active": {"draft"}, "closed": {"draft", "active"}}[status]
    if questionnaire.status not in allowed and questionnaire.status != status:
        raise QuestionnaireLocked(f"A {questionnaire.status} questionnaire cannot become {status}.")
    questionnaire.status, questionnaire.updated_at = status, utcnow()
    await session.flush()
    return questionnaire


async def invite_due(session: AsyncSession, today: date) -> int:
    """Invite the students of every ended mobility to every active questionnaire of their university."""
    created = 0
    for questionnaire in (
        await session.execute(sa.select(Questionnaire).where(Questionnaire.status == "active"))
    ).scalars():
        ended_before = today - timedelta(days=questionnaire.send_after_days)
        end = sa.func.coalesce(Mobility.actual_departure_date, Mobility.planned_departure_date)
        invited = sa.select(SurveyInvitation.mobility_id).where(SurveyInvitation.questionnaire_id == questionnaire.id)
        query = sa.select(Mobility).where(
            Mobility.tenant == questionnaire.tenant,
            Mobility.student_id.is_not(None),
            Mobility.status.in_(["accepted", "live", "completed"]),
            end <= ended_before,
            Mobility.id.not_in(invited),
        )
        for mobility in (await session.execute(query)).scalars():
            assert mobility.student_id is not None
            session.add(
                SurveyInvitation(
                    id=uuid.uuid4(),
                    tenant=questionnaire.tenant,
                    questionnaire_id=questionnaire.id,
                    mobility_id=mobility.id,
                    student_id=mobility.student_id,
                    sent_at=utcnow(),
                    answered=False,
                )
            )
            created += 1
    await session.flush()
    return created


async def students_of(session: AsyncSession, principal: Principal) -> list[uuid.UUID]:
    if not principal.email:
        return []
    query = sa.select(Student.id).where(
        Student.tenant == principal.tenant, sa.func.lower(Student.email) == principal.email.lower()
    )
    return list((await session.execute(query)).scalars())


async def pending_for(session: AsyncSession, principal: Principal) -> list[tuple[SurveyInvitation, Questionnaire]]:
    students = await students_of(session, principal)
    query = (
        sa.select(SurveyInvitation, Questionnaire)
        .join(Questionnaire, Questionnaire.id == SurveyInvitation.questionnaire_id)
        .where(
            SurveyInvitation.tenant == principal.tenant,
            SurveyInvitation.student_id.in_(students),
            SurveyInvitation.answered.is_(False),
            Questionnaire.status == "active",
        )
    )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


def check_answers(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    questions = {q["id"]: q for q in questionnaire.questions}
    problems = [f"{key}: no such question" for key in answers if key not in questions]
    for qid, question in questions.items():
        value = answers.get(qid)
        if value is None or value == "":
            if question["required"]:
                problems.append(f"{qid}: an answer is required")
            continue
        problems += _check(qid, question, value)
    if problems:
        raise InvalidAnswers("; ".join(problems), problems=problems)
    return {k: v for k, v in answers.items() if v not in (None, "")}


def _check(qid: str, question: dict[str, Any], value: Any) -> list[str]:
    kind = question["kind"]
    if kind == "scale" and not (
        isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= question["scale_max"]
    ):
        return [f"{qid}: a whole number from 1 to {question['scale_max']}"]
    if kind == "choice" and value not in {o["id"] for o in question["options"]}:
        return [f"{qid}: one of {', '.join(o['id'] for o in question['options'])}"]
    if kind == "yes_no" and not isinstance(value, bool):
        return [f"{qid}: true or false"]
    if kind == "text" and not (isinstance(value, str) and len(value) <= 5000):
        return [f"{qid}: a text of at most 5000 characters"]
    return []


async def answer(
    session: AsyncSession, principal: Principal, invitation_id: uuid.UUID, answers: dict[str, Any]
) -> SurveyResponse:
    """Record the answers once (``records.survey.completed.v1``)."""
    invitation = await session.get(SurveyInvitation, invitation_id, with_for_update=True)
    if invitation is None or invitation.tenant != principal.tenant:
        raise NotFound(f"No survey {invitation_id}.")
    if invitation.student_id not in await students_of(session, principal):
        raise Forbidden("This survey was sent to another student.")
    if invitation.answered:
        raise AlreadyAnswered("You have already answered this survey; thank you.")
    questionnaire = await get_questionnaire(session, principal.tenant, invitation.questionnaire_id)
    if questionnaire.status != "active":
        raise Conflict("This survey is closed.", slug="survey-closed")
    clean = check_answers(questionnaire, answers)
    mobility = await session.get(Mobility, invitation.mobility_id)
    anonymous = questionnaire.anonymous
    response = SurveyResponse(
        id=uuid.uuid4(),
        tenant=principal.tenant,
        questionnaire_id=questionnaire.id,
        invitation_id=None if anonymous else invitation.id,
        mobility_id=None if anonymous else invitation.mobility_id,
        sending_hei_id=mobility.sending_hei_id if mobility else None,
        academic_year=mobility.academic_year if mobility else None,
        answers=clean,
        submitted_on=utcnow().date(),
    )
    invitation.answered = True
    session.add(response)
    await session.flush()
    overall = next((q for q in questionnaire.questions if q.get("overall")), None)
    event = SurveyCompleted(
        response_id=response.id,
        questionnaire_id=questionnaire.id,
        anonymous=anonymous,
        mobility_id=None if anonymous else invitation.mobility_id,
        sending_hei_id=response.sending_hei_id,
        academic_year=response.academic_year,
        overall_satisfaction=clean.get(overall["id"]) if overall else None,
        satisfaction_scale_max=overall["scale_max"] if overall else None,
        completed_at=utcnow(),
    )
    await outbox.record(session, event, tenant=principal.tenant, subject=str(questionnaire.id))
    return response


async def results(
    session: AsyncSession, questionnaire: Questionnaire, *, sending_hei_id: str | None, academic_year: str | None
) -> tuple[SurveyResults, list[SurveyResponse]]:
    query = sa.select(SurveyResponse).where(SurveyResponse.questionnaire_id == questionnaire.id)
    if sending_hei_id:
        query = query.where(SurveyResponse.sending_hei_id == sending_hei_id)
    if academic_year:
        query = query.where(SurveyResponse.academic_year == academic_year)
    responses = list((await session.execute(query)).scalars())
    invited = int(
        await session.scalar(sa.select(sa.func.count()).where(SurveyInvitation.questionnaire_id == questionnaire.id))
        or 0
    )
    suppressed = questionnaire.anonymous and 0 < len(responses) < MIN_ANONYMOUS_GROUP
    shown = [] if suppressed else responses
    summary = SurveyResults(
        questionnaire_id=questionnaire.id,
        anonymous=questionnaire.anonymous,
        invited=invited,
        responses=len(responses),
        response_rate=round(len(responses) / invited, 4) if invited and not (sending_hei_id or academic_year) else None,
        suppressed=suppressed,
        questions=[_aggregate(q, shown, questionnaire.anonymous) for q in questionnaire.questions],
    )
    return summary, shown


def _aggregate(question: dict[str, Any], responses: list[SurveyResponse], anonymous: bool) -> QuestionResult:
    values = [r.answers[question["id"]] for r in responses if question["id"] in r.answers]
    result = QuestionResult(id=question["id"], kind=question["kind"], text=question["text"], answered=len(values))
    if question["kind"] == "scale":
        numbers = [int(v) for v in values]
        result.distribution = {str(k): numbers.count(k) for k in range(1, question["scale_max"] + 1)}
        result.mean = round(sum(numbers) / len(numbers), 3) if numbers else None
    elif question["kind"] == "choice":
        choices = Counter(str(v) for v in values)
        result.distribution = {o["id"]: choices.get(o["id"], 0) for o in question["options"]}
    elif question["kind"] == "yes_no":
        yes = sum(1 for v in values if v is True)
        result.distribution = {"yes": yes, "no": len(values) - yes}
    else:
        texts = [str(v) for v in values]
        result.texts = sorted(texts) if anonymous else texts
    return result
