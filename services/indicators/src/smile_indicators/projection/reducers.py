"""Small building blocks that keep reducers order-insensitive."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from smile_indicators.projection.registry import EventMeta, Row

__all__ = ["earliest", "is_newer", "latest", "stamp"]

T = TypeVar("T", datetime, date)

#: the columns every last-writer-wins row carries: the time and id of the event that wrote its state.
STATE_AT = "state_at"
STATE_EVENT = "state_event"


def is_newer(row: Row | None, envelope: EventMeta) -> bool:
    """Whether ``envelope`` is later than the event that wrote ``row`` (ties broken by event id)."""
    if row is None:
        return True
    return (envelope.time, envelope.id) > (row[STATE_AT], row[STATE_EVENT])


def stamp(envelope: EventMeta) -> dict[str, Any]:
    """The state columns of a row written by ``envelope``."""
    return {STATE_AT: envelope.time, STATE_EVENT: envelope.id}


def earliest(current: T | None, candidate: T | None) -> T | None:
    if current is None:
        return candidate
    if candidate is None:
        return current
    return min(current, candidate)


def latest(current: T | None, candidate: T | None) -> T | None:
    if current is None:
        return candidate
    if candidate is None:
        return current
    return max(current, candidate)
