"""HTTP caching of public reads: revision-based ``ETag``, ``If-None-Match``, and an in-memory cache.

A public read's ETag is built from the university's catalogue revision (see :mod:`revision`) and the
request (path and query), so it changes exactly when an answer may change. The same key indexes an
in-memory LRU cache of response bodies per process: popular searches are answered without the database
beyond the one-row revision lookup, and never stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from smile_catalogue.institution.models import CatalogueRevision
from smile_catalogue.settings import CatalogueSettings
from smile_common.db import Database
from smile_common.errors import Problem
from smile_common.security import Principal
from smile_common.service import runtime_of

__all__ = [
    "CatalogueState",
    "MissingHei",
    "ResponseCache",
    "StateReader",
    "cache_of",
    "cached_response",
    "current_state",
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


def _state_query(tenant: str) -> sa.Select[int, datetime]:
    return sa.select(CatalogueRevision.revision, CatalogueRevision.changed_at).where(CatalogueRevision.tenant == tenant)


def _state(tenant: str, row: Any) -> CatalogueState:
    if row is None:
        return CatalogueState(tenant, 0, 0)
    return CatalogueState(tenant, int(row[0]), int(row[1].timestamp() * 1000))


async def read_state(session: AsyncSession, tenant: str) -> CatalogueState:
    return _state(tenant, (await session.execute(_state_query(tenant))).first())


#: a revision read that takes longer fails (the searches waiting for it answer 500) and drops its connection
READ_TIMEOUT = 10.0


class StateReader:
    """Reads universities' revisions on a PostgreSQL connection of its own, one round trip each.

    Requests that arrive while a read is under way wait for the next read, which starts after they
    arrived and which they all share: each request sees the revision as it is at its arrival or later,
    as if it had read it itself, and a busy process makes one query per burst of searches instead of one
    transaction each. The query goes straight to the driver (a prepared statement, no transaction).
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        table = CatalogueRevision.__table__
        name = database.engine.dialect.identifier_preparer.format_table(table)
        self._sql = f"SELECT revision, changed_at FROM {name} WHERE tenant = $1"
        self._lock = asyncio.Lock()
        self._next: dict[str, asyncio.Future[CatalogueState]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def read(self, tenant: str) -> CatalogueState:
        future = self._next.get(tenant)
        if future is None:
            future = self._next[tenant] = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._read(tenant, future))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(future)

    async def _read(self, tenant: str, future: asyncio.Future[CatalogueState]) -> None:
        async with self._lock:  # one statement at a time on the connection
            if self._next.get(tenant) is future:
                del self._next[tenant]  # from now on, newcomers wait for the next read
            try:
                future.set_result(await self._select(tenant))
            except BaseException as exc:
                await self._drop(invalidate=True)
                if not future.done():
                    future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise

    async def _select(self, tenant: str) -> CatalogueState:
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = await self.database.engine.connect()
                self._driver = (await self._connection.get_raw_connection()).driver_connection
            try:
                return _state(tenant, await self._driver.fetchrow(self._sql, tenant, timeout=READ_TIMEOUT))
            except Exception:  # a connection the server closed: once more on a new one
                await self._drop(invalidate=True)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _drop(self, *, invalidate: bool = False) -> None:
        connection, self._connection, self._driver = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                if invalidate:  # not back to the pool: it may be broken or mid-statement
                    await connection.invalidate()
                await connection.close()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._drop()


async def current_state(request: Request, session: AsyncSession, tenant: str) -> CatalogueState:
    """The university's catalogue revision now: from this process's :class:`StateReader` on PostgreSQL (the
    request's session then stays unused), from the session on SQLite."""
    runtime = runtime_of(request)
    reader = runtime.extras.get("catalogue.state_reader")
    if reader is None:
        if runtime.database.engine.dialect.name != "postgresql":
            return await read_state(session, tenant)
        reader = runtime.extras["catalogue.state_reader"] = StateReader(runtime.database)
        runtime.closers.append(reader.close)
    assert isinstance(reader, StateReader)
    return await reader.read(tenant)


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
