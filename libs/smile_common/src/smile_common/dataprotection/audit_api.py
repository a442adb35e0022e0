"""The audit trail's read-only API: entries by object, by person, by actor, and their export.

Only the data protection officer (``dpo``) and administrators (``admin``) read the trail; exporting it
is itself audited. There is deliberately no route that changes or deletes an entry.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from smile_common.audit import record
from smile_common.db.session import SessionDep
from smile_common.errors import problem_responses
from smile_common.security.principal import Principal, Role, require_roles

__all__ = ["AuditEntryRead", "AuditFilter", "AuditPage", "audit_router", "iter_entries"]

AuditReader = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
_EXPORT_CHUNK = 1000


class AuditEntryRead(BaseModel):
    """One audit entry: who did what to which object, when, and from which request or event."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor_type: str
    actor_id: str
    actor_roles: str | None = None
    on_behalf_of: str | None = None
    action: str
    object_type: str
    object_id: str
    person: str | None = None
    changes: dict[str, Any] | None = None
    detail: str | None = None
    correlation_id: str | None = None
    event_id: str | None = None


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    #: pass it as ``before`` to get the next (older) page; absent on the last page.
    next_cursor: int | None = None


class ExportFormat(StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"


class AuditFilter(BaseModel):
    object_type: str | None = None
    object_id: str | None = None
    person: str | None = None
    actor_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self, table: sa.Table, tenant: str) -> list[Any]:
        c = table.c
        clauses: list[Any] = [c.tenant == tenant]
        for column, value in (
            (c.object_type, self.object_type),
            (c.object_id, self.object_id),
            (c.actor_id, self.actor_id),
            (c.action, self.action),
        ):
            if value is not None:
                clauses.append(column == value)
        if self.person is not None:
            clauses.append(c.person == self.person.strip().lower())
        if self.since is not None:
            clauses.append(c.occurred_at >= self.since)
        if self.until is not None:
            clauses.append(c.occurred_at < self.until)
        return clauses


def _filters(
    object_type: Annotated[str | None, Query(description="e.g. `course`, `nomination`")] = None,
    object_id: Annotated[str | None, Query(description="the object's id (needs `object_type`)")] = None,
    person: Annotated[str | None, Query(description="the person concerned: ESI or e-mail")] = None,
    actor_id: Annotated[str | None, Query(description="who acted: user subject, partner SCHAC code, job")] = None,
    action: Annotated[str | None, Query(description="e.g. `created`, `updated`, `read`, `erased`")] = None,
    since: Annotated[datetime | None, Query(description="from this instant (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="until this instant (exclusive)")] = None,
) -> AuditFilter:
    return AuditFilter(
        object_type=object_type,
        object_id=object_id,
        person=person,
        actor_id=actor_id,
        action=action,
        since=since,
        until=until,
    )


Filters = Annotated[AuditFilter, Depends(_filters)]


async def iter_entries(request: Request, table: sa.Table, tenant: str, flt: AuditFilter) -> AsyncIterator[Any]:
    """Every matching entry, oldest first, read in chunks (each chunk in its own short transaction)."""
    database = request.app.state.runtime.database
    after = 0
    while True:
        async with database.sessionmaker() as session:
            rows = (
                await session.execute(
                    sa.select(table)
                    .where(*flt.where(table, tenant), table.c.id > after)
                    .order_by(table.c.id)
                    .limit(_EXPORT_CHUNK)
                )
            ).all()
        for row in rows:
            yield row
        if len(rows) < _EXPORT_CHUNK:
            return
        after = rows[-1].id


def audit_router(table: sa.Table) -> APIRouter:
    """The ``/data-protection/audit`` routes over a service's ``audit_log`` table."""
    router = APIRouter(prefix="/data-protection/audit", tags=["data protection"])

    @router.get(
        "",
        operation_id="listAuditEntries",
        response_model=AuditPage,
        responses=problem_responses(401, 403, 422),
    )
    async def list_entries(
        session: SessionDep,
        principal: AuditReader,
        flt: Filters,
        before: Annotated[int | None, Query(description="the `next_cursor` of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> AuditPage:
        """Audit entries of your university, newest first: filter by object, person, actor, action, period."""
        query = sa.select(table).where(*flt.where(table, principal.tenant))
        if before is not None:
            query = query.where(table.c.id < before)
        rows = (await session.execute(query.order_by(table.c.id.desc()).limit(limit + 1))).all()
        items = [AuditEntryRead.model_validate(row._mapping) for row in rows[:limit]]
        return AuditPage(items=items, next_cursor=items[-1].id if len(rows) > limit else None)

    @router.get(
        "/export",
        operation_id="exportAuditEntries",
        responses={
            200: {"content": {"application/x-ndjson": {}, "text/csv": {}}, "description": "The entries"},
            **problem_responses(401, 403, 422),
        },
    )
    async def export_entries(
        request: Request,
        session: SessionDep,
        principal: AuditReader,
        flt: Filters,
        format: Annotated[ExportFormat, Query(description="`ndjson` (one JSON object a line) or `csv`")] = (
            ExportFormat.NDJSON
        ),
    ) -> StreamingResponse:
        """Every matching entry, oldest first, as NDJSON or CSV. The export itself is recorded in the trail."""
        await record(
            session,
            table,
            tenant=principal.tenant,
            action="exported",
            object_type="audit_log",
            object_id="export",
            detail=json.dumps(flt.model_dump(mode="json", exclude_none=True)),
        )
        entries = iter_entries(request, table, principal.tenant, flt)
        if format is ExportFormat.CSV:
            return StreamingResponse(
                _csv_lines(entries),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
            )
        return StreamingResponse(_ndjson_lines(entries), media_type="application/x-ndjson")

    return router


_CSV_FIELDS = list(AuditEntryRead.model_fields)


async def _ndjson_lines(entries: AsyncIterator[Any]) -> AsyncIterator[str]:
    async for row in entries:
        yield AuditEntryRead.model_validate(row._mapping).model_dump_json() + "\n"


async def _csv_lines(entries: AsyncIterator[Any]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_CSV_FIELDS)
    writer.writeheader()
    async for row in entries:
        entry = AuditEntryRead.model_validate(row._mapping).model_dump(mode="json")
        entry["changes"] = json.dumps(entry["changes"], ensure_ascii=False) if entry["changes"] else ""
        writer.writerow({key: _spreadsheet_safe(value) for key, value in entry.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _spreadsheet_safe(value: Any) -> Any:
    """Keep a cell from being read as a formula by a spreadsheet (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
