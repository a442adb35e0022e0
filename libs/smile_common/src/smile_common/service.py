"""What a service is made of, and ``bootstrap()``: the one place where adapters are chosen.

A service declares a :class:`ServiceDefinition` (its name, settings, tables, migrations, routers,
consumers, demo data). :class:`Runtime` holds what a running process of it needs (database, bus, token
verifier, dev issuer). The same definition gives the ``api`` app, the ``worker`` loop, the ``migrate``
command and the all-in-one process, and lets tests swap the database and the bus.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from smile_common.dataprotection.bundle import DataProtection, protection_of
from smile_common.db.engine import Database, create_database
from smile_common.db.migrations import MigrationTree
from smile_common.errors import ProblemDocument, install_problem_handlers, problem_responses
from smile_common.events.bus import Bus, InMemoryBus
from smile_common.events.consumer import Consumer
from smile_common.events.outbox import Outbox
from smile_common.events.rabbitmq import RabbitMQBus
from smile_common.events.relay import OutboxRelay
from smile_common.events.tables import MessagingTables
from smile_common.hardening import RateLimitMiddleware, SecurityHeadersMiddleware, parse_rate
from smile_common.limits import BodySizeLimitMiddleware
from smile_common.observability import CorrelationIdMiddleware, ReadinessCheck, health_router
from smile_common.openapi_examples import add_response_examples
from smile_common.rootpath import RootPathMiddleware
from smile_common.security.devissuer import DevIssuer
from smile_common.security.jwt import JwksKeyProvider, KeyProvider, StaticKeyProvider, TokenVerifier
from smile_common.settings import ServiceSettings

__all__ = ["Runtime", "ServiceCommand", "ServiceDefinition", "bootstrap", "create_service_app", "run_worker"]

_log = logging.getLogger("smile.service")


@dataclass(frozen=True)
class ServiceCommand:
    """An extra ``smile-<service> <name>`` command (e.g. the indicators' ``rebuild``)."""

    name: str
    help: str
    run: Callable[[Runtime, argparse.Namespace], Awaitable[int | None]]
    #: adds the command's own arguments to its sub-parser
    configure: Callable[[argparse.ArgumentParser], None] = lambda parser: None


@dataclass(frozen=True)
class ServiceDefinition:
    """Everything the shared plumbing needs to know about one service."""

    name: str
    title: str
    description: str
    version: str
    settings_cls: type[ServiceSettings]
    metadata: sa.MetaData
    tables: MessagingTables
    outbox: Outbox
    migrations_dir: Path
    routers: Callable[[], Sequence[APIRouter]]
    consumers: Callable[[Runtime], Sequence[Consumer]] = lambda runtime: ()
    seed: Callable[[Runtime], Awaitable[None]] | None = None
    #: extra background loops of the worker (e.g. schedulers); each runs until the stop event is set.
    background: Callable[[Runtime], Sequence[Callable[[asyncio.Event], Coroutine[Any, Any, None]]]] = lambda runtime: ()
    openapi_tags: Sequence[dict[str, Any]] = ()
    #: the other services this one calls over REST (names as in ``SMILE_SERVICE_URLS``). Deployment files
    #: derive from it which services may reach which (Kubernetes NetworkPolicies), and CI checks them.
    calls: tuple[str, ...] = ()
    #: personal data the service holds: retention rules, data-subject sources (smile_common.dataprotection).
    data_protection: DataProtection | None = None
    #: commands of ``smile-<service>`` beyond the common ones
    commands: Sequence[ServiceCommand] = ()
    #: request body limits that differ from ``max_body_bytes``, by path prefix (e.g. file imports).
    body_limits: Callable[[ServiceSettings], Mapping[str, int]] = lambda settings: {}

    @property
    def migrations(self) -> MigrationTree:
        return MigrationTree(self.migrations_dir, self.metadata)


@dataclass
class Runtime:
    """The adapters of one running service process."""

    definition: ServiceDefinition
    settings: ServiceSettings
    database: Database
    bus: Bus
    verifier: TokenVerifier
    dev_issuer: DevIssuer | None
    owns_bus: bool = True
    #: whether this process publishes and consumes (worker, all-in-one); its readiness then needs the bus.
    uses_bus: bool = False
    extras: dict[str, Any] = field(default_factory=dict)
    #: awaited by :meth:`close` (newest first): adapters a service keeps in ``extras`` (HTTP clients, …)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.definition.name

    def relay(self) -> OutboxRelay:
        s = self.settings
        return OutboxRelay(
            self.database,
            self.definition.outbox,
            self.bus,
            batch_size=s.outbox_batch_size,
            poll_seconds=s.outbox_poll_seconds,
            retention=timedelta(days=s.outbox_retention_days),
        )

    def consumers(self) -> Sequence[Consumer]:
        protection = protection_of(self.definition)
        extra = protection.consumers(self) if protection is not None else []
        return [*self.definition.consumers(self), *extra]

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        checks: dict[str, ReadinessCheck] = {"database": self.database.ping}
        if self.uses_bus:
            checks["broker"] = self.bus.ping
        return checks

    async def close(self) -> None:
        for closer in reversed(self.closers):
            try:
                await closer()
            except Exception:  # a failing adapter must not keep the database and the bus open
                _log.exception("closing %s: an adapter failed to close", self.name)
        self.closers.clear()
        if self.owns_bus:
            await self.bus.close()
        await self.database.dispose()


def make_verifier(settings: ServiceSettings, dev_issuer: DevIssuer | None) -> TokenVerifier:
    keys: KeyProvider
    if settings.oidc_issuer and settings.oidc_jwks_url:
        issuer, keys = settings.oidc_issuer, JwksKeyProvider(settings.oidc_jwks_url)
    elif dev_issuer is not None:
        issuer, keys = dev_issuer.issuer, StaticKeyProvider(dev_issuer.jwks())
    else:
        raise RuntimeError("no token issuer configured: set SMILE_OIDC_ISSUER and SMILE_OIDC_JWKS_URL")
    return TokenVerifier(
        issuer=issuer,
        keys=keys,
        audience=settings.oidc_audience,
        leeway_seconds=settings.oidc_leeway_seconds,
        roles_claim=settings.oidc_roles_claim,
        tenant_claim=settings.oidc_tenant_claim,
    )


def bootstrap(
    definition: ServiceDefinition,
    settings: ServiceSettings | None = None,
    *,
    bus: Bus | None = None,
    uses_bus: bool = False,
) -> Runtime:
    """Choose the adapters from the settings: PostgreSQL or SQLite, RabbitMQ or the in-process bus."""
    settings = settings or definition.settings_cls()
    database = create_database(
        settings.resolved_database_url(),
        definition.metadata.schema or definition.name,
        pool_size=settings.database_pool_size,
    )
    owns_bus = bus is None
    if bus is None:
        amqp = settings.resolved_amqp_url()
        bus = (
            RabbitMQBus(
                amqp, exchange=settings.amqp_exchange, prefetch=settings.amqp_prefetch, name=f"smile-{definition.name}"
            )
            if amqp
            else InMemoryBus()
        )
    dev_issuer = DevIssuer(settings.data_dir, audience=settings.oidc_audience) if settings.is_dev else None
    return Runtime(
        definition=definition,
        settings=settings,
        database=database,
        bus=bus,
        verifier=make_verifier(settings, dev_issuer),
        dev_issuer=dev_issuer,
        owns_bus=owns_bus,
        uses_bus=uses_bus,
    )


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_service_app(definition: ServiceDefinition, runtime: Runtime, *, owns_runtime: bool = False) -> FastAPI:
    """The FastAPI app of a service over ``runtime``; with ``owns_runtime`` its lifespan closes it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owns_runtime:
                await runtime.close()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        openapi_tags=list(definition.openapi_tags) or None,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    app.include_router(health_router(lambda request: request.app.state.runtime.readiness_checks()))
    for router in definition.routers():
        app.include_router(router)
    protection = protection_of(definition)
    if protection is not None:
        for router in protection.routers():
            app.include_router(router)
    settings = runtime.settings
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match", "If-Match", "X-Correlation-Id"],
            expose_headers=["ETag", "Location", "X-Correlation-Id", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes, overrides=definition.body_limits(settings)
    )
    app.add_middleware(RateLimitMiddleware, service=definition.name, **rate_limits(settings))
    app.add_middleware(CorrelationIdMiddleware, service=definition.name)
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds)
    if settings.root_path:
        app.add_middleware(RootPathMiddleware, prefix=settings.root_path)
    _document_problems(app)
    return app


def rate_limits(settings: ServiceSettings) -> dict[str, Any]:
    """The rate limit middleware's arguments from the settings (empty values switch a limit off)."""

    def rate(text: str) -> Any:
        return parse_rate(text) if text.strip() else None

    return {
        "anonymous": rate(settings.rate_limit_anonymous),
        "authenticated": rate(settings.rate_limit_authenticated),
        "auth_failures": rate(settings.rate_limit_auth_failures),
        "paths": [(prefix, parse_rate(text)) for prefix, text in settings.rate_limit_paths.items()],
        "exempt_networks": settings.rate_limit_exempt,
    }


def _document_problems(app: FastAPI) -> None:
    """Add the problem document schema and the bearer security scheme to the OpenAPI document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["ProblemDocument"] = ProblemDocument.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components.setdefault("securitySchemes", {})["bearerAuth"] = {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "OIDC access token (RS256) with `roles` and `hei` (the university's SCHAC code) claims.",
        }
        _validation_errors_as_problems(schema)
        add_response_examples(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _validation_errors_as_problems(schema: dict[str, Any]) -> None:
    """Document the problems the shared plumbing can answer on any operation.

    FastAPI documents its 422 as ``HTTPValidationError``; SMILE answers a problem document instead. The
    middlewares may also answer 429 (rate limits, with ``Retry-After``) and 503 (database or broker
    unavailable) anywhere, and 400 (malformed JSON) and 413 (body too large) wherever a body is accepted.
    """
    problems = problem_responses(400, 413, 422, 429, 503)
    problems[429] = {
        **problems[429],
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}},
    }
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            response = responses.get("422")
            content = (response or {}).get("content", {})
            if "application/json" in content and "HTTPValidationError" in str(content["application/json"]):
                responses["422"] = problems[422]
            wanted = [429, 503] + ([400, 413] if "requestBody" in operation else [])
            for status in wanted:
                responses.setdefault(str(status), problems[status])
    schemas = schema.get("components", {}).get("schemas", {})
    if "HTTPValidationError" not in str(schema.get("paths", {})):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)


async def start_consumers(runtime: Runtime) -> list[Consumer]:
    consumers = list(runtime.consumers())
    s = runtime.settings
    for consumer in consumers:
        await runtime.bus.subscribe(
            consumer.name,
            consumer.binding_keys(),
            consumer.handle,
            max_attempts=s.consumer_max_attempts,
            concurrency=consumer.concurrency or s.consumer_concurrency,
            dead_letters=consumer.store_dead_letter,
        )
    return consumers


async def run_worker(runtime: Runtime, stop: asyncio.Event, *, subscribe: bool = True) -> None:
    """The worker of a service: its consumers, its outbox relay and its background loops, until ``stop``.

    With ``subscribe=False`` the caller has already started the consumers (the all-in-one process
    subscribes every service's consumers before any relay publishes, because the in-process bus, unlike
    RabbitMQ's durable queues, cannot keep events for a queue that does not exist yet).
    """
    if subscribe:
        await _retry_until(lambda: start_consumers(runtime), stop, what=f"{runtime.name} consumers")
    if stop.is_set():
        return
    protection = protection_of(runtime.definition)
    extra = protection.background(runtime) if protection is not None else []
    loops = [runtime.relay().run, *runtime.definition.background(runtime), *extra]
    tasks = [asyncio.create_task(loop(stop), name=f"{runtime.name}:{i}") for i, loop in enumerate(loops)]
    try:
        await stop.wait()
    finally:
        for task in tasks:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=10)


async def _retry_until(action: Callable[[], Awaitable[Any]], stop: asyncio.Event, *, what: str) -> None:
    delay = 0.5
    while not stop.is_set():
        try:
            await action()
            return
        except Exception as exc:
            _log.warning("cannot start %s (%s); retrying in %.1fs", what, exc, delay)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(30.0, delay * 2)


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
