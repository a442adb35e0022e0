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
from smile_common.dataprotection.tables import DataProtectionTables, RequestTables, registered_tables
from smile_common.datasubject.api import requests_router
from smile_common.datasubject.orchestrator import Orchestrator
from smile_common.datasubject.participant import DataSubjectParticipant, SourcesParticipant, participant_consumer
from smile_common.datasubject.sources import PersonData
from smile_common.events.consumer import Consumer

if TYPE_CHECKING:
    from smile_common.service import Runtime, ServiceDefinition

__all__ = ["DataProtection", "protection_of"]

RetentionRules = Sequence[RetentionRule] | Callable[["Runtime"], Sequence[RetentionRule]]
Subjects = Sequence[PersonData] | Callable[["Runtime"], Sequence[PersonData] | DataSubjectParticipant]
_RUNNER_KEY = "smile.dataprotection.jobs"
_ORCHESTRATOR_KEY = "smile.dataprotection.orchestrator"


@dataclass(frozen=True)
class DataProtection:
    """A service's personal-data declarations (set as ``ServiceDefinition.data_protection``).

    ``retention``: the service's own :class:`RetentionRule` list (or a function of the runtime giving
    it); the rules every service has (audit trail, job reports, data-subject answers, event copies)
    are added. ``subjects``: where the service keeps a person's data (:class:`PersonData` list, or a
    function of the runtime giving that list or a custom :class:`DataSubjectParticipant`). ``requests``:
    set in the one service that hosts the data-subject requests API and orchestrator (records).
    """

    tables: DataProtectionTables
    retention: RetentionRules = ()
    subjects: Subjects = ()
    requests: RequestTables | None = None

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

    def participant(self, runtime: Runtime) -> DataSubjectParticipant:
        declared = self.subjects(runtime) if callable(self.subjects) else self.subjects
        if isinstance(declared, Sequence):
            return SourcesParticipant(declared, self.tables, self.rules(runtime))
        return declared

    def orchestrator(self, runtime: Runtime) -> Orchestrator:
        if self.requests is None:
            raise LookupError(f"{runtime.name} does not host the data-subject requests")
        orchestrator = runtime.extras.get(_ORCHESTRATOR_KEY)
        if not isinstance(orchestrator, Orchestrator):
            s = runtime.settings
            orchestrator = Orchestrator(
                runtime.database, self.requests, self.tables, runtime.definition.outbox,
                services=s.data_subject_services, resend_after=timedelta(seconds=s.data_subject_resend_seconds),
                due_days=s.data_subject_due_days,
            )  # fmt: skip
            runtime.extras[_ORCHESTRATOR_KEY] = orchestrator
        return orchestrator

    def consumers(self, runtime: Runtime) -> list[Consumer]:
        name, definition = runtime.name, runtime.definition
        consumers = [
            participant_consumer(
                f"{name}.data-subject",
                name,
                runtime.database,
                definition.tables,
                self.tables,
                definition.outbox,
                self.participant(runtime),
            )
        ]
        if self.requests is not None:
            orchestrator = self.orchestrator(runtime)
            consumers.append(
                orchestrator.consumer(f"{name}.data-subject-requests", runtime.database, definition.tables)
            )
        return consumers

    def routers(self) -> Sequence[APIRouter]:
        def rules(request: Request) -> list[RetentionRule]:
            return self.rules(request.app.state.runtime)

        async def run_now(request: Request, triggered_by: str) -> dict[str, Any]:
            runner = self.runner(request.app.state.runtime)
            return await runner.run_now("retention", triggered_by=triggered_by)

        routers = [audit_router(self.tables.audit), retention_router(self.tables, rules, run_now)]
        if self.requests is not None:
            routers.append(requests_router(lambda request: self.orchestrator(request.app.state.runtime)))
        return routers

    def background(self, runtime: Runtime) -> list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]]:
        loops: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = []
        if self.requests is not None:
            orchestrator = self.orchestrator(runtime)
            poll = min(60.0, runtime.settings.data_subject_resend_seconds / 2)

            async def resend(stop: asyncio.Event) -> None:
                await orchestrator.loop(stop, poll_seconds=poll)

            loops.append(resend)
        if runtime.settings.jobs_enabled:
            runner = self.runner(runtime)

            async def scheduler(stop: asyncio.Event) -> None:
                await runner.loop(stop, poll_seconds=runtime.settings.jobs_poll_seconds)

            loops.append(scheduler)
        return loops


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
