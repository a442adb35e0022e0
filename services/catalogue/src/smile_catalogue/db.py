"""The catalogue's schema: metadata, declarative base, messaging tables and outbox."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from smile_common.dataprotection import data_protection_tables
from smile_common.db import JSONType, UTCDateTime, make_metadata
from smile_common.db.migrations import UNMANAGED_TABLES
from smile_common.events import Outbox, messaging_tables

SCHEMA = "catalogue"
metadata = make_metadata(SCHEMA)
#: the SQLite full-text index (FTS5 virtual table, its shadow tables and triggers) is made by the migration
metadata.info[UNMANAGED_TABLES] = ("course_fts", "course_fts_*")
tables = messaging_tables(metadata)
#: audit trail, scheduled job runs and data-subject request answers (smile_common.dataprotection).
data_protection = data_protection_tables(metadata)
outbox = Outbox(tables.outbox, source="/smile/catalogue")

#: codes sort by bytes on both backends ("C" collation on PostgreSQL, BINARY on SQLite)
Code = sa.String(64).with_variant(postgresql.VARCHAR(64, collation="C"), "postgresql")
SortKey = sa.String(200).with_variant(postgresql.VARCHAR(200, collation="C"), "postgresql")


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def table_of(model: type[DeclarativeBase]) -> sa.Table:
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {
        datetime: UTCDateTime(),
        date: sa.Date(),
        dict[str, Any]: JSONType,
        dict[str, str]: JSONType,
        dict[str, int]: JSONType,
        list[str]: JSONType,
        list[dict[str, Any]]: JSONType,
        uuid.UUID: sa.Uuid(),
    }
