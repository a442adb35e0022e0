from __future__ import annotations

import csv
import io
import uuid
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Response, status

from smile_common.db import SessionDep
from smile_common.errors import problem_responses
from smile_common.security import Principal, Role, require_roles
from smile_records.surveys import service
from smile_records.surveys.models import Questionnaire
from smile_records.surveys.schemas import (
    Answers,
    Invitation,
    QuestionnaireCreate,
    QuestionnaireRead,
    Submitted,
    SurveyResults,
)
from smile_records.web import Staff

router = APIRouter(tags=["surveys"])
Manager = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
StudentRole = Annotated[Principal, Depends(require_roles(Role.STUDENT))]
_MANAGE = problem_responses(401, 403, 404, 409, 422)


@router.post(
    "/questionnaires",
    operation_id="createQuestionnaire",
    status_code=status.HTTP_201_CREATED,
    response_model=QuestionnaireRead,
    responses=_MANAGE,
)
async def create_questionnaire(data: QuestionnaireCreate, session: SessionDep, principal: Manager) -> QuestionnaireRead:
    """Define a questionnaire (a draft until activated). Anonymous ones only ever show aggregates."""
    return QuestionnaireRead.model_validate(await service.create(session, principal, data))


@router.get(
    "/questionnaires",
    operation_id="listQuestionnaires",
    response_model=list[QuestionnaireRead],
    responses=problem_responses(401, 403),
)
async def list_questionnaires(session: SessionDep, principal: Staff) -> list[QuestionnaireRead]:
    """The university's questionnaires."""
    query = sa.select(Questionnaire).where(Questionnaire.tenant == principal.tenant).order_by(Questionnaire.created_at)
    return [QuestionnaireRead.model_validate(q) for q in (await session.execute(query)).scalars()]


@router.get(
    "/questionnaires/{questionnaire_id}",
    operation_id="getQuestionnaire",
    response_model=QuestionnaireRead,
    responses=problem_responses(401, 403, 404),
)
async def get_questionnaire(questionnaire_id: uuid.UUID, session: SessionDep, principal: Staff) -> QuestionnaireRead:
    """One questionnaire."""
    return QuestionnaireRead.model_validate(
        await service.get_questionnaire(session, principal.tenant, questionnaire_id)
    )


@router.put(
    "/questionnaires/{questionnaire_id}",
    operation_id="replaceQuestionnaire",
    response_model=QuestionnaireRead,
    responses=_MANAGE,
)
async def replace_questionnaire(
    questionnaire_id: uuid.UUID, data: QuestionnaireCreate, session: SessionDep, principal: Manager
) -> QuestionnaireRead:
    """Change a draft questionnaire (an active one is locked: a 409)."""
    return QuestionnaireRead.model_validate(await service.replace(session, principal, questionnaire_id, data))


@router.post(
    "/questionnaires/{questionnaire_id}/activate",
    operation_id="activateQuestionnaire",
    response_model=QuestionnaireRead,
    responses=_MANAGE,
)
async def activate(questionnaire_id: uuid.UUID, session: SessionDep, principal: Manager) -> QuestionnaireRead:
    """Start sending it to students whose mobility ended (``send_after_days`` after the end)."""
    return QuestionnaireRead.model_validate(await service.move(session, principal, questionnaire_id, "active"))


@router.post(
    "/questionnaires/{questionnaire_id}/close",
    operation_id="closeQuestionnaire",
    response_model=QuestionnaireRead,
    responses=_MANAGE,
)
async def close(questionnaire_id: uuid.UUID, session: SessionDep, principal: Manager) -> QuestionnaireRead:
    """Stop sending it and accepting answers; results stay readable."""
    return QuestionnaireRead.model_validate(await service.move(session, principal, questionnaire_id, "closed"))


@router.get(
    "/questionnaires/{questionnaire_id}/results",
    operation_id="getSurveyResults",
    response_model=SurveyResults,
    responses=problem_responses(401, 403, 404),
)
async def get_results(
    questionnaire_id: uuid.UUID,
    session: SessionDep,
    principal: Staff,
    sending_hei_id: Annotated[str | None, Query()] = None,
    academic_year: Annotated[str | None, Query(pattern=r"^\d{4}/\d{4}$")] = None,
) -> SurveyResults:
    """Aggregated answers. For an anonymous questionnaire a selection with fewer than 5 answers is
    suppressed, and free texts come without any reference, in alphabetical order."""
    questionnaire = await service.get_questionnaire(session, principal.tenant, questionnaire_id)
    summary, _ = await service.results(
        session, questionnaire, sending_hei_id=sending_hei_id, academic_year=academic_year
    )
    return summary


@router.get(
    "/questionnaires/{questionnaire_id}/export",
    operation_id="exportSurveyResults",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "CSV (UTF-8, ';')"},
        **problem_responses(401, 403, 404),
    },
)
async def export_results(
    questionnaire_id: uuid.UUID,
    session: SessionDep,
    principal: Staff,
    shape: Annotated[Literal["aggregate", "responses"], Query()] = "aggregate",
) -> Response:
    """CSV export: the aggregates, or one row per response for a questionnaire that is not anonymous (an
    anonymous one always exports aggregates)."""
    questionnaire = await service.get_questionnaire(session, principal.tenant, questionnaire_id)
    summary, responses = await service.results(session, questionnaire, sending_hei_id=None, academic_year=None)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    if shape == "responses" and not questionnaire.anonymous:
        ids = [q["id"] for q in questionnaire.questions]
        writer.writerow(["mobility_id", "sending_hei_id", "academic_year", "submitted_on", *ids])
        for r in responses:
            writer.writerow(
                [r.mobility_id, r.sending_hei_id, r.academic_year, r.submitted_on, *(r.answers.get(i, "") for i in ids)]
            )
    else:
        writer.writerow(["question", "kind", "answer", "count", "mean"])
        for q in summary.questions:
            for answer, count in q.distribution.items():
                writer.writerow([q.id, q.kind, answer, count, q.mean if q.mean is not None else ""])
            for text in q.texts:
                writer.writerow([q.id, q.kind, text, 1, ""])
    kind = "responses" if shape == "responses" and not questionnaire.anonymous else "aggregate"
    name = f"survey-{questionnaire.id}-{kind}.csv"
    return Response(
        buffer.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/me/surveys", operation_id="listMySurveys", response_model=list[Invitation], responses=problem_responses(401, 403)
)
async def my_surveys(session: SessionDep, principal: StudentRole) -> list[Invitation]:
    """The surveys the calling student has been sent and not answered yet."""
    return [
        Invitation(id=i.id, questionnaire=QuestionnaireRead.model_validate(q), sent_at=i.sent_at)
        for i, q in await service.pending_for(session, principal)
    ]


@router.post(
    "/me/surveys/{invitation_id}/response",
    operation_id="answerSurvey",
    status_code=status.HTTP_201_CREATED,
    response_model=Submitted,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def answer_survey(
    invitation_id: uuid.UUID, data: Answers, session: SessionDep, principal: StudentRole
) -> Submitted:
    """Answer a survey, once (``records.survey.completed.v1``); a second answer is a 409."""
    response = await service.answer(session, principal, invitation_id, dict(data.answers))
    return Submitted(
        questionnaire_id=response.questionnaire_id,
        submitted_on=response.submitted_on,
        anonymous=response.invitation_id is None,
    )
