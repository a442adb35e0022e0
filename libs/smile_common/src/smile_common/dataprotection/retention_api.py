"""``/data-protection/retention``: the declared rules, the runs of the retention job, and running it now."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel

from smile_common.dataprotection.jobs import JobBusy
from smile_common.dataprotection.retention import RetentionRule
from smile_common.dataprotection.tables import DataProtectionTables
from smile_common.db.session import SessionDep
from smile_common.errors import Conflict, problem_responses
from smile_common.security.principal import Principal, Role, require_roles

__all__ = ["RetentionRuleRead", "RetentionRunRead", "retention_router"]

Officer = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]


class RetentionRuleRead(BaseModel):
    """A kind of personal data this service holds, why, and for how long."""

    kind: str
    description: str
    purpose: str
    legal_basis: str
    keep_days: int
    starts: str
    action: str
    keeps: str | None = None


class RetentionRunRead(BaseModel):
    """One run of the retention job: what it erased or anonymised at your university, per kind."""

    id: int
    started_at: datetime
    finished_at: datetime | None = None
    status: str
    triggered_by: str
    #: per kind: action, period, cutoff and how many objects of your university it affected
    rules: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    error: str | None = None


class JobRunning(Conflict):
    slug, title = "job-running", "The job is running elsewhere"


def _for_tenant(row: Any, tenant: str) -> RetentionRunRead:
    report = row["report"] or {}
    rules = []
    for entry in report.get("rules", []):
        affected = entry.get("affected", {})
        shown = {k: v for k, v in entry.items() if k != "affected"}
        shown["affected"] = int(affected.get(tenant, 0))
        rules.append(shown)
    return RetentionRunRead(
        id=row["id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        triggered_by=row["triggered_by"],
        rules=rules,
        errors=list(report.get("errors", [])),
        error=row["error"],
    )


def retention_router(
    tables: DataProtectionTables,
    rules: Callable[[Request], list[RetentionRule]],
    run_now: Callable[[Request, str], Awaitable[dict[str, Any]]],
) -> APIRouter:
    router = APIRouter(prefix="/data-protection/retention", tags=["data protection"])
    job_run = tables.job_run

    @router.get(
        "",
        operation_id="listRetentionRules",
        response_model=list[RetentionRuleRead],
        responses=problem_responses(401, 403),
    )
    async def list_rules(request: Request, principal: Officer) -> list[RetentionRuleRead]:
        """Every kind of personal data this service keeps: purpose, legal basis, period and what then happens."""
        return [
            RetentionRuleRead(
                kind=r.kind,
                description=r.description,
                purpose=r.purpose,
                legal_basis=r.legal_basis,
                keep_days=r.keep_days,
                starts=r.starts,
                action=r.action.value,
                keeps=r.keeps,
            )
            for r in rules(request)
        ]

    @router.get(
        "/runs",
        operation_id="listRetentionRuns",
        response_model=list[RetentionRunRead],
        responses=problem_responses(401, 403, 422),
    )
    async def list_runs(
        session: SessionDep, principal: Officer, limit: Annotated[int, Query(ge=1, le=100)] = 20
    ) -> list[RetentionRunRead]:
        """The latest runs of the retention job (daily by default), newest first."""
        query = sa.select(job_run).where(job_run.c.job == "retention").order_by(job_run.c.id.desc()).limit(limit)
        rows = (await session.execute(query)).mappings().all()
        return [_for_tenant(row, principal.tenant) for row in rows]

    @router.post(
        "/runs",
        operation_id="runRetention",
        status_code=status.HTTP_201_CREATED,
        response_model=RetentionRunRead,
        responses=problem_responses(401, 403, 409),
    )
    async def run(request: Request, principal: Officer) -> RetentionRunRead:
        """Run the retention job now (it erases or anonymises what expired, for every university) and report."""
        try:
            result = await run_now(request, f"user:{principal.subject}")
        except JobBusy as exc:
            raise JobRunning("The retention job is already running on another replica; try again later.") from exc
        return _for_tenant(result, principal.tenant)

    return router
