"""Documents of the application file: upload by the student (type by content, size, checksum) and
review by staff. The bytes go to the document store; the database keeps the metadata and checksum."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from smile_agreements.files.models import ApplicationFile, Document, Message
from smile_agreements.files.repository import FileRepository
from smile_agreements.files.service import log, role_on, tell
from smile_agreements.mobilities.models import Mobility
from smile_common.db import utcnow
from smile_common.documents import DocumentStore, active_content, discard_on_rollback, sniff
from smile_common.errors import Conflict, Forbidden, NotFound, Problem
from smile_common.security import Principal


class DocumentTooLarge(Problem):
    status, slug, title = 413, "document-too-large", "The document is too large"


class DocumentTypeRefused(Problem):
    status, slug, title = 415, "document-type-not-allowed", "This kind of file is not accepted here"


class DocumentContentMismatch(Problem):
    status, slug, title = 415, "document-content-mismatch", "The file is not what it claims to be"


def _type_config(file: ApplicationFile, type_code: str) -> dict[str, object]:
    for config in file.document_types:
        if config["code"] == type_code:
            return config
    raise Problem(
        f"The programme asks for no document '{type_code}'.",
        status=422,
        slug="unknown-document-type",
        allowed=[c["code"] for c in file.document_types],
    )


def check_content(file: ApplicationFile, type_code: str, declared: str | None, content: bytes, limit: int) -> str:
    """The real content type of ``content``, if the programme accepts it for ``type_code``."""
    config = _type_config(file, type_code)
    max_bytes = min(int(str(config.get("max_bytes") or limit)), limit)
    if len(content) > max_bytes:
        raise DocumentTooLarge(f"'{type_code}' documents may not exceed {max_bytes} bytes.", max_bytes=max_bytes)
    if not content:
        raise Problem("The file is empty.", status=422, slug="empty-document")
    detected = sniff(content)
    allowed = list(config.get("content_types") or [])  # type: ignore[call-overload]
    if declared and declared != "application/octet-stream" and detected != declared:
        raise DocumentContentMismatch(
            f"The file was sent as {declared} but its content is {detected or 'of no accepted kind'}.",
            detected=detected,
        )
    if detected is None or detected not in allowed:
        raise DocumentTypeRefused(f"'{type_code}' documents must be one of: {', '.join(allowed)}.", allowed=allowed)
    active = active_content(content)
    if active:
        raise DocumentTypeRefused(
            f"PDFs with active content ({', '.join(active)}) are not accepted; print it to a plain PDF.",
            slug="document-active-content",
            active=active,
        )
    return detected


async def upload(
    session: AsyncSession,
    store: DocumentStore,
    principal: Principal,
    file: ApplicationFile,
    mobility: Mobility,
    type_code: str,
    filename: str,
    declared: str | None,
    content: bytes,
    *,
    limit: int,
    office_email: str,
) -> Document:
    if role_on(principal, mobility) != "student":
        raise Forbidden("Only the student uploads documents to their file.")
    content_type = check_content(file, type_code, declared, content, limit)
    document_id = uuid.uuid4()
    stored = await store.store(file.tenant, document_id, content)
    discard_on_rollback(session, store, stored.key)
    key = stored.key
    now = utcnow()
    document = Document(
        id=document_id,
        tenant=file.tenant,
        file_id=file.id,
        type_code=type_code,
        filename=_safe_name(filename),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        storage_key=key,
        status="submitted",
        uploaded_by=principal.subject,
        uploaded_at=now,
    )
    FileRepository(session).add(
        document,
        log(file, principal.subject, "student", "document_uploaded", None, f"{type_code}: {document.filename}"),
    )
    await session.flush()
    params = _params(mobility, document)
    await tell(session, mobility, "coordinator", "document_uploaded", params, office_email)
    return document


def _safe_name(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "document"
    return "".join(ch for ch in name if ch.isprintable())[:200]


def _params(mobility: Mobility, document: Document) -> dict[str, str]:
    return {
        "student": f"{mobility.student_given_names} {mobility.student_family_name}",
        "document": document.type_code,
        "filename": document.filename,
        "reason": document.review_reason or "-",
        "mobility_id": str(mobility.id),
    }


async def review(
    session: AsyncSession,
    principal: Principal,
    file: ApplicationFile,
    mobility: Mobility,
    document_id: uuid.UUID,
    accepted: bool,
    reason: str | None,
    *,
    office_email: str,
) -> Document:
    role = role_on(principal, mobility)
    if role not in ("coordinator", "referent"):
        raise Forbidden("Documents are reviewed by the international office or the unit's referent.")
    document = await FileRepository(session).document(file.id, document_id, for_update=True)
    if document is None:
        raise NotFound(f"No document {document_id} in this file.")
    if not accepted and not reason:
        raise Problem("Refusing a document needs a reason for the student.", status=422, slug="reason-required")
    status = "accepted" if accepted else "refused"
    if document.status == status:
        return document
    if document.status != "submitted":
        raise Conflict(f"The document was already {document.status}.", slug="document-already-reviewed")
    document.status, document.review_reason = status, reason
    document.reviewed_by, document.reviewed_at = principal.subject, utcnow()
    FileRepository(session).add(
        log(file, principal.subject, role, f"document_{status}", None, f"{document.type_code}: {reason or ''}".strip())
    )
    await session.flush()
    await tell(session, mobility, "student", f"document_{status}", _params(mobility, document), office_email)
    return document


async def post_message(
    session: AsyncSession,
    principal: Principal,
    file: ApplicationFile,
    mobility: Mobility,
    body: str,
    *,
    office_email: str,
) -> Message:
    role = role_on(principal, mobility)
    if role is None:
        raise NotFound("No such file.")
    message = Message(
        id=uuid.uuid4(),
        tenant=file.tenant,
        file_id=file.id,
        author=principal.subject,
        author_role=role,
        body=body,
        created_at=utcnow(),
    )
    FileRepository(session).add(message, log(file, principal.subject, role, "message", None, body[:200]))
    await session.flush()
    params = {
        "student": f"{mobility.student_given_names} {mobility.student_family_name}",
        "message": body,
        "mobility_id": str(mobility.id),
    }
    await tell(
        session, mobility, "coordinator" if role == "student" else "student", "message_posted", params, office_email
    )
    return message
