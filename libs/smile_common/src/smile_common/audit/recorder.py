"""Writing audit entries, in the caller's transaction, so an entry exists exactly when its change does."""

from __future__ import annotations

import base64
import enum
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from smile_common.audit.actor import Actor, actor_of_session, event_id_of_session
from smile_common.db.base import utcnow
from smile_common.logging import correlation_id

__all__ = ["MASK", "changes_between", "entry_values", "jsonable", "record", "record_read"]

#: what a masked (sensitive) value looks like in an audit entry.
MASK = "***"
_MAX_TEXT = 500


def jsonable(value: Any) -> Any:
    """A JSON-friendly copy of a column value (long texts and binaries are summarised)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= _MAX_TEXT else value[:_MAX_TEXT] + f"… ({len(value)} characters)"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>" if len(value) > 64 else base64.b64encode(bytes(value)).decode()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def changes_between(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    masked: Iterable[str] = (),
    ignored: Iterable[str] = (),
) -> dict[str, dict[str, Any]]:
    """``{field: {"before": …, "after": …}}`` for the fields that differ; masked fields show ``***``."""
    masked_set, ignored_set = set(masked), set(ignored)
    before, after = before or {}, after or {}
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(set(before) | set(after)):
        if name in ignored_set:
            continue
        old, new = jsonable(before.get(name)), jsonable(after.get(name))
        if old == new:
            continue
        if name in masked_set:
            old = MASK if old is not None else None
            new = MASK if new is not None else None
        item: dict[str, Any] = {}
        if name in before:
            item["before"] = old
        if name in after:
            item["after"] = new
        out[name] = item
    return out


def entry_values(
    session: AsyncSession | Session,
    *,
    tenant: str,
    action: str,
    object_type: str,
    object_id: Any,
    actor: Actor | None = None,
    person: str | None = None,
    changes: Mapping[str, Any] | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    actor = actor or actor_of_session(session)
    return {
        "tenant": tenant,
        "occurred_at": utcnow(),
        "actor_type": actor.type.value,
        "actor_id": actor.id[:255],
        "actor_roles": ",".join(actor.roles)[:255] or None,
        "on_behalf_of": actor.on_behalf_of,
        "action": action[:64],
        "object_type": object_type[:64],
        "object_id": str(object_id)[:255],
        "person": person.lower()[:320] if person else None,
        "changes": dict(changes) if changes else None,
        "detail": detail[:1000] if detail else None,
        "correlation_id": correlation_id.get(),
        "event_id": event_id_of_session(session),
    }


async def record(
    session: AsyncSession,
    table: sa.Table,
    *,
    tenant: str,
    action: str,
    object_type: str,
    object_id: Any,
    actor: Actor | None = None,
    person: str | None = None,
    changes: Mapping[str, Any] | None = None,
    detail: str | None = None,
) -> None:
    """Append one entry to ``table`` (the service's ``audit_log``) inside the caller's transaction.

    Most changes need no call: models with the :class:`~smile_common.audit.Audited` mixin are audited
    on flush. Call this for changes made with Core statements and for business actions that are not a
    column change (an export, a sent notification, a signature).
    """
    values = entry_values(
        session,
        tenant=tenant,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        person=person,
        changes=changes,
        detail=detail,
    )
    await session.execute(sa.insert(table).values(**values))


async def record_read(
    session: AsyncSession,
    table: sa.Table,
    *,
    tenant: str,
    object_type: str,
    object_id: Any,
    person: str | None = None,
    fields: Iterable[str] = (),
    detail: str | None = None,
    actor: Actor | None = None,
) -> None:
    """Log that sensitive data (grades, documents, health information, the crisis roster) was read."""
    shown = sorted(fields)
    await record(
        session,
        table,
        tenant=tenant,
        action="read",
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        person=person,
        changes={"fields": shown} if shown else None,
        detail=detail,
    )
