"""The audit trail's table, declared in each service's own schema."""

from __future__ import annotations

import sqlalchemy as sa

from smile_common.db.base import JSONType, UTCDateTime

__all__ = ["audit_table", "audit_table_for"]

_BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: the audit table of each service's metadata, so that automatic capture finds where to write.
_TABLES: dict[int, sa.Table] = {}


def audit_table(metadata: sa.MetaData) -> sa.Table:
    """Declare ``audit_log`` on a service's metadata (append-only: no API updates or deletes it)."""
    table = sa.Table(
        "audit_log",
        metadata,
        sa.Column("id", _BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(255), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("actor_type", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(255), nullable=False),
        sa.Column("actor_roles", sa.String(255), nullable=True),
        sa.Column("on_behalf_of", sa.String(255), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=False),
        sa.Column("object_id", sa.String(255), nullable=False),
        #: the person the object is about (ESI, else e-mail), for "what happened to my data".
        sa.Column("person", sa.String(320), nullable=True),
        #: ``{"field": {"before": …, "after": …}}``; sensitive values are masked.
        sa.Column("changes", JSONType, nullable=True),
        sa.Column("detail", sa.String(1000), nullable=True),
        sa.Column("correlation_id", sa.String(128), nullable=True),
        #: the event being handled when the change was made, if any.
        sa.Column("event_id", sa.String(64), nullable=True),
    )
    sa.Index("ix_audit_log_object", table.c.tenant, table.c.object_type, table.c.object_id, table.c.id)
    sa.Index("ix_audit_log_person", table.c.tenant, table.c.person, table.c.id)
    sa.Index("ix_audit_log_occurred_at", table.c.occurred_at)
    _TABLES[id(metadata)] = table
    return table


def audit_table_for(metadata: sa.MetaData) -> sa.Table | None:
    """The audit table declared on ``metadata``, if the service has one."""
    return _TABLES.get(id(metadata))
