"""Response models of the figures API; each indicator gets typed rows built from its definition."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, create_model

from smile_indicators.figures.filters import DIMENSIONS
from smile_indicators.figures.framework import Indicator

__all__ = ["FilterValues", "IndicatorDefinition", "MeasureDefinition", "figure_model"]


class MeasureDefinition(BaseModel):
    name: str
    kind: str = Field(description="count, rate (0 to 1), days, ects or score")
    description: str


class IndicatorDefinition(BaseModel):
    slug: str
    title: str
    description: str
    date_basis: str = Field(description="The date that `from`, `to` and `by=month` apply to")
    filters: list[str]
    breakdowns: list[str]
    measures: list[MeasureDefinition]
    targets: dict[str, float]

    @classmethod
    def of(cls, indicator: Indicator) -> IndicatorDefinition:
        return cls(
            slug=indicator.slug,
            title=indicator.title,
            description=indicator.description,
            date_basis=indicator.date_basis,
            filters=list(indicator.filters),
            breakdowns=list(indicator.breakdowns),
            measures=[
                MeasureDefinition(name=m.name, kind=m.kind, description=m.description) for m in indicator.measures
            ],
            targets=indicator.targets,
        )


class FilterValues(BaseModel):
    """The values each dimension takes in this university's data (for filter lists)."""

    dimensions: dict[str, str] = Field(description="Each dimension and its meaning")
    values: dict[str, list[str]]


def figure_model(indicator: Indicator) -> type[BaseModel]:
    """The answer of ``GET /figures/<slug>``: totals and rows typed after the indicator's measures."""
    measures: dict[str, Any] = {
        m.name: (m.python_type | None, Field(default=None, description=m.description)) for m in indicator.measures
    }
    totals = create_model(f"{indicator.operation}Measures", **measures)
    descriptions = {
        **DIMENSIONS,
        "month": f"Month ({indicator.date_basis}), e.g. `2026-09`.",
        **indicator.extra_breakdowns,
    }
    keys: dict[str, Any] = {
        name: (str | int | None, Field(default=None, description=descriptions[name])) for name in indicator.breakdowns
    }
    row = create_model(f"{indicator.operation}Row", __base__=totals, **keys)
    return create_model(
        f"{indicator.operation}Figures",
        indicator=(str, ...),
        title=(str, ...),
        filters=(dict[str, Any], Field(description="The filters applied, as understood")),
        by=(list[str], Field(description="The breakdowns, in the order of each row's keys")),
        columns=(list[str], Field(description="Column names of the rows (and of the exports)")),
        targets=(dict[str, float], ...),
        total=(totals, Field(description="The measures over every record that passes the filters")),
        rows=(list[row], Field(description="One row per group when `by` is given")),
    )
