"""All five services in one process: the embedded default behind ``make run``.

Each service keeps its own runtime (its own SQLite file attached under its schema, or its own PostgreSQL
schema), its own app (mounted under ``/<service>``), its outbox relay and its consumers. They share one
bus: the in-process bus by default, RabbitMQ when ``SMILE_AMQP_URL`` is set. Mounted apps' lifespans are
not run by Starlette, so this app's lifespan runs each of them, starts the workers as background tasks,
and stops everything in order on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.routing import Mount

from smile_common.errors import install_problem_handlers
from smile_common.events.bus import Bus, InMemoryBus
from smile_common.events.rabbitmq import RabbitMQBus
from smile_common.hardening import SecurityHeadersMiddleware
from smile_common.observability import health_router
from smile_common.rootpath import RootPathMiddleware
from smile_common.security.devissuer import DevIssuer
from smile_common.service import Runtime, bootstrap, create_service_app, run_worker, start_consumers
from smile_common.settings import ServiceSettings
from smile_suite.registry import SERVICES

_log = logging.getLogger("smile.suite")


class SuiteSettings(ServiceSettings):
    """Settings of the all-in-one process (same ``SMILE_`` variables as the services)."""

    seed_demo_data: bool = True
    migrate_on_start: bool = True


def _shared_bus(settings: SuiteSettings) -> Bus:
    amqp = settings.resolved_amqp_url()
    if amqp:
        return RabbitMQBus(amqp, exchange=settings.amqp_exchange, prefetch=settings.amqp_prefetch, name="smile-suite")
    return InMemoryBus()


def create_suite_app(settings: SuiteSettings | None = None) -> FastAPI:
    settings = settings or SuiteSettings()
    bus = _shared_bus(settings)
    runtimes: list[tuple[str, Runtime]] = []
    for path, definition in SERVICES:
        service_settings = definition.settings_cls(**_service_overrides(settings))
        runtimes.append((path, bootstrap(definition, service_settings, bus=bus, uses_bus=True)))
    stop = asyncio.Event()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(bus.close)
            for _, runtime in runtimes:
                stack.push_async_callback(runtime.close)
            for mount in app.routes:
                if isinstance(mount, Mount) and isinstance(mount.app, FastAPI):
                    await stack.enter_async_context(mount.app.router.lifespan_context(mount.app))
            if settings.migrate_on_start:
                for _, runtime in runtimes:
                    await runtime.definition.migrations.upgrade(runtime.database)
            for _, runtime in runtimes:
                await start_consumers(runtime)
            workers = [
                asyncio.create_task(run_worker(rt, stop, subscribe=False), name=f"worker:{rt.name}")
                for _, rt in runtimes
            ]
            if settings.seed_demo_data:
                await _seed(runtimes)
            try:
                yield
            finally:
                stop.set()
                for task in workers:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(task, 15)

    app = FastAPI(
        title="SMILE",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    install_problem_handlers(app)
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds)
    if settings.root_path:
        app.add_middleware(RootPathMiddleware, prefix=settings.root_path)
    app.include_router(health_router(lambda request: _all_checks(runtimes)))
    for path, runtime in runtimes:
        app.mount(path, create_service_app(runtime.definition, runtime))

    @app.get("/", include_in_schema=False)
    async def index() -> dict[str, Any]:
        base = settings.public_base_url.rstrip("/")
        return {
            "name": "SMILE",
            "services": {rt.name: {"api": f"{base}{path}", "docs": f"{base}{path}/docs"} for path, rt in runtimes},
        }

    if settings.is_dev:
        issuer = DevIssuer(settings.data_dir, audience=settings.oidc_audience)

        @app.get("/dev-issuer/jwks.json", include_in_schema=False)
        async def dev_jwks() -> dict[str, Any]:
            return issuer.jwks()

    return app


def _service_overrides(settings: SuiteSettings) -> dict[str, Any]:
    """What the suite's settings impose on every service (its own file or schema is derived from them)."""
    values = settings.model_dump(exclude={"seed_demo_data", "migrate_on_start"}, exclude_unset=True)
    values.setdefault("data_dir", settings.data_dir)
    values.setdefault("profile", settings.profile)
    # a mounted service takes its prefix from the mount; SMILE_ROOT_PATH applies to the suite as a whole
    values["root_path"] = ""
    # the services call each other through this same server unless SMILE_SERVICE_URLS says otherwise
    base = settings.public_base_url.rstrip("/")
    values["service_urls"] = {**{d.name: f"{base}{path}" for path, d in SERVICES}, **settings.service_urls}
    return values


def _all_checks(runtimes: list[tuple[str, Runtime]]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for _, runtime in runtimes:
        for name, check in runtime.readiness_checks().items():
            checks[f"{runtime.name}.{name}"] = check
    return checks


async def _seed(runtimes: list[tuple[str, Runtime]]) -> None:
    for _, runtime in runtimes:
        if runtime.definition.seed is not None:
            try:
                await runtime.definition.seed(runtime)
            except Exception:
                _log.exception("demo data of %s could not be loaded", runtime.name)
