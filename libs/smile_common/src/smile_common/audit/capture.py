"""Automatic auditing of ORM objects: a model with the :class:`Audited` mixin is audited on every flush.

Created, changed and deleted objects each give one audit entry, written by the same flush (so in the
same transaction) as the change itself, with the fields that changed (before/after). Sensitive fields
are masked; bookkeeping fields (``updated_at``, ``version``) are left out. A service may name the
business action instead of the plain ``updated`` with :func:`annotate`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.base import NO_VALUE

from smile_common.audit.recorder import changes_between, entry_values
from smile_common.audit.table import audit_table_for

__all__ = ["Audited", "annotate"]

_ANNOTATIONS_KEY = "smile_audit_annotations"


class Audited:
    """Mix into a model to audit every change to it. Override the class attributes as needed."""

    #: the object type in the audit trail (default: the table name).
    __audit_type__: ClassVar[str | None] = None
    #: columns never recorded (bookkeeping).
    __audit_ignore__: ClassVar[frozenset[str]] = frozenset({"updated_at", "version", "created_at"})
    #: columns whose values are replaced by ``***`` (health, disability, free-text notes about a person).
    __audit_masked__: ClassVar[frozenset[str]] = frozenset()

    def audit_person(self) -> str | None:
        """The person this object is about (ESI, else e-mail), so that the trail can be queried by person."""
        return None

    def audit_tenant(self) -> str:
        return str(getattr(self, "tenant"))  # noqa: B009 - every business table has a tenant column


def annotate(session: AsyncSession | Session, obj: Audited, action: str, detail: str | None = None) -> None:
    """Record the next flush of ``obj`` under ``action`` (e.g. ``published``) instead of ``updated``."""
    session.info.setdefault(_ANNOTATIONS_KEY, {})[id(obj)] = (action, detail)


def _column_values(obj: Any, *, committed: bool) -> dict[str, Any]:
    """The object's column values: as they are now, or (``committed``) as last loaded from the database."""
    state = inspect(obj)
    values = {attr.key: state.dict.get(attr.key) for attr in state.mapper.column_attrs}
    if committed:
        values.update({k: v for k, v in state.committed_state.items() if k in values and v is not NO_VALUE})
    return {key: None if value is NO_VALUE else value for key, value in values.items()}


def _before_update(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            before[attr.key] = history.deleted[0] if history.deleted and history.deleted[0] is not NO_VALUE else None
            after[attr.key] = history.added[0] if history.added else None
    return before, after


def _entry(session: Session, obj: Audited, action: str, before: Any, after: Any) -> dict[str, Any] | None:
    cls = type(obj)
    changes = changes_between(before, after, masked=cls.__audit_masked__, ignored=cls.__audit_ignore__)
    if action == "updated" and not changes:
        return None
    note = session.info.get(_ANNOTATIONS_KEY, {}).pop(id(obj), None)
    if note is not None and action == "updated":
        action = note[0]
    identity = inspect(obj).mapper.primary_key_from_instance(obj)
    object_id = identity[0] if len(identity) == 1 else "/".join(map(str, identity))
    table: sa.Table = getattr(cls, "__table__")  # noqa: B009
    return entry_values(
        session,
        tenant=obj.audit_tenant(),
        action=action,
        object_type=cls.__audit_type__ or table.name,
        object_id=object_id,
        person=obj.audit_person(),
        changes=changes,
        detail=note[1] if note else None,
    )


@event.listens_for(Session, "after_flush")
def _audit_flushed_objects(session: Session, flush_context: UOWTransaction) -> None:
    rows: dict[int, tuple[sa.Table, list[dict[str, Any]]]] = {}
    for action, objects in (("created", session.new), ("updated", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            if not isinstance(obj, Audited):
                continue
            table = audit_table_for(getattr(type(obj), "__table__").metadata)  # noqa: B009
            if table is None:
                continue
            if action == "created":
                values = _entry(session, obj, action, None, _column_values(obj, committed=False))
            elif action == "deleted":
                values = _entry(session, obj, action, _column_values(obj, committed=True), None)
            else:
                values = _entry(session, obj, action, *_before_update(obj))
            if values is not None:
                rows.setdefault(id(table), (table, []))[1].append(values)
    for table, values_list in rows.values():
        session.connection().execute(sa.insert(table), values_list)
