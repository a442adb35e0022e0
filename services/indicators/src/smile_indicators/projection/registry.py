"""What the indicators do with each event type: its payload model, its stream and the rows it changes.

A *projection* turns one event into the new state of one read-model row: ``key`` names the row (tenant
first, then the rest of the table's primary key) and ``reduce`` is a pure function from the row as it
was (or ``None``) to the row as it must be. Reducers must be **order-insensitive**: applying the same
events in any order gives the same row (last-writer-wins on the event's time and id, first/last
occurrence as ``min``/``max``, counts of distinct events). The live consumer and the rebuild run the same
reducers, which is why a rebuild gives the same figures.

The *stream* of an event groups the events whose rows depend only on each other (all events of one
mobility, of one course, ...). The rebuild replays the log sorted by stream, so it only keeps one
stream's rows in memory at a time; rows of ``shared`` projections (small dimensions fed from several
streams, such as partner institutions) are kept until the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import sqlalchemy as sa

from smile_common.events import Envelope, EventPayload

__all__ = ["EventHandling", "EventMeta", "Key", "LoggedEvent", "Projection", "Projector", "Row"]

P = TypeVar("P", bound=EventPayload)
Row = dict[str, Any]
Key = tuple[Any, ...]


class EventMeta(Protocol):
    """What reducers read of an event besides its payload (an :class:`Envelope`, or a logged event)."""

    @property
    def id(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def tenant(self) -> str: ...

    @property
    def time(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event read back from the log by the rebuild (lighter than an envelope)."""

    id: str
    type: str
    tenant: str
    time: datetime


@dataclass(frozen=True)
class Projection(Generic[P]):
    """How one event type changes one table."""

    table: sa.Table
    key: Callable[[EventMeta, P], Key]
    reduce: Callable[[Row | None, EventMeta, P], Row]
    #: rows fed from several streams (kept in memory for the whole rebuild: keep such tables small).
    shared: bool = False

    @property
    def key_columns(self) -> list[str]:
        return [c.name for c in self.table.primary_key.columns]


@dataclass(frozen=True)
class EventHandling(Generic[P]):
    """Everything the indicators do with one event type."""

    payload: type[P]
    stream: Callable[[EventMeta, P], str]
    projections: tuple[Projection[P], ...]

    def parse(self, envelope: Envelope) -> P:
        return envelope.payload(self.payload)

    def parse_json(self, data: str | bytes) -> P:
        """The payload straight from its JSON text (the rebuild's path; same validation as :meth:`parse`)."""
        return self.payload.model_validate_json(data, extra="ignore")


@dataclass
class Projector:
    """The registry of event handlings, by event type."""

    handlings: dict[str, EventHandling[Any]] = field(default_factory=dict)

    def on(
        self,
        payload: type[P],
        *,
        stream: Callable[[EventMeta, P], str],
        projections: Iterable[Projection[P]],
    ) -> None:
        if payload.event_type in self.handlings:
            raise ValueError(f"{payload.event_type} is already projected")
        handling = EventHandling(payload, stream, tuple(projections))
        for projection in handling.projections:
            for other in self._projections_of(projection.table.name):
                if other.shared != projection.shared:
                    raise ValueError(f"{projection.table.name} is shared by some projections and not by others")
        self.handlings[payload.event_type] = handling

    def _projections_of(self, table: str) -> list[Projection[Any]]:
        return [p for h in self.handlings.values() for p in h.projections if p.table.name == table]

    def get(self, event_type: str) -> EventHandling[Any] | None:
        return self.handlings.get(event_type)

    @property
    def event_types(self) -> list[str]:
        return sorted(self.handlings)

    @property
    def tables(self) -> list[sa.Table]:
        seen: dict[str, sa.Table] = {}
        for handling in self.handlings.values():
            for projection in handling.projections:
                seen.setdefault(projection.table.name, projection.table)
        return [seen[name] for name in sorted(seen)]

    def stream_key(self, envelope: Envelope) -> str | None:
        """The stream of a known event; ``None`` for a type this code does not project (yet)."""
        handling = self.get(envelope.type)
        if handling is None:
            return None
        return f"{envelope.tenant}|{handling.stream(envelope, handling.parse(envelope))}"
