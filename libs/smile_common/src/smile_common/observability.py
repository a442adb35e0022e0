"""Health, readiness, Prometheus metrics and the correlation-id middleware."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smile_common.errors import problem_response, problem_responses
from smile_common.logging import correlation_id

__all__ = [
    "EVENTS_CONSUMED",
    "EVENTS_PUBLISHED",
    "HTTP_REQUESTS",
    "OUTBOX_PENDING",
    "CorrelationIdMiddleware",
    "ReadinessCheck",
    "health_router",
]

HTTP_REQUESTS = Histogram(
    "smile_http_request_duration_seconds",
    "HTTP request duration by service, method, route template and status",
    ["service", "method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter("smile_events_published_total", "Events published by the outbox relay", ["service"])
EVENTS_CONSUMED = Counter(
    "smile_events_consumed_total", "Events handled by consumers, by outcome", ["consumer", "type", "outcome"]
)
OUTBOX_PENDING = Gauge("smile_outbox_pending", "Events written but not yet published", ["service"])

CORRELATION_HEADER = "X-Correlation-Id"
_HEADER_KEY = CORRELATION_HEADER.lower().encode()

ReadinessCheck = Callable[[], Awaitable[None]]


class CorrelationIdMiddleware:
    """Take the caller's correlation id (or make one), expose it to logs and echo it back; time requests."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cid = _incoming_correlation_id(scope) or str(uuid.uuid4())
        token = correlation_id.set(cid)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((_HEADER_KEY, cid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            route = scope.get("route")
            template = getattr(route, "path_format", None) or "unmatched"
            HTTP_REQUESTS.labels(self.service, scope["method"], template, str(status_holder["status"])).observe(
                time.perf_counter() - started
            )
            correlation_id.reset(token)


def _incoming_correlation_id(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == _HEADER_KEY:
            text = str(value.decode("latin-1")).strip()
            if 0 < len(text) <= 128 and text.isprintable():
                return text
    return None


def health_router(checks: Callable[[Request], dict[str, ReadinessCheck]], *, timeout: float = 3.0) -> APIRouter:
    """``/healthz`` (the process is alive), ``/readyz`` (its dependencies answer) and ``/metrics``."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", operation_id="healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        operation_id="readyz",
        summary="Readiness: the database (and the broker, for processes that need it) answer",
        responses={
            200: {
                "description": "Every dependency answers",
                "content": {"application/json": {"example": {"status": "ok", "checks": {"database": "ok"}}}},
            },
            **problem_responses(503),
        },
    )
    async def readyz(request: Request) -> JSONResponse:
        results: dict[str, Any] = {}
        ok = True
        for name, check in checks(request).items():
            try:
                await asyncio.wait_for(check(), timeout)
                results[name] = "ok"
            except Exception as exc:
                ok = False
                results[name] = f"unavailable: {type(exc).__name__}"
        if ok:
            return JSONResponse({"status": "ok", "checks": results})
        return problem_response(
            503,
            "not-ready",
            "Not ready",
            "A dependency of this process is unreachable.",
            instance=request.url.path,
            status_text="unavailable",
            checks=results,
        )

    @router.get("/metrics", operation_id="metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def install_observability(app: FastAPI, service: str) -> None:
    app.add_middleware(CorrelationIdMiddleware, service=service)
