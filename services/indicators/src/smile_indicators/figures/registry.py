"""Every indicator the service computes, in the order the API and the dashboard list them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from smile_indicators.figures import courses
from smile_indicators.figures.framework import Indicator

__all__ = ["INDICATORS", "SOURCES", "Source", "indicator"]

Source = Callable[[AsyncSession, str], Awaitable[dict[str, set[str]]]]

INDICATORS: list[Indicator] = [courses.COURSE_OFFER]

#: where the known values of each dimension come from (see ``dimensions.known_values``).
SOURCES: list[Source] = [courses.known_values]


def indicator(slug: str) -> Indicator:
    for item in INDICATORS:
        if item.slug == slug:
            return item
    raise KeyError(slug)
