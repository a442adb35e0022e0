"""The messaging tables every service has in its own schema: outbox, inbox and dead letters."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from smile_common.db.base import JSONType, UTCDateTime

__all__ = ["MessagingTables", "messaging_tables"]

_BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


@dataclass(frozen=True)
class MessagingTables:
    outbox: sa.Table
    inbox: sa.Table
    dead_letter: sa.Table


def messaging_tables(metadata: sa.MetaData) -> MessagingTables:
    """Declare the outbox, inbox and dead-letter tables on a service's metadata."""
    outbox = sa.Table(
        "outbox",
        metadata,
        sa.Column("seq", _BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("tenant", sa.String(255), nullable=False),
        sa.Column("envelope", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    sa.Index(
        "ix_outbox_pending",
        outbox.c.seq,
        postgresql_where=outbox.c.published_at.is_(None),
        sqlite_where=outbox.c.published_at.is_(None),
    )
    sa.Index("ix_outbox_published_at", outbox.c.published_at)
    inbox = sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
    )
    dead_letter = sa.Table(
        "dead_letter",
        metadata,
        sa.Column("id", _BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("consumer", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("envelope", JSONType, nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    return MessagingTables(outbox=outbox, inbox=inbox, dead_letter=dead_letter)
