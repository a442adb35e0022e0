"""What an indicator is, and how any of them is filtered, broken down and turned into a time series.

An indicator reads *records* (one per fact: a mobility, a learning agreement version, a course...) that
carry the dimension values and a ``date`` (the figure's own date: nomination, arrival, approval...), then
*summarises* a list of records into measures. Breakdowns group the records (``by=country``,
``by=month``...) and summarise each group; the total is summarised over all records, so medians and rates
are exact, never averages of averages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.figures.cache import RecordCache
from smile_indicators.figures.filters import Filters

__all__ = ["Breakdown", "Indicator", "Measure", "Record", "compute", "month_of"]

Record = dict[str, Any]
MeasureKind = Literal["count", "rate", "days", "ects", "score"]
_PYTHON_TYPES: dict[str, type] = {"count": int, "rate": float, "days": float, "ects": float, "score": float}


@dataclass(frozen=True)
class Measure:
    name: str
    kind: MeasureKind
    description: str

    @property
    def python_type(self) -> type:
        return _PYTHON_TYPES[self.kind]


@dataclass(frozen=True)
class Indicator:
    """One steering figure: its definition, its filters and breakdowns, and how to compute it."""

    slug: str
    #: CamelCase stem of the operation ids (``getIncomingStudents``, ``exportIncomingStudents``).
    operation: str
    title: str
    description: str
    #: what ``from``/``to`` and ``by=month`` apply to.
    date_basis: str
    filters: tuple[str, ...]
    measures: tuple[Measure, ...]
    records: Callable[[AsyncSession, str], Awaitable[list[Record]]]
    summarise: Callable[[list[Record]], dict[str, Any]]
    #: breakdowns beyond the filter dimensions and ``month`` (e.g. ``kind``), with their description.
    extra_breakdowns: dict[str, str] = field(default_factory=dict)
    #: targets the figure is read against (e.g. ``{"ewp_share": 0.95}``).
    targets: dict[str, float] = field(default_factory=dict)
    #: whether records carry a date (``from``, ``to`` and ``by=month`` need one).
    dated: bool = True

    @property
    def breakdowns(self) -> tuple[str, ...]:
        return (*self.filters, *(("month",) if self.dated else ()), *self.extra_breakdowns)

    @property
    def measure_names(self) -> list[str]:
        return [m.name for m in self.measures]


@dataclass(frozen=True)
class Breakdown:
    indicator: Indicator
    filters: Filters
    total: dict[str, Any]
    rows: list[dict[str, Any]]

    @property
    def columns(self) -> list[str]:
        return [*self.filters.by, *self.indicator.measure_names]

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator.slug,
            "title": self.indicator.title,
            "filters": self.filters.as_dict(),
            "by": list(self.filters.by),
            "columns": self.columns,
            "targets": self.indicator.targets,
            "total": self.total,
            "rows": self.rows,
        }


def month_of(day: date | None) -> str | None:
    return f"{day.year:04d}-{day.month:02d}" if day else None


def _in_range(record: Record, filters: Filters) -> bool:
    if filters.date_from is None and filters.date_to is None:
        return True
    day = record.get("date")
    if day is None:
        return False
    if filters.date_from and day < filters.date_from:
        return False
    return not (filters.date_to and day > filters.date_to)


def _keys(record: Record, by: Sequence[str]) -> list[tuple[Any, ...]]:
    """The group(s) of a record; a record with several values of a dimension (terms) is in each."""
    options: list[list[Any]] = []
    for name in by:
        value = month_of(record.get("date")) if name == "month" else record.get(name)
        options.append(list(value) or [None] if isinstance(value, list | tuple) else [value])
    return list(product(*options))


def _sort_key(key: tuple[Any, ...]) -> tuple[tuple[bool, str], ...]:
    return tuple((part is None, str(part)) for part in key)


async def compute(
    indicator: Indicator, session: AsyncSession, tenant: str, filters: Filters, cache: RecordCache | None = None
) -> Breakdown:
    """The indicator for ``tenant``: total and one row per group of ``filters.by``."""
    if cache is None:
        population = await indicator.records(session, tenant)
    else:
        population = await cache.get(session, tenant, indicator.slug, lambda: indicator.records(session, tenant))
    records = [r for r in population if filters.matches(r) and _in_range(r, filters)]
    total = indicator.summarise(records)
    if not filters.by:
        return Breakdown(indicator, filters, total, [])
    groups: dict[tuple[Any, ...], list[Record]] = defaultdict(list)
    for record in records:
        for key in _keys(record, filters.by):
            groups[key].append(record)
    if filters.by == ("month",):
        _fill_months(groups)
    rows = [
        {**dict(zip(filters.by, key, strict=True)), **indicator.summarise(groups[key])}
        for key in sorted(groups, key=_sort_key)
    ]
    return Breakdown(indicator, filters, total, rows)


def _fill_months(groups: dict[tuple[Any, ...], list[Record]]) -> None:
    """A time series has a row for every month between the first and the last, empty ones included."""
    months = sorted(key[0] for key in groups if key[0] is not None)
    if not months:
        return
    year, month = map(int, months[0].split("-"))
    last = months[-1]
    while (current := f"{year:04d}-{month:02d}") <= last:
        groups.setdefault((current,), [])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
