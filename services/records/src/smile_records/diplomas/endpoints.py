from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response, status

from smile_common.db import SessionDep
from smile_common.errors import NotFound, problem_responses
from smile_common.service import runtime_of
from smile_records.diplomas import service
from smile_records.diplomas.models import DiplomaSupplement
from smile_records.diplomas.pdf import render_supplement
from smile_records.diplomas.schemas import DiplomaSupplementRead, DiplomaSupplementRequest
from smile_records.privacy import log_read
from smile_records.settings import RecordsSettings
from smile_records.web import Registrar, Staff

router = APIRouter(tags=["diploma supplements"])


def _read(supplement: DiplomaSupplement) -> DiplomaSupplementRead:
    content = supplement.content
    return DiplomaSupplementRead(
        id=supplement.id,
        student_id=supplement.student_id,
        qualification=content["request"]["qualification"]["name"],
        awarded_on=content["request"]["awarded_on"],
        courses=len(content["courses"]),
        ects_obtained=str(Decimal(content["ects_obtained"])),
        issued_by=supplement.issued_by,
        issued_at=supplement.issued_at,
    )


@router.post(
    "/students/{student_id}/diploma-supplements",
    operation_id="issueDiplomaSupplement",
    status_code=status.HTTP_201_CREATED,
    response_model=DiplomaSupplementRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def issue_supplement(
    student_id: uuid.UUID, data: DiplomaSupplementRequest, request: Request, session: SessionDep, principal: Registrar
) -> DiplomaSupplementRead:
    """Issue the diploma supplement of a student who completed a degree: the registrar states the
    qualification, its level and function; the holder, the results and the ECTS grading tables come from
    records. A student without results is a 409."""
    settings = runtime_of(request).settings
    assert isinstance(settings, RecordsSettings)
    return _read(await service.issue(session, settings, principal, student_id, data))


@router.get(
    "/students/{student_id}/diploma-supplements",
    operation_id="listDiplomaSupplements",
    response_model=list[DiplomaSupplementRead],
    responses=problem_responses(401, 403),
)
async def list_supplements(student_id: uuid.UUID, session: SessionDep, principal: Staff) -> list[DiplomaSupplementRead]:
    """The supplements issued to a student."""
    query = sa.select(DiplomaSupplement).where(
        DiplomaSupplement.tenant == principal.tenant, DiplomaSupplement.student_id == student_id
    )
    supplements = [_read(s) for s in (await session.execute(query.order_by(DiplomaSupplement.issued_at))).scalars()]
    if supplements:
        await log_read(
            session, tenant=principal.tenant, object_type="diploma_supplements", object_id=student_id,
            student_id=student_id, fields=["ects_obtained", "qualification"],
        )  # fmt: skip
    return supplements


@router.get(
    "/diploma-supplements/{supplement_id}/pdf",
    operation_id="getDiplomaSupplementPdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the diploma supplement"},
        **problem_responses(401, 403, 404),
    },
)
async def get_pdf(
    supplement_id: uuid.UUID,
    session: SessionDep,
    principal: Staff,
    lang: Annotated[Literal["fr", "en"], Query()] = "fr",
) -> Response:
    """The diploma supplement as a PDF (the eight sections of the EU / Council of Europe / UNESCO model)."""
    supplement = await session.get(DiplomaSupplement, supplement_id)
    if supplement is None or supplement.tenant != principal.tenant:
        raise NotFound(f"No diploma supplement {supplement_id}.")
    await log_read(
        session, tenant=principal.tenant, object_type="diploma_supplement", object_id=supplement.id,
        student_id=supplement.student_id, fields=["grades"], detail=f"PDF ({lang})",
    )  # fmt: skip
    pdf = render_supplement(
        supplement.content, issued_at=supplement.issued_at, lang=lang, reference=f"DS {supplement.id}"
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="diploma-supplement-{lang}.pdf"'},
    )
