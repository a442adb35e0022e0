"""The application file: programme configuration, steps, documents, messages and history."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile, status
from fastapi.responses import Response

from smile_agreements.db import data_protection
from smile_agreements.files import documents as docs
from smile_agreements.files import service
from smile_agreements.files.models import ApplicationFile
from smile_agreements.files.repository import FileRepository
from smile_agreements.files.schemas import (
    DocumentRead,
    EntryRead,
    FileRead,
    MessageIn,
    MessageRead,
    ProgrammeConfig,
    ProgrammeRead,
    Review,
    StepDecision,
    StepDenial,
    StepState,
)
from smile_agreements.mobilities import access
from smile_agreements.mobilities.deps import Office, Participant, RuntimeDep, Staff, settings_of
from smile_agreements.mobilities.models import Mobility
from smile_agreements.mobilities.repository import MobilityRepository
from smile_common import audit
from smile_common.db import SessionDep, utcnow
from smile_common.documents import CorruptedDocumentError, DocumentStore, download_response
from smile_common.errors import NotFound, problem_responses
from smile_common.security import Principal

router = APIRouter(tags=["files"])
StepStateName = Literal["done", "current", "pending"]
_ERRORS = problem_responses(401, 403, 404, 409, 422)


async def _load(
    session: SessionDep, principal: Principal, file_id: uuid.UUID, *, lock: bool = False
) -> tuple[ApplicationFile, Mobility]:
    file = await FileRepository(session).file(principal.tenant, file_id, for_update=lock)
    mobility = await MobilityRepository(session).get(principal.tenant, file.mobility_id) if file else None
    if file is None or mobility is None or not access.can_see(principal, mobility):
        raise NotFound(f"No file {file_id}.")
    return file, mobility


async def _read(session: SessionDep, file: ApplicationFile) -> FileRead:
    documents = await FileRepository(session).documents(file.id)
    steps = []
    for i, step in enumerate(file.steps):
        state: StepStateName = (
            "done"
            if file.completed or i < file.current_index
            else ("current" if i == file.current_index else "pending")
        )
        missing = service.missing_documents(file, documents, i) if state != "done" else []
        steps.append(
            StepState(code=step["code"], label=step["label"], role=step["role"], state=state, missing_documents=missing)
        )
    return FileRead.model_validate(
        {
            "id": file.id,
            "mobility_id": file.mobility_id,
            "programme": file.programme,
            "completed": file.completed,
            "current_step": None if file.completed else file.steps[file.current_index]["code"],
            "steps": steps,
            "document_types": file.document_types,
            "documents": [DocumentRead.model_validate(d) for d in documents],
            "version": file.version,
        }
    )


@router.get(
    "/programmes",
    operation_id="listProgrammes",
    response_model=list[ProgrammeRead],
    responses=problem_responses(401, 403),
)
async def list_programmes(session: SessionDep, principal: Staff) -> list[ProgrammeRead]:
    """The university's programmes and their file configuration (the built-in ``erasmus`` one included)."""
    await service.programme_for(session, principal.tenant, "erasmus", principal.subject)
    rows = await FileRepository(session).programmes(principal.tenant)
    return [ProgrammeRead.model_validate({**_config(p), "code": p.code, "version": p.version}) for p in rows]


def _config(p: object) -> dict[str, object]:
    return {"name": p.name, "steps": p.steps, "document_types": p.document_types}  # type: ignore[attr-defined]


@router.put("/programmes/{code}", operation_id="putProgramme", response_model=ProgrammeRead, responses=_ERRORS)
async def put_programme(code: str, data: ProgrammeConfig, session: SessionDep, principal: Office) -> ProgrammeRead:
    """Set a programme's ordered steps (each validated by a role) and required documents. Files already
    open keep the configuration they opened with."""
    programme = await service.programme_for(session, principal.tenant, code, principal.subject)
    dumped = data.model_dump()
    programme.name, programme.steps, programme.document_types = (
        dumped["name"],
        dumped["steps"],
        dumped["document_types"],
    )
    programme.updated_by, programme.updated_at = principal.subject, utcnow()
    programme.version += 1
    return ProgrammeRead.model_validate({**dumped, "code": programme.code, "version": programme.version})


@router.get(
    "/mobilities/{mobility_id}/file",
    operation_id="getApplicationFile",
    response_model=FileRead,
    responses=problem_responses(401, 403, 404),
)
async def get_file_of_mobility(mobility_id: uuid.UUID, session: SessionDep, principal: Participant) -> FileRead:
    """The application file of a mobility (opened when the nomination is accepted): steps with what is
    missing for each, document types and uploaded documents."""
    mobility = await MobilityRepository(session).get(principal.tenant, mobility_id)
    file = await FileRepository(session).file_of(principal.tenant, mobility_id) if mobility else None
    if mobility is None or file is None or not access.can_see(principal, mobility):
        raise NotFound(f"No file for mobility {mobility_id}.")
    return await _read(session, file)


@router.post(
    "/files/{file_id}/steps/{step}/validate",
    operation_id="validateFileStep",
    response_model=FileRead,
    responses=_ERRORS,
)
async def validate_step(
    file_id: uuid.UUID, step: str, data: StepDecision, session: SessionDep, principal: Participant, runtime: RuntimeDep
) -> FileRead:
    """Validate the file's current step; only the step's role may (student: their own file; referent:
    their units' files; coordinator). Refused with 409 while a required document is missing."""
    file, mobility = await _load(session, principal, file_id, lock=True)
    office = settings_of(runtime).office_email(principal.tenant)
    await service.validate_step(session, principal, file, mobility, step, data.comment, office_email=office)
    return await _read(session, file)


@router.post(
    "/files/{file_id}/steps/{step}/deny", operation_id="denyFileStep", response_model=FileRead, responses=_ERRORS
)
async def deny_step(
    file_id: uuid.UUID, step: str, data: StepDenial, session: SessionDep, participant: Participant, runtime: RuntimeDep
) -> FileRead:
    """Deny the current step with a reason: the file goes back to an earlier step (by default the
    closest one done by the student), who is told why."""
    file, mobility = await _load(session, participant, file_id, lock=True)
    office = settings_of(runtime).office_email(participant.tenant)
    await service.deny_step(session, participant, file, mobility, step, data.reason, data.back_to, office_email=office)
    return await _read(session, file)


@router.post(
    "/files/{file_id}/documents",
    operation_id="uploadDocument",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentRead,
    responses=problem_responses(401, 403, 404, 413, 415, 422),
)
async def upload_document(
    file_id: uuid.UUID,
    session: SessionDep,
    principal: Participant,
    runtime: RuntimeDep,
    type: Annotated[str, Form(description="document type code of the programme, e.g. identity")],
    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG, as the document type allows")],
) -> DocumentRead:
    """Upload a document to one's own file (students). Its kind is read from its content (a renamed file
    is refused, 415), its size is limited per document type (413), and its SHA-256 is kept."""
    app_file, mobility = await _load(session, principal, file_id)
    settings = settings_of(runtime)
    content = await file.read(settings.document_max_bytes + 1)
    store = DocumentStore(settings.documents_root())
    office = settings.office_email(principal.tenant)
    document = await docs.upload(
        session,
        store,
        principal,
        app_file,
        mobility,
        type,
        file.filename or "document",
        file.content_type,
        content,
        limit=settings.document_max_bytes,
        office_email=office,
    )
    return DocumentRead.model_validate(document)


@router.get(
    "/files/{file_id}/documents/{document_id}/content",
    operation_id="downloadDocument",
    response_class=Response,
    responses=problem_responses(401, 403, 404, 500),
)
async def download_document(
    file_id: uuid.UUID, document_id: uuid.UUID, session: SessionDep, principal: Participant, runtime: RuntimeDep
) -> Response:
    """The document's bytes, checked against the SHA-256 recorded at upload."""
    file, mobility = await _load(session, principal, file_id)
    document = await FileRepository(session).document(file.id, document_id)
    if document is None:
        raise NotFound(f"No document {document_id} in this file.")
    try:
        content = await DocumentStore(settings_of(runtime).documents_root()).get(document.storage_key, document.sha256)
    except CorruptedDocumentError as exc:
        raise NotFound("The document's content is missing or damaged; ask the student to upload it again.") from exc
    await audit.record_read(
        session,
        data_protection.audit,
        tenant=file.tenant,
        object_type="document",
        object_id=document.id,
        person=mobility.audit_person(),
        fields=["content"],
        detail=document.type_code,
    )
    return download_response(
        content, filename=document.filename, content_type=document.content_type, sha256=document.sha256
    )


@router.post(
    "/files/{file_id}/documents/{document_id}/accept",
    operation_id="acceptDocument",
    response_model=DocumentRead,
    responses=_ERRORS,
)
async def accept_document(
    file_id: uuid.UUID, document_id: uuid.UUID, data: Review, session: SessionDep, principal: Staff, runtime: RuntimeDep
) -> DocumentRead:
    """Accept a document (international office or the unit's referent)."""
    file, mobility = await _load(session, principal, file_id, lock=True)
    office = settings_of(runtime).office_email(principal.tenant)
    return DocumentRead.model_validate(
        await docs.review(session, principal, file, mobility, document_id, True, data.reason, office_email=office)
    )


@router.post(
    "/files/{file_id}/documents/{document_id}/refuse",
    operation_id="refuseDocument",
    response_model=DocumentRead,
    responses=_ERRORS,
)
async def refuse_document(
    file_id: uuid.UUID, document_id: uuid.UUID, data: Review, session: SessionDep, principal: Staff, runtime: RuntimeDep
) -> DocumentRead:
    """Refuse a document with a reason; the student is told and uploads another one."""
    file, mobility = await _load(session, principal, file_id, lock=True)
    office = settings_of(runtime).office_email(principal.tenant)
    return DocumentRead.model_validate(
        await docs.review(session, principal, file, mobility, document_id, False, data.reason, office_email=office)
    )


@router.get(
    "/files/{file_id}/messages",
    operation_id="listFileMessages",
    response_model=list[MessageRead],
    responses=problem_responses(401, 403, 404),
)
async def list_messages(file_id: uuid.UUID, session: SessionDep, principal: Participant) -> list[MessageRead]:
    """Messages between the student and staff on this file, oldest first."""
    file, _ = await _load(session, principal, file_id)
    return [MessageRead.model_validate(m) for m in await FileRepository(session).messages(file.id)]


@router.post(
    "/files/{file_id}/messages",
    operation_id="postFileMessage",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageRead,
    responses=_ERRORS,
)
async def post_message(
    file_id: uuid.UUID, data: MessageIn, session: SessionDep, principal: Participant, runtime: RuntimeDep
) -> MessageRead:
    """Write to the other side (the student to the office, staff to the student); they get an email."""
    file, mobility = await _load(session, principal, file_id)
    office = settings_of(runtime).office_email(principal.tenant)
    return MessageRead.model_validate(
        await docs.post_message(session, principal, file, mobility, data.body, office_email=office)
    )


@router.get(
    "/files/{file_id}/history",
    operation_id="getFileHistory",
    response_model=list[EntryRead],
    responses=problem_responses(401, 403, 404),
)
async def history(file_id: uuid.UUID, session: SessionDep, principal: Participant) -> list[EntryRead]:
    """Every move of the file: who did what, when, and why."""
    file, _ = await _load(session, principal, file_id)
    return [EntryRead.model_validate(e) for e in await FileRepository(session).entries(file.id)]
