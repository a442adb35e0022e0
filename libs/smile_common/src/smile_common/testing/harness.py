"""A service under test: its runtime over a test database and bus, an ASGI client and tokens."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from smile_common.dataprotection.bundle import protection_of
from smile_common.db.engine import create_database
from smile_common.events.bus import Bus, InMemoryBus
from smile_common.events.rabbitmq import RabbitMQBus
from smile_common.security.devissuer import DevIssuer
from smile_common.service import (
    Runtime,
    ServiceDefinition,
    bootstrap,
    create_service_app,
    run_worker,
    start_consumers,
)
from smile_common.settings import ServiceSettings
from smile_common.testing.wait import eventually

__all__ = ["NO_RATE_LIMITS", "PRODUCTION_RATE_LIMITS", "ServiceHarness", "Stack"]

NO_RATE_LIMITS: dict[str, Any] = {
    "rate_limit_anonymous": "",
    "rate_limit_authenticated": "",
    "rate_limit_auth_failures": "",
    "rate_limit_paths": {},
}
#: the limits a deployment gets by default, for tests of the limits themselves.
PRODUCTION_RATE_LIMITS: dict[str, Any] = {
    name: ServiceSettings.model_fields[name].get_default(call_default_factory=True) for name in NO_RATE_LIMITS
}


@dataclass
class Stack:
    """The infrastructure of one test session: ``embedded`` (SQLite, in-process bus) or ``infra``."""

    name: str
    root: Path
    postgres_url: str | None = None
    amqp_url: str | None = None
    _migrated: dict[str, Path | str] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    @property
    def is_infra(self) -> bool:
        return self.name == "infra"

    async def database_for(self, definition: ServiceDefinition, workdir: Path) -> str:
        """A migrated database for ``definition``: a fresh SQLite file, or the session's PostgreSQL one."""
        key = definition.name
        if key not in self._migrated:
            # one migration per service per session; SQLite copies of the migrated file are then free.
            lock = self._locks.setdefault(key, asyncio.Lock())
            async with lock:
                if key not in self._migrated:
                    self._migrated[key] = await self._migrate(definition)
        source = self._migrated[key]
        if isinstance(source, str):
            return source
        target = workdir / f"{definition.name}.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return f"sqlite+aiosqlite:///{target}"

    async def _migrate(self, definition: ServiceDefinition) -> Path | str:
        schema = definition.metadata.schema or definition.name
        if self.is_infra:
            assert self.postgres_url is not None
            url = self.postgres_url
        else:
            template = self.root / "templates" / f"{definition.name}.db"
            template.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite+aiosqlite:///{template}"
        database = create_database(url, schema)
        try:
            await definition.migrations.upgrade(database)
        finally:
            await database.dispose()
        if self.is_infra:
            return url
        path = Path(url.removeprefix("sqlite+aiosqlite:///"))
        with contextlib.closing(sqlite3.connect(path)) as conn:
            # fold the WAL into the file so that a plain copy holds every table
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return path


class ServiceHarness:
    """One service wired for a test. Use :meth:`token` / :meth:`headers` to call it as any role."""

    def __init__(self, runtime: Runtime, issuer: DevIssuer) -> None:
        self.runtime = runtime
        self.definition = runtime.definition
        self.issuer = issuer
        self.app = create_service_app(runtime.definition, runtime)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=f"http://{runtime.name}.test"
        )
        self._worker: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    @classmethod
    async def create(
        cls,
        definition: ServiceDefinition,
        *,
        stack: Stack,
        workdir: Path,
        data_dir: Path,
        bus: Bus | None,
        exchange: str | None = None,
        **overrides: Any,
    ) -> ServiceHarness:
        database_url = await stack.database_for(definition, workdir)
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "database_url": database_url,
            "log_json": False,
            "outbox_poll_seconds": 0.2,
            "consumer_max_attempts": 3,
            # functional tests make many calls from one address with one token; the rate limits have
            # their own tests, which ask for them explicitly (see PRODUCTION_RATE_LIMITS)
            **NO_RATE_LIMITS,
        }
        if stack.is_infra and exchange:
            values["amqp_url"] = stack.amqp_url
            values["amqp_exchange"] = exchange
        values.update(overrides)
        settings = definition.settings_cls(**values)
        runtime = bootstrap(definition, settings, bus=bus, uses_bus=True)
        issuer = DevIssuer(data_dir, audience=settings.oidc_audience)
        return cls(runtime, issuer)

    # --- calling the API -------------------------------------------------------------------------
    def token(self, *roles: str, hei: str = "unicaen.fr", sub: str | None = None, **claims: Any) -> str:
        return self.issuer.mint(subject=sub or f"user-{'-'.join(roles) or 'none'}", roles=roles, hei=hei, **claims)

    def headers(self, *roles: str, hei: str = "unicaen.fr", sub: str | None = None, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(*roles, hei=hei, sub=sub, **claims)}"}

    # --- events ----------------------------------------------------------------------------------
    async def drain(self) -> int:
        """Publish every pending outbox event now (and, on the in-process bus, let consumers apply it)."""
        return await self.runtime.relay().drain()

    async def start_worker(self, *, settle_jobs: bool = True) -> None:
        """Run the service's worker (consumers + relay + background loops) until :meth:`close`.

        A new worker runs its scheduled jobs at once (retention…); unless ``settle_jobs`` is false, this
        returns once that first run is over. Otherwise the job would change data in the middle of a test
        (a fixture's mobility that ended over a year ago by the real clock is anonymised), at a moment that
        depends on the machine's speed.
        """
        await start_consumers(self.runtime)
        self._worker = asyncio.create_task(run_worker(self.runtime, self._stop, subscribe=False))
        if settle_jobs:
            await self._first_jobs_run()

    async def _first_jobs_run(self) -> None:
        protection = protection_of(self.definition)
        if protection is None or not self.runtime.settings.jobs_enabled:
            return
        runner = protection.runner(self.runtime)
        run = runner.tables.job_run
        finished = sa.select(sa.func.count(sa.distinct(run.c.job))).where(
            run.c.job.in_(list(runner.jobs)), run.c.finished_at.is_not(None)
        )

        async def over() -> bool:
            if self._worker is not None and self._worker.done():
                self._worker.result()  # the worker stopped: its error, if any, is the test's
                return True
            async with self.runtime.database.sessionmaker() as session:
                return int(await session.scalar(finished) or 0) >= len(runner.jobs)

        await eventually(over, timeout=60.0, interval=0.02)

    async def count(self, table: sa.Table, *where: Any) -> int:
        async with self.runtime.database.sessionmaker() as session:
            return int(await session.scalar(sa.select(sa.func.count()).select_from(table).where(*where)) or 0)

    async def close(self) -> None:
        self._stop.set()
        if self._worker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._worker, 15)
        await self.client.aclose()
        if self.runtime.owns_bus:
            # stop consuming first: an event still being applied would deadlock with the TRUNCATE below
            await self.runtime.bus.close()
        if self.runtime.settings.resolved_database_url().startswith("postgresql"):
            await self._truncate()
        await self.runtime.close()

    async def _truncate(self) -> None:
        tables = ", ".join(f'"{t.schema}"."{t.name}"' for t in self.definition.metadata.sorted_tables)
        if not tables:
            return
        for attempt in range(3):
            try:
                async with self.runtime.database.engine.begin() as conn:
                    await conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                return
            except sa.exc.DBAPIError as exc:  # a deadlock with a last in-flight transaction: try again
                if attempt == 2 or "deadlock" not in str(exc).lower():
                    raise
                await asyncio.sleep(0.5)


def new_bus(stack: Stack) -> InMemoryBus | None:
    return None if stack.is_infra else InMemoryBus(retry_delay=0.01)


def rabbit_for_cleanup(stack: Stack, exchange: str) -> RabbitMQBus | None:
    if not stack.is_infra or stack.amqp_url is None:
        return None
    return RabbitMQBus(stack.amqp_url, exchange=exchange, name="smile-test-cleanup")
