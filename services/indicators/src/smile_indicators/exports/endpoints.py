"""``/datasets``: the anonymised facts, for BI tools, streamed as CSV, XLSX or JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from smile_common.audit import record
from smile_common.db import SessionDep
from smile_common.errors import problem_responses
from smile_common.service import runtime_of
from smile_indicators.db import data_protection
from smile_indicators.exports.datasets import DATASETS, Dataset, Pseudonyms, stream_rows
from smile_indicators.exports.responses import FORMAT_DESCRIPTION, check_format, export_response
from smile_indicators.figures.access import FullReader
from smile_indicators.figures.filters import InvalidFilter
from smile_indicators.figures.population import load_dimensions
from smile_indicators.settings import IndicatorsSettings

__all__ = ["router"]

router = APIRouter(tags=["datasets"])


class ColumnDefinition(BaseModel):
    name: str
    description: str


class DatasetDefinition(BaseModel):
    name: str
    title: str
    description: str
    columns: list[ColumnDefinition]


@router.get(
    "/datasets",
    operation_id="listDatasets",
    response_model=list[DatasetDefinition],
    responses=problem_responses(401, 403),
)
async def list_datasets(principal: FullReader) -> list[DatasetDefinition]:
    """The anonymised fact datasets and their columns (names are stable: BI tools can rely on them)."""
    return [
        DatasetDefinition(
            name=d.name,
            title=d.title,
            description=d.description,
            columns=[ColumnDefinition(name=n, description=text) for n, text in d.columns.items()],
        )
        for d in DATASETS
    ]


def _export(dataset: Dataset) -> Callable[..., Coroutine[Any, Any, StreamingResponse]]:
    async def export_dataset(
        request: Request,
        session: SessionDep,
        principal: FullReader,
        format: str | None = Query(None, description=FORMAT_DESCRIPTION),
    ) -> StreamingResponse:
        unknown = sorted(set(request.query_params) - {"format"})
        if unknown:
            raise InvalidFilter(
                f"Unknown parameters {', '.join(unknown)}; datasets take only `format`.",
                errors=[{"parameter": name, "reason": "is not a known parameter"} for name in unknown],
            )
        fmt = check_format(format)
        await record(
            session,
            data_protection.audit,
            tenant=principal.tenant,
            action="exported",
            object_type="dataset",
            object_id=dataset.name,
            detail=f"format {fmt}",
        )
        runtime = runtime_of(request)
        settings = runtime.settings
        assert isinstance(settings, IndicatorsSettings)
        pseudonyms = Pseudonyms(settings.pseudonym_key())

        async def rows() -> AsyncIterator[list[Any]]:
            async with runtime.database.sessionmaker() as reader:
                dims = await load_dimensions(reader, principal.tenant)
                async for row in stream_rows(reader, dataset, principal.tenant, pseudonyms, dims):
                    yield row

        return export_response(fmt, dataset.name, list(dataset.columns), rows())

    export_dataset.__doc__ = f"{dataset.description} Columns: docs/indicators.md or `GET /datasets`."
    return export_dataset


for _dataset in DATASETS:
    router.add_api_route(
        f"/datasets/{_dataset.name}/export",
        _export(_dataset),
        methods=["GET"],
        operation_id=f"export{_dataset.operation}",
        summary=f"Export: {_dataset.title} (anonymised)",
        response_class=StreamingResponse,
        responses={200: {"description": "The file", "content": {"text/csv": {}}}, **problem_responses(400, 401, 403)},
    )
