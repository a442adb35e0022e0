"""HTTP caching of public reads: revision-based ``ETag``, ``If-None-Match``, and an in-memory cache.

A public read's ETag is built from the university's catalogue revision (see :mod:`revision`) and the
request (path and query), so it changes exactly when an answer may change. The same key indexes an
in-memory LRU cache of response bodies per process: popular searches are answered without the database
beyond the one-row revision lookup, and never stale.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.institution.models import CatalogueRevision
from smile_catalogue.settings import CatalogueSettings
from smile_common.errors import Problem
from smile_common.security import Principal
from smile_common.service import runtime_of

__all__ = [
    "CatalogueState",
    "MissingHei",
    "ResponseCache",
    "cache_of",
    "cached_response",
    "json_bytes",
    "not_modified",
    "read_state",
    "reader",
    "revision_cached",
]


@dataclass(frozen=True)
class CatalogueState:
    tenant: str
    revision: int
    stamp: int

    def etag(self, request: Request, audience: str) -> str:
        query = sorted(request.query_params.multi_items())
        key = json.dumps([self.tenant, audience, request.url.path, query], separators=(",", ":"))
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        return f'"{self.revision}.{self.stamp}-{digest}"'


async def read_state(session: AsyncSession, tenant: str) -> CatalogueState:
    row = (
        await session.execute(
            sa.select(CatalogueRevision.revision, CatalogueRevision.changed_at).where(
                CatalogueRevision.tenant == tenant
            )
        )
    ).first()
    if row is None:
        return CatalogueState(tenant, 0, 0)
    return CatalogueState(tenant, int(row[0]), int(row[1].timestamp() * 1000))


class ResponseCache:
    """A bounded LRU map; values are whatever the caller keeps (bodies, reference data)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> None:
        if self.size <= 0:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def cache_of(request: Request, name: str = "responses") -> ResponseCache:
    runtime = runtime_of(request)
    key = f"catalogue.cache.{name}"
    cache = runtime.extras.get(key)
    if cache is None:
        settings = runtime.settings
        size = settings.catalogue_search_cache_size if isinstance(settings, CatalogueSettings) else 0
        cache = runtime.extras[key] = ResponseCache(size if name == "responses" else min(size, 64))
    assert isinstance(cache, ResponseCache)
    return cache


def not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    return "*" in candidates or etag in candidates


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def cached_response(body: bytes | None, etag: str, *, public: bool, status_code: int = 200) -> Response:
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=0, must-revalidate" if public else "private, no-cache",
        "Vary": "Authorization",
    }
    if body is None:
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


class MissingHei(Problem):
    status, slug, title = 400, "missing-hei", "Say which university's catalogue to read"


def reader(principal: Principal | None, hei: str | None) -> tuple[str, bool]:
    """The university a read is about and whether the caller is one of its staff (who see everything)."""
    staff = principal is not None and principal.is_staff and (hei is None or hei.strip().lower() == principal.tenant)
    if staff and principal is not None:
        return principal.tenant, True
    tenant = (hei or "").strip().lower()
    if not tenant:
        raise MissingHei("Give the university's SCHAC code in 'hei' (e.g. hei=unicaen.fr).")
    return tenant, False


async def revision_cached(
    request: Request,
    session: AsyncSession,
    tenant: str,
    staff: bool,
    build: Callable[[], Awaitable[Any]],
) -> Response:
    """Answer a read from its ETag (304), from the in-memory cache, or by calling ``build``."""
    state = await read_state(session, tenant)
    etag = state.etag(request, "staff" if staff else "public")
    if not_modified(request, etag):
        return cached_response(None, etag, public=not staff)
    cache = cache_of(request)
    body = cache.get(etag)
    if body is None:
        body = json_bytes(await build())
        cache.put(etag, body)
    return cached_response(body, etag, public=not staff)
