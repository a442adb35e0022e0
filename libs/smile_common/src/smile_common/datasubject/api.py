"""``/data-protection/requests``: access and erasure requests of a person, across the whole suite."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from smile_common.datasubject.export import export_document, render_html
from smile_common.datasubject.orchestrator import Orchestrator
from smile_common.db.session import SessionDep
from smile_common.errors import Conflict, problem_responses
from smile_common.events.payloads.privacy import SubjectIdentity
from smile_common.security.principal import Principal, Role, require_roles

__all__ = ["DataSubjectRequestCreate", "DataSubjectRequestRead", "requests_router"]

Officer = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
_ESI = re.compile(r"^urn:schac:personalUniqueCode:int:esi:[^:\s]+:\S+$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RequestKind(StrEnum):
    ACCESS = "access"
    ERASURE = "erasure"


class DataSubjectRequestCreate(BaseModel):
    """A person's request, identified by their ESI, or by their e-mail address and birth date."""

    model_config = ConfigDict(extra="forbid")

    kind: RequestKind
    esi: str | None = Field(default=None, examples=["urn:schac:personalUniqueCode:int:esi:es:12345678A"])
    email: str | None = Field(default=None, examples=["maria.lopez@estudiante.uva.es"])
    birth_date: date | None = None
    #: how the person's identity was checked, their message, the channel it came through
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("esi")
    @classmethod
    def _esi_shape(cls, value: str | None) -> str | None:
        if value is not None and not _ESI.match(value.strip()):
            raise ValueError("an ESI looks like urn:schac:personalUniqueCode:int:esi:<country or SCHAC code>:<code>")
        return value.strip().lower() if value else None

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value.strip()):
            raise ValueError("not an e-mail address")
        return value.strip().lower() if value else None

    @model_validator(mode="after")
    def _identified(self) -> DataSubjectRequestCreate:
        if not self.esi and not (self.email and self.birth_date):
            raise ValueError("identify the person by 'esi', or by 'email' together with 'birth_date'")
        if self.birth_date and self.birth_date >= date.today():
            raise ValueError("the birth date must be in the past")
        return self

    def identity(self) -> SubjectIdentity:
        return SubjectIdentity(
            esis=[self.esi] if self.esi else [], emails=[self.email] if self.email else [], birth_date=self.birth_date
        )


class ServiceProgress(BaseModel):
    service: str
    #: per phase: ``done``, ``failed: <error>`` (asked again later) or ``waiting``
    phases: dict[str, str]


class DataSubjectRequestRead(BaseModel):
    """Where a request stands, service by service, in words and in fields."""

    id: uuid.UUID
    kind: str
    status: str
    outcome: str | None
    phase: str
    message: str
    subject: dict[str, Any]
    requested_by: str
    note: str | None
    filed_at: datetime
    due_on: date
    completed_at: datetime | None
    times_asked: int
    last_asked_at: datetime
    services: list[ServiceProgress]


class ExportFormat(StrEnum):
    JSON = "json"
    HTML = "html"


class NotAnswered(Conflict):
    slug, title = "request-not-completed", "The request is not answered yet"


def _progress(row: Any, replies: list[Any]) -> list[ServiceProgress]:
    phases = ["locate", "collect" if row["kind"] == "access" else "erase"]
    by_key = {(r["service"], r["phase"]): r for r in replies}
    out = []
    for service in row["participants"]:
        states = {}
        for phase in phases:
            reply = by_key.get((service, phase))
            if reply is not None:
                error = (reply["result"] or {}).get("error", "")
                states[phase] = "done" if reply["outcome"] == "done" else f"failed: {error}"
            elif row["status"] == "in_progress" and (phase == row["phase"] or phase == "locate"):
                states[phase] = "waiting"
        out.append(ServiceProgress(service=service, phases=states))
    return out


def _message(row: Any, progress: list[ServiceProgress]) -> str:
    if row["outcome"] == "subject_not_found":
        return "No service holds data about this person (searched by every identifier given). Nothing was changed."
    if row["status"] == "completed":
        if row["kind"] == "access":
            return "Answered: the person's data from every service is in the export (JSON or readable page)."
        return "Erased in every service; the export says what was erased, anonymised or kept, and why."
    phase = row["phase"]
    done = [p.service for p in progress if p.phases.get(phase) == "done"]
    failed = [p.service for p in progress if p.phases.get(phase, "").startswith("failed")]
    waiting = [p.service for p in progress if p.phases.get(phase) == "waiting"]
    verb = {"locate": "Looking for the person", "collect": "Collecting the data", "erase": "Erasing"}[phase]
    text = f"{verb}: done in {', '.join(done) or 'no service yet'}"
    if waiting:
        text += f"; waiting for {', '.join(waiting)} (asked {row['send_count']} time(s), asked again automatically)"
    if failed:
        text += f"; failed in {', '.join(failed)} (asked again automatically)"
    if phase == "erase" and done:
        text += ". Each service erases in one transaction: the services listed as done are completely erased"
    return text + "."


def requests_router(orchestrator: Callable[[Request], Orchestrator]) -> APIRouter:
    router = APIRouter(prefix="/data-protection/requests", tags=["data protection"])

    async def read(request: Request, session: SessionDep, tenant: str, request_id: uuid.UUID) -> DataSubjectRequestRead:
        orch = orchestrator(request)
        row = await orch.load(session, tenant, request_id)
        progress = _progress(row, await orch.replies(session, request_id))
        return DataSubjectRequestRead(
            id=row["id"], kind=row["kind"], status=row["status"], outcome=row["outcome"], phase=row["phase"],
            message=_message(row, progress), subject=row["subject"], requested_by=row["requested_by"],
            note=row["note"], filed_at=row["filed_at"], due_on=row["due_on"], completed_at=row["completed_at"],
            times_asked=row["send_count"], last_asked_at=row["last_sent_at"], services=progress,
        )  # fmt: skip

    @router.post(
        "",
        operation_id="fileDataSubjectRequest",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=DataSubjectRequestRead,
        responses=problem_responses(401, 403, 422, 429),
    )
    async def file(
        data: DataSubjectRequestCreate, request: Request, session: SessionDep, principal: Officer
    ) -> DataSubjectRequestRead:
        """File an access or erasure request; every service is asked, and the request's page tracks them."""
        request_id = await orchestrator(request).file(
            session, tenant=principal.tenant, kind=data.kind.value, subject=data.identity(),
            requested_by=principal.subject, note=data.note,
        )  # fmt: skip
        await session.flush()
        return await read(request, session, principal.tenant, request_id)

    @router.get(
        "",
        operation_id="listDataSubjectRequests",
        response_model=list[DataSubjectRequestRead],
        responses=problem_responses(401, 403),
    )
    async def list_requests(
        request: Request,
        session: SessionDep,
        principal: Officer,
        status_: Annotated[str | None, Query(alias="status", description="in_progress or completed")] = None,
    ) -> list[DataSubjectRequestRead]:
        """The requests of your university, newest first."""
        table = orchestrator(request).tables.request
        query = sa.select(table.c.id).where(table.c.tenant == principal.tenant).order_by(table.c.filed_at.desc())
        if status_:
            query = query.where(table.c.status == status_)
        ids = list(await session.scalars(query.limit(200)))
        return [await read(request, session, principal.tenant, request_id) for request_id in ids]

    @router.get(
        "/{request_id}",
        operation_id="getDataSubjectRequest",
        response_model=DataSubjectRequestRead,
        responses=problem_responses(401, 403, 404),
    )
    async def get(
        request_id: uuid.UUID, request: Request, session: SessionDep, principal: Officer
    ) -> DataSubjectRequestRead:
        """Where the request stands: per service and phase, done, failed (asked again) or waiting."""
        return await read(request, session, principal.tenant, request_id)

    @router.post(
        "/{request_id}/resend",
        operation_id="resendDataSubjectRequest",
        response_model=DataSubjectRequestRead,
        responses=problem_responses(401, 403, 404),
    )
    async def resend(
        request_id: uuid.UUID, request: Request, session: SessionDep, principal: Officer
    ) -> DataSubjectRequestRead:
        """Ask the services that have not answered again now (they are also asked again automatically)."""
        orch = orchestrator(request)
        row = await orch.load(session, principal.tenant, request_id, lock=True)
        await orch.resend(session, row)
        await session.flush()
        return await read(request, session, principal.tenant, request_id)

    @router.get(
        "/{request_id}/export",
        operation_id="exportDataSubjectRequest",
        responses={
            200: {"content": {"application/json": {}, "text/html": {}}, "description": "The answer"},
            **problem_responses(401, 403, 404, 409),
        },
    )
    async def export(
        request_id: uuid.UUID,
        request: Request,
        session: SessionDep,
        principal: Officer,
        format: Annotated[ExportFormat, Query(description="`json` for machines, `html` for people")] = (
            ExportFormat.JSON
        ),
    ) -> Any:
        """The answer to send to the person: their data (access) or what was erased and kept (erasure)."""
        orch = orchestrator(request)
        row = await orch.load(session, principal.tenant, request_id)
        if row["status"] != "completed":
            raise NotAnswered("Some services have not answered yet; see the request's progress.")
        document = export_document(dict(row), [dict(r) for r in await orch.replies(session, request_id)])
        await orch.record_export(session, row, format.value)
        filename = f"smile-{row['kind']}-{request_id}"
        if format is ExportFormat.HTML:
            return HTMLResponse(
                render_html(document), headers={"Content-Disposition": f'inline; filename="{filename}.html"'}
            )
        return JSONResponse(document, headers={"Content-Disposition": f'attachment; filename="{filename}.json"'})

    return router
