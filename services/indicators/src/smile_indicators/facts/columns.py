"""Column helpers shared by the fact tables."""

from __future__ import annotations

import sqlalchemy as sa

from smile_common.db import UTCDateTime

__all__ = ["state_columns", "tenant_column"]


def tenant_column() -> sa.Column[str]:
    return sa.Column("tenant", sa.String(255), primary_key=True)


def state_columns() -> list[sa.Column[object]]:
    """Time and id of the event that wrote the row's current state (last writer wins, ties by id)."""
    return [
        sa.Column("state_at", UTCDateTime(), nullable=False),
        sa.Column("state_event", sa.String(64), nullable=False),
    ]
