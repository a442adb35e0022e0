from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import SessionDep
from smile_common.errors import Forbidden, NotFound, problem_responses
from smile_common.security import Principal, Role, require_roles
from smile_common.service import runtime_of
from smile_records.privacy import log_read
from smile_records.settings import RecordsSettings
from smile_records.students.models import Student
from smile_records.transcripts import service
from smile_records.transcripts.models import Transcript
from smile_records.transcripts.pdf import render_transcript
from smile_records.transcripts.schemas import Correction, TranscriptRead, TranscriptVersionRead
from smile_records.web import Registrar, Staff

router = APIRouter(tags=["transcripts"])
Reader = Annotated[Principal, Depends(require_roles(Role.REGISTRAR, Role.COORDINATOR, Role.ADMIN, Role.STUDENT))]


def _settings(request: Request) -> RecordsSettings:
    settings = runtime_of(request).settings
    assert isinstance(settings, RecordsSettings)
    return settings


async def _read(session: AsyncSession, transcript: Transcript) -> TranscriptRead:
    rows = await service.versions(session, transcript.id)
    latest = rows[-1].content
    return TranscriptRead(
        id=transcript.id,
        mobility_id=transcript.mobility_id,
        student_id=transcript.student_id,
        sending_hei_id=transcript.sending_hei_id,
        omobility_id=transcript.omobility_id,
        current_version=transcript.current_version,
        issued_at=transcript.issued_at,
        ects_attempted=Decimal(latest["ects_attempted"]),
        ects_obtained=Decimal(latest["ects_obtained"]),
        warnings=list(latest["warnings"]),
        versions=[
            TranscriptVersionRead(
                version=v.version, issued_at=v.issued_at, issued_by=v.issued_by, correction_reason=v.correction_reason
            )
            for v in rows
        ],
    )


async def _readable(
    session: AsyncSession, principal: Principal, transcript_id: uuid.UUID, *, what: str, version: int | None = None
) -> Transcript:
    """Staff read every transcript of their university; a student only their own. The read is audited."""
    transcript = await service.get(session, principal.tenant, transcript_id)
    if not principal.is_staff:
        student = await session.get(Student, transcript.student_id)
        if student is None or not principal.email or (student.email or "").lower() != principal.email.lower():
            raise Forbidden("Students may read their own transcripts only.")
    await _log_read(session, transcript, what, version)
    return transcript


async def _log_read(session: AsyncSession, transcript: Transcript, what: str, version: int | None) -> None:
    shown = version or transcript.current_version
    await log_read(
        session, tenant=transcript.tenant, object_type="transcript", object_id=transcript.id,
        student_id=transcript.student_id, fields=["grades"], detail=f"{what}, version {shown}",
    )  # fmt: skip


@router.post(
    "/mobilities/{mobility_id}/transcript",
    operation_id="issueTranscript",
    status_code=status.HTTP_201_CREATED,
    response_model=TranscriptRead,
    responses=problem_responses(401, 403, 404, 409, 500),
)
async def issue_transcript(
    mobility_id: uuid.UUID, request: Request, session: SessionDep, principal: Registrar
) -> TranscriptRead:
    """Issue the transcript of records of a mobility from its results (``records.transcript.issued.v1``: the
    gateway notifies the sending university). A course of the learning agreement without a result is a 409
    ``results-missing``; a transcript that already exists is a 409 ``transcript-exists``."""
    transcript, _ = await service.issue(session, _settings(request), principal, mobility_id)
    return await _read(session, transcript)


@router.get(
    "/mobilities/{mobility_id}/transcript",
    operation_id="getMobilityTranscript",
    response_model=TranscriptRead,
    responses=problem_responses(401, 403, 404),
)
async def get_mobility_transcript(mobility_id: uuid.UUID, session: SessionDep, principal: Staff) -> TranscriptRead:
    """The transcript of a mobility, with its versions."""
    query = sa.select(Transcript).where(Transcript.tenant == principal.tenant, Transcript.mobility_id == mobility_id)
    transcript = (await session.execute(query)).scalar_one_or_none()
    if transcript is None:
        raise NotFound(f"Mobility {mobility_id} has no transcript yet.")
    await _log_read(session, transcript, "summary", None)
    return await _read(session, transcript)


@router.get(
    "/transcripts/{transcript_id}",
    operation_id="getTranscript",
    response_model=TranscriptRead,
    responses=problem_responses(401, 403, 404),
)
async def get_transcript(transcript_id: uuid.UUID, session: SessionDep, principal: Reader) -> TranscriptRead:
    """A transcript with its versions (students: their own)."""
    return await _read(session, await _readable(session, principal, transcript_id, what="summary"))


@router.post(
    "/transcripts/{transcript_id}/versions",
    operation_id="reissueTranscript",
    status_code=status.HTTP_201_CREATED,
    response_model=TranscriptRead,
    responses=problem_responses(401, 403, 404, 409, 422, 500),
)
async def reissue_transcript(
    transcript_id: uuid.UUID, data: Correction, request: Request, session: SessionDep, principal: Registrar
) -> TranscriptRead:
    """Issue a corrected version from the current results, saying why; earlier versions stay readable.
    A version that would say the same as the current one is a 409 ``transcript-unchanged``."""
    transcript, _ = await service.reissue(session, _settings(request), principal, transcript_id, data.correction_reason)
    return await _read(session, transcript)


@router.get(
    "/transcripts/{transcript_id}/elmo",
    operation_id="getTranscriptElmo",
    response_class=Response,
    responses={
        200: {"content": {"application/xml": {}}, "description": "the ELMO v2 document"},
        **problem_responses(401, 403, 404),
    },
)
async def get_elmo(
    transcript_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    version: Annotated[int | None, Query(ge=1, description="default: the current version")] = None,
) -> Response:
    """The ELMO XML of a version, as served to the sending university through EWP."""
    transcript = await _readable(session, principal, transcript_id, what="ELMO", version=version)
    row = await service.version(session, transcript, version)
    return Response(row.elmo_xml.encode(), media_type="application/xml")


@router.get(
    "/transcripts/{transcript_id}/pdf",
    operation_id="getTranscriptPdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the transcript as a PDF"},
        **problem_responses(401, 403, 404),
    },
)
async def get_pdf(
    transcript_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    lang: Annotated[Literal["fr", "en"], Query()] = "fr",
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The PDF of a version, in French or English."""
    transcript = await _readable(session, principal, transcript_id, what=f"PDF ({lang})", version=version)
    row = await service.version(session, transcript, version)
    pdf = render_transcript(
        row.content, version=row.version, issued_at=row.issued_at, lang=lang, correction_reason=row.correction_reason
    )
    filename = f"transcript-{transcript.mobility_id}-v{row.version}-{lang}.pdf"
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
