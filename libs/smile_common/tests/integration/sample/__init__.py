"""A small service used to test the shared data-protection plumbing on its own (both stacks).

It holds "applicants" (a person with an ESI, an e-mail, a birth date and health notes) the way a real
service holds students, so that the audit trail, retention and data-subject requests can be exercised
without depending on any domain service.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from smile_common.audit import Actor, Audited, act_as, annotate, record_read
from smile_common.dataprotection import DataProtection, data_protection_tables
from smile_common.dataprotection.retention import RetentionAction, RetentionContext, RetentionRule
from smile_common.datasubject import DataSubjectParticipant, Erase, Keep, PersonData, SourcesParticipant
from smile_common.db import JSONType, SessionDep, UTCDateTime, make_metadata, utcnow
from smile_common.documents import (
    CorruptedDocumentError,
    DocumentStore,
    active_content,
    delete_after_commit,
    discard_on_rollback,
    download_response,
    sniff,
)
from smile_common.errors import NotFound, Problem
from smile_common.events import Consumer, Envelope, EventPayload, Outbox, messaging_tables
from smile_common.events.payloads.privacy import ANSWER_TYPES, DataSubjectPhaseAnswered, SubjectIdentity
from smile_common.security import Principal, Role, require_roles
from smile_common.service import Runtime, ServiceDefinition
from smile_common.settings import ServiceSettings

SCHEMA = "sample"
metadata = make_metadata(SCHEMA)
tables = messaging_tables(metadata)
data_protection = data_protection_tables(metadata)
outbox = Outbox(tables.outbox, source="/smile/sample")


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, uuid.UUID: sa.Uuid()}


class Applicant(Audited, Base):
    __tablename__ = "applicant"
    __audit_masked__ = frozenset({"health_notes"})

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(sa.String(255))
    esi: Mapped[str | None] = mapped_column(sa.String(255))
    email: Mapped[str] = mapped_column(sa.String(320))
    birth_date: Mapped[date | None]
    name: Mapped[str] = mapped_column(sa.String(200))
    health_notes: Mapped[str | None] = mapped_column(sa.Text())
    status: Mapped[str] = mapped_column(sa.String(20), default="nominated")
    document_key: Mapped[str | None] = mapped_column(sa.String(300))
    document_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    document_type: Mapped[str | None] = mapped_column(sa.String(100))
    updated_at: Mapped[datetime]

    def audit_person(self) -> str | None:
        return self.esi or self.email


class SampleSettings(ServiceSettings):
    service_name: ClassVar[str] = "sample"


class ApplicantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    esi: str | None = None
    email: str
    birth_date: date | None = None
    name: str
    health_notes: str | None = None


class ApplicantPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    health_notes: str | None = None
    status: str | None = None


Staff = Annotated[Principal, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
router = APIRouter(prefix="/applicants")


async def _get(session: Any, principal: Principal, applicant_id: uuid.UUID) -> Applicant:
    applicant = await session.get(Applicant, applicant_id)
    if applicant is None or applicant.tenant != principal.tenant:
        raise NotFound("no such applicant")
    return applicant


@router.get("/count", operation_id="countApplicants")
async def count(session: SessionDep, hei: str) -> dict[str, int]:
    """Public: how many applicants a university has (stands for a public search endpoint)."""
    total = await session.scalar(sa.select(sa.func.count()).where(Applicant.tenant == hei))
    return {"count": int(total or 0)}


@router.post("", operation_id="createApplicant", status_code=201)
async def create(data: ApplicantIn, session: SessionDep, principal: Staff) -> dict[str, str]:
    applicant = Applicant(tenant=principal.tenant, updated_at=utcnow(), **data.model_dump())
    session.add(applicant)
    await session.flush()
    return {"id": str(applicant.id)}


@router.patch("/{applicant_id}", operation_id="updateApplicant")
async def update(
    applicant_id: uuid.UUID, data: ApplicantPatch, session: SessionDep, principal: Staff
) -> dict[str, str]:
    applicant = await _get(session, principal, applicant_id)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(applicant, key, value)
    if data.status == "accepted":
        annotate(session, applicant, "accepted", "nomination accepted")
    applicant.updated_at = utcnow()
    await session.flush()
    return {"id": str(applicant.id)}


@router.delete("/{applicant_id}", operation_id="deleteApplicant", status_code=204)
async def delete(applicant_id: uuid.UUID, session: SessionDep, principal: Staff) -> Response:
    await session.delete(await _get(session, principal, applicant_id))
    await session.flush()
    return Response(status_code=204)


@router.get("/{applicant_id}/health", operation_id="getApplicantHealth")
async def health(applicant_id: uuid.UUID, session: SessionDep, principal: Staff) -> dict[str, Any]:
    applicant = await _get(session, principal, applicant_id)
    await record_read(
        session,
        data_protection.audit,
        tenant=principal.tenant,
        object_type="applicant",
        object_id=applicant.id,
        person=applicant.audit_person(),
        fields=["health_notes"],
    )
    return {"health_notes": applicant.health_notes}


class ApplicantFlagged(EventPayload):
    """Test event: a partner (or a service) flags an applicant."""

    event_type: ClassVar[str] = "sample.applicant.flagged.v1"
    producer: ClassVar[str] = "sample"
    applicant_id: uuid.UUID
    partner_hei: str | None = None


async def on_flagged(session: Any, envelope: Envelope, payload: ApplicantFlagged) -> None:
    if payload.partner_hei:
        act_as(session, Actor.partner(payload.partner_hei))
    applicant = await session.get(Applicant, payload.applicant_id)
    if applicant is not None:
        applicant.status = "flagged"
        await session.flush()


def consumers(runtime: Runtime) -> list[Consumer]:
    consumer = Consumer("sample.flagger", runtime.database, runtime.definition.tables)
    consumer.add_handler(ApplicantFlagged, on_flagged)
    return [consumer]


def document_store(request: Request) -> DocumentStore:
    return DocumentStore(request.app.state.runtime.settings.data_dir / "documents")


@router.put("/{applicant_id}/document", operation_id="putApplicantDocument", status_code=201)
async def put_document(
    applicant_id: uuid.UUID, request: Request, session: SessionDep, principal: Staff, fail_after_store: bool = False
) -> dict[str, str]:
    applicant = await _get(session, principal, applicant_id)
    content = await request.body()
    kind = sniff(content)
    if kind is None:
        raise Problem("not an accepted kind of file", status=415, slug="document-type-not-allowed")
    if active_content(content):
        raise Problem("the PDF runs code when opened", status=415, slug="document-active-content")
    store = document_store(request)
    stored = await store.store(applicant.tenant, uuid.uuid4(), content)
    discard_on_rollback(session, store, stored.key)
    if applicant.document_key:
        delete_after_commit(session, store, applicant.document_key)
    applicant.document_key, applicant.document_sha256, applicant.document_type = stored.key, stored.sha256, kind
    await session.flush()
    if fail_after_store:
        raise Problem("the row could not be kept after the file was written", status=503, slug="unavailable")
    return {"key": stored.key}


@router.get("/{applicant_id}/document", operation_id="getApplicantDocument")
async def get_document(applicant_id: uuid.UUID, request: Request, session: SessionDep, principal: Staff) -> Response:
    applicant = await _get(session, principal, applicant_id)
    if not applicant.document_key or not applicant.document_sha256:
        raise NotFound("no document")
    try:
        content = await document_store(request).get(applicant.document_key, applicant.document_sha256)
    except CorruptedDocumentError as exc:
        raise Problem("the stored file is damaged", status=500, slug="document-damaged") from exc
    await record_read(
        session, data_protection.audit, tenant=applicant.tenant, object_type="applicant", object_id=applicant.id,
        person=applicant.audit_person(), fields=["document"],
    )  # fmt: skip
    return download_response(
        content, filename=f"pièce {applicant.name}.pdf", content_type=applicant.document_type or "", sha256=None
    )


def retention_rules(runtime: Runtime) -> list[RetentionRule]:
    table = Applicant.__table__
    store = DocumentStore(runtime.settings.data_dir / "documents")

    async def not_followed(ctx: RetentionContext) -> dict[str, int]:
        where = (table.c.status == "rejected", table.c.updated_at < ctx.cutoff)
        person = sa.func.coalesce(table.c.esi, table.c.email)
        return await ctx.erase(
            table, *where, object_type="applicant", person=person, files=(store, table.c.document_key)
        )

    async def after_mobility(ctx: RetentionContext) -> dict[str, int]:
        where = (table.c.status == "completed", table.c.updated_at < ctx.cutoff, table.c.name != "(anonymised)")
        values = {"name": "(anonymised)", "email": "(anonymised)", "esi": None, "birth_date": None,
                  "health_notes": None, "document_key": None, "document_sha256": None}  # fmt: skip
        return await ctx.anonymise(
            table, *where, values=values, object_type="applicant", person=sa.func.coalesce(table.c.esi, table.c.email),
            files=(store, table.c.document_key),
        )  # fmt: skip

    common = {"purpose": "Select incoming students", "legal_basis": "Public task (GDPR art. 6(1)(e))"}
    return [
        RetentionRule(
            kind="applicant-not-followed", description="Applicants whose nomination was rejected",
            keep_days=365, starts="the rejection", action=RetentionAction.ERASE, apply=not_followed, **common,
        ),
        RetentionRule(
            kind="applicant-after-mobility", description="Identity and documents of past applicants",
            keep_days=730, starts="the end of the mobility", action=RetentionAction.ANONYMISE, apply=after_mobility,
            keeps="status and university, for the indicators", **common,
        ),
    ]  # fmt: skip


class SampleDataSubjectPhaseAnswered(DataSubjectPhaseAnswered):
    event_type: ClassVar[str] = "sample.data_subject_request.phase_answered.v1"
    producer: ClassVar[str] = "sample"


ANSWER_TYPES["sample"] = SampleDataSubjectPhaseAnswered
#: tests set it to make the next erasure fail after it has erased (to check nothing stays half-done)
FAIL_ERASURE = {"on": False}
KEEP_REASON = "Mobility took place: the records office keeps the file 10 years (archives rules)"


class FailingWhenAsked:
    def __init__(self, inner: SourcesParticipant) -> None:
        self.inner = inner

    async def locate(self, session: Any, tenant: str, identity: SubjectIdentity) -> dict[str, Any]:
        return await self.inner.locate(session, tenant, identity)

    async def collect(self, session: Any, tenant: str, identity: SubjectIdentity) -> dict[str, Any]:
        return await self.inner.collect(session, tenant, identity)

    async def erase(self, session: Any, tenant: str, identity: SubjectIdentity, *, detail: str) -> dict[str, Any]:
        result = await self.inner.erase(session, tenant, identity, detail=detail)
        if FAIL_ERASURE["on"]:
            raise RuntimeError("disk full while erasing")
        return result


def person_data(runtime: Runtime) -> DataSubjectParticipant:
    table = Applicant.__table__
    store = DocumentStore(runtime.settings.data_dir / "documents")
    applicants = PersonData(
        kind="applicant-after-mobility", title="Applications", table=table, esi=table.c.esi, email=table.c.email,
        birth_date=table.c.birth_date, withheld=["health_notes"], files=(store, table.c.document_key),
        on_erasure=[Keep(KEEP_REASON, where=table.c.status == "completed"), Erase()], object_type="applicant",
    )  # fmt: skip
    assert runtime.definition.data_protection is not None
    rules = runtime.definition.data_protection.rules(runtime)
    return FailingWhenAsked(SourcesParticipant([applicants], data_protection, rules))


DEFINITION = ServiceDefinition(
    name="sample",
    title="Sample service",
    description="Test double of a SMILE service holding personal data.",
    version="0.0.0",
    settings_cls=SampleSettings,
    metadata=metadata,
    tables=tables,
    outbox=outbox,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=lambda: [router],
    consumers=consumers,
    data_protection=DataProtection(tables=data_protection, retention=retention_rules, subjects=person_data),
)
