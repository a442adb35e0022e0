"""What a service declares about the personal data it holds, and what the shared plumbing builds from it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

from smile_common.dataprotection.audit_api import audit_router
from smile_common.dataprotection.jobs import Job, JobRunner
from smile_common.dataprotection.retention import RetentionRule, builtin_rules, run_retention
from smile_common.dataprotection.retention_api import retention_router
from smile_common.dataprotection.tables import DataProtectionTables, registered_tables

if TYPE_CHECKING:
    from smile_common.service import Runtime, ServiceDefinition

__all__ = ["DataProtection", "protection_of"]

RetentionRules = Sequence[RetentionRule] | Callable[["Runtime"], Sequence[RetentionRule]]
_RUNNER_KEY = "smile.dataprotection.jobs"


@dataclass(frozen=True)
class DataProtection:
    """A service's personal-data declarations (set as ``ServiceDefinition.data_protection``).

    ``retention``: the service's own :class:`RetentionRule` list (or a function of the runtime giving
    it); the rules every service has (audit trail, job reports, data-subject answers, event copies)
    are added.
    """

    tables: DataProtectionTables
    retention: RetentionRules = ()

    def rules(self, runtime: Runtime) -> list[RetentionRule]:
        own = self.retention(runtime) if callable(self.retention) else self.retention
        overrides = runtime.settings.retention_days
        rules = [*own, *builtin_rules(self.tables, runtime.definition.tables)]
        return [_effective(rule, overrides) for rule in rules]

    def jobs(self, runtime: Runtime) -> list[Job]:
        async def retention(triggered_by: str) -> dict[str, Any]:
            return await run_retention(runtime.database, self.tables, self.rules(runtime))

        every = timedelta(hours=runtime.settings.retention_every_hours)
        return [Job("retention", every, retention)]

    def runner(self, runtime: Runtime) -> JobRunner:
        runner = runtime.extras.get(_RUNNER_KEY)
        if not isinstance(runner, JobRunner):
            runner = JobRunner(runtime.database, self.tables, self.jobs(runtime))
            runtime.extras[_RUNNER_KEY] = runner
        return runner

    def routers(self) -> Sequence[APIRouter]:
        def rules(request: Request) -> list[RetentionRule]:
            return self.rules(request.app.state.runtime)

        async def run_now(request: Request, triggered_by: str) -> dict[str, Any]:
            runner = self.runner(request.app.state.runtime)
            return await runner.run_now("retention", triggered_by=triggered_by)

        return [audit_router(self.tables.audit), retention_router(self.tables, rules, run_now)]

    def background(self, runtime: Runtime) -> list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]]:
        if not runtime.settings.jobs_enabled:
            return []
        runner = self.runner(runtime)

        async def scheduler(stop: asyncio.Event) -> None:
            await runner.loop(stop, poll_seconds=runtime.settings.jobs_poll_seconds)

        return [scheduler]


def _effective(rule: RetentionRule, overrides: dict[str, int]) -> RetentionRule:
    from dataclasses import replace

    days = overrides.get(rule.kind)
    return rule if days is None else replace(rule, keep_days=days)


def protection_of(definition: ServiceDefinition) -> DataProtection | None:
    """The service's declarations, or the defaults when it only declared the tables."""
    declared = definition.data_protection
    if declared is not None:
        return declared
    tables = registered_tables(definition.metadata)
    return DataProtection(tables=tables) if tables is not None else None
