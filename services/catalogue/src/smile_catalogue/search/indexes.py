"""The in-memory search indexes of one api process: built in the background, valid for one revision.

A public search asks :meth:`SearchIndexes.ready` for the index of its university at the revision it has
just read (the same read gives its ``ETag``). An index of that very revision answers; otherwise the
search runs on the database as before and a build of the current catalogue starts in the background (one
at a time per process), so a search never sees a catalogue older than the revision it read. Each api
process keeps its own indexes; a university's index is dropped when it has not been searched for a while
or when more universities than allowed are kept (least recently searched first).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from prometheus_client import Counter, Gauge

from smile_catalogue.courses.index import split_facet
from smile_catalogue.courses.models import Course, CourseStatus
from smile_catalogue.db import is_postgres
from smile_catalogue.http_cache import CatalogueState, read_state
from smile_catalogue.refs import load_refs
from smile_catalogue.search.memory import CourseRow, IndexBuilder, MemoryIndex, answer
from smile_catalogue.search.query import SearchQuery
from smile_catalogue.search.service import ITEM_COLUMNS
from smile_catalogue.settings import CatalogueSettings
from smile_common.db import Database
from smile_common.service import Runtime, runtime_of

__all__ = ["SearchIndexes", "indexes_of", "load_index", "search_indexes"]

_log = logging.getLogger("smile.catalogue.search")
SEARCHES = Counter(
    "smile_catalogue_searches_total", "Public searches by where they were answered (memory or database)", ["path"]
)
INDEX_COURSES = Gauge("smile_catalogue_search_index_courses", "Courses in a university's search index", ["tenant"])
INDEX_BYTES = Gauge("smile_catalogue_search_index_bytes", "Estimated memory of a university's search index", ["tenant"])
INDEX_BUILD = Gauge(
    "smile_catalogue_search_index_build_seconds", "Time the last build of a university's index took", ["tenant"]
)
_EXTRA = "catalogue.search_indexes"
#: after a failed build, searches of that university run on the database this long before another try
RETRY_SECONDS = 60.0


class SearchIndexes:
    def __init__(self, database: Database, *, tenants: int, idle_seconds: float) -> None:
        self.database = database
        self.tenants = tenants
        self.idle_seconds = idle_seconds
        self._indexes: OrderedDict[str, tuple[MemoryIndex, float]] = OrderedDict()
        self._builds: dict[str, asyncio.Task[None]] = {}
        self._failed: dict[str, float] = {}
        self._lock = asyncio.Lock()
        #: searches answered from memory (the others ran on the database)
        self.answered = 0

    def answer(
        self, state: CatalogueState, query: SearchQuery, *, limit: int, cursor: str | None, with_facets: bool
    ) -> bytes | None:
        """The answer of a public search from the index at ``state``'s revision, or None (ask the database)."""
        index = self.ready(state)
        body = None if index is None else answer(index, query, limit=limit, cursor=cursor, with_facets=with_facets)
        if body is None:
            SEARCHES.labels("database").inc()
            return None
        self.answered += 1
        SEARCHES.labels("memory").inc()
        return body

    def ready(self, state: CatalogueState) -> MemoryIndex | None:
        """The index of ``state``'s university at exactly its revision, or None (a build then starts)."""
        now = time.monotonic()
        self._drop_idle(now)
        entry = self._indexes.get(state.tenant)
        if entry is not None and entry[0].key == (state.revision, state.stamp):
            self._indexes[state.tenant] = (entry[0], now)
            self._indexes.move_to_end(state.tenant)
            return entry[0]
        if state.revision:  # a university without a catalogue (any hei given) gets no index, nor evicts one
            self._start(state.tenant)
        return None

    def _drop_idle(self, now: float) -> None:
        while self._indexes:
            tenant, (_, used) = next(iter(self._indexes.items()))
            if now - used < self.idle_seconds:
                return
            self._forget(tenant)
            _log.info("search index of %s dropped (not searched for %.0f s)", tenant, now - used)

    def _start(self, tenant: str) -> None:
        running = self._builds.get(tenant)
        if running is not None and not running.done():
            return
        failed = self._failed.get(tenant)
        if failed is not None and time.monotonic() - failed < RETRY_SECONDS:
            return  # the last build failed a moment ago: the database answers meanwhile
        self._builds[tenant] = asyncio.create_task(self._build(tenant), name=f"search-index-{tenant}")

    async def _build(self, tenant: str) -> None:
        async with self._lock:  # one build at a time: each holds a whole catalogue in memory meanwhile
            started = time.perf_counter()
            try:
                index = await load_index(self.database, tenant)
            except Exception:
                self._failed[tenant] = time.monotonic()
                _log.exception("search index of %s: the build failed; searches use the database", tenant)
                return
            self._failed.pop(tenant, None)
            self._indexes.pop(tenant, None)
            self._indexes[tenant] = (index, time.monotonic())
            while len(self._indexes) > self.tenants:
                dropped = next(iter(self._indexes))
                self._forget(dropped)
                _log.info("search index of %s dropped (more than %d universities kept)", dropped, self.tenants)
            seconds, size = time.perf_counter() - started, index.built_bytes
            INDEX_COURSES.labels(tenant).set(index.size)
            INDEX_BYTES.labels(tenant).set(size)
            INDEX_BUILD.labels(tenant).set(seconds)
            _log.info(
                "search index of %s built: revision %d, %d courses, about %.1f MB, %.2f s",
                *(tenant, index.revision, index.size, size / 1e6, seconds),
            )

    def _forget(self, tenant: str) -> None:
        del self._indexes[tenant]
        for gauge in (INDEX_COURSES, INDEX_BYTES, INDEX_BUILD):
            with contextlib.suppress(KeyError):
                gauge.remove(tenant)

    async def wait(self, tenant: str) -> None:
        """Until the build running for ``tenant`` (if any) has ended."""
        running = self._builds.get(tenant)
        if running is not None:
            await asyncio.shield(running)

    def held(self) -> dict[str, int]:
        """Revision of each index held, by university."""
        return {tenant: index.revision for tenant, (index, _) in self._indexes.items()}

    async def close(self) -> None:
        for task in self._builds.values():
            task.cancel()
        for task in self._builds.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._builds.clear()
        for tenant in list(self._indexes):
            self._forget(tenant)


def indexes_of(request: Request) -> SearchIndexes | None:
    """This process's indexes, or None when searches are set to run on the database."""
    return search_indexes(runtime_of(request))


def search_indexes(runtime: Runtime) -> SearchIndexes | None:
    """The indexes of the process ``runtime`` runs, or None when searches run on the database."""
    found = runtime.extras.get(_EXTRA)
    if found is None:
        settings = runtime.settings
        if not isinstance(settings, CatalogueSettings) or settings.catalogue_search_index != "memory":
            return None
        found = runtime.extras[_EXTRA] = SearchIndexes(
            runtime.database,
            tenants=settings.catalogue_search_index_tenants,
            idle_seconds=settings.catalogue_search_index_idle_seconds,
        )
        runtime.closers.append(found.close)
    assert isinstance(found, SearchIndexes)
    return found


async def load_index(database: Database, tenant: str, *, batch: int = 2000) -> MemoryIndex:
    """Read a university's public catalogue in one snapshot and index it, a batch of courses at a time (the
    indexing runs in a thread, so that requests keep being served meanwhile)."""
    async with database.sessionmaker() as session:
        postgres = is_postgres(session)
        if postgres:  # every read below sees the same snapshot as the revision
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        state = await read_state(session, tenant)
        refs = await load_refs(session, tenant)
        builder = IndexBuilder(tenant, state.revision, state.stamp, refs, postgres=postgres)
        public = (
            Course.tenant == tenant,
            Course.status == CourseStatus.PUBLISHED.value,
            Course.open_to_exchange.is_(True),
        )
        columns = (Course.title_sort_en, Course.title_sort_fr, Course.search_head, Course.search_body, Course.facets)
        statement = sa.select(*ITEM_COLUMNS, *columns).where(*public).order_by(Course.code)
        result = await session.stream(statement.execution_options(yield_per=batch))
        later: list[list[CourseRow]] = []
        async for rows in result.mappings().partitions(batch):
            if postgres:  # indexed as they come: the snapshot does not stop anyone
                await asyncio.to_thread(builder.add, [_course_row(row) for row in rows])
            else:  # SQLite's read transaction holds the write lock: read everything, then index
                later.append([_course_row(row) for row in rows])
        await session.rollback()
    for batch_rows in later:
        await asyncio.to_thread(builder.add, batch_rows)
    return await asyncio.to_thread(builder.finish)


def _course_row(row: Any) -> CourseRow:
    return CourseRow(
        columns=row,
        title_sort_en=row["title_sort_en"],
        title_sort_fr=row["title_sort_fr"],
        head=row["search_head"] or "",
        body=row["search_body"] or "",
        facets=[split_facet(entry) for entry in row["facets"] or ()],
    )
