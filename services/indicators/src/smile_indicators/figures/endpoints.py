"""``/figures``: every indicator, its breakdowns and time series, and its export.

Routes are generated from the indicators' definitions, so each indicator has its own documented
operations (``getIncomingStudents``, ``exportIncomingStudents``...), typed rows and query parameters.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from smile_common.db import SessionDep
from smile_common.errors import problem_responses
from smile_common.security import Principal
from smile_common.service import runtime_of
from smile_indicators.exports.responses import FORMAT_DESCRIPTION, check_format, export_response
from smile_indicators.figures.access import FULL_READERS, Reader, scope_to_principal
from smile_indicators.figures.cache import RecordCache
from smile_indicators.figures.dimensions import check_known, known_values
from smile_indicators.figures.filters import DIMENSIONS, parse_filters
from smile_indicators.figures.framework import Breakdown, Indicator, compute
from smile_indicators.figures.population import load_dimensions
from smile_indicators.figures.registry import INDICATORS
from smile_indicators.figures.schemas import FilterValues, IndicatorDefinition, figure_model

__all__ = ["router"]

router = APIRouter(tags=["figures"])
_ERRORS = problem_responses(400, 401, 403)


@router.get(
    "/figures",
    operation_id="listFigures",
    response_model=list[IndicatorDefinition],
    responses=problem_responses(401, 403),
)
async def list_figures(principal: Reader) -> list[IndicatorDefinition]:
    """Every indicator: what it measures, its filters, breakdowns and targets."""
    return [IndicatorDefinition.of(indicator) for indicator in INDICATORS]


@router.get(
    "/filters",
    operation_id="listFilterValues",
    response_model=FilterValues,
    responses=problem_responses(401, 403),
)
async def list_filter_values(request: Request, session: SessionDep, principal: Reader) -> FilterValues:
    """The values each filter can take in your university's data (partners, countries, faculties...)."""
    values = await known_values(session, principal.tenant, record_cache(request))
    return FilterValues(dimensions=DIMENSIONS, values=values)


def _query_parameters(indicator: Indicator, *, export: bool) -> list[inspect.Parameter]:
    def param(name: str, annotation: Any, query: Any) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=query, annotation=annotation)

    several = " Repeat the parameter, or separate values by commas, for several."
    params = [
        param(name, list[str] | None, Query(None, description=DIMENSIONS[name] + several)) for name in indicator.filters
    ]
    if indicator.dated:
        params += [
            param(
                "date_from", str | None, Query(None, alias="from", description=f"First day ({indicator.date_basis}).")
            ),
            param("date_to", str | None, Query(None, alias="to", description=f"Last day ({indicator.date_basis}).")),
        ]
    params += [
        param(
            "by",
            list[str] | None,
            Query(
                None,
                description=f"Break down by one to three of: {', '.join(indicator.breakdowns)}. "
                "`by=month` gives the time series.",
            ),
        ),
    ]
    if export:
        params.append(param("format", str | None, Query(None, description=FORMAT_DESCRIPTION)))
    return params


async def _figures(
    indicator: Indicator, request: Request, session: AsyncSession, principal: Principal, extra: Sequence[str]
) -> Breakdown:
    filters = parse_filters(
        request.query_params.multi_items(),
        allowed=indicator.filters,
        breakdowns=indicator.breakdowns,
        extra=extra,
        dated=indicator.dated,
    )
    cache = record_cache(request)
    # only what the caller asked must be known: a referent's own faculty may have no data yet
    await check_known(session, principal.tenant, filters, cache)
    if not principal.has_any(*FULL_READERS):
        dims = await cache.get(
            session, principal.tenant, "dimensions", lambda: load_dimensions(session, principal.tenant)
        )
        filters = scope_to_principal(principal, filters, indicator.filters, dims.faculty_of)
    return await compute(indicator, session, principal.tenant, filters, cache)


def record_cache(request: Request) -> RecordCache:
    """The API process's cache of records (one per running service)."""
    extras = runtime_of(request).extras
    cache = extras.get("indicators.records")
    if not isinstance(cache, RecordCache):
        cache = extras["indicators.records"] = RecordCache()
    return cache


def _with_parameters(function: Callable[..., Any], extra: list[inspect.Parameter]) -> None:
    signature = inspect.signature(function)
    fixed = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    function.__signature__ = signature.replace(parameters=[*fixed, *extra])  # type: ignore[attr-defined]


def _figure_route(indicator: Indicator) -> Callable[..., Coroutine[Any, Any, dict[str, Any]]]:
    async def get_figure(request: Request, session: SessionDep, principal: Reader, **_: Any) -> dict[str, Any]:
        breakdown = await _figures(indicator, request, session, principal, extra=())
        return breakdown.as_dict()

    get_figure.__doc__ = f"{indicator.description}\n\nDates: {indicator.date_basis}."
    _with_parameters(get_figure, _query_parameters(indicator, export=False))
    return get_figure


def _export_route(indicator: Indicator) -> Callable[..., Coroutine[Any, Any, StreamingResponse]]:
    async def export_figure(request: Request, session: SessionDep, principal: Reader, **_: Any) -> StreamingResponse:
        fmt = check_format(request.query_params.get("format"))
        breakdown = await _figures(indicator, request, session, principal, extra=("format",))
        columns = breakdown.columns
        rows = breakdown.rows if breakdown.filters.by else [breakdown.total]

        async def values() -> AsyncIterator[list[Any]]:
            for row in rows:
                yield [row.get(name) for name in columns]

        return export_response(fmt, indicator.slug, columns, values())

    export_figure.__doc__ = (
        f"{indicator.title}, as a file for BI tools: one row per group of `by` (or one row of totals), "
        "with the column names documented in docs/indicators.md."
    )
    _with_parameters(export_figure, _query_parameters(indicator, export=True))
    return export_figure


def _register(indicator: Indicator) -> None:
    router.add_api_route(
        f"/figures/{indicator.slug}",
        _figure_route(indicator),
        methods=["GET"],
        operation_id=f"get{indicator.operation}",
        summary=indicator.title,
        response_model=figure_model(indicator),
        response_model_exclude_unset=True,
        responses=_ERRORS,
    )
    router.add_api_route(
        f"/figures/{indicator.slug}/export",
        _export_route(indicator),
        methods=["GET"],
        operation_id=f"export{indicator.operation}",
        summary=f"Export: {indicator.title}",
        response_class=StreamingResponse,
        responses={
            200: {"description": "The file", "content": {"text/csv": {}, "application/json": {}}},
            **_ERRORS,
        },
    )


for _indicator in INDICATORS:
    _register(_indicator)
