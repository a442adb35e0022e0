"""Every indicator the service computes, in the order the API and the dashboard list them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.figures import agreements, courses, known, learning, mobilities, records
from smile_indicators.figures.framework import Indicator

__all__ = ["INDICATORS", "SOURCES", "Source", "indicator"]

Source = Callable[[AsyncSession, str], Awaitable[dict[str, set[str]]]]

INDICATORS: list[Indicator] = [
    mobilities.INCOMING_STUDENTS,
    mobilities.NOMINATIONS,
    agreements.IIA_QUOTA,
    agreements.EXCHANGE_BALANCE,
    learning.LA_TURNAROUND,
    records.TRANSCRIPT_DELAY,
    learning.ECTS,
    records.SURVEY_SATISFACTION,
    records.SIS_SYNC_FAILURES,
    courses.COURSE_OFFER,
]

#: where the known values of each dimension come from (see ``dimensions.known_values``).
SOURCES: list[Source] = [courses.known_values, known.mobility_values]


def indicator(slug: str) -> Indicator:
    for item in INDICATORS:
        if item.slug == slug:
            return item
    raise KeyError(slug)
