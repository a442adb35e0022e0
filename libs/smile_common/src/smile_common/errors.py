"""RFC 9457 problem details: every error of every SMILE API leaves as ``application/problem+json``.

Domain code raises :class:`Problem` subclasses (or :func:`problem`); the handlers installed by
:func:`install_problem_handlers` turn them, FastAPI's validation errors, Starlette's 404/405, database and
broker outages (503) and any unexpected exception (500, never a traceback) into problem documents.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from smile_common.logging import correlation_id

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "Conflict",
    "Forbidden",
    "NotFound",
    "Problem",
    "ProblemDocument",
    "ServiceUnavailable",
    "Unauthorized",
    "UnprocessableEntity",
    "install_problem_handlers",
    "problem_response",
    "problem_responses",
    "problem_type",
]

PROBLEM_CONTENT_TYPE = "application/problem+json"
_log = logging.getLogger("smile.errors")


def problem_type(slug: str) -> str:
    """The stable ``type`` URI of a problem; the list is documented in docs/problems.md."""
    return f"urn:smile:problem:{slug}"


class ProblemDocument(BaseModel):
    """An RFC 9457 problem document, as every SMILE error body."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=[problem_type("not-found")])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(default=None, examples=["No course with id 3f2c…"])
    instance: str | None = None
    correlation_id: str | None = None


class Problem(Exception):  # noqa: N818 - a Problem is what the RFC calls it
    """An error that the client should see, with its HTTP status and stable type."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        slug: str | None = None,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        if title is not None:
            self.title = title
        self.headers = dict(headers or {})
        self.extensions = extensions


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extensions)


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Forbidden"


class UnprocessableEntity(Problem):
    status, slug, title = 422, "validation-error", "The request is not valid"


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "Temporarily unavailable"


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": problem_type(slug), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    cid = correlation_id.get()
    if cid:
        body["correlation_id"] = cid
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_CONTENT_TYPE, headers=dict(headers or {}))


_STATUS_SLUGS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "The request is not valid"),
    429: ("too-many-requests", "Too many requests"),
    500: ("internal-error", "Internal server error"),
    503: ("service-unavailable", "Temporarily unavailable"),
}


def _slug_for(status: int) -> tuple[str, str]:
    return _STATUS_SLUGS.get(status, ("http-error", "HTTP error"))


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(
        exc.status,
        exc.slug,
        exc.title,
        exc.detail,
        instance=request.url.path,
        headers=exc.headers,
        **exc.extensions,
    )


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = _slug_for(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail.lower() != title.lower() else None
    return problem_response(exc.status_code, slug, title, detail, instance=request.url.path, headers=exc.headers)


def _jsonable_errors(errors: list[Any]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        item = {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        out.append(json.loads(json.dumps(item, default=str)))
    return out


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _jsonable_errors(list(exc.errors()))
    if any(e["type"] == "json_invalid" for e in errors):
        return problem_response(
            400,
            "malformed-json",
            "The request body is not valid JSON",
            "; ".join(e["msg"] for e in errors),
            instance=request.url.path,
            errors=errors,
        )
    return problem_response(
        422,
        "validation-error",
        "The request is not valid",
        "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors),
        instance=request.url.path,
        errors=errors,
    )


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    _log.error("database unavailable", exc_info=exc)
    return problem_response(
        503,
        "database-unavailable",
        "The database is temporarily unavailable",
        "Try again shortly; nothing was changed.",
        instance=request.url.path,
        headers={"Retry-After": "5"},
    )


async def _on_dependency_unavailable(request: Request, exc: Exception) -> JSONResponse:
    _log.error("dependency unavailable", exc_info=exc)
    return problem_response(
        503,
        "service-unavailable",
        "A service this request needs is temporarily unavailable",
        "Try again shortly.",
        instance=request.url.path,
        headers={"Retry-After": "5"},
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    _log.exception("unexpected error", exc_info=exc)
    return problem_response(
        500,
        "internal-error",
        "Internal server error",
        "An unexpected error occurred; it has been logged with this correlation id.",
        instance=request.url.path,
    )


def _is_connection_error(exc: DBAPIError) -> bool:
    return bool(exc.connection_invalidated) or isinstance(exc, OperationalError)


async def _on_dbapi_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if _is_connection_error(exc):
        return await _on_database_error(request, exc)
    return await _on_unexpected(request, exc)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` a problem document."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(DBAPIError, _on_dbapi_error)
    app.add_exception_handler(PoolTimeoutError, _on_database_error)
    app.add_exception_handler(ConnectionError, _on_dependency_unavailable)
    app.add_exception_handler(OSError, _on_dependency_unavailable)
    app.add_exception_handler(Exception, _on_unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting the problem documents a route can answer."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        slug, title = _slug_for(status)
        out[status] = {
            "description": title,
            "content": {
                PROBLEM_CONTENT_TYPE: {
                    "schema": {"$ref": "#/components/schemas/ProblemDocument"},
                    "example": {"type": problem_type(slug), "title": title, "status": status},
                }
            },
        }
    return out
