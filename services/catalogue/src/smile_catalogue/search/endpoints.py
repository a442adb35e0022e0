from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from smile_catalogue.courses.models import CourseStatus
from smile_catalogue.http_cache import (
    CatalogueState,
    cache_of,
    cached_response,
    current_state,
    json_bytes,
    not_modified,
    reader,
)
from smile_catalogue.refs import Refs, load_refs
from smile_catalogue.search.indexes import indexes_of
from smile_catalogue.search.query import SORTS, Filters, SearchQuery
from smile_catalogue.search.schemas import CourseSearchPage
from smile_catalogue.search.service import search
from smile_common.db.session import REQUEST_KEY
from smile_common.errors import Forbidden, Problem, problem_responses
from smile_common.security import OptionalPrincipal
from smile_common.service import runtime_of

router = APIRouter(tags=["search"])

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Cefr = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
_ISCED_PREFIX = re.compile(r"^\d{2,4}$")


async def refs_for(request: Request, session: AsyncSession, state: CatalogueState) -> Refs:
    """The university's units, terms and programmes, kept in memory as long as the revision holds."""
    cache = cache_of(request, "refs")
    key = (state.tenant, state.revision, state.stamp)
    refs = cache.get(key)
    if refs is None:
        refs = await load_refs(session, state.tenant)
        cache.put(key, refs)
    assert isinstance(refs, Refs)
    return refs


@router.get(
    "/courses",
    operation_id="searchCourses",
    response_model=CourseSearchPage,
    responses={304: {"description": "Not modified (If-None-Match)"}, **problem_responses(400, 401, 403, 422)},
)
async def search_courses(
    request: Request,
    principal: OptionalPrincipal,
    hei: Annotated[
        str | None, Query(description="SCHAC code of the university (required without a staff token)")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="words to find in codes, titles, descriptions")] = None,
    term: Annotated[list[str], Query(description="term codes (any of them)")] = [],  # noqa: B006
    language: Annotated[list[str], Query(description="languages of instruction, ISO 639-1")] = [],  # noqa: B006
    cefr: Annotated[Cefr | None, Query(description="your level: courses requiring at most this level")] = None,
    eqf: Annotated[list[int], Query(description="EQF levels")] = [],  # noqa: B006
    isced: Annotated[list[str], Query(description="ISCED-F field, 2 to 4 digits (a prefix)")] = [],  # noqa: B006
    ects_min: Annotated[Decimal | None, Query(ge=0, le=60)] = None,
    ects_max: Annotated[Decimal | None, Query(ge=0, le=60)] = None,
    unit: Annotated[list[str], Query(description="organisational unit codes, sub-units included")] = [],  # noqa: B006
    programme: Annotated[list[str], Query(description="programme codes")] = [],  # noqa: B006
    day: Annotated[list[Day], Query(description="days the course meets on (any of them)")] = [],  # noqa: B006
    status: Annotated[list[CourseStatus], Query(description="staff only: statuses to show")] = [],  # noqa: B006
    sort: Annotated[Literal["relevance", "code", "title", "ects", "-ects"] | None, Query()] = None,
    lang: Annotated[Literal["fr", "en"], Query(description="language of labels and of the title order")] = "en",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=1000, description="next_cursor of the previous page")] = None,
    facets: Annotated[bool | None, Query(description="count facets (default: on the first page only)")] = None,
) -> Response:
    """Search the courses of a university.

    Without a staff token, only published courses open to exchange students are searched, and `hei` says
    which university. Words match as prefixes in codes, titles and descriptions, in any language, without
    regard to accents or case. Filters of one kind are alternatives; filters of different kinds all apply.
    Sort by `relevance` (default with `q`), `code` (default without), `title`, `ects` or `-ects`; pages
    follow with `cursor`. Answers carry an `ETag`: send it back in `If-None-Match` to get a 304.
    """
    tenant, staff = reader(principal, hei)
    if status and not staff:
        raise Forbidden("Only the university's staff can search courses by status.")
    _check(isced, ects_min, ects_max)
    filters = Filters(
        terms=tuple(term),
        languages=tuple(v.lower() for v in language),
        cefr=cefr,
        eqf=tuple(eqf),
        isced=tuple(isced),
        ects_min=ects_min,
        ects_max=ects_max,
        units=tuple(unit),
        programmes=tuple(programme),
        days=tuple(day),
        statuses=tuple(s.value for s in status) if staff and status else _default_statuses(staff),
        open_to_exchange=None if staff else True,
    )
    database = runtime_of(request).database
    postgres = database.engine.dialect.name == "postgresql"
    query = SearchQuery(tenant, q, filters, sort or ("relevance" if q else "code"), lang, postgres)
    # a session of its own (no request-scoped dependency): it connects only if the database is asked
    async with database.sessionmaker() as session:
        session.info[REQUEST_KEY] = request
        state = await current_state(request, session, tenant)
        etag = state.etag(request, "staff" if staff else "public")
        if not_modified(request, etag):
            return cached_response(None, etag, public=not staff)
        cache = cache_of(request)
        body = cache.get(etag)
        if body is None:
            with_facets = facets if facets is not None else cursor is None
            indexes = indexes_of(request) if _public(filters) else None
            if indexes is not None:
                body = indexes.answer(state, query, limit=limit, cursor=cursor, with_facets=with_facets)
            if body is None:
                refs = await refs_for(request, session, state)
                result = await search(session, query, limit=limit, cursor=cursor, with_facets=with_facets, refs=refs)
                body = json_bytes(result)
            cache.put(etag, body)
    return cached_response(body, etag, public=not staff)


def _public(filters: Filters) -> bool:
    """Whether the search reads only what the in-memory index holds: published courses open to exchange."""
    return filters.statuses == (CourseStatus.PUBLISHED.value,) and filters.open_to_exchange is True


def _default_statuses(staff: bool) -> tuple[str, ...]:
    return tuple(s.value for s in CourseStatus) if staff else (CourseStatus.PUBLISHED.value,)


class InvalidFilter(Problem):
    status, slug, title = 422, "invalid-filter", "A search filter is not valid"


def _check(isced: list[str], ects_min: Decimal | None, ects_max: Decimal | None) -> None:
    for prefix in isced:
        if not _ISCED_PREFIX.match(prefix):
            raise InvalidFilter(f"isced: '{prefix}' is not an ISCED-F field (2 to 4 digits, such as 04 or 0421).")
    if ects_min is not None and ects_max is not None and ects_min > ects_max:
        raise InvalidFilter(f"ects_min ({ects_min}) is above ects_max ({ects_max}).")


__all__ = ["SORTS", "router"]
