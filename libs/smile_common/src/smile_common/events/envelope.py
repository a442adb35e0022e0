"""The event envelope (CloudEvents 1.0 attributes plus ``tenant`` and ``correlationid``) and payloads."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EVENT_TYPES",
    "Envelope",
    "EventPayload",
    "add_envelope_validator",
    "check_envelope",
    "envelope_json",
    "is_retained",
    "new_envelope",
    "published_event_types",
    "remove_envelope_validator",
]

P = TypeVar("P", bound="EventPayload")

#: every payload model known to this codebase, by event type (``<service>.<aggregate>.<event>.v<N>``).
EVENT_TYPES: dict[str, type[EventPayload]] = {}


class EventPayload(BaseModel):
    """Base of every event payload.

    Producers build payloads with unknown fields forbidden, so a typo cannot leave the service;
    consumers read them with unknown fields ignored (see :meth:`Envelope.payload`), so a producer may add
    optional fields without breaking anyone.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    #: who publishes it; the AsyncAPI document and the contract tests use it.
    producer: ClassVar[str]
    #: ``False`` for events that carry a person's data for one purpose only (data-subject requests):
    #: consumers that keep every event they see (an event log) must not keep these (:func:`is_retained`).
    retained: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if isinstance(event_type, str):
            existing = EVENT_TYPES.get(event_type)
            if existing is not None and existing.__qualname__ != cls.__qualname__:
                raise TypeError(f"event type {event_type} defined twice")
            EVENT_TYPES[event_type] = cls


class Envelope(BaseModel):
    """One event as it travels: CloudEvents attributes, the tenant, a correlation id and the payload."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: str = "1.0"
    id: str = Field(min_length=1, max_length=64)
    source: str
    type: str
    time: datetime
    datacontenttype: str = "application/json"
    subject: str | None = None
    #: SCHAC code of the university the event belongs to.
    tenant: str
    correlationid: str | None = None
    data: dict[str, Any]

    def payload(self, model: builtins.type[P]) -> P:
        """The data as ``model``, ignoring fields this consumer does not know."""
        return model.model_validate(self.data, extra="ignore")


def _attributes(
    payload: EventPayload,
    source: str,
    tenant: str,
    subject: str | None,
    correlation_id: str | None,
    time: datetime | None,
) -> dict[str, Any]:
    """A new event's envelope attributes, in the envelope's order, without its data."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": payload.event_type,
        "time": time or datetime.now(UTC),
        "datacontenttype": "application/json",
        "subject": subject,
        "tenant": tenant,
        "correlationid": correlation_id,
    }


def new_envelope(
    payload: EventPayload,
    *,
    source: str,
    tenant: str,
    subject: str | None = None,
    correlation_id: str | None = None,
    time: datetime | None = None,
) -> Envelope:
    attributes = _attributes(payload, source, tenant, subject, correlation_id, time)
    return Envelope(**attributes, data=payload.model_dump(mode="json"))


def envelope_json(
    payload: EventPayload,
    *,
    source: str,
    tenant: str,
    subject: str | None = None,
    correlation_id: str | None = None,
) -> tuple[str, str]:
    """The id and JSON text of the envelope :func:`new_envelope` makes for ``payload``, written without the
    envelope model (bulk writers: about half the time): the same text as ``new_envelope(…).model_dump_json()``
    (tested), and, when envelope checks are installed (tests), checked like it."""
    head = _attributes(payload, source, tenant, subject, correlation_id, None)
    text = orjson.dumps(head, option=orjson.OPT_UTC_Z)[:-1].decode() + ',"data":' + payload.model_dump_json() + "}"
    if _VALIDATORS:
        check_envelope(Envelope.model_validate_json(text))
    return head["id"], text


#: checks run on every envelope written to an outbox or published on a bus. Production installs none;
#: the test plugin installs one that validates payloads against the committed contract schemas.
_VALIDATORS: list[Callable[[Envelope], None]] = []


def is_retained(event_type: str) -> bool:
    """Whether an event of ``event_type`` may be kept by a consumer that logs everything it receives."""
    model = EVENT_TYPES.get(event_type)
    return model.retained if model is not None else True


def published_event_types() -> dict[str, type[EventPayload]]:
    """The event types of the suite's contract: those declared in ``smile_common.events.payloads``
    (tests may define payload classes of their own; they are not part of any contract)."""
    from smile_common.events import payloads  # noqa: F401  (registers every module's types)

    return {t: m for t, m in EVENT_TYPES.items() if m.__module__.startswith("smile_common.events.payloads.")}


def add_envelope_validator(validator: Callable[[Envelope], None]) -> None:
    _VALIDATORS.append(validator)


def remove_envelope_validator(validator: Callable[[Envelope], None]) -> None:
    if validator in _VALIDATORS:
        _VALIDATORS.remove(validator)


def check_envelope(envelope: Envelope) -> None:
    for validator in _VALIDATORS:
        validator(envelope)
